"""Evaluate a trained emoji bundle; write train/RESULTS.md and train/samples.png.

    /usr/bin/python3 train/evaluate.py --run train/runs/emoji --bundle assets/default.bart

Measures (numbers also go to <run>/eval.json, which export.py puts on the
model card):

- first stage: validation PSNR and codebook usage (from training);
- chain: validation NLL per scale in bits/token (from training, EMA weights);
- a small CNN category classifier (9 categories) trained on the training split
  (real images and their VQ reconstructions); its validation accuracy, then
  its accuracy on (a) class-prompted samples, (b) text-prompted samples
  naming an emoji, (c) edits of validation images whose central 50% of
  tokens is masked and a subcategory of another category is asked for;
- upper-half completion of validation images (lower half of the token grid
  regenerated, no prompt): FID on the classifier's penultimate features
  against the validation images, for the full chain (the bundle's editing
  defaults) and for the plain autoregressive baseline (a GPT on x_0 trained
  with the same budget as scale T, `train_chain.py --scales 0`), the
  comparison of the paper's Table 3.

Everything samples from the bundle as exported (F16 weights included), in
PyTorch, with fixed seeds.
"""

import argparse
import json
import math
import os
import random
import sys
import time

import torch

import trainutil as tu
from bundle import load_models, read_bart
from classifier import Classifier, fid, predict, train_classifier
from layout import grid_size, n_tokens
from sampling import reverse_step, tokenize
from train_vq import to_float

GRID_CLASSES = ["face-smiling", "animal-mammal", "food-fruit", "plant-flower",
                "transport-ground", "sport", "heart", "sky & weather"]
GRID_TEXTS = ["red apple", "grinning face", "dog face", "pizza", "fire", "sun",
              "automobile", "red heart"]


# ------------------------------------------------------ first stage helpers


def saturation_kept(x, r, coloured=0.15):
    """Mean saturation (max - min of R, G, B in [0, 1]) of reconstructions r
    over that of the originals x, on the pixels whose original saturation is
    above `coloured`: 1 when colours come back as vivid, below when washed out."""
    sat = lambda t: (t.max(1)[0] - t.min(1)[0]) / 2  # [-1, 1] images
    m = sat(x) > coloured
    return float(sat(r)[m].mean() / sat(x)[m].mean())


@torch.no_grad()
def reconstruct(vq, images_u8, batch=128):
    out = []
    for i in range(0, len(images_u8), batch):
        x = to_float(images_u8[i:i + batch], "cpu")
        out.append(vq.decode_codes(vq.encode_codes(x)).clamp(-1, 1))
    return torch.cat(out)


# ------------------------------------------------------------------ sampling


@torch.no_grad()
def chain_edit(meta, scales, x0, mask, cond, chain, top_k, temperature, gen, on_step=None):
    """edit.masked_edit with one condition row per batch row: cond (B, P).

    mask (N,) bool = regenerate; x0 (B, N) codes (ignored under the mask).
    """
    T, k, sos, n = len(scales), meta["codebook_size"], meta["tokens"]["sos"], n_tokens(meta)
    betas = meta["schedule"]["betas"]
    b = x0.shape[0]
    x = x0.clone()
    midx = torch.nonzero(mask).reshape(-1)
    x[:, midx] = torch.randint(0, k, (b, len(midx)), generator=gen)
    known = x0.clone()
    known[:, mask] = -1
    for t in range(T, 0, -1):
        c = chain[t - 1]
        for i in range(c):
            if i > 0:
                p = (1.0 - i / c) * float(betas[t])
                u = torch.rand((b, len(midx)), generator=gen)
                codes = torch.randint(0, k, (b, len(midx)), generator=gen)
                x[:, midx] = torch.where(u < p, codes, x[:, midx])
            first = torch.full((b, 1), t, dtype=torch.int64)
            src = torch.cat([first, cond, x], 1) if t < T else torch.cat([first, cond], 1)
            out = reverse_step(scales[t - 1], src, top_k[t - 1], temperature[t - 1], gen,
                               known=known, n_tokens=n, sos=sos)
            if on_step is not None:
                on_step(t, i, out.clone())
            x = out
    return x


