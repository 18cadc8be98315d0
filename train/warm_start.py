"""Continue a photos run from a shipped `.bart` bundle (`--init-bundle`).

`train/runs/` is not in git, and the build machines of this project start
fresh, so the checkpoints of a run do not outlive the machine it trained on.
The bundle in `assets/` does: it holds the first stage in F32 and every
scale's EMA weights in F16, and its card records each stage's steps and
minutes. Continuing from it:

- the first stage is written to `<run>/vq/final.pt` exactly as shipped
  (codebook, `used` table, metrics), so the token pool encodes the crops
  into the very tokens the shipped scales were trained on; it is not
  trained further (its discriminator and optimiser are not shipped);
- a scale without a checkpoint starts from the bundle's weights (model and
  EMA), with the step count and minutes of the card carried over so the
  card stays honest about the total; Adam's moments are not shipped, so the
  learning rate warms up again over `warmup` steps from there (`restart_step`
  in the checkpoint).

A scale whose checkpoint exists resumes from it as always; a run whose first
stage did not come from the same bundle refuses (its tokens mean something
else).
"""

import dataclasses
import hashlib
import os

import torch

import trainutil as tu
from bundle import prefixed_state, read_bart

FIRST_STAGE = "first_stage_model."


def write_vq_final(bundle_path, cfg, out_path, build_vq, remap):
    """Write the bundle's first stage as a train_vq final.pt for config cfg
    (its architecture must match the bundle's); returns the checkpoint."""
    meta, tensors = read_bart(bundle_path)
    state = prefixed_state(tensors, FIRST_STAGE)
    if "quantize.used" not in state:
        raise ValueError(f"{bundle_path}: the first stage has no used-codes table")
    used = state["quantize.used"]
    vq = build_vq(cfg, used)
    try:
        vq.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ValueError(f"{bundle_path}: its first stage is not the architecture of this "
                         f"run's config ({str(e).splitlines()[0]})") from None
    metrics = {k: float(v) for k, v in meta.get("metrics", {}).items() if k.startswith("vq_")}
    step = int(metrics.get("vq_steps", 0))
    ck = {"config": dataclasses.asdict(dataclasses.replace(cfg, max_steps=step)),
          "state_dict": vq.state_dict(), "remap": remap, "used": used, "metrics": metrics,
          "step": step, "from_bundle": tu.file_sha1(bundle_path)}
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    tu.save_checkpoint(out_path, ck)
    return ck


# The first-stage tensors that decide which token a crop becomes.
TOKEN_PREFIXES = ("encoder.", "quant_conv.", "quantize.")


def first_stage_id(state):
    """The sha1 of the weights that turn pixels into tokens (name -> tensor, no
    prefix), as float32 / int64 bytes: equal for a run's final.pt and a bundle
    exported from it, whatever the file around them or the decoder's dtype."""
    h = hashlib.sha1()
    for name in sorted(n for n in state if n.startswith(TOKEN_PREFIXES)):
        v = state[name]
        v = v.float() if v.is_floating_point() else v.long()
        h.update(name.encode() + b"\0" + v.contiguous().numpy().tobytes())
    return h.hexdigest()


def check_first_stage(vq_final_path, bundle_path):
    """Refuse (ValueError) a run whose first stage is not the bundle's: the
    bundle's scales were trained on that first stage's tokens."""
    _, tensors = read_bart(bundle_path)
    ours = first_stage_id(tu.load_checkpoint(vq_final_path)["state_dict"])
    if ours != first_stage_id(prefixed_state(tensors, FIRST_STAGE)):
        raise ValueError(f"{vq_final_path} is not the first stage of {bundle_path}: the "
                         "bundle's scales were trained on other tokens; continue from the "
                         "bundle in a new run folder (--run)")


def check_chain(meta, bundle_path):
    """Refuse (ValueError) a bundle whose scales or schedule differ from the
    run's (meta as train_chain builds it): its weights would mean something else."""
    bmeta, _ = read_bart(bundle_path)
    for key in ("scales", "schedule", "codebook_size"):
        if bmeta.get(key) != meta.get(key):
            raise ValueError(f"{bundle_path}: its {key} differ from this run's config, so its "
                             "weights cannot start this run")


def scale_init(bundle_path, t):
    """What train_chain.train_scale starts scale t from: the bundle's weights,
    the card's step count and seconds for that scale, the bundle's sha1."""
    meta, tensors = read_bart(bundle_path)
    names = [sc["scale"] for sc in meta["scales"]]
    if t not in names:
        raise ValueError(f"{bundle_path} has no scale {t} (it has {names})")
    m = meta.get("metrics", {})
    return {"state_dict": prefixed_state(tensors, f"scale{t}.transformer."),
            "step": int(m.get(f"scale{t}_steps", 0)),
            "elapsed": 60.0 * float(m.get(f"scale{t}_minutes", 0.0)),
            "from_bundle": tu.file_sha1(bundle_path)}


def load_into(model, init, label):
    """Load init["state_dict"] into model; tensors the bundle leaves out on
    purpose (the encoder's unused to_logits) keep the model's own values."""
    own = model.state_dict()
    state = dict(init["state_dict"])
    for name in own:
        if name not in state and name.startswith("encoder.to_logits."):
            state[name] = own[name]
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ValueError(f"{label}: the bundle's weights do not fit this scale's config "
                         f"({str(e).splitlines()[0]})") from None
