"""Tiny random-weight `.bart` fixtures and their expected outputs (for Go tests).

    /usr/bin/python3 train/fixtures.py --out model/testdata
    /usr/bin/python3 train/fixtures.py --bench-bundle train/bench/bench.bart

The first writes fixture-{uncond,class,text}.bart and
<name>.expected.safetensors as docs/bundle-format.md describes; the second a
mid-size random bundle for benchmarks (not committed). Everything is seeded
and runs on one thread, so the output is byte-identical from run to run.

Expected outputs are computed in float32 from the bundle as written (read
back and loaded), so weights stored as F16/BF16 are already rounded.
"""

import argparse
import copy
import os
import sys

import numpy as np
import torch
import torch.nn as nn

from bundle import build_models, load_models, read_bart, save_safetensors
from export import export_bart
from layout import n_condition_tokens, n_tokens
from model import GPT, XTransformer
from edit import masked_edit
from sampling import (condition_tokens, decoder_input, encoder_input, gpt_input, gpt_prefix,
                      reverse_step)

# Top-1 / top-2 logit gap (and relative VQ distance gap) every greedy step
# and every argmin must exceed, so float32 reorderings in Go cannot flip them.
MIN_GREEDY_GAP = 2e-3
MIN_VQ_REL_GAP = 1e-4
# The same for every masked position of the greedy edit (edit.final).
MIN_EDIT_GAP = 1e-3


def f32(x):
    """x rounded to float32, as the shortest decimal that reads back the same."""
    return float(repr(np.float32(x)))


FIRST_STAGE = {"ch": 32, "ch_mult": [1, 1, 2], "num_res_blocks": 1, "attn_resolutions": [8],
               "in_channels": 3, "out_ch": 3, "resolution": 32, "z_channels": 16,
               "double_z": False, "embed_dim": 16, "n_embed": 64}


def _xt(scale, enc_tokens, enc_len, k, residual=None):
    return {"scale": scale, "arch": "xtransformer", "dim": 64, "heads": 4, "dim_head": 16,
            "enc_depth": 2, "dec_depth": 1, "enc_num_tokens": enc_tokens,
            "enc_max_seq_len": enc_len, "dec_num_tokens": k, "dec_max_seq_len": 64,
            "residual_scaled": residual}


def _gpt(k, in_vocab, block, n_unmasked):
    return {"scale": 3, "arch": "gpt", "vocab_size": k, "input_vocab_size": in_vocab,
            "block_size": block, "n_layer": 2, "n_head": 4, "n_embd": 48,
            "n_unmasked": n_unmasked}


def _meta(name, description, remap, k, schedule, scales, tokens, conditioning, sampling):
    return {
        "format_version": 1, "name": name, "description": description,
        "license": "CC0-1.0",
        "attribution": "bartedit test fixture: random weights written by train/fixtures.py",
        "image_size": 32, "first_stage": dict(FIRST_STAGE, remap=remap), "codebook_size": k,
        "schedule": schedule, "scales": scales, "tokens": tokens, "conditioning": conditioning,
        "sampling": sampling, "metrics": {}}


