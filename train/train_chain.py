"""Train the ImageBART chain: T transition models on the first stage's tokens.

    /usr/bin/python3 train/train_chain.py --data .cache/data/emoji.pt \
        --vq train/runs/emoji/vq/final.pt --out train/runs/emoji/chain \
        [--scales 4,3,2,1] [--device cuda] [--max-steps N] [--minutes M] ...

Scales 1..T-1 are encoder-decoder XTransformers (fewer decoder than encoder
layers, paper 4.4), scale T a decoder-only GPT; every scale is trained
independently (any order, each resumable from `<out>/scale{t}/last.pt`) with
the paper's hard loss L_hard = CE(logits, x_{t-1}) where (x_{t-1}, x_t) are
drawn by running the forward chain from x_0 (spec 4.3), optionally mixed
with alpha * L_soft (KL to the true posterior, spec 4.4). An EMA of the
weights is kept and is what the exporter uses. `--scale 0` trains the plain
autoregressive baseline (a GPT on x_0, paper Table 3) for the evaluation.

Training data (chain_data.py): the training emoji and their mirror images,
except flags and symbols, whose mirror images mean something else; the
validation split is never mirrored. The GPT prior (and the baseline) draw
rows so that every base emoji is equally likely (prior_sampling = "base":
skin-tone variants, half the rows, count as one emoji); the
encoder-decoder scales, which clean up locally, draw rows uniformly.

Conditioning: the condition tokens are [class, text (text_length words,
padded)]; during training the null class and the empty text are each used
with probability p_drop (independently), so one model serves no prompt,
class, text, or both. Class ids are past the codebook (class_offset = K),
text ids past the classes (text_offset = K + classes + 1).

Schedule (ALPHACUM below): an explicit alphacum list 1, 0.9, 0.8, 0.65, 0
rather than the geometric 1, 0.75, 0.5, 0.25, 0. On a 2-core CPU budget the
GPT prior is the model that learns global layout per unit of compute: with
the first schedule we tried (1, 0.85, 0.6, 0.35, 0) its target x_{T-1} kept
only 35% of the tokens, its loss stayed at 8.87 of 9 bits per token after
2400 steps and its samples were shapeless. Keeping 65% at x_{T-1} lets the
GPT learn the layout of the emoji while the three encoder-decoder scales
each replace 10-19% of the tokens: a local, bidirectional clean-up that
sees the whole image (what makes ImageBART's edits context-aware). The
encoder-decoder scales are residual-scaled (spec 2.7): the x_t term
log(alpha_t onehot(x_t) + (1 - alpha_t)/K) gives them "copy x_t" from the
first step, which the plain variant needed over 1000 steps to learn.
"""

import argparse
import dataclasses
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import trainutil as tu
import warm_start
from chain_data import load_tokens, split_data

SCHEDULE_KIND = "alphacum"
ALPHACUM = [1.0, 0.9, 0.8, 0.65, 0.0]
# Steps per scale when --max-steps is not given (0 = the x_0 baseline).
# The GPT prior learns slowest and gets most; the residual-scaled scales
# start from "copy x_t" and flatten out within a few thousand steps. `make
# train` runs scale 4 beside 3, 2, 1 and 0 on one core each: scales 3..1
# took 0.27-0.33 s per step of batch 32 on this VM (74 minutes); the 6x192
# GPT takes 0.62 s (scale 4 about 3.4 hours; the baseline, the same
# model, about 1.5 hours more beside it).
PLANNED_STEPS = {4: 20000, 3: 5000, 2: 5000, 1: 5000, 0: 9000}


def f32(x):
    return float(repr(np.float32(x)))


def betas_from_alphacum(a):
    """beta_t = 1 - a_t / a_{t-1} in float64, rounded to float32 (spec 4.1)."""
    return [0.0] + [f32(1.0 - a[t] / a[t - 1]) for t in range(1, len(a))]


@dataclasses.dataclass
class ChainConfig:
    alphacum: list = dataclasses.field(default_factory=lambda: list(ALPHACUM))
    text_length: int = 8
    p_drop: float = 0.15
    # encoder-decoder scales
    dim: int = 128
    heads: int = 4
    dim_head: int = 32
    enc_depth: int = 3
    dec_depth: int = 1
    # GPT scale (and the baseline)
    n_layer: int = 6
    n_embd: int = 192
    n_head: int = 6
    # how the GPT scales draw training rows: "uniform", or "base" (every base
    # emoji equally likely, chain_data.TokenData.weights)
    prior_sampling: str = "base"
    # optimisation (per scale)
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: int = 50
    max_steps: int = 1200
    ema_decay: float = 0.99
    alpha_soft: float = 0.0
    seed: int = 1


