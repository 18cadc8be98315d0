"""Train the photos model: unconditional ImageBART for filling holes in photographs.

    /usr/bin/python3 train/train_photos.py vq     [--data .cache/data/photos.pt] [--run train/runs/photos]
                                                  [--device cuda] [--max-steps N] [--minutes M] [--bench]
    /usr/bin/python3 train/train_photos.py chain  [--scales 3,2,1] [--pool 24576] [--device cuda]
                                                  [--max-steps N] [--minutes M] [--bench]
    /usr/bin/python3 train/train_photos.py export [--run train/runs/photos] --out assets/photos.bart

`vq` and `chain` take `--init-bundle assets/photos.bart` (`make train-photos
PHOTOS_INIT=assets/photos.bart`) to continue from the shipped model in a new
run folder: its first stage as is, and its weights, step counts and minutes
for every scale the run has no checkpoint of (warm_start.py). That is how the
model grows over sessions on build machines that keep nothing but git.

(`make train-photos`, `make export-photos`, `make eval-photos`.) The data is
what `train/photos_data.py` builds (`make data-photos`; `PHOTOS_FLAGS="--licences
all"` for the share-alike set, then `--data .cache/data/photos-all.pt --run
train/runs/photos-all`). Every stage reuses the emoji pipeline's code: the
VQGAN loop of train_vq.py (`train_loop`: L1 + image-gradient + commitment loss
with the EMA codebook, hard hinge PatchGAN after `disc_start`, dead-code
restarts, codebook shrunk to
the entries used, remap "random"), the transition models and per-scale loop of
train_chain.py (`train_scale`: hard loss, EMA, resumable, validation NLL) and
the bundle writer of export.py. What differs is listed here.

The model (PHOTOS_VQ, PHOTOS_CHAIN below; every field can be overridden on
the command line, e.g. `chain --dim 192`):

- First stage: 128x128 crops (`photos_data.PhotoCrops`, fresh every step),
  VQGAN ch 64, ch_mult [1, 1, 2, 2] (f = 8: 16x16 = 256 tokens, as the
  official models), one res block per level, attention at 16x16, 1024 codes
  of dimension 64, batch 8, discriminator from step 1700 of 2800. The
  codebook is shrunk to the entries used on 4096 training crops
  (`--final-crops`). Every level has at least 64 channels because the
  spec's GroupNorm has 32 groups: at 32 channels it is an instance norm per
  channel, which washed out the emoji model's colours (train_vq.VQConfig);
  ch 32 [1, 2, 2, 4] cost 2.85 s/step, this one 5.38 (`vq --bench`, one
  thread, beside a 2-thread training run).
- Chain: T = 3, unconditional (P = 0 condition tokens: encoder input [t, x_t],
  GPT input [3, x_2[:-1]], `conditioning` {class: null, text: null}, which
  the bundle format and both readers accept: model/testdata/fixture-uncond.bart).
  Scales 1 and 2 are residual-scaled encoder-decoders (spec 2.7), dim 192,
  4 heads of 48, 4 encoder + 2 decoder layers (3.9M parameters each); scale 3
  a GPT of 6 layers, width 192, 6 heads (3.1M). Batch 16, AdamW lr 5e-4,
  EMA 0.995 (exported). Width 256 (GPT 8 layers, 6.9M; encoder-decoders
  6.4M) cost 2.4x (GPT) and 1.3x per step; in a budget this short we expect
  the number of steps to matter more than the width (not measured).
- Schedule (PHOTOS_ALPHACUM): alphacum 1, 0.848, 0.653, 0, the official
  3-scale unconditional chains' schedule (LSUN beds/cats/churches at 16x16
  tokens, ImageNet `bernoulli_PSIM`, spec 4.5: equal steps of perceptual
  similarity), rather than the geometric 1, 2/3, 1/3, 0. Two reasons, the
  second measured on the emoji model (train_chain.py's docstring): the GPT
  prior is the part that learns global structure per unit of CPU time, and
  when its target x_2 kept only 35% of the tokens it learned nearly nothing
  in a CPU budget, while with 65% kept it did; and each encoder-decoder scale
  replaces 15% / 23% of the tokens, a local clean-up that sees the whole
  window both ways, which is what turns the GPT's raster-order guess inside a
  hole into one consistent with the context below and right of it.

Tokens for the chain: a fixed pool of crops encoded once rather than fresh
crops encoded on the fly. Encoding a batch of 16 crops costs 0.6 s of CPU,
40% of a GPT step and a third of an encoder-decoder step, and every scale
would pay it; the pool (default 24576 training crops, about 100 per training
photo through `PhotoCrops.epoch`, each with a random scale, offset and flip;
512 validation crops) costs about 16 minutes once, and the planned run shows
each crop about 7 times to the GPT and 3 times to each encoder-decoder, every
time under fresh forward-process noise. It is cached in
`<run>/chain/tokens.pt` under the first stage's identity (sha1 of
vq/final.pt), the dataset's build key (data_file_id) and the pool settings,
so the run resumes after a copy to another folder or machine; training
crops come from training photos only and validation crops from validation
photos only (the split is by photo, photos_data.is_val).

Measured cost on the 2-core build VMs. Session 7 (AMD EPYC, OpenBLAS with
OPENBLAS_CORETYPE=SkylakeX: 224 against 115 GFLOP/s for the Haswell kernels
that VM's environment preset; each process at nice 0, the other stage on
the other core), wall time:

    VQ (batch 8, two threads)    2.2 s/step (1000 steps, disc from 600: 37 min,
                                 then 6 min for the codebook and PSNR passes)
    pool encoding (two threads)  16384 + 512 crops in 9.2 minutes
    scale 3 GPT (batch 16)       0.69 s/step (87 steps a minute)
    scale 2, 1 (batch 16)        0.70 s/step each (85 a minute)

Sessions 4-6 measured 2-2.5x these per step (`--bench` beside other
training, kernels as detected then), and planned from those numbers.

Planned steps (PLANNED_STEPS; `--max-steps` overrides every stage at once):
VQ 2800 on two threads (about 1.7 h at the rate above), the pool (24576
crops, about 0.25 h), then two processes: scale 3, 11000 steps (2.1 h),
beside scales 2 and 1, 5000 steps each (2 h): about 4 hours on 2 cores at
session 7's rates. The shipped bundle was trained on a shorter schedule
that fit one session (train/RESULTS-photos.md). Every stage checkpoints
every 3 minutes (`--ckpt-minutes`) and resumes when rerun; `--minutes`
bounds a stage's (each scale's) time in one run; `--device cuda` trains on
an NVIDIA GPU (far faster; the planned steps are then cheap and can be
raised).

Bundle: the first stage's encoder and codebook F32, its decoder and the
transformers F16 (the exporter prints the decoded-image PSNR and NLL changes
from rounding), about 33 MB, under the 40 MB limit export checks; name "photos", licence the combination of the
licences of the photos used (share-alike ones only with --licences all), the
attribution a summary naming every photographer plus the full NOTICE
(photos_data.write_notice) written beside the bundle as <name>-NOTICE.txt.
"""