# name -> (meta, options). Options: seed, unknown raw codes to leave out of
# `used`, the condition used for the expected outputs, storage dtypes.
FIXTURES = {
    "fixture-uncond": (
        _meta("fixture-uncond", "Unconditional tiny fixture, remap 'random', all F32.",
              "random", 40,
              {"kind": "alphacum", "betas": [0, f32(0.2), f32(0.375), 1]},
              [_xt(1, 40, 65, 40), _xt(2, 40, 65, 40), _gpt(40, 40, 64, 0)],
              {"sos": 0, "class_offset": 0, "text_offset": 0}, {"class": None, "text": None},
              {"top_k": [20, 30, 40], "temperature": [1.0, 1.0, 1.0], "chain": [2, 2, 1]}),
        {"seed": 101, "n_unknown": 2, "class": None, "text": None,
         "transformer_dtype": torch.float32, "encoder_logits": False}),
    "fixture-class": (
        _meta("fixture-class", "Class-conditional tiny fixture in the official layout "
              "(class_offset 0), residual-scaled scale 2, transformers stored as F16.",
              "random", 40,
              {"kind": "geometric", "betas": [0, f32(1 / 3), 0.5, 1]},
              [_xt(1, 48, 66, 40),
               _xt(2, 48, 66, 40, {"n_scales": 3, "scale_pos": 0, "xt_start": 2}),
               _gpt(40, 48, 66, 2)],
              {"sos": 0, "class_offset": 0, "text_offset": 0},
              {"class": {"names": ["cat", "dog"], "null": False}, "text": None},
              {"top_k": [40, 40, 40], "temperature": [1.0, 1.0, 0.9], "chain": [1, 2, 1]}),
        {"seed": 202, "n_unknown": 1, "class": 1, "text": None,
         "transformer_dtype": torch.float16, "encoder_logits": True}),
    "fixture-text": (
        _meta("fixture-text", "Class (with null class) and text conditioned tiny fixture, "
              "condition tokens past K, remap 'extra', transformers stored as BF16.",
              "extra", 41,
              {"kind": "metric", "betas": [0, f32(0.1517287642), f32(0.2306357324), 1]},
              [_xt(1, 52, 70, 41), _xt(2, 52, 70, 41), _gpt(41, 52, 69, 6)],
              {"sos": 0, "class_offset": 41, "text_offset": 44},
              {"class": {"names": ["cat", "dog"], "null": True},
               "text": {"vocab": ["<pad>", "<unk>", "a", "red", "green", "apple", "tree", "!"],
                        "length": 4, "pad": 0, "unk": 1}},
              {"top_k": [10, 20, 41], "temperature": [1.0, 0.8, 1.0], "chain": [3, 2, 1]}),
        {"seed": 303, "n_unknown": 1, "class": None, "text": "Red ZEBRA!",
         "transformer_dtype": torch.bfloat16, "encoder_logits": False}),
}


def _randn(gen, shape, std=1.0, mean=0.0):
    return torch.randn(shape, generator=gen) * std + mean


@torch.no_grad()
def init_weights(module, gen, logit_gain=1.5):
    """Seeded random weights that keep activations and logits well scaled.

    Convs and Linears: std gain/sqrt(fan_in); norms: weight 1 +- 0.1, bias
    +- 0.05; biases +- 0.05; token embeddings std 1, positions std 0.5; the
    logit projections get `logit_gain`, so softmax over codes is neither
    flat nor one-hot.
    """
    for name, m in module.named_modules():
        leaf = name.rsplit(".", 1)[-1]
        if isinstance(m, (nn.GroupNorm, nn.LayerNorm)):
            m.weight.copy_(_randn(gen, m.weight.shape, 0.1, 1.0))
            m.bias.copy_(_randn(gen, m.bias.shape, 0.05))
        elif isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in = m.weight[0].numel()
            gain = logit_gain if leaf in ("to_logits", "head") else 1.0
            if name.endswith("decoder.conv_out"):
                gain = 0.5  # images roughly in [-1, 1], like a trained VQGAN
            m.weight.copy_(_randn(gen, m.weight.shape, gain / fan_in ** 0.5))
            if m.bias is not None:
                m.bias.copy_(_randn(gen, m.bias.shape, 0.05))
        elif isinstance(m, nn.Embedding):
            std = 0.5 if name.endswith("pos_emb.emb") else 1.0
            m.weight.copy_(_randn(gen, m.weight.shape, std))
        if isinstance(m, GPT):
            m.pos_emb.copy_(_randn(gen, m.pos_emb.shape, 0.5))
        if isinstance(m, XTransformer) and m.residual_scaled:
            m.log_scalors.copy_(_randn(gen, m.log_scalors.shape, 0.3))


def smooth_image(gen, size):
    """(1, 3, size, size) in [-1, 1]: gradients plus a few low-frequency waves."""
    lin = torch.linspace(-1.0, 1.0, size)
    y, x = torch.meshgrid(lin, lin, indexing="ij")
    chans = []
    for _ in range(3):
        g = torch.rand(6, generator=gen)
        acc = (g[0] - 0.5) * 2 * x + (g[1] - 0.5) * 2 * y
        for _ in range(4):
            w = torch.rand(4, generator=gen)
            freq, angle, phase = 0.5 + 2.5 * w[0], 2 * np.pi * w[1], 2 * np.pi * w[2]
            acc = acc + w[3] * torch.cos(np.pi * freq * (x * torch.cos(angle)
                                                          + y * torch.sin(angle)) + phase)
        chans.append(acc)
    img = torch.stack(chans)
    img = torch.tanh(1.5 * (img - img.mean()) / img.std())
    return img[None].float()


