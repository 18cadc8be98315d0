"""Shared training helpers: configs with strict keys, checkpoints, progress, EMA.

Every checkpoint is a `torch.save`d dict holding the config it was trained
with (`config`), the module weights (`state_dict`, `ema_state_dict` where
there is an EMA), optimiser state and the step; it is written to a
temporary file and renamed, so an interrupted save never corrupts it.
"""

import dataclasses
import hashlib
import os
import sys
import time

import torch


def set_threads(n=None):
    """Use n CPU threads (default: OMP_NUM_THREADS or 2)."""
    n = n or int(os.environ.get("OMP_NUM_THREADS", "2"))
    torch.set_num_threads(n)


def config_from(cls, d):
    """Dataclass cls from dict d; an unknown key is an error."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown config keys {unknown}")
    return cls(**d)


def add_config_args(ap, cls):
    """One --key option per dataclass field (default None = keep the default)."""
    for f in dataclasses.fields(cls):
        t = f.type if isinstance(f.type, type) else type(f.default)
        if t in (list, tuple):
            ap.add_argument("--" + f.name.replace("_", "-"), default=None,
                            type=lambda s: [int(x) for x in s.split(",")])
        elif t is bool:
            ap.add_argument("--" + f.name.replace("_", "-"), default=None,
                            type=lambda s: s.lower() in ("1", "true", "yes"))
        else:
            ap.add_argument("--" + f.name.replace("_", "-"), default=None, type=t)


def config_overrides(args, cls):
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(cls)
            if getattr(args, f.name, None) is not None}


def file_sha1(path):
    """The sha1 of a file's bytes: the identity of a first stage (vq/final.pt)
    that token caches and checkpoints record, so a run copied to another
    machine (new mtimes) still resumes."""
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_checkpoint(path, ckpt):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(ckpt, tmp)
    os.replace(tmp, path)


def load_checkpoint(path):
    return torch.load(path, map_location="cpu")


class Progress:
    """A one-line progress bar on stderr (tqdm is not in Debian's torch setup)."""

    def __init__(self, total, desc, every=1.0):
        self.total, self.desc, self.every = total, desc, every
        self.start = time.time()
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def update(self, step, **info):
        now = time.time()
        if now - self.last < self.every and step < self.total:
            return
        self.last = now
        frac = min(1.0, step / max(1, self.total))
        bar = "#" * int(24 * frac) + "-" * (24 - int(24 * frac))
        el = now - self.start
        extra = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                         for k, v in info.items())
        line = f"{self.desc} [{bar}] {step}/{self.total} {el / 60:.1f}min {extra}"
        if self.tty:
            sys.stderr.write("\r" + line[:200])
        else:
            if not hasattr(self, "_lastlog") or now - self._lastlog >= 30 or step >= self.total:
                self._lastlog = now
                sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def close(self):
        if self.tty:
            sys.stderr.write("\n")


class EMA:
    """Exponential moving average of a module's float parameters and buffers."""

    def __init__(self, module, decay):
        self.decay = decay
        self.shadow = {k: v.detach().clone() for k, v in module.state_dict().items()}

    @torch.no_grad()
    def update(self, module, decay=None):
        d = self.decay if decay is None else decay
        for k, v in module.state_dict().items():
            if v.is_floating_point():
                self.shadow[k].mul_(d).add_(v.detach(), alpha=1 - d)
            else:
                self.shadow[k].copy_(v)

    def state_dict(self):
        return {k: v.clone() for k, v in self.shadow.items()}

    def load_state_dict(self, state):
        for k in self.shadow:
            self.shadow[k].copy_(state[k])


def lr_at(step, base, warmup, total, final_frac=0.1):
    """Linear warm-up, then cosine decay to final_frac * base at `total`."""
    import math
    if step < warmup:
        return base * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (final_frac + (1 - final_frac) * 0.5 * (1 + math.cos(math.pi * p)))