def parse_float_list(s):
    return [float(x) for x in s.split(",")]


# ------------------------------------------------------------------ metadata


def chain_meta(cfg, vq_cfg, K, class_names, vocab, name="emoji"):
    """The bundle metadata document of this chain (model card fields left empty)."""
    betas = betas_from_alphacum(cfg.alphacum)
    T = len(betas) - 1
    n = (vq_cfg["resolution"] // 2 ** (len(vq_cfg["ch_mult"]) - 1)) ** 2
    p = 1 + cfg.text_length
    class_offset = K
    text_offset = K + len(class_names) + 1
    in_vocab = text_offset + len(vocab)
    scales = []
    for t in range(1, T):
        scales.append({"scale": t, "arch": "xtransformer", "dim": cfg.dim, "heads": cfg.heads,
                       "dim_head": cfg.dim_head, "enc_depth": cfg.enc_depth,
                       "dec_depth": cfg.dec_depth, "enc_num_tokens": in_vocab,
                       "enc_max_seq_len": 1 + p + n, "dec_num_tokens": K, "dec_max_seq_len": n,
                       "residual_scaled": {"n_scales": T, "scale_pos": 0, "xt_start": 1 + p}})
    scales.append(gpt_config(cfg, T, K, in_vocab, p + n, 1 + p))
    return {
        "format_version": 1, "name": name, "description": "", "license": "", "attribution": "",
        "image_size": vq_cfg["resolution"],
        "first_stage": first_stage_meta(vq_cfg),
        "codebook_size": K,
        "schedule": {"kind": SCHEDULE_KIND, "betas": betas},
        "scales": scales,
        "tokens": {"sos": 0, "class_offset": class_offset, "text_offset": text_offset},
        "conditioning": {"class": {"names": list(class_names), "null": True},
                         "text": {"vocab": list(vocab), "length": cfg.text_length,
                                  "pad": 0, "unk": 1}},
        # Defaults: top-k 16 at the GPT and the finest scale, 32 between
        # (measured on the emoji chain: the category classifier of
        # evaluate.py scored class-prompted samples 0.39 with top-k
        # 100/64/48/32 coarse to fine, 0.48 with 16/32/32/16, 0.49 with
        # 16/16/16/8, 98 samples each); two chain iterations per
        # encoder-decoder scale for edits (the GPT ignores x_T).
        "sampling": {"top_k": [min(K, (16, 32, 32)[i] if i < 3 else 32) for i in range(T - 1)]
                     + [min(K, 16)],
                     "temperature": [1.0] * T, "chain": [2] * (T - 1) + [1]},
        "metrics": {},
    }


def first_stage_meta(vq_cfg, remap="random"):
    """The bundle's first_stage section for a train_vq config (RGB in and out)."""
    fs = {k: vq_cfg[k] for k in ("ch", "ch_mult", "num_res_blocks", "attn_resolutions",
                                  "resolution", "z_channels", "embed_dim", "n_embed")}
    fs.update(in_channels=3, out_ch=3, double_z=False, remap=remap)
    return {k: fs[k] for k in ("ch", "ch_mult", "num_res_blocks", "attn_resolutions",
                               "in_channels", "out_ch", "resolution", "z_channels",
                               "double_z", "embed_dim", "n_embed", "remap")}


def gpt_config(cfg, scale, K, in_vocab, block, n_unmasked):
    return {"scale": scale, "arch": "gpt", "vocab_size": K, "input_vocab_size": in_vocab,
            "block_size": block, "n_layer": cfg.n_layer, "n_head": cfg.n_head,
            "n_embd": cfg.n_embd, "n_unmasked": n_unmasked}


def build_scale_model(meta, t):
    """A fresh model of scale t (1..T), or the x_0 baseline GPT for t = 0."""
    if t == 0:
        from model import GPT
        sc = dict(meta["scales"][-1])
        return GPT(**{k: v for k, v in sc.items() if k not in ("scale", "arch")})
    from model import GPT, XTransformer
    sc = meta["scales"][t - 1]
    cfg = {k: v for k, v in sc.items() if k not in ("scale", "arch")}
    if sc["arch"] == "xtransformer":
        return XTransformer(**cfg, betas=meta["schedule"]["betas"])
    return GPT(**cfg)


# ------------------------------------------------------------------ the loss


def forward_chain(x0, betas, t, K, gen):
    """(x_{t-1}, x_t) by running q(x_s | x_{s-1}) from x_0 (spec 4.3)."""
    x = x0
    prev = x0
    for s in range(1, t + 1):
        prev = x
        m = torch.rand(x.shape, generator=gen, device=x.device) < betas[s]
        r = torch.randint(0, K, x.shape, generator=gen, device=x.device)
        x = torch.where(m, r, x)
    return prev, x


def posterior_log(x0, xt, t, alphacum, betas, K):
    """log q(x_{t-1} | x_t, x_0) (B, N, K), spec 4.4."""
    ac_prev = alphacum[t - 1]
    a_t = 1.0 - betas[t]
    p1 = ac_prev * F.one_hot(x0, K).float() + (1 - ac_prev) / K
    p2 = a_t * F.one_hot(xt, K).float() + (1 - a_t) / K
    p = p1 * p2
    return torch.log(p / p.sum(-1, keepdim=True))


def scale_logits(model, t, T, cond, x_prev, x_t, sos=0):
    """Teacher-forced logits (B, N, K) predicting x_prev at scale t (0 = baseline)."""
    b = x_prev.shape[0]
    if t == 0 or t == T:
        # The baseline is a T = 1 chain: its prefix starts with scale token 1.
        first = torch.full((b, 1), T if t == T else 1, dtype=torch.int64, device=x_prev.device)
        inp = torch.cat([first, cond, x_prev[:, :-1]], dim=1)
        return model(inp)[:, cond.shape[1]:]
    first = torch.full((b, 1), t, dtype=torch.int64, device=x_prev.device)
    src = torch.cat([first, cond, x_t], dim=1)
    tgt = torch.cat([torch.full((b, 1), sos, dtype=torch.int64, device=x_prev.device),
                     x_prev[:, :-1]], dim=1)
    return model(src, tgt)


def batch_loss(model, t, T, data, idx, meta, cfg, gen, rng, device, p_drop=None,
               first_caption=False):
    """(loss, hard CE in nats/token) for rows idx of data at scale t."""
    K = meta["codebook_size"]
    betas = meta["schedule"]["betas"]
    x0 = data.codes[idx].to(device)
    if t == 0:
        x_prev, x_t = x0, None
    else:
        x_prev, x_t = forward_chain(x0, betas, t, K, gen)
    cond = data.cond(idx, rng, cfg.p_drop if p_drop is None else p_drop,
                     first_caption).to(device)
    logits = scale_logits(model, t, T, cond, x_prev, x_t, meta["tokens"]["sos"])
    hard = F.cross_entropy(logits.reshape(-1, K), x_prev.reshape(-1))
    loss = hard
    if cfg.alpha_soft > 0 and 0 < t < T:
        ac = [1.0]
        for b in betas[1:]:
            ac.append(ac[-1] * (1 - b))
        logq = posterior_log(x0, x_t, t, ac, betas, K)
        soft = (logq.exp() * (logq - F.log_softmax(logits, -1))).sum(-1).mean()
        loss = cfg.alpha_soft * soft + (1 - cfg.alpha_soft) * hard
    return loss, hard


def make_optimizer(model, cfg):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 and "emb" not in name else no_decay).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=cfg.lr, betas=(0.9, 0.95))