@torch.no_grad()
def set_codebook(vq, image, gen, n_unknown):
    """Codebook matched to the image's latent statistics; `used` (if any) holds
    most hit codes but leaves out the n_unknown least-hit ones."""
    h = vq.encode_to_prequant(image)
    z = h.permute(0, 2, 3, 1).reshape(-1, h.shape[1])  # (N, C)
    q = vq.quantize
    q.embedding.weight.copy_(_randn(gen, q.embedding.weight.shape) * z.std(0) + z.mean(0))
    if q.policy == "none":
        return
    raw = q.nearest(h)[0]
    hits, counts = torch.unique(raw, return_counts=True)
    order = sorted(range(len(hits)), key=lambda i: (int(counts[i]), int(hits[i])))
    left_out = {int(hits[i]) for i in order[:n_unknown]}
    keep = [int(c) for c in hits if int(c) not in left_out]
    others = [c for c in torch.randperm(q.n_embed, generator=gen).tolist()
              if c not in keep and c not in left_out]
    u = len(q.used)
    if len(keep) > u:
        raise RuntimeError(f"{len(keep)} hit codes do not fit a used table of {u}")
    q.used.copy_(torch.tensor(sorted(keep + others[:u - len(keep)])))


def _vq_margin(vq, h):
    z = h.permute(0, 2, 3, 1).reshape(-1, h.shape[1])
    e = vq.quantize.embedding.weight
    d = (z.pow(2).sum(1, keepdim=True) + e.pow(2).sum(1)) - 2.0 * (z @ e.t())
    two = d.topk(2, dim=1, largest=False).values
    return float(((two[:, 1] - two[:, 0]) / z.pow(2).sum(1)).min())


def _greedy_gap(logits, greedy):
    """Smallest top1-top2 gap; also asserts the argmax is the greedy token."""
    top = logits[0].topk(2, dim=-1)
    if not torch.equal(top.indices[:, 0], greedy[0]):
        raise RuntimeError("cached greedy decoding disagrees with the full pass")
    return float((top.values[:, 0] - top.values[:, 1]).min())


@torch.no_grad()
def expected_outputs(meta, vq, scales, image, opts, gen):
    """The tensors of <name>.expected.safetensors, plus a report dict."""
    n, p, k = n_tokens(meta), n_condition_tokens(meta), meta["codebook_size"]
    T = len(scales)
    out, report = {}, {}
    h = vq.encode_to_prequant(image)
    raw = vq.quantize.nearest(h)
    tokens = vq.quantize.remap_to_used(raw)
    decode_tokens = vq.quantize.resolve_unknown(tokens, gen)
    decoded = vq.decode_codes(decode_tokens)
    out.update({"vq.image": image, "vq.h": h, "vq.raw_indices": raw, "vq.tokens": tokens,
                "vq.decode_tokens": decode_tokens, "vq.decoded": decoded})
    report["vq"] = {"distinct_raw": int(raw.unique().numel()),
                    "unknown": int((tokens < 0).sum()), "min_rel_gap": _vq_margin(vq, h),
                    "decoded_range": [float(decoded.min()), float(decoded.max())]}
    cond = condition_tokens(meta, opts["class"], opts["text"])
    sos = meta["tokens"]["sos"]
    for t, model in enumerate(scales, start=1):
        x = torch.randint(0, k, (1, n), generator=gen)
        if t < T:
            xt = torch.randint(0, k, (1, n), generator=gen)
            enc = encoder_input(t, cond, xt)
            dec = decoder_input(x, sos)
            logits = model(enc, dec)
            greedy = reverse_step(model, enc, 1, 1.0, None)
            check = model(enc, decoder_input(greedy, sos))
            out.update({f"scale{t}.enc_input": enc, f"scale{t}.dec_input": dec})
        else:
            inp = gpt_input(T, cond, x)
            logits = model(inp)[:, p:p + n]
            greedy = reverse_step(model, gpt_prefix(T, cond), 1, 1.0, None, n_tokens=n)
            check = model(gpt_input(T, cond, greedy))[:, p:p + n]
            out[f"scale{t}.input"] = inp
        out[f"scale{t}.logits"] = logits
        out[f"scale{t}.greedy"] = greedy
        probs = torch.softmax(logits, -1)
        report[f"scale{t}"] = {
            "logit_std": float(logits.std()), "max_prob_mean": float(probs.max(-1).values.mean()),
            "greedy_min_gap": _greedy_gap(check, greedy),
            "greedy_distinct": int(greedy.unique().numel())}
    return out, report, cond