import argparse
import dataclasses
import hashlib
import json
import math
import os
import random
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import photos_data as pdata  # noqa: E402
from photos_export import export_run  # noqa: E402
import train_chain as tc  # noqa: E402
import train_vq as tv  # noqa: E402
import trainutil as tu  # noqa: E402
import warm_start  # noqa: E402

NAME = "photos"
# The official LSUN 3-scale schedule (spec 4.5, float32 betas 0.1517287642, 0.2306357324).
PHOTOS_ALPHACUM = [1.0, 0.8482712358, 0.6526295543, 0.0]

# First stage at 128x128, f=8 (fields of train_vq.VQConfig; the rest keep its defaults).
PHOTOS_VQ = dict(resolution=128, ch=64, ch_mult=[1, 1, 2, 2], num_res_blocks=1,
                 attn_resolutions=[16], z_channels=64, embed_dim=64, n_embed=1024,
                 batch_size=8, lr=3e-4, warmup=200, max_steps=2800, grad_weight=0.5,
                 disc_start=1700, disc_weight=0.2, disc_ch=32, restart_until=0.5,
                 restart_every=50, seed=1)

# Chain (fields of train_chain.ChainConfig); max_steps is per scale, see PLANNED_STEPS.
PHOTOS_CHAIN = dict(alphacum=list(PHOTOS_ALPHACUM), text_length=0, p_drop=0.0,
                    dim=192, heads=4, dim_head=48, enc_depth=4, dec_depth=2,
                    n_layer=6, n_embd=192, n_head=6, prior_sampling="uniform",
                    batch_size=16, lr=5e-4, weight_decay=0.01, warmup=200, max_steps=5000,
                    ema_decay=0.995, alpha_soft=0.0, seed=1)