@torch.no_grad()
def baseline_edit(meta, gpt, x0, mask, cond, top_k, temperature, gen):
    """The plain autoregressive baseline: x_0 GPT with prefix [1, cond...]."""
    b = x0.shape[0]
    known = x0.clone()
    known[:, mask] = -1
    prefix = torch.cat([torch.ones((b, 1), dtype=torch.int64), cond], 1)
    return reverse_step(gpt, prefix, top_k, temperature, gen, known=known,
                        n_tokens=n_tokens(meta), sos=meta["tokens"]["sos"])


class Prompts:
    def __init__(self, meta):
        self.meta = meta
        c = meta["conditioning"]
        self.names = c["class"]["names"]
        self.txt = c["text"]
        self.co, self.to = meta["tokens"]["class_offset"], meta["tokens"]["text_offset"]

    def row(self, class_index=None, text=""):
        c = len(self.names) if class_index is None else class_index
        w = tokenize(text, self.txt["vocab"], self.txt["length"], self.txt["pad"], self.txt["unk"])
        return [self.co + c] + [self.to + i for i in w]

    def rows(self, items):
        return torch.tensor([self.row(c, t) for c, t in items], dtype=torch.int64)


@torch.no_grad()
def decode(vq, codes, batch=128):
    out = []
    for i in range(0, len(codes), batch):
        out.append(vq.decode_codes(codes[i:i + batch]).clamp(-1, 1))
    return torch.cat(out)


