"""Train the first stage: a taming-style VQGAN at 64x64, f=8 (8x8 tokens).

    /usr/bin/python3 train/train_vq.py --data .cache/data/emoji.pt --out train/runs/vq \
        [--device cuda] [--max-steps N] [--minutes M] [--ch 64 ...]

Loss: L1 reconstruction + a light image-gradient L1 (edges of flat emoji art)
+ the commitment loss (the codebook itself follows the EMA update by default,
`VQConfig.codebook`; "loss" is taming's codebook/commitment loss), and after
`disc_start` steps a PatchGAN discriminator with the hinge loss, weighted by
taming's adaptive weight (ratio of the reconstruction and GAN gradient norms
at the decoder's last layer). Dead codes are restarted from encoder outputs
during the first part of training, which keeps most of the codebook alive in
a short run; the quantizer itself stays the plain nearest-neighbour one, so
the exported model is the official VQModel.

Resumable: `<out>/last.pt` is written every `ckpt_minutes` and at the end;
running the same command again continues from it (`--max-steps` may be
raised to train further). At the end the codebook is shrunk to the entries
used on the training set: `<out>/final.pt` holds the VQModel state with the
`quantize.used` table (remap "random", see `REMAP` below) and the metrics.
"""

import argparse
import dataclasses
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import trainutil as tu
from vqgan import VQModel

# Remap policy of the shrunk codebook. "random": a raw index outside `used`
# becomes a uniform random code. That is exactly the corruption the forward
# diffusion applies to x_t, so the transition models already treat such a
# token as noise; "extra" would feed them a code (K-1) that never occurs in
# training, with an untrained embedding. On the emoji data every code of a
# training image is in `used` by construction; unknown codes only occur for
# out-of-domain images in the editor, where "random" degrades gracefully.
REMAP = "random"


@dataclasses.dataclass
class VQConfig:
    resolution: int = 64
    # Every level has at least 64 channels: the spec's GroupNorm has 32
    # groups, so at 32 channels it normalises each channel of each image on
    # its own (an instance norm), which washed the colours out (train/
    # RESULTS.notes.md: ch 32 [1, 2, 2, 4] turned a red apple brown).
    ch: int = 64
    ch_mult: list = dataclasses.field(default_factory=lambda: [1, 1, 2, 2])
    num_res_blocks: int = 1
    attn_resolutions: list = dataclasses.field(default_factory=lambda: [8])
    z_channels: int = 64
    embed_dim: int = 64
    n_embed: int = 512
    beta: float = 0.25
    batch_size: int = 16
    lr: float = 3e-4
    warmup: int = 100
    max_steps: int = 2000
    grad_weight: float = 0.5  # image-gradient L1
    disc_start: int = 1500
    disc_weight: float = 0.2
    disc_ch: int = 32
    restart_until: float = 0.6  # fraction of max_steps with dead-code restarts
    restart_every: int = 50
    # "loss": the codebook learns through taming's codebook loss with the
    # optimiser; "ema": it is the running k-means mean of the encoder outputs
    # assigned to each code (VQ-VAE's EMA update, decay ema_decay) and only the
    # commitment term beta |z - sg(z_q)|^2 trains the encoder. Inference is the
    # same nearest-neighbour quantizer either way. Dead codes restart in both.
    codebook: str = "ema"
    ema_decay: float = 0.99
    seed: int = 1

    def ddconfig(self):
        return {"ch": self.ch, "ch_mult": list(self.ch_mult), "num_res_blocks": self.num_res_blocks,
                "attn_resolutions": list(self.attn_resolutions), "in_channels": 3, "out_ch": 3,
                "resolution": self.resolution, "z_channels": self.z_channels, "double_z": False}


class PatchDiscriminator(nn.Module):
    """A small PatchGAN (pix2pix NLayerDiscriminator with 2 strided layers, GroupNorm)."""

    def __init__(self, ch=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, ch, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(ch, ch * 2, 4, 2, 1), nn.GroupNorm(8, ch * 2), nn.LeakyReLU(0.2),
            nn.Conv2d(ch * 2, ch * 4, 4, 1, 1), nn.GroupNorm(8, ch * 4), nn.LeakyReLU(0.2),
            nn.Conv2d(ch * 4, 1, 4, 1, 1))

    def forward(self, x):
        return self.net(x)


def to_float(images_u8, device):
    """uint8 (B, H, W, 3) -> float (B, 3, H, W) in [-1, 1]."""
    return images_u8.to(device).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def grad_l1(x, y):
    dx = lambda a: a[..., :, 1:] - a[..., :, :-1]
    dy = lambda a: a[..., 1:, :] - a[..., :-1, :]
    return (dx(x) - dx(y)).abs().mean() + (dy(x) - dy(y)).abs().mean()