@torch.no_grad()
def val_nll(model, t, T, data, meta, cfg, device, batch=128, seed=123):
    """Validation NLL of the hard target in bits/token (fixed noise, true prompts)."""
    model.eval()
    gen = torch.Generator(device=device).manual_seed(seed + t)
    rng = random.Random(seed)
    tot, n = 0.0, 0
    for i in range(0, len(data), batch):
        idx = torch.arange(i, min(len(data), i + batch))
        _, hard = batch_loss(model, t, T, data, idx, meta, cfg, gen, rng, device, p_drop=0.0,
                             first_caption=True)
        tot += float(hard) * len(idx)
        n += len(idx)
    model.train()
    return tot / n / math.log(2)


# -------------------------------------------------------------------- driver

GPT_FIELDS = ("n_layer", "n_embd", "n_head", "prior_sampling")
XT_FIELDS = ("dim", "heads", "dim_head", "enc_depth", "dec_depth")


def scale_fields(cfg, t, T):
    """The config fields that shape scale t (0 = baseline): a checkpoint is
    resumed when these agree (max_steps may grow; the fields of the other
    architecture, and for the x_0 baseline the schedule, do not matter)."""
    d = dataclasses.asdict(cfg)
    drop = ["max_steps"] + list(XT_FIELDS if t in (0, T) else GPT_FIELDS)
    if t == 0:
        drop += ["alphacum", "alpha_soft"]
    return {k: v for k, v in d.items() if k not in drop}


