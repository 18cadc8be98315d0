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
"""

import argparse
import json
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--meta", required=True, help="bartedit metadata JSON file")
    ap.add_argument("--first-stage", required=True, help="VQModel checkpoint")
    ap.add_argument("--scale", action="append", required=True,
                    help="transition checkpoint of scale 1, 2, ..., T (repeat, in order)")
    ap.add_argument("--out", required=True, help="output .bart path")
    ap.add_argument("--dtype", choices=DTYPE_NAMES, default="f32", help="first-stage dtype")
    ap.add_argument("--transformer-dtype", choices=DTYPE_NAMES, default=None,
                    help="transition-model dtype (default: --dtype)")
    args = ap.parse_args(argv)
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
