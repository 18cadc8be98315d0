"""Export in-memory models or training checkpoints to a `.bart` bundle.

Library use:

    export_bart(path, meta, vq, [scale1, ..., scaleT],
                transformer_dtype=torch.float16)

CLI (training checkpoints are `torch.save`d dicts with a `state_dict` of the
module as named in model.py / vqgan.py, and optionally `ema_state_dict`,
which is preferred for transition models):

    /usr/bin/python3 train/export.py --meta META.json --first-stage VQ.ckpt \
        --scale S1.ckpt --scale S2.ckpt --scale S3.ckpt --out model.bart \
        [--dtype f32|f16|bf16] [--transformer-dtype f32|f16|bf16]

Weights are stored in the requested float dtype; the `used` table stays int64.

A training run (train_vq.py + train_chain.py output folder) is exported with
its model card (name, description, licences of the data, class names,
metrics from training and from evaluate.py's eval.json):

    /usr/bin/python3 train/export.py --run train/runs/emoji --out assets/default.bart

The first stage stays F32 (its argmin over the codebook is sensitive to
rounding of the encoder); the transformers are stored as F16, which changes
their validation NLL by less than 0.01 bits/token (checked and printed on
every export).
"""

import argparse
import copy
import json
import math
import os
import random
import sys

import torch

from bundle import build_models, write_bart

DTYPE_NAMES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def collect_tensors(meta, vq, scale_models, first_stage_dtype=torch.float32,
                    transformer_dtype=torch.float32, include_encoder_logits=False):
    """Bundle name -> tensor for a first stage and the T scale models.

    GPT `attn.mask` buffers are not part of the state dicts (non-persistent);
    the unused `encoder.to_logits.*` is kept only when asked for.
    """
    if len(scale_models) != len(meta["scales"]):
        raise ValueError(f"{len(scale_models)} scale models for {len(meta['scales'])} scales")
    out = {}
    for name, t in vq.state_dict().items():
        t = t.detach().cpu()
        out["first_stage_model." + name] = t.to(first_stage_dtype) if t.is_floating_point() else t
    for sc, model in zip(meta["scales"], scale_models):
        if getattr(model, "arch", None) != sc["arch"]:
            raise ValueError(f"scale {sc['scale']}: model is not a {sc['arch']}")
        for name, t in model.state_dict().items():
            if name.startswith("encoder.to_logits.") and not include_encoder_logits:
                continue
            out[f"scale{sc['scale']}.transformer.{name}"] = t.detach().cpu().to(transformer_dtype)
    return out


def export_bart(path, meta, vq, scale_models, first_stage_dtype=torch.float32,
                transformer_dtype=torch.float32, include_encoder_logits=False):
    """Write vq + scale models as a validated `.bart` bundle at path."""
    tensors = collect_tensors(meta, vq, scale_models, first_stage_dtype, transformer_dtype,
                              include_encoder_logits)
    write_bart(path, meta, tensors)


def _load_checkpoint(module, path, prefer_ema):
    ckpt = torch.load(path, map_location="cpu")
    key = "ema_state_dict" if prefer_ema and "ema_state_dict" in ckpt else "state_dict"
    # The first stage's training loss (discriminator, LPIPS) is not exported.
    state = {k: v for k, v in ckpt[key].items() if not k.startswith("loss.")}
    module.load_state_dict(state, strict=True)


DESCRIPTION = (
    "ImageBART (NeurIPS 2021) trained by bartedit on emoji: 64x64 pixels, 8x8 tokens, T={T} "
    "scales, prompts by emoji subcategory and/or a text naming the emoji. Trained on 2 CPU "
    "cores: its training stages ran about {minutes:.0f} minutes in all, mostly two at a time "
    "(train/RESULTS.md).")


def run_metrics(run, T, eval_file):
    """The card's metrics of a run folder: the first stage's, each scale's
    steps, minutes and validation NLL, the evaluation's (<run>/<eval_file> when it
    exists) and train_minutes, the wall minutes of the stages summed (stages that
    ran side by side count each)."""
    vq_ck = torch.load(os.path.join(run, "vq", "final.pt"), map_location="cpu")
    metrics = {k: float(v) for k, v in vq_ck["metrics"].items()}
    minutes = metrics.get("vq_minutes", 0.0)
    for t in range(1, T + 1):
        ck = torch.load(os.path.join(run, "chain", f"scale{t}", "last.pt"), map_location="cpu")
        metrics[f"scale{t}_steps"] = float(ck["step"])
        metrics[f"scale{t}_minutes"] = ck.get("elapsed", 0.0) / 60
        minutes += metrics[f"scale{t}_minutes"]
        if ck.get("val_bits_per_token") is not None:
            metrics[f"scale{t}_val_bits_per_token"] = float(ck["val_bits_per_token"])
    eval_path = os.path.join(run, eval_file)
    if os.path.exists(eval_path):
        with open(eval_path, encoding="utf-8") as f:
            metrics.update({k: float(v) for k, v in json.load(f)["metrics"].items()})
    metrics["train_minutes"] = minutes
    return metrics


