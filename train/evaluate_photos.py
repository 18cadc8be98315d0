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
- model + seamless blend: the model's fill blended in the gradient domain,
  as the editor and `bartedit inpaint` do by default for a model without
  prompts (canvas.Seamless): fill + the harmonic function (the harmonic
  fill below, applied to the difference) that equals original - fill on
  the pixels around the hole. The fill keeps its texture, the hole's
  colours meet the surroundings.
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
when it exists), the contact sheet `--samples` (one window per mask setting,
from different groups: input with the hole in grey, mask, model, model +
seamless blend, harmonic fill, original) and <run>/eval-photos.json, whose
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

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import photos_data as pdata  # noqa: E402
import trainutil as tu  # noqa: E402
from bundle import load_models, read_bart  # noqa: E402
from edit import masked_edit  # noqa: E402
from inpaint_metrics import (coverage, harmonic_fill, make_mask, mean_fill, psnr_hole,  # noqa: E402
                             seam, seamless_fill, ssim_hole, token_mask)
from layout import grid_size  # noqa: E402

KINDS = ("strokes", "blobs")
SIZES = (0.05, 0.15, 0.30)
METHODS = ("model", "seamless", "vq", "harmonic", "mean")
MODEL_METHODS = ("model", "seamless")
METHOD_NAMES = {"model": "model (chain)", "seamless": "model + seamless blend (editor default)",
                "vq": "VQ round trip (reference)",
                "harmonic": "harmonic fill", "mean": "mean colour"}


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
                             "seamless": seamless_fill(orig, dec[r], hole),
                             "harmonic": harmonic_fill(orig, hole), "mean": mean_fill(orig, hole)}
                    rec = {"kind": kind, "size": frac, "window": i, "hole": coverage(hole),
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
    cols = ["input", "mask", "model", "model + seamless", "harmonic fill", "original"]
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
        for c, a in enumerate([inp, mask, e["model"], e["seamless"], e["harmonic"], e["original"]]):
            tile = Image.fromarray(a).resize((cell, cell), Image.NEAREST)
            sheet.paste(tile, (label_w + c * (cell + pad), y))
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    sheet.save(path, optimize=True)


def card_metrics(summary):
    m = {}
    for size in SIZES:
        s = summary[("all", size)]
        pct = int(round(size * 100))
        for name in ("model", "seamless", "harmonic", "mean"):
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
    lines += [f"- Training time (the stages' wall times summed, over resumed runs; stages that "
              f"ran side by side count each): "
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
    n_settings = len(KINDS) * len(SIZES)
    for ours in MODEL_METHODS:
        for metric, label in (("psnr", "PSNR"), ("ssim", "SSIM")):
            for base in ("harmonic", "mean"):
                wins = [(k, s) for (k, s), v in summary.items() if k != "all"
                        and v[f"{metric}_{ours}"] > v[f"{metric}_{base}"]]
                lines.append(f"- {label}: {METHOD_NAMES[ours]} beats the {METHOD_NAMES[base]} in "
                             f"{len(wins)} of {n_settings} mask settings"
                             + (f" ({', '.join(f'{k} {int(round(s * 100))}%' for k, s in wins)})."
                                if wins else "."))
        closer = [(k, s) for (k, s), v in summary.items() if k != "all"
                  and abs(v[f"seam_{ours}"] - v["seam_original"]) < abs(v["seam_harmonic"] -
                                                                         v["seam_original"])]
        lines.append(f"- Seam: {METHOD_NAMES[ours]} is nearer the photo's own level than the "
                     f"harmonic fill in {len(closer)} of {n_settings} mask settings.")
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
              f"model's fill, the same with the seamless blend, the harmonic fill and the "
              f"original (evaluation took "
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
        log(f"{int(size * 100)}%: PSNR model {s['psnr_model']:.2f} / seamless "
            f"{s['psnr_seamless']:.2f} / harmonic {s['psnr_harmonic']:.2f} / mean "
            f"{s['psnr_mean']:.2f} dB; SSIM {s['ssim_model']:.3f} / {s['ssim_seamless']:.3f} / "
            f"{s['ssim_harmonic']:.3f} / {s['ssim_mean']:.3f}; seam {s['seam_model']:.2f} / "
            f"{s['seam_seamless']:.2f} / {s['seam_harmonic']:.2f} / {s['seam_mean']:.2f} "
            f"(photo {s['seam_original']:.2f})")
    log(f"wrote {args.results}, {args.samples} ({seconds / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
