"""Evaluate the photos model: filling holes in held-out photographs, against two baselines.

    /usr/bin/python3 train/evaluate_photos.py --bundle assets/photos.bart \
        [--data .cache/data/photos.pt] [--run train/runs/photos] \
        [--results train/RESULTS-photos.md] [--samples train/photos-samples.png] \
        [--windows 64] [--group 8] [--seed 1]

(`make eval-photos` runs this, then re-exports so the card carries the numbers.)

Windows: `--windows` 128x128 crops of the validation photos (photos_data's
split is by photo, so no crop of them was seen in training), drawn with
PhotoCrops (random scale, offset, flip) visiting every validation photo in
turn, with a fixed seed.

Masks: free-form, two kinds at three sizes (5%, 15%, 30% of the window's
pixels): "strokes", brush strokes of 6-16 px width made of random-walk
segments (the last segment is shortened to hit the size within a few
pixels), and "blobs", one star-shaped blob (a circle whose radius varies with
four random low harmonics, grown to the size; it may leave the window). The
windows are split into groups of `--group`; every group gets its own mask of
each kind and size (6 x windows/group masks in all).

Methods, all composited into the hole with the pixel mask (pixels outside
the hole are the original's; the editor's `--feather` blend outside the mask
is not applied to any method):

- model: the editing procedure of the product (docs/editing.md, edit.py's
  `masked_edit`, the bundle's sampling defaults): the token mask is every
  token touched by the pixel mask, masked tokens start as noise and are
  resampled at every scale from T down to 1 while kept tokens are the
  encoded window; the VQ decode of the result fills the hole. Run in PyTorch
  from the bundle as exported (F16 weights included).
- VQ round trip: decode(encode(window)) in the hole, no sampling: the best
  the first stage allows (a reference, not a method).
- harmonic: the smooth fill, Laplace's equation on the hole pixels with the
  pixels around the hole as the Dirichlet boundary (4-neighbour stencil,
  per channel, conjugate gradients to a relative residual of 1e-6).
- mean colour: the mean colour of the window's pixels outside the hole.

Metrics, per window, then averaged: PSNR inside the hole (RGB, 0-255); SSIM
inside the hole (Gaussian 11x11, sigma 1.5, on the luminance Y = 0.299 R +
0.587 G + 0.114 B, the SSIM map averaged over the hole pixels; windows that
straddle the hole see kept pixels too); seam, the mean absolute luminance
difference |Y(p) - Y(q)| over 4-neighbour pairs with p in the hole and q
outside (lower is a softer transition; the same pairs on the original give
the natural level, so a fill far below it is smoother than the photo).

Writes `--results` (train/RESULTS-photos.md, a file of its own: train/evaluate.py
rewrites train/RESULTS.md as a whole, so neither script ever touches the
other's output; the hand-written train/RESULTS-photos.notes.md is appended
when it exists), the contact sheet `--samples` (one window per mask setting, from
different groups: input with the hole in grey, mask, model, harmonic fill,
original) and <run>/eval-photos.json, whose
metrics train_photos.py export puts on the model card.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import photos_data as pdata  # noqa: E402
import trainutil as tu  # noqa: E402
from bundle import load_models, read_bart  # noqa: E402
from edit import masked_edit  # noqa: E402
from layout import grid_size  # noqa: E402

KINDS = ("strokes", "blobs")
SIZES = (0.05, 0.15, 0.30)
METHODS = ("model", "vq", "harmonic", "mean")
METHOD_NAMES = {"model": "model (chain)", "vq": "VQ round trip (reference)",
                "harmonic": "harmonic fill", "mean": "mean colour"}


# ------------------------------------------------------------------- masks


def _coverage(m):
    return float(m.mean())


def stroke_mask(size, frac, rng):
    """Brush strokes covering `frac` of a size x size window (bool (size, size))."""
    from PIL import Image, ImageDraw
    target = frac * size * size
    im = Image.new("L", (size, size), 0)
    for _ in range(200):  # strokes
        w = int(rng.integers(6, 17))
        x, y = rng.uniform(0, size, 2)
        angle = rng.uniform(0, 2 * math.pi)
        draw = ImageDraw.Draw(im)
        draw.ellipse([x - w / 2, y - w / 2, x + w / 2, y + w / 2], fill=255)
        if np.count_nonzero(np.asarray(im)) >= target:
            break
        for _ in range(int(rng.integers(2, 7))):  # segments
            angle += rng.uniform(-1.0, 1.0)
            length = rng.uniform(12, 40)

            def seg(f):
                cand = im.copy()
                d = ImageDraw.Draw(cand)
                x2, y2 = x + f * length * math.cos(angle), y + f * length * math.sin(angle)
                d.line([x, y, x2, y2], fill=255, width=w)
                d.ellipse([x2 - w / 2, y2 - w / 2, x2 + w / 2, y2 + w / 2], fill=255)
                return cand, x2, y2

            cand, x2, y2 = seg(1.0)
            if np.count_nonzero(np.asarray(cand)) >= target:
                lo, hi = 0.0, 1.0  # shorten the last segment to hit the size
                for _ in range(12):
                    mid = (lo + hi) / 2
                    if np.count_nonzero(np.asarray(seg(mid)[0])) >= target:
                        hi = mid
                    else:
                        lo = mid
                return np.asarray(seg(hi)[0]) > 0
            im, x, y = cand, x2, y2
            if not (-w < x < size + w and -w < y < size + w):
                break
    return np.asarray(im) > 0


def blob_mask(size, frac, rng):
    """One star-shaped blob covering `frac` of the window (bool (size, size))."""
    target = frac * size * size
    cy, cx = rng.uniform(0.25 * size, 0.75 * size, 2)
    ks = np.arange(2, 6)
    amp = rng.uniform(-0.25, 0.25, len(ks)) / (ks - 1)
    phase = rng.uniform(0, 2 * math.pi, len(ks))
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    dist = np.hypot(yy - cy, xx - cx)
    theta = np.arctan2(yy - cy, xx - cx)
    shape = 1 + (amp[:, None, None] * np.cos(ks[:, None, None] * theta + phase[:, None, None])).sum(0)
    lo, hi = 0.0, 2.0 * size
    for _ in range(40):
        r = (lo + hi) / 2
        if np.count_nonzero(dist < r * shape) >= target:
            hi = r
        else:
            lo = r
    return dist < hi * shape


def make_mask(kind, size, frac, rng):
    return (stroke_mask if kind == "strokes" else blob_mask)(size, frac, rng)


def token_mask(pixel_mask, g):
    """(g*g,) bool: every token with at least one masked pixel (raster order)."""
    s = pixel_mask.shape[0] // g
    return torch.from_numpy(pixel_mask.reshape(g, s, g, s).any(axis=(1, 3)).reshape(-1).copy())


# --------------------------------------------------------------- baselines


def _neighbour_sum(x):
    """Sum of the 4 neighbours of every pixel of x (..., H, W), zero outside the image."""
    out = np.zeros_like(x)
    out[..., 1:, :] += x[..., :-1, :]
    out[..., :-1, :] += x[..., 1:, :]
    out[..., :, 1:] += x[..., :, :-1]
    out[..., :, :-1] += x[..., :, 1:]
    return out


def harmonic_fill(img, hole, tol=1e-6, max_iter=10000):
    """img (H, W, 3) float, hole (H, W) bool -> img with the hole solving Laplace's
    equation (Dirichlet: the pixels next to the hole; image borders are Neumann)."""
    x = np.transpose(img, (2, 0, 1)).astype(np.float64)  # (3, H, W)
    h = hole.astype(np.float64)
    deg = _neighbour_sum(np.ones_like(h))
    known = x * (1 - h)
    b = _neighbour_sum(known) * h  # known neighbours, moved to the right-hand side

    def A(v):  # v is zero outside the hole
        return (deg * v - _neighbour_sum(v)) * h

    edge = (_neighbour_sum(h) > 0) & ~hole  # known pixels next to the hole
    start = x[:, edge].mean(axis=1) if edge.any() else x.reshape(3, -1).mean(axis=1)
    u = start[:, None, None] * h  # start from the mean boundary colour
    r = b - A(u)
    p = r.copy()
    rs = (r * r).sum(axis=(1, 2))
    b_norm = np.sqrt((b * b).sum(axis=(1, 2))) + 1e-12
    for _ in range(max_iter):
        if (np.sqrt(rs) <= tol * b_norm).all():
            break
        ap = A(p)
        alpha = rs / np.maximum((p * ap).sum(axis=(1, 2)), 1e-30)
        u += alpha[:, None, None] * p
        r -= alpha[:, None, None] * ap
        rs_new = (r * r).sum(axis=(1, 2))
        p = r + (rs_new / np.maximum(rs, 1e-30))[:, None, None] * p
        rs = rs_new
    out = x * (1 - h) + u * h
    return np.transpose(out, (1, 2, 0))


def mean_fill(img, hole):
    out = img.astype(np.float64).copy()
    out[hole] = img[~hole].reshape(-1, 3).mean(0)
    return out


# ----------------------------------------------------------------- metrics


def luma(img):
    img = np.asarray(img, dtype=np.float64)
    return img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114


def psnr_hole(a, b, hole):
    d = (np.asarray(a, np.float64) - np.asarray(b, np.float64))[hole]
    mse = float((d ** 2).mean())
    return 10 * math.log10(255.0 ** 2 / max(mse, 1e-10))


def _gauss(n=11, sigma=1.5):
    x = np.arange(n) - (n - 1) / 2
    g = np.exp(-x ** 2 / (2 * sigma ** 2))
    g /= g.sum()
    return torch.tensor(np.outer(g, g), dtype=torch.float64)[None, None]


_W = _gauss()


def ssim_map(a, b):
    """SSIM map (H, W) of two luminance images in 0-255 (reflect padding)."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    x = torch.tensor(a, dtype=torch.float64)[None, None]
    y = torch.tensor(b, dtype=torch.float64)[None, None]
    f = lambda z: F.conv2d(F.pad(z, (5, 5, 5, 5), mode="reflect"), _W)
    mx, my = f(x), f(y)
    sxx, syy, sxy = f(x * x) - mx ** 2, f(y * y) - my ** 2, f(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (sxx + syy + c2))
    return s[0, 0].numpy()