def card(meta, run, data_licences):
    """Fill the model card fields of meta from a run folder (in place)."""
    T = len(meta["scales"])
    metrics = run_metrics(run, T, "eval.json")
    minutes = metrics["train_minutes"]
    meta["description"] = DESCRIPTION.format(T=T, minutes=minutes)
    meta["license"] = " AND ".join(sorted({lic for lic, _ in data_licences.values()}))
    meta["attribution"] = ("Weights trained by bartedit on: " +
                           "; ".join(att for _, att in data_licences.values()) +
                           ". Licence of the weights follows the data (attribution required).")
    meta["metrics"] = metrics
    sampling_path = os.path.join(run, "sampling.json")
    if os.path.exists(sampling_path):
        with open(sampling_path, encoding="utf-8") as f:
            meta["sampling"] = json.load(f)
    return meta


def export_run(run, out, transformer_dtype=torch.float16, name="emoji"):
    """Export a training run (vq/final.pt, chain/meta.json, chain/scale{t}/last.pt EMA)."""
    with open(os.path.join(run, "chain", "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    meta["name"] = name
    tok = torch.load(os.path.join(run, "chain", "tokens.pt"), map_location="cpu")
    card(meta, run, tok["licences"])
    vq, scales = build_models(meta)
    _load_checkpoint(vq, os.path.join(run, "vq", "final.pt"), prefer_ema=False)
    for t, model in enumerate(scales, 1):
        _load_checkpoint(model, os.path.join(run, "chain", f"scale{t}", "last.pt"), prefer_ema=True)
    _check_rounding(meta, scales, tok, transformer_dtype)
    tmp = out + ".tmp"
    export_bart(tmp, meta, vq, scales, torch.float32, transformer_dtype)
    os.replace(tmp, out)
    size = os.path.getsize(out)
    print(f"export: wrote {out} ({size / 1e6:.1f} MB)")
    if size > 40e6:
        raise SystemExit(f"export: {out} is larger than 40 MB")
    return meta


@torch.no_grad()
def rounding_costs(meta, scales, va, idx, cfg, dtype, log=print, **loss_kw):
    """Log the validation NLL of rows idx of va for each scale in F32 and
    with its weights rounded to dtype (train_chain.batch_loss, fixed noise;
    loss_kw go to it), warning when rounding costs over 0.01 bits/token."""
    from train_chain import batch_loss
    for t, model in enumerate(scales, 1):
        r = copy.deepcopy(model)
        for p in r.parameters():
            p.copy_(p.to(dtype).float())
        vals = []
        for m in (model, r):
            m.eval()
            g = torch.Generator().manual_seed(5)
            _, hard = batch_loss(m, t, len(scales), va, idx, meta, cfg, g, random.Random(5),
                                 "cpu", **loss_kw)
            vals.append(float(hard) / math.log(2))
        log(f"export: scale {t}: val {vals[0]:.4f} bits/token F32, {vals[1]:.4f} as {dtype}")
        if abs(vals[1] - vals[0]) > 0.01:
            log(f"export: warning: rounding scale {t} costs {vals[1] - vals[0]:.4f} bits/token")


def _check_rounding(meta, scales, tok, dtype, n=64):
    """Print the change of validation NLL when the transformers are rounded to dtype."""
    from chain_data import split_data
    from train_chain import ChainConfig
    if dtype == torch.float32:
        return
    _, va = split_data(tok, meta)
    rounding_costs(meta, scales, va, torch.arange(min(n, len(va))), ChainConfig(), dtype,
                   p_drop=0.0, first_caption=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", help="training run folder (train_vq/train_chain output)")
    ap.add_argument("--name", default="emoji", help="model name for --run")
    ap.add_argument("--meta", help="bartedit metadata JSON file")
    ap.add_argument("--first-stage", help="VQModel checkpoint")
    ap.add_argument("--scale", action="append",
                    help="transition checkpoint of scale 1, 2, ..., T (repeat, in order)")
    ap.add_argument("--out", required=True, help="output .bart path")
    ap.add_argument("--dtype", choices=DTYPE_NAMES, default="f32", help="first-stage dtype")
    ap.add_argument("--transformer-dtype", choices=DTYPE_NAMES, default=None,
                    help="transition-model dtype (default: --dtype)")
    args = ap.parse_args(argv)
    if args.run:
        torch.set_num_threads(2)
        export_run(args.run, args.out, DTYPE_NAMES[args.transformer_dtype or "f16"], args.name)
        return 0
    if not (args.meta and args.first_stage and args.scale):
        ap.error("give --run, or --meta, --first-stage and --scale")
    with open(args.meta, encoding="utf-8") as f:
        meta = json.load(f)
    vq, scales = build_models(meta)
    _load_checkpoint(vq, args.first_stage, prefer_ema=False)
    if len(args.scale) != len(scales):
        ap.error(f"{len(args.scale)} --scale checkpoints for {len(scales)} scales")
    for model, path in zip(scales, args.scale):
        _load_checkpoint(model, path, prefer_ema=True)
    export_bart(args.out, meta, vq, scales, DTYPE_NAMES[args.dtype],
                DTYPE_NAMES[args.transformer_dtype or args.dtype])
    return 0


if __name__ == "__main__":
    sys.exit(main())