def psnr(x, y):
    """Mean PSNR (dB) of images in [-1, 1], per image then averaged."""
    mse = ((x.clamp(-1, 1) - y) / 2).pow(2).flatten(1).mean(1)
    return float((10 * torch.log10(1.0 / mse.clamp_min(1e-10))).mean())


def build_vq(cfg, used=None):
    return VQModel(cfg.ddconfig(), cfg.embed_dim, cfg.n_embed, used, REMAP, beta=cfg.beta)


@torch.no_grad()
def raw_indices(vq, images_u8, device, batch=256):
    out = []
    for i in range(0, len(images_u8), batch):
        out.append(vq.quantize.nearest(vq.encode_to_prequant(to_float(images_u8[i:i + batch], device))).cpu())
    return torch.cat(out)


@torch.no_grad()
def evaluate_psnr(vq, images_u8, device, batch=256):
    """PSNR of decode(encode(x)) through the (possibly remapped) codes."""
    vals, n = 0.0, 0
    for i in range(0, len(images_u8), batch):
        x = to_float(images_u8[i:i + batch], device)
        codes = vq.encode_codes(x)
        vals += psnr(vq.decode_codes(codes), x) * len(x)
        n += len(x)
    return vals / n


def restart_dead(vq, h, counts):
    """Re-initialise codes unused since the last restart from random encoder outputs h."""
    dead = torch.nonzero(counts == 0).reshape(-1)
    if len(dead) == 0:
        return 0
    z = h.permute(0, 2, 3, 1).reshape(-1, h.shape[1]).detach()
    pick = torch.randint(0, len(z), (len(dead),), device=z.device)
    with torch.no_grad():
        vq.quantize.embedding.weight[dead] = z[pick] + 0.01 * torch.randn_like(z[pick])
    return len(dead)


class EMACodebook:
    """The EMA (k-means) codebook update: per code a running count and sum.

    A code's row is sum / count (count Laplace-smoothed). While restarts are
    on, a code no encoder output chose in the last `dead_after` steps is
    restarted at a random encoder output of the batch.
    """

    def __init__(self, weight, decay, dead_after, eps=1e-5):
        self.weight, self.decay, self.dead_after, self.eps = weight, decay, dead_after, eps
        self.count = torch.ones(weight.shape[0], device=weight.device)
        self.sum = weight.detach().clone()
        self.last_used = torch.zeros(weight.shape[0], dtype=torch.int64)

    def state(self):
        return {"count": self.count, "sum": self.sum, "last_used": self.last_used}

    def load(self, st):
        self.count.copy_(st["count"])
        self.sum.copy_(st["sum"])
        self.last_used.copy_(st["last_used"])

    def reset(self, step):
        """Counts to one and sums to the current rows (after the rows were set)."""
        self.count.fill_(1.0)
        self.sum.copy_(self.weight.detach())
        self.last_used.fill_(step)

    @torch.no_grad()
    def update(self, h, raw, step, restart):
        """One step for encoder outputs h (B, C, g, g) assigned to raw (B, g*g)."""
        z = h.permute(0, 2, 3, 1).reshape(-1, h.shape[1]).detach()
        idx = raw.reshape(-1)
        n = torch.bincount(idx, minlength=self.count.shape[0]).to(z.dtype)
        s = torch.zeros_like(self.sum).index_add_(0, idx, z)
        self.count.mul_(self.decay).add_(n, alpha=1 - self.decay)
        self.sum.mul_(self.decay).add_(s, alpha=1 - self.decay)
        total = self.count.sum()
        smoothed = (self.count + self.eps) / (total + len(self.count) * self.eps) * total
        self.weight.copy_(self.sum / smoothed[:, None])
        self.last_used[n.cpu() > 0] = step
        if restart:
            dead = torch.nonzero(step - self.last_used > self.dead_after).reshape(-1)
            if len(dead):
                pick = torch.randint(0, len(z), (len(dead),), device=z.device)
                self.weight[dead] = z[pick]
                self.sum[dead] = z[pick]
                self.count[dead] = 1.0
                self.last_used[dead] = step


def train(cfg, data_path, out, device="cpu", minutes=None, ckpt_minutes=3.0, log=print):
    """Train (or resume) and write <out>/final.pt; returns its metrics."""
    torch.manual_seed(cfg.seed)
    d = torch.load(data_path)
    train_imgs = d["images"][~d["val"]]
    val_imgs = d["images"][d["val"]]

    def next_batch(gen):
        idx = torch.randint(0, len(train_imgs), (cfg.batch_size,), generator=gen)
        return to_float(train_imgs[idx], device)

    return train_loop(cfg, next_batch, lambda: (train_imgs, val_imgs), out, device, minutes,
                      ckpt_minutes, log)