def to_u8(x):
    """(B, 3, H, W) in [-1, 1] -> (B, H, W, 3) uint8 numpy."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


# ---------------------------------------------------------------------- grid


def save_grid(path, rows, cell=64, scale=2, label_w=190):
    """rows: list of (label, [uint8 (64, 64, 3) images or None])."""
    from PIL import Image, ImageDraw
    cols = max(len(r[1]) for r in rows)
    s = cell * scale
    pad = 4
    W = label_w + cols * (s + pad)
    H = len(rows) * (s + pad)
    im = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(im)
    for r, (label, imgs) in enumerate(rows):
        y = r * (s + pad)
        for j, line in enumerate(label.split("\n")):
            draw.text((4, y + 4 + 12 * j), line, fill=(0, 0, 0))
        for c, a in enumerate(imgs):
            if a is None:
                continue
            tile = Image.fromarray(a).resize((s, s), Image.NEAREST)
            im.paste(tile, (label_w + c * (s + pad), y))
    im.save(path)


# ---------------------------------------------------------------------- main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", default="train/runs/emoji")
    ap.add_argument("--bundle", default="assets/default.bart")
    ap.add_argument("--data", default=".cache/data/emoji.pt")
    ap.add_argument("--results", default="train/RESULTS.md")
    ap.add_argument("--samples", default="train/samples.png")
    ap.add_argument("--clf-steps", type=int, default=600)
    ap.add_argument("--per-class", type=int, default=2, help="class/text samples per subcategory")
    ap.add_argument("--max-val", type=int, default=500, help="validation images for edits/FID")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    tu.set_threads()
    t_start = time.time()
    meta, tensors = read_bart(args.bundle)
    vq, scales = load_models(meta, tensors)
    T, K = len(scales), meta["codebook_size"]
    d = torch.load(args.data)
    tok = torch.load(os.path.join(args.run, "chain", "tokens.pt"))
    cat_names = d["category_names"]
    class_names = meta["conditioning"]["class"]["names"]
    sub_cat = {}
    for c, k in zip(d["cls"].tolist(), d["cat"].tolist()):
        sub_cat[c] = k
    P = Prompts(meta)
    smp = meta["sampling"]
    gen = torch.Generator().manual_seed(args.seed)
    metrics = {}
    log = lambda s: print("eval: " + s, file=sys.stderr)

    # ---- classifier
    val, has_cat = d["val"], d["cat"] >= 0
    tr_mask, va_mask = ~val & has_cat, val & has_cat
    clf_path = os.path.join(args.run, "eval", "classifier.pt")
    x_tr = to_float(d["images"][tr_mask], "cpu")
    x_va = to_float(d["images"][va_mask], "cpu")
    log("VQ reconstructions of the training and validation images")
    r_va = reconstruct(vq, d["images"][va_mask])
    # The classifier trains on images and their reconstructions: it is
    # reused only for the same first stage and steps.
    vq_id = tu.file_sha1(os.path.join(args.run, "vq", "final.pt"))
    saved = torch.load(clf_path) if os.path.exists(clf_path) else {}
    if saved.get("steps") == args.clf_steps and saved.get("vq") == vq_id:
        clf = Classifier(len(cat_names))
        clf.load_state_dict(saved["state_dict"])
        clf.eval()
    else:
        r_tr = reconstruct(vq, d["images"][tr_mask])
        y_tr = d["cat"][tr_mask]
        clf = train_classifier(torch.cat([x_tr, r_tr]), torch.cat([y_tr, y_tr]), len(cat_names),
                               args.clf_steps, log)
        os.makedirs(os.path.dirname(clf_path), exist_ok=True)
        torch.save({"state_dict": clf.state_dict(), "steps": args.clf_steps, "vq": vq_id}, clf_path)
    y_va = d["cat"][va_mask]
    p_va, f_va = predict(clf, x_va)
    p_rva, f_rva = predict(clf, r_va)
    metrics["clf_val_acc"] = float((p_va == y_va).float().mean())
    metrics["clf_val_recon_acc"] = float((p_rva == y_va).float().mean())
    metrics["vq_val_saturation_kept"] = saturation_kept(x_va, r_va)
    log(f"classifier: val {metrics['clf_val_acc']:.3f}, on VQ reconstructions "
        f"{metrics['clf_val_recon_acc']:.3f}")

    chain1 = [1] * T
    full = torch.ones(n_tokens(meta), dtype=torch.bool)
    zeros = lambda b: torch.zeros((b, n_tokens(meta)), dtype=torch.int64)

    # ---- (a) class-prompted samples
    classes = [c for c in range(len(class_names)) if sub_cat.get(c, -1) >= 0]
    items = [(c, "") for c in classes for _ in range(args.per_class)]
    codes = chain_edit(meta, scales, zeros(len(items)), full, P.rows(items), chain1, smp["top_k"],
                       smp["temperature"], gen)
    pred, _ = predict(clf, decode(vq, codes))
    want = torch.tensor([sub_cat[c] for c, _ in items])
    metrics["class_prompt_acc"] = float((pred == want).float().mean())
    log(f"class-prompted samples: category accuracy {metrics['class_prompt_acc']:.3f} "
        f"({len(items)} samples)")

    # ---- (b) text-prompted samples: the name of one emoji per subcategory
    first_name = {}
    for i in range(len(d["images"])):
        c = int(d["cls"][i])
        if c not in first_name and d["style"][i] == "twitter":
            first_name[c] = d["captions"][i][0]
    items = [(None, first_name[c]) for c in classes for _ in range(args.per_class)]
    codes = chain_edit(meta, scales, zeros(len(items)), full, P.rows(items), chain1, smp["top_k"],
                       smp["temperature"], gen)
    pred, _ = predict(clf, decode(vq, codes))
    want = torch.tensor([sub_cat[c] for c in classes for _ in range(args.per_class)])
    metrics["text_prompt_acc"] = float((pred == want).float().mean())
    log(f"text-prompted samples: category accuracy {metrics['text_prompt_acc']:.3f}")

    # ---- (c) centre-50% edits asking for another category
    vidx = torch.nonzero(va_mask).reshape(-1)[:args.max_val]
    x0 = tok["codes"][vidx]
    from edit import centred_block_mask
    centre = centred_block_mask(meta, n_tokens(meta) // 2)
    rng = random.Random(args.seed)
    asked = []
    for i in vidx.tolist():
        own = int(d["cat"][i])
        asked.append(rng.choice([c for c in classes if sub_cat[c] != own]))
    codes = chain_edit(meta, scales, x0, centre, P.rows([(c, "") for c in asked]), smp["chain"],
                       smp["top_k"], smp["temperature"], gen)
    pred, _ = predict(clf, decode(vq, codes))
    want = torch.tensor([sub_cat[c] for c in asked])
    metrics["edit_prompt_acc"] = float((pred == want).float().mean())
    metrics["edit_kept_own_category"] = float((pred == d["cat"][vidx]).float().mean())
    log(f"centre edits: asked category {metrics['edit_prompt_acc']:.3f}, "
        f"own category {metrics['edit_kept_own_category']:.3f}")

    # ---- upper-half completion: full chain vs the x_0 GPT baseline
    g = grid_size(meta)
    lower = torch.zeros(n_tokens(meta), dtype=torch.bool)
    lower[(g // 2) * g:] = True
    nullc = P.rows([(None, "")] * len(vidx))
    comp = chain_edit(meta, scales, x0, lower, nullc, smp["chain"], smp["top_k"],
                      smp["temperature"], gen)
    _, f_full = predict(clf, decode(vq, comp))
    _, f_real = predict(clf, to_float(d["images"][vidx], "cpu"))
    metrics["completion_fid_chain"] = fid(f_full, f_real)
    metrics["completion_fid_recon"] = fid(predict(clf, r_va[:len(vidx)])[1], f_real)
    base_path = os.path.join(args.run, "chain", "scale0", "last.pt")
    if os.path.exists(base_path):
        bck = torch.load(base_path)
        from train_chain import build_scale_model
        gpt = build_scale_model(bck["meta"], 0)
        gpt.load_state_dict(bck["ema_state_dict"])
        gpt.eval()
        comp_b = baseline_edit(meta, gpt, x0, lower, nullc, smp["top_k"][-1],
                               smp["temperature"][-1], gen)
        _, f_base = predict(clf, decode(vq, comp_b))
        metrics["completion_fid_baseline"] = fid(f_base, f_real)
        metrics["baseline_steps"] = float(bck["step"])
        if bck.get("val_bits_per_token") is not None:
            metrics["baseline_val_bits_per_token"] = float(bck["val_bits_per_token"])
    log("completion FID: " + ", ".join(f"{k}={v:.3f}" for k, v in metrics.items()
                                       if k.startswith("completion")))

    # ---- the grid
    rows = []
    idx_of = {n: i for i, n in enumerate(class_names)}
    gc = [c for c in GRID_CLASSES if c in idx_of]
    for rep in range(2):
        codes = chain_edit(meta, scales, zeros(len(gc)), full,
                           P.rows([(idx_of[c], "") for c in gc]), chain1, smp["top_k"],
                           smp["temperature"], gen)
        rows.append(("class prompts:\n" + ("\n".join(gc) if rep == 0 else "(same classes,\nnew seed)"),
                     list(to_u8(decode(vq, codes)))))
    for rep in range(2):
        codes = chain_edit(meta, scales, zeros(len(GRID_TEXTS)), full,
                           P.rows([(None, t) for t in GRID_TEXTS]), chain1, smp["top_k"],
                           smp["temperature"], gen)
        rows.append(("text prompts:\n" + ("\n".join(GRID_TEXTS) if rep == 0
                                          else "(same texts,\nnew seed)"),
                     list(to_u8(decode(vq, codes)))))
    edit_specs = [(0, "food-fruit"), (5, "animal-mammal"), (11, "face-smiling")]
    for j, cname in edit_specs:
        if j >= len(vidx) or cname not in idx_of:
            continue
        i = int(vidx[j])
        steps = []
        one = x0[j:j + 1]
        chain_edit(meta, scales, one, centre, P.rows([(idx_of[cname], "")]), smp["chain"],
                   smp["top_k"], smp["temperature"], gen,
                   on_step=lambda t, it, out: steps.append(out))
        orig = d["images"][i].numpy()
        masked = orig.copy()
        cell = 64 // g
        for pos in torch.nonzero(centre).reshape(-1).tolist():
            r, c = divmod(pos, g)
            masked[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell] = 128
        imgs = [orig, masked] + list(to_u8(decode(vq, torch.cat(steps))))
        rows.append((f"edit: centre ->\n{cname}\n\noriginal, mask, then\nevery reverse step\n"
                     f"(scale {T}..1, chain\n{list(reversed(smp['chain']))})", imgs))
    os.makedirs(os.path.dirname(os.path.abspath(args.samples)), exist_ok=True)
    save_grid(args.samples, rows)

    metrics["eval_minutes"] = (time.time() - t_start) / 60
    with open(os.path.join(args.run, "eval.json"), "w", encoding="utf-8") as f:
        json.dump({"metrics": metrics, "bundle": args.bundle}, f, indent=1)
    write_results(args, meta, tensors, metrics, tok)
    log(f"wrote {args.results}, {args.samples} ({metrics['eval_minutes']:.1f} min)")
    return 0


def gpt_size(meta):
    """The top-scale GPT's size in a run's meta, e.g. "6 layers, width 192"."""
    sc = meta["scales"][-1]
    return f"{sc['n_layer']} layers, width {sc['n_embd']}"


def write_results(args, meta, tensors, m, tok):
    card = meta.get("metrics", {})
    T = len(meta["scales"])
    lines = ["# Results of the default emoji model", "",
             "Generated by `make eval` (`train/evaluate.py`) from `" + args.bundle + "` and the "
             "checkpoints in `" + args.run + "`; every number below was measured by that command "
             "(PyTorch, fixed seeds). Chance level of the category classifier is 1/9 = 11%. "
             "The photos model's results are in [RESULTS-photos.md](RESULTS-photos.md).", "",
             "## Model", "",
             f"- Data: {len(tok['codes'])} emoji images (Twemoji + Noto, 64x64 on white), "
             f"{int(tok['val'].sum())} in validation (split by hash of the emoji's code).",
             f"- First stage: VQGAN ch {meta['first_stage']['ch']}, ch_mult "
             f"{meta['first_stage']['ch_mult']}, {meta['first_stage']['n_embed']} codes, "
             f"embed_dim {meta['first_stage']['embed_dim']}, f=8 (8x8 tokens), remap "
             f"`{meta['first_stage']['remap']}`.",
             f"- Schedule: {meta['schedule']['kind']}, betas {meta['schedule']['betas']}.",
             ]
    for sc in meta["scales"]:
        if sc["arch"] == "gpt":
            lines.append(f"- Scale {sc['scale']}: GPT, {sc['n_layer']} layers, width {sc['n_embd']}.")
        else:
            rs = ", residual-scaled (spec 2.7)" if sc.get("residual_scaled") else ""
            lines.append(f"- Scale {sc['scale']}: encoder-decoder, {sc['enc_depth']}+"
                         f"{sc['dec_depth']} layers, width {sc['dim']}{rs}.")
    lines += ["", "## Training", "",
              "| stage | steps | wall minutes (summed over resumed runs, including time "
              "shared with other jobs) |", "|---|---|---|"]
    vqck = torch.load(os.path.join(args.run, "vq", "final.pt"))
    lines.append(f"| VQGAN | {vqck['metrics']['vq_steps']} | {vqck['metrics']['vq_minutes']:.1f} |")
    base_size = None
    for t in list(range(T, 0, -1)) + [0]:
        p = os.path.join(args.run, "chain", f"scale{t}", "last.pt")
        if os.path.exists(p):
            ck = torch.load(p)
            if t == 0:
                base_size = gpt_size(ck["meta"])
            name = f"scale {t}" if t else f"baseline GPT on x_0 ({base_size})"
            lines.append(f"| {name} | {ck['step']} | {ck.get('elapsed', 0) / 60:.1f} |")
    lines += ["", "## First stage", "",
              f"- Validation PSNR: {card.get('vq_val_psnr', float('nan')):.2f} dB "
              f"(training images: {card.get('vq_train_psnr', float('nan')):.2f} dB).",
              f"- Codebook usage: {int(card.get('vq_codes_used', 0))} of "
              f"{int(card.get('vq_n_embed', 0))} entries used on the training set (the bundle's "
              f"codebook); {100 * card.get('vq_val_codes_outside_used', 0):.2f}% of validation "
              "tokens fall outside them.",
              f"- Colour: reconstructions keep {m['vq_val_saturation_kept']:.2f} of the "
              "saturation of the validation images' coloured pixels (1 = as vivid).", "",
              "## Chain: validation NLL (hard target, EMA weights)", "",
              "| scale | bits/token |", "|---|---|"]
    for t in range(T, 0, -1):
        v = card.get(f"scale{t}_val_bits_per_token")
        lines.append(f"| {t} | {v:.3f} |" if v is not None else f"| {t} | not finished |")
    if "baseline_val_bits_per_token" in m:
        lines.append(f"| baseline (x_0 GPT) | {m['baseline_val_bits_per_token']:.3f} |")
    lines.append(f"\nlog2 K = {math.log2(meta['codebook_size']):.2f} bits is the uniform level.")
    lines += ["", "## Conditioning (category classifier)", "",
              "| what is classified | category accuracy |", "|---|---|",
              f"| validation images | {m['clf_val_acc']:.3f} |",
              f"| VQ reconstructions of validation images | {m['clf_val_recon_acc']:.3f} |",
              f"| (a) samples with a class prompt | {m['class_prompt_acc']:.3f} |",
              f"| (b) samples with a text prompt naming an emoji | {m['text_prompt_acc']:.3f} |",
              f"| (c) centre-50% edits asking for a class of another category | "
              f"{m['edit_prompt_acc']:.3f} |",
              f"| (c') same edits still classified as the original category | "
              f"{m['edit_kept_own_category']:.3f} |", "",
              f"Samples use the bundle's defaults (top-k {meta['sampling']['top_k']}, "
              f"temperature {meta['sampling']['temperature']}, chain 1 per scale for samples, "
              f"{meta['sampling']['chain']} for edits).", "",
              "## Editing: upper-half completion (FID on classifier features, lower is better)", "",
              "| procedure | FID |", "|---|---|",
              f"| full chain (T={T}) | {m['completion_fid_chain']:.3f} |"]
    if "completion_fid_baseline" in m:
        lines.append(f"| top scale only: autoregressive GPT on x_0 ({base_size}, "
                     f"{int(m['baseline_steps'])} steps) | {m['completion_fid_baseline']:.3f} |")
    else:
        lines.append("| top scale only | not trained |")
    lines.append(f"| (floor) VQ reconstructions of the same images | "
                 f"{m['completion_fid_recon']:.3f} |")
    notes = os.path.join(os.path.dirname(os.path.abspath(args.results)), "RESULTS.notes.md")
    if os.path.exists(notes):
        with open(notes, encoding="utf-8") as f:
            lines += ["", f.read().rstrip()]
    lines += ["", "![samples](samples.png)", "",
              f"`train/samples.png`: class samples, text samples, and centre edits with every "
              f"reverse step (evaluation took {m['eval_minutes']:.1f} min).", ""]
    with open(args.results, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