def _disk(centre, radius):
    """Token mask (g*g grid, row-major) of the cells whose centre lies in a disk."""
    def mask(g):
        return [(r - centre[0]) ** 2 + (c - centre[1]) ** 2 <= radius ** 2
                for r in range(g) for c in range(g)]
    return mask


def _corners(size):
    """The size x size squares at the top-left and bottom-right corners."""
    def mask(g):
        return [(r < size and c < size) or (r >= g - size and c >= g - size)
                for r in range(g) for c in range(g)]
    return mask


# Token masks of the edit fixtures (8 x 8 grids, about 30% masked, several
# runs of masked tokens in raster order): fixture-uncond keeps the first and
# last token, fixture-class regenerates both, fixture-text keeps the first
# and regenerates the last.
EDIT_MASKS = {
    "fixture-uncond": _disk((4.0, 6.0), 2.5),
    "fixture-class": _corners(3),
    "fixture-text": _disk((5.0, 5.5), 2.6),
}


@torch.no_grad()
def edit_outputs(meta, scales, name, x0, cond, gen):
    """edit.* tensors: the greedy masked edit (top_k 1, chain 1) of x0 (1, N).

    Checks every masked position of every reverse step against a teacher-forced
    full pass: same argmax, and a top-1/top-2 gap of at least MIN_EDIT_GAP.
    """
    n, p, T = n_tokens(meta), n_condition_tokens(meta), len(scales)
    sos = meta["tokens"]["sos"]
    g = int(round(n ** 0.5))
    mask = torch.tensor(EDIT_MASKS[name](g), dtype=torch.bool)
    gaps = []

    def check(t, _i, x_in, x_out):
        model = scales[t - 1]
        if t < T:
            logits = model(encoder_input(t, cond, x_in), decoder_input(x_out, sos))
        else:
            logits = model(gpt_input(T, cond, x_out))[:, p:p + n]
        top = logits[0, mask].topk(2, dim=-1)
        if not torch.equal(top.indices[:, 0], x_out[0, mask]):
            raise RuntimeError(f"{name}: cached greedy edit disagrees with the full pass")
        gaps.append(float((top.values[:, 0] - top.values[:, 1]).min()))

    ones = [1] * T
    final = masked_edit(meta, scales, x0, mask, cond, ones, ones, [1.0] * T, gen, on_step=check)
    if not torch.equal(final[:, ~mask], x0[:, ~mask]):
        raise RuntimeError(f"{name}: the edit changed kept tokens")
    out = {"edit.x0": x0, "edit.mask": mask.to(torch.int64)[None]}
    if p:
        out["edit.cond"] = torch.tensor([cond], dtype=torch.int64)
    out["edit.final"] = final
    report = {"masked": int(mask.sum()), "changed": int((final != x0).sum()),
              "min_gap": min(gaps)}
    return out, report


def _check_margins(name, report):
    if report["vq"]["min_rel_gap"] < MIN_VQ_REL_GAP:
        raise RuntimeError(f"{name}: VQ argmin too close to a tie: {report['vq']}")
    for key, r in report.items():
        if key.startswith("scale") and r["greedy_min_gap"] < MIN_GREEDY_GAP:
            raise RuntimeError(f"{name}: greedy step too close to a tie: {key} {r}")
    if report["edit"]["min_gap"] < MIN_EDIT_GAP:
        raise RuntimeError(f"{name}: greedy edit too close to a tie: {report['edit']}")