PLANNED_STEPS = {"vq": 2800, 3: 11000, 2: 5000, 1: 5000}
POOL_TRAIN, POOL_VAL, FINAL_CROPS, FINAL_VAL_CROPS = 24576, 512, 4096, 512
POOL_SEED = 11
# Sampling defaults on the card (index 0 = scale 1): mild top-k, tighter on the
# fine scales; two chain iterations per encoder-decoder scale for edits.
TOP_K = (32, 48, 100)


def vq_config(over=None):
    return tu.config_from(tv.VQConfig, {**dataclasses.asdict(tv.VQConfig()), **PHOTOS_VQ,
                                        **(over or {})})


def chain_config(over=None):
    return tu.config_from(tc.ChainConfig, {**dataclasses.asdict(tc.ChainConfig()),
                                           **PHOTOS_CHAIN, **(over or {})})


def data_identity(d):
    """What identifies a photos dataset dict (for caches)."""
    return {"manifest_sha1": d.get("manifest_sha1"), "licences": d.get("licences"),
            "n": len(d["images"]), "n_val": int(d["val"].sum()),
            "paths_sha1": hashlib.sha1("\n".join(p + "/" + q for p, q in
                                                 zip(d["package"], d["path"])).encode()).hexdigest()}


def crops_u8(crops, n, seed, batch=256):
    """n crops (uint8 (n, R, R, 3)) visiting the photos of `crops` in turn (PhotoCrops.epoch)."""
    g = torch.Generator().manual_seed(seed)
    per = max(1, math.ceil(n / len(crops)))
    out, have = [], 0
    for x in crops.epoch(batch, crops_per_photo=per, generator=g):
        out.append(((x + 1) * 127.5).round().clamp(0, 255).byte().permute(0, 2, 3, 1))
        have += len(x)
        if have >= n:
            break
    return torch.cat(out)[:n].contiguous()


def _clock(device):
    """(wall, CPU) seconds of this process, after the device has finished its work."""
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()
    return time.time(), time.process_time()


# ------------------------------------------------------------------------ VQ


def train_vq_stage(cfg, data, run, device="cpu", minutes=None, ckpt_minutes=3.0, final_crops=None,
                   final_val_crops=None, log=print):
    """Train (or resume) the first stage on fresh crops; writes <run>/vq/final.pt."""
    out = os.path.join(run, "vq")
    final = os.path.join(out, "final.pt")
    if os.path.exists(final):
        ck = tu.load_checkpoint(final)
        if ck.get("from_bundle"):
            log(f"vq: {final} is the first stage of a bundle (--init-bundle); not trained here")
            return ck["metrics"]
        if ck["step"] >= cfg.max_steps and dataclasses.replace(
                tu.config_from(tv.VQConfig, ck["config"]), max_steps=cfg.max_steps) == cfg:
            log(f"vq: {final} is complete ({ck['step']} steps)")
            return ck["metrics"]
    d = pdata.load(data) if isinstance(data, str) else data
    torch.manual_seed(cfg.seed)
    train = pdata.PhotoCrops(d, "train", crop=cfg.resolution)

    def next_batch(gen):
        return train.batch(cfg.batch_size, generator=gen).to(device)

    def final_sets():
        n_tr = final_crops or FINAL_CROPS
        n_va = final_val_crops or FINAL_VAL_CROPS
        log(f"vq: {n_tr} training and {n_va} validation crops for the codebook and PSNR")
        val = pdata.PhotoCrops(d, "val", crop=cfg.resolution, cache=False)
        return crops_u8(train, n_tr, cfg.seed + 1), crops_u8(val, n_va, cfg.seed + 2)

    return tv.train_loop(cfg, next_batch, final_sets, out, device, minutes, ckpt_minutes, log)


def vq_from_bundle(cfg, run, bundle, log=print):
    """<run>/vq/final.pt from a shipped bundle's first stage (warm_start); a
    final.pt already there must be that first stage."""
    final = os.path.join(run, "vq", "final.pt")
    if os.path.exists(final):
        warm_start.check_first_stage(final, bundle)
        log(f"vq: {final} is the first stage of {bundle}")
        return tu.load_checkpoint(final)["metrics"]
    ck = warm_start.write_vq_final(bundle, cfg, final, tv.build_vq, tv.REMAP)
    log(f"vq: first stage of {bundle} ({ck['step']} steps) written to {final}")
    return ck["metrics"]