def ssim_hole(a, b, hole):
    return float(ssim_map(luma(a), luma(b))[hole].mean())


def seam(img, hole):
    """Mean |Y(p) - Y(q)| over 4-neighbour pairs with exactly one of p, q in the hole."""
    y = luma(img)
    jumps = []
    for axis in (0, 1):
        a = np.take(hole, range(hole.shape[axis] - 1), axis=axis)
        b = np.take(hole, range(1, hole.shape[axis]), axis=axis)
        ya = np.take(y, range(y.shape[axis] - 1), axis=axis)
        yb = np.take(y, range(1, y.shape[axis]), axis=axis)
        jumps.append(np.abs(ya - yb)[a != b])
    j = np.concatenate(jumps)
    return float(j.mean()) if len(j) else float("nan")


# -------------------------------------------------------------------- main


def to_u8(x):
    """(B, 3, H, W) in [-1, 1] -> (B, H, W, 3) uint8 numpy."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


@torch.no_grad()
def run_eval(meta, vq, scales, windows, n_group, seed, log=print):
    """Every method on every window under every (kind, size); returns (per-image records,
    examples for the contact sheet)."""
    g = grid_size(meta)
    res = meta["image_size"]
    smp = meta["sampling"]
    gen = torch.Generator().manual_seed(seed)
    x = windows.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    x0 = torch.cat([vq.encode_codes(x[i:i + 32], gen) for i in range(0, len(x), 32)])
    recon = np.concatenate([to_u8(vq.decode_codes(x0[i:i + 32])) for i in range(0, len(x0), 32)])
    records, examples = [], {}
    n_groups = math.ceil(len(windows) / n_group)
    bar = tu.Progress(len(KINDS) * len(SIZES) * n_groups, "eval photos")
    done = 0
    for ki, kind in enumerate(KINDS):
        for si, frac in enumerate(SIZES):
            for j in range(n_groups):
                rng = np.random.default_rng([seed, ki, si, j])
                hole = make_mask(kind, res, frac, rng)
                tm = token_mask(hole, g)
                rows = list(range(j * n_group, min(len(windows), (j + 1) * n_group)))
                codes = masked_edit(meta, scales, x0[rows], tm, [], smp["chain"], smp["top_k"],
                                    smp["temperature"], gen)
                dec = to_u8(vq.decode_codes(codes))
                for r, i in enumerate(rows):
                    orig = windows[i].numpy()
                    fills = {"model": dec[r], "vq": recon[i],
                             "harmonic": harmonic_fill(orig, hole), "mean": mean_fill(orig, hole)}
                    rec = {"kind": kind, "size": frac, "window": i, "hole": _coverage(hole),
                           "tokens": float(tm.float().mean()), "seam_original": seam(orig, hole)}
                    for name, fill in fills.items():
                        out = orig.copy()  # 8-bit, as the editor writes it
                        out[hole] = np.clip(np.round(np.asarray(fill, np.float64)[hole]), 0, 255)
                        rec[f"psnr_{name}"] = psnr_hole(out, orig, hole)
                        rec[f"ssim_{name}"] = ssim_hole(out, orig, hole)
                        rec[f"seam_{name}"] = seam(out, hole)
                        if j == (ki * len(SIZES) + si) % n_groups and r == 0:
                            examples.setdefault((kind, frac), {"original": orig, "hole": hole})
                            examples[(kind, frac)][name] = out
                    records.append(rec)
                done += 1
                bar.update(done, kind=kind, size=frac)
    bar.close()
    return records, examples


def summarise(records):
    """{(kind, size): {metric: mean}} and the same per size over both kinds."""
    out = {}
    keys = [k for k in records[0] if k not in ("kind", "size", "window")]
    for kind in KINDS + ("all",):
        for size in SIZES:
            rs = [r for r in records if r["size"] == size and (kind == "all" or r["kind"] == kind)]
            if rs:
                out[(kind, size)] = {k: float(np.mean([r[k] for r in rs])) for k in keys}
                out[(kind, size)]["n"] = len(rs)
    return out


def save_sheet(path, examples, scale=2):
    from PIL import Image, ImageDraw
    cols = ["input", "mask", "model", "harmonic fill", "original"]
    cell = 128 * scale
    pad, label_w, head = 6, 120, 18
    order = [(k, s) for k in KINDS for s in SIZES if (k, s) in examples]
    W = label_w + len(cols) * (cell + pad)
    H = head + len(order) * (cell + pad)
    sheet = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for c, name in enumerate(cols):
        draw.text((label_w + c * (cell + pad) + 4, 3), name, fill=(0, 0, 0))
    for r, key in enumerate(order):
        e = examples[key]
        y = head + r * (cell + pad)
        draw.text((4, y + 4), f"{key[0]}\n{int(round(key[1] * 100))}% of the\nwindow", fill=(0, 0, 0))
        inp = e["original"].copy()
        inp[e["hole"]] = 128
        mask = np.repeat((e["hole"] * 255).astype(np.uint8)[..., None], 3, axis=2)
        for c, a in enumerate([inp, mask, e["model"], e["harmonic"], e["original"]]):
            tile = Image.fromarray(a).resize((cell, cell), Image.NEAREST)
            sheet.paste(tile, (label_w + c * (cell + pad), y))
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    sheet.save(path, optimize=True)


def card_metrics(summary):
    m = {}
    for size in SIZES:
        s = summary[("all", size)]
        pct = int(round(size * 100))
        for name in ("model", "harmonic", "mean"):
            m[f"inpaint{pct}_psnr_{name}"] = s[f"psnr_{name}"]
            m[f"inpaint{pct}_ssim_{name}"] = s[f"ssim_{name}"]
            m[f"inpaint{pct}_seam_{name}"] = s[f"seam_{name}"]
    return m


def _fmt(v, nd=2):
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{nd}f}"


def write_results(path, args, meta, summary, n_windows, n_photos, seconds):
    card = meta.get("metrics", {})
    T = len(meta["scales"])
    fs = meta["first_stage"]
    smp = meta["sampling"]
    lines = ["# Results of the photos model", "",
             f"Generated by `make eval-photos` (`train/evaluate_photos.py`) from `{args.bundle}`; "
             "every number below was measured by that command (PyTorch, fixed seeds). "
             "The emoji model's results are in [RESULTS.md](RESULTS.md).", "",
             "## Model", "",
             f"- Card: {meta['description']}",
             f"- Licence: {meta['license']}.",
             f"- First stage: VQGAN ch {fs['ch']}, ch_mult {fs['ch_mult']}, {fs['n_embed']} codes "
             f"({meta['codebook_size']} used, remap `{fs['remap']}`), embed_dim {fs['embed_dim']}, "
             f"{fs['resolution']}x{fs['resolution']} pixels, f=8 ({grid_size(meta)}x"
             f"{grid_size(meta)} tokens); validation PSNR "
             f"{_fmt(card.get('vq_val_psnr'))} dB after {int(card.get('vq_steps', 0))} steps.",
             f"- Schedule: {meta['schedule']['kind']}, betas {meta['schedule']['betas']}."]
    for sc in meta["scales"]:
        t = sc["scale"]
        steps = card.get(f"scale{t}_steps")
        bits = card.get(f"scale{t}_val_bits_per_token")
        trained = (f"{int(steps)} steps, validation NLL {_fmt(bits, 3)} bits/token"
                   if steps is not None else "not trained")
        if sc["arch"] == "gpt":
            lines.append(f"- Scale {t}: GPT, {sc['n_layer']} layers, width {sc['n_embd']}; {trained}.")
        else:
            lines.append(f"- Scale {t}: encoder-decoder, {sc['enc_depth']}+{sc['dec_depth']} "
                         f"layers, width {sc['dim']}, residual-scaled; {trained}.")
    lines += [f"- Training time (summed over resumed runs): "
              f"{_fmt(card.get('train_minutes', float('nan')) / 60, 1)} hours. "
              f"log2 K = {math.log2(meta['codebook_size']):.2f} bits is the uniform level.", "",
              "## Filling holes in held-out photos", "",
              f"{n_windows} windows of 128x128 pixels from {n_photos} validation photos (split by "
              "photo: none of them was trained on). Free-form masks of two kinds (brush strokes, "
              "one blob) at 5%, 15% and 30% of the window; every group of "
              f"{args.group} windows has its own mask per kind and size. The model runs the "
              f"product's masked forward-backward edit (chain {smp['chain']}, top-k "
              f"{smp['top_k']}, temperature {smp['temperature']}; lists from scale 1 to {T}) on every token "
              "the mask touches; every method is composited into the hole with the pixel mask. "
              "PSNR and SSIM are measured inside the hole only; the seam is the mean absolute "
              "luminance step between a hole pixel and its neighbour outside (0-255; the "
              "original photo's value on the same pixel pairs is the natural level). "
              "`train/evaluate_photos.py` documents every choice.", ""]

    def table(metric, title, nd, higher_better=True, with_original=False):
        head = "| mask | hole | tokens regenerated | " + " | ".join(METHOD_NAMES[m] for m in METHODS)
        sep = "|---|---|---|" + "---|" * len(METHODS)
        if with_original:
            head += " | original photo"
            sep += "---|"
        out = [f"### {title}", "", head + " |", sep]
        for kind in KINDS + ("all",):
            for size in SIZES:
                s = summary.get((kind, size))
                if s is None:
                    continue
                name = f"{kind} {int(round(size * 100))}%" if kind != "all" else \
                    f"**both {int(round(size * 100))}%**"
                row = (f"| {name} | {100 * s['hole']:.1f}% | {100 * s['tokens']:.0f}% | " +
                       " | ".join(_fmt(s[f'{metric}_{m}'], nd) for m in METHODS))
                if with_original:
                    row += f" | {_fmt(s['seam_original'], nd)}"
                out.append(row + " |")
        return out + [""]

    lines += table("psnr", "PSNR inside the hole (dB, higher is better)", 2)
    lines += table("ssim", "SSIM inside the hole (luminance, higher is better)", 3)
    lines += table("seam", "Seam (mean absolute luminance step across the hole's edge)", 2,
                   with_original=True)

    lines += ["## Model against the baselines (computed from the tables above)", ""]
    for metric, label, better in (("psnr", "PSNR", max), ("ssim", "SSIM", max)):
        for base in ("harmonic", "mean"):
            wins = [(k, s) for (k, s), v in summary.items() if k != "all"
                    and v[f"{metric}_model"] > v[f"{metric}_{base}"]]
            lines.append(f"- {label}: the model beats the {METHOD_NAMES[base]} in {len(wins)} of "
                         f"{len(KINDS) * len(SIZES)} mask settings"
                         + (f" ({', '.join(f'{k} {int(round(s * 100))}%' for k, s in wins)})."
                            if wins else "."))
    closer = [(k, s) for (k, s), v in summary.items() if k != "all"
              and abs(v["seam_model"] - v["seam_original"]) < abs(v["seam_harmonic"] -
                                                                  v["seam_original"])]
    lines.append(f"- Seam: the model's seam is nearer the photo's own level than the harmonic "
                 f"fill's in {len(closer)} of {len(KINDS) * len(SIZES)} mask settings.")
    vq_gap = np.mean([v["psnr_vq"] - v["psnr_model"] for (k, s), v in summary.items() if k != "all"])
    lines.append(f"- The VQ round trip is {vq_gap:.2f} dB PSNR above the model on average: "
                 "the part of the model's error that is the chain's, not the first stage's.")
    notes = os.path.splitext(path)[0] + ".notes.md"
    if os.path.exists(notes):
        with open(notes, encoding="utf-8") as f:
            lines += ["", f.read().rstrip()]
    rel = os.path.relpath(os.path.abspath(args.samples), os.path.dirname(os.path.abspath(path)))
    lines += ["", f"![contact sheet]({rel})", "",
              f"`{rel}`: one window per mask setting: the input (hole in grey), the mask, the "
              f"model's fill, the harmonic fill and the original (evaluation took "
              f"{seconds / 60:.1f} min).", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", default="assets/photos.bart")
    ap.add_argument("--data", default=".cache/data/photos.pt")
    ap.add_argument("--run", default="train/runs/photos",
                    help="where eval-photos.json goes (for the card); none if empty")
    ap.add_argument("--results", default="train/RESULTS-photos.md")
    ap.add_argument("--samples", default="train/photos-samples.png")
    ap.add_argument("--windows", type=int, default=64, help="validation windows")
    ap.add_argument("--group", type=int, default=8, help="windows that share a mask (one batch)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    tu.set_threads()
    t0 = time.time()
    meta, tensors = read_bart(args.bundle)
    vq, scales = load_models(meta, tensors)
    if meta["conditioning"]["class"] is not None or meta["conditioning"]["text"] is not None:
        raise SystemExit("evaluate_photos: expects an unconditional model")
    d = pdata.load(args.data)
    from train_photos import crops_u8
    val = pdata.PhotoCrops(d, "val", crop=meta["image_size"], cache=True)
    windows = crops_u8(val, args.windows, args.seed * 1000 + 7)
    n_photos = len(val)
    log = lambda s: print("eval-photos: " + s, file=sys.stderr)
    records, examples = run_eval(meta, vq, scales, windows, args.group, args.seed, log)
    summary = summarise(records)
    seconds = time.time() - t0
    metrics = card_metrics(summary)
    metrics["eval_photos_minutes"] = seconds / 60
    if args.run:
        os.makedirs(args.run, exist_ok=True)
        with open(os.path.join(args.run, "eval-photos.json"), "w", encoding="utf-8") as f:
            json.dump({"metrics": metrics, "bundle": args.bundle,
                       "summary": {f"{k}_{int(round(s * 100))}": v for (k, s), v in summary.items()}},
                      f, indent=1)
    save_sheet(args.samples, examples)
    write_results(args.results, args, meta, summary, len(windows), n_photos, seconds)
    for size in SIZES:
        s = summary[("all", size)]
        log(f"{int(size * 100)}%: PSNR model {s['psnr_model']:.2f} / harmonic "
            f"{s['psnr_harmonic']:.2f} / mean {s['psnr_mean']:.2f} dB; SSIM "
            f"{s['ssim_model']:.3f} / {s['ssim_harmonic']:.3f} / {s['ssim_mean']:.3f}; seam "
            f"{s['seam_model']:.2f} / {s['seam_harmonic']:.2f} / {s['seam_mean']:.2f} "
            f"(photo {s['seam_original']:.2f})")
    log(f"wrote {args.results}, {args.samples} ({seconds / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