def write_fixture(out_dir, name):
    """Write <name>.bart and <name>.expected.safetensors; return a report."""
    meta, opts = FIXTURES[name]
    meta = copy.deepcopy(meta)
    gen = torch.Generator().manual_seed(opts["seed"])
    vq, scales = build_models(meta)
    init_weights(vq, gen)
    for model in scales:
        init_weights(model, gen)
    image = smooth_image(gen, meta["image_size"])
    set_codebook(vq, image, gen, opts["n_unknown"])
    path = os.path.join(out_dir, name + ".bart")
    export_bart(path, meta, vq, scales, transformer_dtype=opts["transformer_dtype"],
                include_encoder_logits=opts["encoder_logits"])

    meta, tensors = read_bart(path)
    vq, scales = load_models(meta, tensors)
    tensors_out, report, cond = expected_outputs(meta, vq, scales, image, opts, gen)
    edit_out, report["edit"] = edit_outputs(meta, scales, name, tensors_out["vq.decode_tokens"],
                                            cond, gen)
    tensors_out.update(edit_out)
    _check_margins(name, report)
    info = {}
    if meta["conditioning"]["class"] is not None:
        info["class"] = "null" if opts["class"] is None else str(opts["class"])
    if meta["conditioning"]["text"] is not None:
        info["text"] = opts["text"]
    save_safetensors(os.path.join(out_dir, name + ".expected.safetensors"),
                     {k: v.contiguous() for k, v in tensors_out.items()}, info or None)
    report["condition_tokens"] = cond
    return report


BENCH_META = {
    "format_version": 1, "name": "bench-mid", "description": "Random mid-size bundle for "
    "benchmarks (not a trained model).", "license": "CC0-1.0",
    "attribution": "bartedit benchmark: random weights written by train/fixtures.py",
    "image_size": 64,
    "first_stage": {"ch": 64, "ch_mult": [1, 2, 2, 4], "num_res_blocks": 2,
                    "attn_resolutions": [8], "in_channels": 3, "out_ch": 3, "resolution": 64,
                    "z_channels": 64, "double_z": False, "embed_dim": 64, "n_embed": 512,
                    "remap": "none"},
    "codebook_size": 512,
    "schedule": {"kind": "geometric", "betas": [0, f32(1 / 3), 0.5, 1]},
    "scales": [
        {"scale": s, "arch": "xtransformer", "dim": 256, "heads": 8, "dim_head": 32,
         "enc_depth": 6, "dec_depth": 2, "enc_num_tokens": 512, "enc_max_seq_len": 66,
         "dec_num_tokens": 512, "dec_max_seq_len": 64, "residual_scaled": None}
        for s in (1, 2)] + [
        {"scale": 3, "arch": "gpt", "vocab_size": 512, "input_vocab_size": 512,
         "block_size": 65, "n_layer": 6, "n_head": 8, "n_embd": 256, "n_unmasked": 2}],
    "tokens": {"sos": 0, "class_offset": 0, "text_offset": 0},
    "conditioning": {"class": {"names": [f"class{i}" for i in range(10)], "null": False},
                     "text": None},
    "sampling": {"top_k": [512, 512, 512], "temperature": [1.0, 1.0, 1.0], "chain": [2, 2, 1]},
    "metrics": {},
}


def write_bench_bundle(path):
    """Write the random mid-size benchmark bundle (F32)."""
    meta = copy.deepcopy(BENCH_META)
    gen = torch.Generator().manual_seed(404)
    vq, scales = build_models(meta)
    init_weights(vq, gen)
    for model in scales:
        init_weights(model, gen)
    set_codebook(vq, smooth_image(gen, meta["image_size"]), gen, 0)
    export_bart(path, meta, vq, scales)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="directory for the fixtures (model/testdata)")
    ap.add_argument("--bench-bundle", help="write the benchmark bundle to this path")
    args = ap.parse_args(argv)
    if not args.out and not args.bench_bundle:
        ap.error("give --out and/or --bench-bundle")
    torch.set_num_threads(1)
    torch.manual_seed(0)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        for name in FIXTURES:
            report = write_fixture(args.out, name)
            print(name, report)
    if args.bench_bundle:
        os.makedirs(os.path.dirname(os.path.abspath(args.bench_bundle)), exist_ok=True)
        write_bench_bundle(args.bench_bundle)
        print("wrote", args.bench_bundle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