def bench_vq(cfg, data, device, steps=4):
    """Seconds per step of the real training loop (train_vq.train_loop), without and
    with the discriminator: wall and CPU time of this process."""
    import tempfile
    d = pdata.load(data) if isinstance(data, str) else data
    crops = pdata.PhotoCrops(d, "train", crop=cfg.resolution)
    crops.batch(64)  # fill the resize cache a little outside the timing
    res = []
    for disc in (False, True):
        c = dataclasses.replace(cfg, max_steps=steps + 1, disc_start=0 if disc else 10 ** 9,
                                warmup=1)
        marks = []

        def next_batch(gen):
            marks.append(_clock(device))
            return crops.batch(c.batch_size, generator=gen).to(device)

        small = lambda: (torch.zeros((1, c.resolution, c.resolution, 3), dtype=torch.uint8),) * 2
        with tempfile.TemporaryDirectory() as tmp:
            torch.manual_seed(c.seed)
            tv.train_loop(c, next_batch, small, tmp, device, log=lambda *a: None)
        wall = (marks[-1][0] - marks[1][0]) / (len(marks) - 2)
        cpu = (marks[-1][1] - marks[1][1]) / (len(marks) - 2)
        res.append((wall, cpu))
    vq = tv.build_vq(cfg).to(device)
    n = sum(p.numel() for p in vq.parameters())
    x = tv.to_float(crops_u8(crops, 64, 0), device)
    t0, c0 = _clock(device)
    with torch.no_grad():
        vq.encode_codes(x)
    t1, c1 = _clock(device)
    enc = ((t1 - t0) / 64, (c1 - c0) / 64)
    print(f"vq bench: {n / 1e6:.2f}M params, batch {cfg.batch_size}, {torch.get_num_threads()} "
          f"thread(s): {res[0][0]:.2f} s/step wall ({res[0][1]:.2f} s CPU), with discriminator "
          f"{res[1][0]:.2f} s/step wall ({res[1][1]:.2f} s CPU); encoding {enc[0] * 1000:.1f} ms/crop "
          f"wall ({enc[1] * 1000:.1f} ms CPU)")
    return res, enc


# --------------------------------------------------------------------- chain


class UncondTokens:
    """Codes of one split, shaped for train_chain's loops: no condition tokens (P = 0)."""

    def __init__(self, codes):
        self.codes = codes.long()

    def __len__(self):
        return len(self.codes)

    def cond(self, idx, rng, p_drop, first_caption=False):
        return torch.zeros((len(idx), 0), dtype=torch.int64)