def train_loop(cfg, next_batch, final_sets, out, device="cpu", minutes=None, ckpt_minutes=3.0,
               log=print):
    """The training loop behind `train`, for any source of images.

    next_batch(gen) returns a float (batch_size, 3, R, R) batch in [-1, 1] on
    device, drawing its randomness from the torch.Generator gen (re-seeded
    from cfg.seed and the step on every start, so a resumed run draws fresh
    batches); final_sets() returns the uint8 (M, R, R, 3) training and
    validation images `finalize` measures (the codebook is shrunk to the
    entries used on the first). Call torch.manual_seed(cfg.seed) first, as
    `train` does, for a reproducible initialisation.
    """
    os.makedirs(out, exist_ok=True)
    last_path = os.path.join(out, "last.pt")
    vq = build_vq(cfg).to(device)
    disc = PatchDiscriminator(cfg.disc_ch).to(device)
    if cfg.codebook not in ("loss", "ema"):
        raise ValueError(f"codebook must be 'loss' or 'ema', not {cfg.codebook!r}")
    ema = (EMACodebook(vq.quantize.embedding.weight, cfg.ema_decay, 4 * cfg.restart_every)
           if cfg.codebook == "ema" else None)
    if ema is not None:
        vq.quantize.embedding.weight.requires_grad_(False)
    opt = torch.optim.Adam([p for p in vq.parameters() if p.requires_grad], lr=cfg.lr,
                           betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.lr, betas=(0.5, 0.9))
    step, elapsed = 0, 0.0
    if os.path.exists(last_path):
        ck = tu.load_checkpoint(last_path)
        if ck["config"] != dataclasses.asdict(cfg):
            old = tu.config_from(VQConfig, ck["config"])
            # Only the length of training may change on resume.
            if dataclasses.replace(old, max_steps=cfg.max_steps) != cfg:
                raise ValueError(f"{last_path}: trained with a different config; "
                                 "use another --out or the same options")
        vq.load_state_dict(ck["state_dict"])
        disc.load_state_dict(ck["disc_state_dict"])
        opt.load_state_dict(ck["opt"])
        opt_d.load_state_dict(ck["opt_d"])
        if ema is not None:
            ema.load(ck["ema_codebook"])
        step, elapsed = ck["step"], ck.get("elapsed", 0.0)
        log(f"vq: resumed from {last_path} at step {step}")

    def save():
        tu.save_checkpoint(last_path, {
            "config": dataclasses.asdict(cfg), "state_dict": vq.state_dict(),
            "disc_state_dict": disc.state_dict(), "opt": opt.state_dict(),
            "opt_d": opt_d.state_dict(), "step": step,
            "elapsed": elapsed + time.time() - t0,
            **({"ema_codebook": ema.state()} if ema is not None else {})})

    gen = torch.Generator().manual_seed(cfg.seed * 1000 + step)
    counts = torch.zeros(cfg.n_embed, dtype=torch.int64)
    t0 = time.time()
    last_ckpt = t0
    bar = tu.Progress(cfg.max_steps, "vq")
    vq.train()
    last_layer = vq.decoder.conv_out.weight
    while step < cfg.max_steps:
        if minutes is not None and time.time() - t0 > minutes * 60:
            log(f"vq: time budget of {minutes} min reached at step {step}")
            break
        for g in opt.param_groups:
            g["lr"] = tu.lr_at(step, cfg.lr, cfg.warmup, cfg.max_steps)
        x = next_batch(gen)
        h = vq.encode_to_prequant(x)
        if step == 0:  # codebook from encoder outputs
            restart_dead(vq, h, torch.zeros(cfg.n_embed, dtype=torch.int64))
            if ema is not None:
                ema.reset(step)
        raw = vq.quantize.nearest(h)
        counts += torch.bincount(raw.reshape(-1).cpu(), minlength=cfg.n_embed)
        b, c, g, _ = h.shape
        restarting = step < cfg.restart_until * cfg.max_steps
        if ema is not None:
            ema.update(h, raw, step, restarting)  # the rows first, then the lookup
        zq = vq.quantize.embedding.weight[raw].reshape(b, g, g, c).permute(0, 3, 1, 2)
        if ema is not None:
            qloss = cfg.beta * F.mse_loss(h, zq.detach())
        else:
            qloss = F.mse_loss(zq.detach(), h) + cfg.beta * F.mse_loss(zq, h.detach())
        zq = h + (zq - h).detach()
        xr = vq.decoder(vq.post_quant_conv(zq))
        rec = (xr - x).abs().mean() + cfg.grad_weight * grad_l1(xr, x)
        loss = rec + qloss
        use_disc = step >= cfg.disc_start
        gw = torch.zeros(())
        if use_disc:
            g_loss = -disc(xr).mean()
            rg = torch.autograd.grad(rec, last_layer, retain_graph=True)[0]
            gg = torch.autograd.grad(g_loss, last_layer, retain_graph=True)[0]
            gw = (rg.norm() / (gg.norm() + 1e-4)).clamp(0, 1e4).detach() * cfg.disc_weight
            loss = loss + gw * g_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if use_disc:
            d_real, d_fake = disc(x), disc(xr.detach())
            d_loss = 0.5 * (F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean())
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        step += 1
        if step % cfg.restart_every == 0:
            if ema is None and restarting:
                restart_dead(vq, h, counts)
            used = int((counts > 0).sum())
            counts.zero_()
            bar.update(step, rec=float(rec), q=float(qloss), used=used, gw=float(gw),
                       psnr=psnr(xr.detach(), x))
        if time.time() - last_ckpt > ckpt_minutes * 60:
            save()
            last_ckpt = time.time()
    bar.close()
    save()
    train_imgs, val_imgs = final_sets()
    return finalize(cfg, vq, train_imgs, val_imgs, out, device, step,
                    elapsed + time.time() - t0, log)