def draw_rows(tr, cfg, t, T, step):
    """The training rows of one step: by tr.weights for the GPT scales when
    cfg.prior_sampling is "base", else uniform; seeded by step (resumable)."""
    g = torch.Generator().manual_seed(cfg.seed * 104729 + t * 7 + step * 13)
    if t in (0, T) and cfg.prior_sampling == "base":
        return torch.multinomial(tr.weights, cfg.batch_size, replacement=True, generator=g)
    if cfg.prior_sampling not in ("base", "uniform"):
        raise ValueError(f"prior_sampling {cfg.prior_sampling!r}: use base or uniform")
    return torch.randint(0, len(tr), (cfg.batch_size,), generator=g)


def train_scale(t, meta, cfg, tr, va, out, device="cpu", minutes=None, ckpt_minutes=3.0,
                log=print, vq_id=None, init=None):
    """Train (or resume) scale t (0 = baseline); writes <out>/scale{t}/last.pt.

    vq_id identifies the first stage the tokens came from; a checkpoint of
    another first stage is not resumed (its tokens mean something else).
    init (warm_start.scale_init), used only when there is no checkpoint yet,
    starts from shipped weights at their step count; the learning rate then
    warms up again from that step (restart_step)."""
    T = len(meta["scales"])
    folder = os.path.join(out, f"scale{t}")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "last.pt")
    torch.manual_seed(cfg.seed * 100 + t)
    model = build_scale_model(meta, t).to(device)
    opt = make_optimizer(model, cfg)
    ema = tu.EMA(model, cfg.ema_decay)
    step, elapsed, restart, origin = 0, 0.0, 0, None
    if os.path.exists(path):
        ck = tu.load_checkpoint(path)
        old = tu.config_from(ChainConfig, ck["config"])
        if scale_fields(old, t, T) != scale_fields(cfg, t, T):
            raise ValueError(f"{path}: trained with a different config")
        if ck.get("vq_id") != vq_id:
            raise ValueError(f"{path}: trained on the tokens of another first stage; "
                             "delete it to retrain this scale")
        model.load_state_dict(ck["state_dict"])
        ema.load_state_dict(ck["ema_state_dict"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck.get("elapsed", 0.0)
        restart, origin = ck.get("restart_step", 0), ck.get("from_bundle")
        if ck.get("val_bits_per_token") is not None and (
                step >= cfg.max_steps or minutes == 0):
            log(f"scale {t}: {'complete' if step >= cfg.max_steps else 'stopped'} "
                f"({step} steps)")
            return ck
        log(f"scale {t}: resumed at step {step}")
    elif init is not None:
        warm_start.load_into(model, init, f"scale {t}")
        ema.load_state_dict(model.state_dict())
        step, elapsed, restart = init["step"], init["elapsed"], init["step"]
        origin = init["from_bundle"]
        log(f"scale {t}: starting from the bundle's weights at step {step}")
    gen = torch.Generator(device=device).manual_seed(cfg.seed * 7919 + t * 1000 + step)
    rng = random.Random(cfg.seed * 31 + t * 1000 + step)
    t0 = time.time()
    last = t0
    n_params = sum(p.numel() for p in model.parameters())
    bar = tu.Progress(cfg.max_steps, f"scale {t} ({n_params / 1e6:.2f}M)")
    loss_avg = None

    def save(final=False):
        ck = {"config": dataclasses.asdict(cfg), "meta": meta, "scale": t, "vq_id": vq_id,
              "state_dict": model.state_dict(), "ema_state_dict": ema.state_dict(),
              "opt": opt.state_dict(), "step": step, "elapsed": elapsed + time.time() - t0,
              "restart_step": restart, "from_bundle": origin}
        if final:
            model_ema = build_scale_model(meta, t).to(device)
            model_ema.load_state_dict(ema.state_dict())
            ck["val_bits_per_token"] = val_nll(model_ema, t, T, va, meta, cfg, device)
            ck["train_bits_per_token"] = loss_avg / math.log(2) if loss_avg else None
            log(f"scale {t}: step {step}, val {ck['val_bits_per_token']:.3f} bits/token "
                f"(EMA), train ~{ck['train_bits_per_token'] or 0:.3f}")
        tu.save_checkpoint(path, ck)
        return ck

    model.train()
    while step < cfg.max_steps:
        if minutes is not None and time.time() - t0 > minutes * 60:
            log(f"scale {t}: time budget of {minutes} min reached at step {step}")
            break
        lr = tu.lr_at(step, cfg.lr, cfg.warmup, cfg.max_steps)
        if restart:
            lr *= min(1.0, (step - restart + 1) / max(1, cfg.warmup))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = draw_rows(tr, cfg, t, T, step)
        loss, hard = batch_loss(model, t, T, tr, idx, meta, cfg, gen, rng, device)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        ema.update(model, min(cfg.ema_decay, (1 + step) / (10 + step)))
        h = float(hard)
        loss_avg = h if loss_avg is None else 0.98 * loss_avg + 0.02 * h
        bar.update(step, bits=loss_avg / math.log(2))
        if time.time() - last > ckpt_minutes * 60:
            save()
            last = time.time()
    bar.close()
    # The validation NLL is recorded whenever a run ends (also on a time
    # budget); a later run with more time resumes from the same checkpoint.
    return save(final=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=".cache/data/emoji.pt")
    ap.add_argument("--vq", default="train/runs/emoji/vq/final.pt")
    ap.add_argument("--out", default="train/runs/emoji/chain")
    ap.add_argument("--scales", default="4,3,2,1,0",
                    help="scales to train, in order (0 = the x_0 GPT baseline)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--minutes", type=float, default=None,
                    help="time budget per scale and run (0: only record the validation NLL "
                    "of existing checkpoints)")
    ap.add_argument("--ckpt-minutes", type=float, default=3.0)
    ap.add_argument("--bench", action="store_true", help="measure s/step per scale and exit")
    ap.add_argument("--alphacum-list", type=parse_float_list, default=None)
    tu.add_config_args(ap, ChainConfig)
    args = ap.parse_args(argv)
    tu.set_threads()
    over = tu.config_overrides(args, ChainConfig)
    over.pop("alphacum", None)
    if args.alphacum_list:
        over["alphacum"] = args.alphacum_list
    cfg = tu.config_from(ChainConfig, {**dataclasses.asdict(ChainConfig()), **over})
    tok = load_tokens(args.data, args.vq, args.out, args.device)
    meta = chain_meta(cfg, tok["vq_config"], tok["K"], tok["class_names"], tok["vocab"])
    with open(os.path.join(args.out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f)
    tr, va = split_data(tok, meta)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    if args.bench:
        for t in scales:
            model = build_scale_model(meta, t).to(args.device)
            opt = make_optimizer(model, cfg)
            gen, rng = torch.Generator(device=args.device).manual_seed(0), random.Random(0)
            ts = []
            for i in range(4):
                t1 = time.time()
                idx = torch.randint(0, len(tr), (cfg.batch_size,))
                loss, _ = batch_loss(model, t, len(meta["scales"]), tr, idx, meta, cfg, gen, rng,
                                     args.device)
                opt.zero_grad()
                loss.backward()
                opt.step()
                ts.append(time.time() - t1)
            n = sum(p.numel() for p in model.parameters())
            print(f"scale {t}: {n / 1e6:.2f}M params, {np.mean(ts[1:]):.3f} s/step "
                  f"(batch {cfg.batch_size})")
        return 0
    for t in scales:
        cfg_t = cfg if "max_steps" in over else dataclasses.replace(cfg, max_steps=PLANNED_STEPS[t])
        train_scale(t, meta, cfg_t, tr, va, args.out, args.device, args.minutes, args.ckpt_minutes,
                    vq_id=tok["vq_id"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