def photos_meta(cfg, vq_cfg, K, name=NAME):
    """The bundle metadata of the unconditional chain (model card fields empty)."""
    betas = tc.betas_from_alphacum(cfg.alphacum)
    T = len(betas) - 1
    n = (vq_cfg["resolution"] // 2 ** (len(vq_cfg["ch_mult"]) - 1)) ** 2
    in_vocab = max(K, T + 1)  # scale tokens 1..T share the code rows (spec 3.4)
    scales = []
    for t in range(1, T):
        scales.append({"scale": t, "arch": "xtransformer", "dim": cfg.dim, "heads": cfg.heads,
                       "dim_head": cfg.dim_head, "enc_depth": cfg.enc_depth,
                       "dec_depth": cfg.dec_depth, "enc_num_tokens": in_vocab,
                       "enc_max_seq_len": 1 + n, "dec_num_tokens": K, "dec_max_seq_len": n,
                       "residual_scaled": {"n_scales": T, "scale_pos": 0, "xt_start": 1}})
    scales.append(tc.gpt_config(cfg, T, K, in_vocab, n, 0))
    top_k = [min(K, TOP_K[min(i, len(TOP_K) - 2)]) for i in range(T - 1)] + [min(K, TOP_K[-1])]
    return {
        "format_version": 1, "name": name, "description": "", "license": "", "attribution": "",
        "image_size": vq_cfg["resolution"],
        "first_stage": tc.first_stage_meta(vq_cfg, tv.REMAP),
        "codebook_size": K,
        "schedule": {"kind": "alphacum", "betas": betas},
        "scales": scales,
        "tokens": {"sos": 0, "class_offset": 0, "text_offset": 0},
        "conditioning": {"class": None, "text": None},
        "sampling": {"top_k": top_k, "temperature": [1.0] * T, "chain": [2] * (T - 1) + [1]},
        "metrics": {},
    }


def data_file_id(path):
    """The identity of a dataset file: the build key photos_data.build writes
    beside it (<path>.json; a hash of the manifest rows and settings), so a
    run copied to another folder or machine, even without the dataset file,
    keeps its token pool; size and mtime for a file without one."""
    side = path + ".json"
    if os.path.exists(side):
        with open(side, encoding="utf-8") as f:
            return {"build_key": json.load(f)["key"]}
    st = os.stat(path)
    return [st.st_size, int(st.st_mtime)]


def load_pool(data_path, run, device="cpu", n_train=POOL_TRAIN, n_val=POOL_VAL, seed=POOL_SEED,
              log=print):
    """The token pool (module docstring), encoded once and cached in <run>/chain/tokens.pt
    under the identity of the first stage, the dataset file and the pool settings."""
    vq_path = os.path.join(run, "vq", "final.pt")
    path = os.path.join(run, "chain", "tokens.pt")
    key = {"vq_id": tu.file_sha1(vq_path), "data_file": data_file_id(data_path),
           "pool": [n_train, n_val, seed]}
    if os.path.exists(path):
        ck = torch.load(path)
        if ck.get("key") == key:
            return ck
        log(f"chain: {path} is of another first stage, dataset or pool; encoding again")
    d = pdata.load(data_path)
    vq, vq_cfg, vck = tv.load_final(vq_path, device)
    res = vq_cfg.resolution
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for split, n, s in (("train", n_train, seed), ("val", n_val, seed + 1)):
        crops = pdata.PhotoCrops(d, split, crop=res, seed=s)
        per = max(1, math.ceil(n / len(crops)))
        bar = tu.Progress(n, f"pool {split}")
        codes, have = [], 0
        with torch.no_grad():
            for x in crops.epoch(64, crops_per_photo=per):
                codes.append(vq.encode_codes(x.to(device), gen).cpu().to(torch.int16))
                have += len(x)
                bar.update(min(have, n))
                if have >= n:
                    break
        bar.close()
        out[split] = torch.cat(codes)[:n]
        crops.cache = None
    ck = {"codes": out["train"], "val_codes": out["val"], "K": vq.n_codes,
          "vq_config": vck["config"], "vq_id": key["vq_id"], "key": key,
          "data": data_identity(d), "rows": pdata.rows_of(d), "licences": d.get("licences")}
    tu.save_checkpoint(path, ck)
    log(f"chain: encoded {n_train} training and {n_val} validation crops into {path} "
        f"(K = {ck['K']})")
    return ck


def write_meta(run, meta):
    os.makedirs(os.path.join(run, "chain"), exist_ok=True)
    with open(os.path.join(run, "chain", "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f)


def steps_for(t, over_steps):
    return over_steps if over_steps is not None else PLANNED_STEPS[t]


def train_chain_stage(cfg, tok, run, scales, device="cpu", minutes=None, ckpt_minutes=3.0,
                      max_steps=None, log=print, init_bundle=None):
    """Train (or resume) the given scales on the token pool; returns their checkpoints.
    With init_bundle, a scale without a checkpoint starts from the bundle's weights."""
    meta = photos_meta(cfg, tok["vq_config"], tok["K"])
    if init_bundle:
        warm_start.check_first_stage(os.path.join(run, "vq", "final.pt"), init_bundle)
        warm_start.check_chain(meta, init_bundle)
    write_meta(run, meta)
    tr, va = UncondTokens(tok["codes"]), UncondTokens(tok["val_codes"])
    out = []
    for t in scales:
        c = dataclasses.replace(cfg, max_steps=steps_for(t, max_steps))
        init = warm_start.scale_init(init_bundle, t) if init_bundle else None
        out.append(tc.train_scale(t, meta, c, tr, va, os.path.join(run, "chain"), device, minutes,
                                  ckpt_minutes, log, vq_id=tok["vq_id"], init=init))
    return out


def bench_chain(cfg, K, scales, device, steps=4):
    """Wall and CPU seconds per training step of each scale (random tokens)."""
    vq_cfg = dataclasses.asdict(vq_config())
    meta = photos_meta(cfg, vq_cfg, K)
    n = (vq_cfg["resolution"] // 8) ** 2
    data = UncondTokens(torch.randint(0, K, (256, n)))
    T = len(meta["scales"])
    res = {}
    for t in scales:
        model = tc.build_scale_model(meta, t).to(device)
        opt = tc.make_optimizer(model, cfg)
        gen, rng = torch.Generator(device=device).manual_seed(0), random.Random(0)
        marks = []
        for i in range(steps + 1):
            marks.append(_clock(device))
            idx = torch.randint(0, len(data), (cfg.batch_size,))
            loss, _ = tc.batch_loss(model, t, T, data, idx, meta, cfg, gen, rng, device)
            opt.zero_grad()
            loss.backward()
            opt.step()
        marks.append(_clock(device))
        wall = (marks[-1][0] - marks[1][0]) / steps
        cpu = (marks[-1][1] - marks[1][1]) / steps
        n_params = sum(p.numel() for p in model.parameters())
        res[t] = (wall, cpu, n_params)
        print(f"scale {t}: {n_params / 1e6:.2f}M params, batch {cfg.batch_size}: {wall:.2f} s/step "
              f"wall ({cpu:.2f} s CPU), {torch.get_num_threads()} thread(s)")
    return res


# ---------------------------------------------------------------------- main


def _run_default(args):
    if args.run:
        return args.run
    all_licences = os.path.basename(args.data).startswith("photos-all")
    return os.path.join("train", "runs", "photos-all" if all_licences else "photos")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="stage", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", default=".cache/data/photos.pt",
                        help="dataset from photos_data.py (photos-all.pt for --licences all)")
    common.add_argument("--run", default=None,
                        help="run folder (default train/runs/photos, or photos-all for photos-all.pt)")
    common.add_argument("--device", default="cpu")
    common.add_argument("--minutes", type=float, default=None,
                        help="stop (resumably) after this many minutes (per scale for chain)")
    common.add_argument("--ckpt-minutes", type=float, default=3.0)
    common.add_argument("--bench", action="store_true", help="measure s/step and exit")
    common.add_argument("--init-bundle", default=None,
                        help="continue from this shipped bundle (warm_start.py): its first "
                        "stage, and its weights for scales without a checkpoint")

    p_vq = sub.add_parser("vq", parents=[common], help="train the first stage")
    p_vq.add_argument("--final-crops", type=int, default=FINAL_CROPS,
                      help="training crops the codebook is shrunk on")
    p_vq.add_argument("--final-val-crops", type=int, default=FINAL_VAL_CROPS)
    tu.add_config_args(p_vq, tv.VQConfig)

    p_ch = sub.add_parser("chain", parents=[common], help="encode the token pool, train scales")
    p_ch.add_argument("--scales", default="3,2,1",
                      help="scales to train, in order ('' = only encode the token pool; 0 = the "
                      "x_0 GPT baseline)")
    p_ch.add_argument("--pool", type=int, default=POOL_TRAIN, help="training crops in the pool")
    p_ch.add_argument("--val-pool", type=int, default=POOL_VAL)
    p_ch.add_argument("--alphacum-list", type=tc.parse_float_list, default=None)
    tu.add_config_args(p_ch, tc.ChainConfig)

    p_ex = sub.add_parser("export", help="write the .bart bundle with its card and NOTICE")
    p_ex.add_argument("--run", default="train/runs/photos")
    p_ex.add_argument("--out", required=True)
    p_ex.add_argument("--name", default=NAME)
    p_ex.add_argument("--transformer-dtype", choices=("f32", "f16", "bf16"), default="f16")

    args = ap.parse_args(argv)
    tu.set_threads()
    if args.stage == "export":
        import export as ex
        export_run(args.run, args.out, ex.DTYPE_NAMES[args.transformer_dtype], args.name)
        return 0
    run = _run_default(args)

    if args.stage == "vq":
        over = tu.config_overrides(args, tv.VQConfig)
        if "max_steps" not in over:
            over["max_steps"] = PLANNED_STEPS["vq"]
        cfg = vq_config(over)
        if args.bench:
            bench_vq(cfg, args.data, args.device)
            return 0
        if args.init_bundle:
            vq_from_bundle(cfg, run, args.init_bundle)
            return 0
        train_vq_stage(cfg, args.data, run, args.device, args.minutes, args.ckpt_minutes,
                       args.final_crops, args.final_val_crops)
        return 0

    over = tu.config_overrides(args, tc.ChainConfig)
    over.pop("alphacum", None)
    max_steps = over.pop("max_steps", None)
    if args.alphacum_list:
        over["alphacum"] = args.alphacum_list
    cfg = chain_config(over)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    if args.bench:
        vq_final = os.path.join(run, "vq", "final.pt")
        K = (len(torch.load(vq_final)["used"]) if os.path.exists(vq_final)
             else vq_config().n_embed)
        bench_chain(cfg, K, scales or [3, 2, 1], args.device)
        return 0
    tok = load_pool(args.data, run, args.device, args.pool, args.val_pool)
    train_chain_stage(cfg, tok, run, scales, args.device, args.minutes, args.ckpt_minutes,
                      max_steps, init_bundle=args.init_bundle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