@torch.no_grad()
def finalize(cfg, vq, train_imgs, val_imgs, out, device, step, seconds, log=print):
    """Shrink the codebook to the training set's used entries; write final.pt."""
    vq.eval()
    raw = raw_indices(vq, train_imgs, device)
    hist = torch.bincount(raw.reshape(-1), minlength=cfg.n_embed)
    used = torch.nonzero(hist > 0).reshape(-1)
    shrunk = build_vq(cfg, used).to(device)
    state = vq.state_dict()
    state["quantize.used"] = used.to(device)
    shrunk.load_state_dict(state)
    shrunk.eval()
    val_raw = raw_indices(vq, val_imgs, device)
    metrics = {
        "vq_val_psnr": evaluate_psnr(shrunk, val_imgs, device),
        "vq_train_psnr": evaluate_psnr(shrunk, train_imgs[:1024], device),
        "vq_codes_used": int(len(used)),
        "vq_n_embed": cfg.n_embed,
        "vq_val_codes_outside_used": float((~torch.isin(val_raw, used)).float().mean()),
        "vq_steps": step, "vq_minutes": seconds / 60,
    }
    tu.save_checkpoint(os.path.join(out, "final.pt"), {
        "config": dataclasses.asdict(cfg), "state_dict": shrunk.state_dict(),
        "remap": REMAP, "used": used.cpu(), "metrics": metrics, "step": step})
    log("vq: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in metrics.items()))
    return metrics


def load_final(path, device="cpu"):
    """(VQModel with the shrunk codebook, config, checkpoint) from final.pt."""
    ck = tu.load_checkpoint(path)
    cfg = tu.config_from(VQConfig, ck["config"])
    vq = build_vq(cfg, ck["used"])
    vq.load_state_dict(ck["state_dict"])
    return vq.to(device).eval(), cfg, ck


def bench(cfg, device, steps=5):
    """Seconds per training step without and with the discriminator."""
    vq = build_vq(cfg).to(device)
    disc = PatchDiscriminator(cfg.disc_ch).to(device)
    x = torch.randn(cfg.batch_size, 3, cfg.resolution, cfg.resolution, device=device)
    out = []
    for use_disc in (False, True):
        t = None
        for i in range(steps + 1):
            if i == 1:
                t = time.time()
            xr, q = vq(x)
            loss = (xr - x).abs().mean() + q
            if use_disc:
                loss = loss - disc(xr).mean()
            loss.backward()
            if use_disc:
                (F.relu(1 - disc(x)).mean() + F.relu(1 + disc(xr.detach())).mean()).backward()
        out.append((time.time() - t) / steps)
    n = sum(p.numel() for p in vq.parameters())
    print(f"vq bench: {n / 1e6:.2f}M params, batch {cfg.batch_size}: "
          f"{out[0]:.3f} s/step, {out[1]:.3f} s/step with discriminator")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=".cache/data/emoji.pt")
    ap.add_argument("--out", default="train/runs/vq")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--minutes", type=float, default=None,
                    help="stop (resumably) after this many minutes of this run")
    ap.add_argument("--ckpt-minutes", type=float, default=3.0)
    ap.add_argument("--bench", action="store_true", help="measure s/step and exit")
    tu.add_config_args(ap, VQConfig)
    args = ap.parse_args(argv)
    tu.set_threads()
    cfg = tu.config_from(VQConfig, {**dataclasses.asdict(VQConfig()),
                                    **tu.config_overrides(args, VQConfig)})
    if args.bench:
        bench(cfg, args.device)
        return 0
    if os.path.exists(os.path.join(args.out, "final.pt")):
        ck = tu.load_checkpoint(os.path.join(args.out, "final.pt"))
        if ck["step"] >= cfg.max_steps:
            print(f"vq: {args.out}/final.pt is complete ({ck['step']} steps)")
            return 0
    train(cfg, args.data, args.out, args.device, args.minutes, args.ckpt_minutes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
