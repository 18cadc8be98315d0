"""The masked forward-backward process (docs/editing.md) and sampling from noise.

`masked_edit` regenerates the masked tokens of an encoded original x0 scale
by scale, T down to 1, with `chain[t-1]` reverse steps per scale; between the
iterations of a scale only the masked tokens are re-noised, and every
reverse step forces the kept tokens to x0 (runs of kept tokens go through
the decoder in one batched call, see sampling.reverse_step). `sample` is the
same process with every token masked.

Random draws use one torch.Generator, in this order: the initial noise
(batch rows in order, masked positions left to right within a row), then
per chain iteration i > 0 a re-noise (a uniform in [0, 1) for every masked
position of every row, then a uniform code for each, both in that order;
the code replaces the token where the uniform is below the probability),
then the reverse step's draws
(masked positions left to right, rows in order within a position). With
top_k 1 (or temperature 0) at every scale and chain 1 everywhere the result
is deterministic: the initial noise only reaches the GPT scale, which
ignores x_T.
"""

import torch

from layout import grid_size, n_tokens
from sampling import encoder_input, gpt_prefix, reverse_step


def _per_scale(name, values, T):
    values = list(values)
    if len(values) != T:
        raise ValueError(f"{name} needs {T} values (one per scale), got {len(values)}")
    return values


def _check(meta, scales, x0, mask, chain, top_k, temperature):
    T, n, k = len(scales), n_tokens(meta), meta["codebook_size"]
    if x0.dim() != 2 or x0.shape[1] != n:
        raise ValueError(f"x0 must be (B, {n}), got {tuple(x0.shape)}")
    if mask.shape != (n,) or mask.dtype != torch.bool:
        raise ValueError(f"mask must be a ({n},) bool tensor")
    kept = x0[:, ~mask]
    if kept.numel() and (int(kept.min()) < 0 or int(kept.max()) >= k):
        raise ValueError(f"kept tokens of x0 must lie in [0, {k})")
    for t in range(1, T + 1):
        if chain[t - 1] < 1:
            raise ValueError(f"scale {t}: chain {chain[t - 1]} < 1")
        if not 1 <= top_k[t - 1] <= k:
            raise ValueError(f"scale {t}: top_k {top_k[t - 1]} outside 1..{k}")
        if temperature[t - 1] < 0:
            raise ValueError(f"scale {t}: temperature {temperature[t - 1]} < 0")


def step_input(meta, t, T, cond, x):
    """The reverse step input of scale t: [t, cond..., x] or the GPT prefix [T, cond...]."""
    if t < T:
        return encoder_input(t, cond, x)
    return gpt_prefix(T, cond, x.shape[0], x.device)


def _noise(x, masked_idx, k, generator, p=None):
    """Replace masked tokens of x (B, N) in place by uniform codes in [0, k).

    p None: every masked token; otherwise each with probability p (all the
    uniforms are drawn first, then all the codes). Within each block the
    draws go row by row, masked positions left to right.
    """
    b, m = x.shape[0], masked_idx.numel()
    if m == 0:
        return
    if p is None:
        x[:, masked_idx] = torch.randint(0, k, (b, m), generator=generator, device=x.device)
        return
    u = torch.rand((b, m), generator=generator, device=x.device)
    codes = torch.randint(0, k, (b, m), generator=generator, device=x.device)
    cur = x[:, masked_idx]
    x[:, masked_idx] = torch.where(u < p, codes, cur)


@torch.no_grad()
def masked_edit(meta, scales, x0, mask, cond, chain, top_k, temperature, generator,
                on_step=None):
    """Regenerate the masked tokens of x0 (B, N) int64; returns x_0 (B, N).

    mask (N,) bool: True = regenerate (x0 is ignored there). cond: the P
    condition tokens. chain, top_k, temperature: one value per scale, index
    0 = scale 1. on_step(t, i, x_in, x_out), if given, is called after every
    reverse step with the tokens it read (x_t, re-noised) and produced.
    Kept tokens equal x0 in every reverse step's output.
    """
    T, k, sos = len(scales), meta["codebook_size"], meta["tokens"]["sos"]
    n = n_tokens(meta)
    chain = _per_scale("chain", chain, T)
    top_k = _per_scale("top_k", top_k, T)
    temperature = _per_scale("temperature", temperature, T)
    mask = torch.as_tensor(mask, dtype=torch.bool).reshape(-1)
    _check(meta, scales, x0, mask, chain, top_k, temperature)
    cond = [int(c) for c in cond]
    betas = meta["schedule"]["betas"]

    x = x0.clone().to(torch.int64)
    masked_idx = torch.nonzero(mask).reshape(-1).to(x.device)
    _noise(x, masked_idx, k, generator)  # x_T on the masked tokens
    if masked_idx.numel() == 0:
        return x  # nothing to regenerate: the original, no network runs
    known = x0.clone().to(torch.int64)
    known[:, mask] = -1
    for t in range(T, 0, -1):
        c = chain[t - 1]
        model = scales[t - 1]
        for i in range(c):
            if i > 0:  # re-noise the masked tokens only
                _noise(x, masked_idx, k, generator, (1.0 - i / c) * float(betas[t]))
            src = step_input(meta, t, T, cond, x)
            out = reverse_step(model, src, top_k[t - 1], temperature[t - 1], generator,
                               known=known, n_tokens=n, sos=sos)
            if on_step is not None:
                on_step(t, i, x.clone(), out.clone())
            x = out
    return x


@torch.no_grad()
def sample(meta, scales, cond, chain, top_k, temperature, generator, batch=1):
    """Sample x_0 (batch, N) from noise: masked_edit with every token masked."""
    n = n_tokens(meta)
    x0 = torch.zeros((batch, n), dtype=torch.int64)
    mask = torch.ones(n, dtype=torch.bool)
    return masked_edit(meta, scales, x0, mask, cond, chain, top_k, temperature, generator)


def centred_block_mask(meta, count):
    """(N,) bool: the `count` tokens nearest the grid centre (a compact block).

    Ties in distance are broken by raster index, so the block is reproducible.
    """
    g = grid_size(meta)
    c = (g - 1) / 2.0
    order = sorted(range(g * g), key=lambda j: ((j // g - c) ** 2 + (j % g - c) ** 2, j))
    mask = torch.zeros(g * g, dtype=torch.bool)
    mask[order[:count]] = True
    return mask
