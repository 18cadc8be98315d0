"""VQGAN first stage with the taming-transformers layout (spec section 1).

`VQModel` turns an image in [-1, 1] into a grid of codebook indices and back.
Module and parameter names equal the official state-dict names (spec 1.8), so
`VQModel.state_dict()` keys prefixed with `first_stage_model.` are the bundle
names. Written from the specification; no code is taken from taming.

Pipeline: image -> encoder -> quant_conv -> h (B, embed_dim, g, g)
-> nearest codebook row (raw index) -> remap to the transformer's code space.
Decoding: codes -> unmap through `used` -> codebook rows -> post_quant_conv
-> decoder -> image.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

REMAP_POLICIES = ("none", "random", "extra")


def normalize(channels):
    """GroupNorm with 32 groups and eps 1e-6 (taming's Normalize)."""
    return nn.GroupNorm(32, channels, eps=1e-6, affine=True)


class ResnetBlock(nn.Module):
    """Two GN-SiLU-conv3 stages plus a shortcut (1x1 conv when widths differ)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.cin, self.cout = cin, cout
        self.norm1 = normalize(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2 = normalize(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        shortcut = self.nin_shortcut(x) if self.cin != self.cout else x
        return shortcut + h


class AttnBlock(nn.Module):
    """Single-head self-attention over the H*W positions of a feature map."""

    def __init__(self, channels):
        super().__init__()
        self.norm = normalize(channels)
        self.q = nn.Conv2d(channels, channels, 1)
        self.k = nn.Conv2d(channels, channels, 1)
        self.v = nn.Conv2d(channels, channels, 1)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        b, c, hh, ww = x.shape
        hn = self.norm(x)
        q = self.q(hn).reshape(b, c, hh * ww).transpose(1, 2)  # (B, n, C)
        k = self.k(hn).reshape(b, c, hh * ww)  # (B, C, n)
        v = self.v(hn).reshape(b, c, hh * ww)  # (B, C, n)
        scores = torch.bmm(q, k) * (c ** -0.5)  # (B, n_query, n_key)
        attn = torch.softmax(scores, dim=2)
        o = torch.bmm(v, attn.transpose(1, 2))  # (B, C, n_query)
        return x + self.proj_out(o.reshape(b, c, hh, ww))


class Downsample(nn.Module):
    """Pad one zero row/column at the bottom/right only, then a stride-2 conv3."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, 2, 0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    """Nearest-neighbour x2, then conv3."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, 1, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class _Level(nn.Module):
    """One resolution level: `block`, `attn` lists and an optional resampler."""

    def __init__(self):
        super().__init__()
        self.block = nn.ModuleList()
        self.attn = nn.ModuleList()

    def run_blocks(self, h):
        for j, block in enumerate(self.block):
            h = block(h)
            if len(self.attn) > 0:
                h = self.attn[j](h)
        return h


class _Mid(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.block_1 = ResnetBlock(channels, channels)
        self.attn_1 = AttnBlock(channels)
        self.block_2 = ResnetBlock(channels, channels)

    def forward(self, h):
        return self.block_2(self.attn_1(self.block_1(h)))


def _check_ddconfig(dd):
    known = {"ch", "ch_mult", "num_res_blocks", "attn_resolutions", "in_channels",
             "out_ch", "resolution", "z_channels", "double_z", "dropout"}
    unknown = set(dd) - known
    if unknown:
        raise ValueError(f"ddconfig: unknown keys {sorted(unknown)}")
    if dd.get("double_z", False):
        raise ValueError("ddconfig: double_z must be false")
    if dd.get("dropout", 0.0) != 0.0:
        raise ValueError("ddconfig: dropout must be 0")


class Encoder(nn.Module):
    """Image (B, in_channels, R, R) -> (B, z_channels, g, g), spec 1.3."""

    def __init__(self, dd):
        super().__init__()
        ch, mult, nrb = dd["ch"], list(dd["ch_mult"]), dd["num_res_blocks"]
        self.conv_in = nn.Conv2d(dd["in_channels"], ch, 3, 1, 1)
        in_mult = [1] + mult
        res = dd["resolution"]
        self.down = nn.ModuleList()
        for i, m in enumerate(mult):
            level = _Level()
            block_in, block_out = ch * in_mult[i], ch * m
            for _ in range(nrb):
                level.block.append(ResnetBlock(block_in, block_out))
                block_in = block_out
                if res in dd["attn_resolutions"]:
                    level.attn.append(AttnBlock(block_in))
            if i != len(mult) - 1:
                level.downsample = Downsample(block_in)
                res //= 2
            self.down.append(level)
        self.mid = _Mid(block_in)
        self.norm_out = normalize(block_in)
        self.conv_out = nn.Conv2d(block_in, dd["z_channels"], 3, 1, 1)

    def forward(self, x):
        h = self.conv_in(x)
        for i, level in enumerate(self.down):
            h = level.run_blocks(h)
            if i != len(self.down) - 1:
                h = level.downsample(h)
        h = self.mid(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    """(B, z_channels, g, g) -> image (B, out_ch, R, R), spec 1.4. No tanh."""

    def __init__(self, dd):
        super().__init__()
        ch, mult, nrb = dd["ch"], list(dd["ch_mult"]), dd["num_res_blocks"]
        block_in = ch * mult[-1]
        res = dd["resolution"] // 2 ** (len(mult) - 1)
        self.conv_in = nn.Conv2d(dd["z_channels"], block_in, 3, 1, 1)
        self.mid = _Mid(block_in)
        levels = []
        for i in reversed(range(len(mult))):
            level = _Level()
            block_out = ch * mult[i]
            for _ in range(nrb + 1):
                level.block.append(ResnetBlock(block_in, block_out))
                block_in = block_out
                if res in dd["attn_resolutions"]:
                    level.attn.append(AttnBlock(block_in))
            if i != 0:
                level.upsample = Upsample(block_in)
                res *= 2
            levels.insert(0, level)
        self.up = nn.ModuleList(levels)  # index = level, run from the last
        self.norm_out = normalize(block_in)
        self.conv_out = nn.Conv2d(block_in, dd["out_ch"], 3, 1, 1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for i in reversed(range(len(self.up))):
            h = self.up[i].run_blocks(h)
            if i != 0:
                h = self.up[i].upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class VectorQuantizer(nn.Module):
    """Codebook `embedding` plus the optional remap table `used` (spec 1.6).

    Codes are what the transformers see: positions in `used` (remap "random"
    or "extra") or raw indices (remap "none"). K = `n_codes`.
    """

    def __init__(self, n_embed, embed_dim, used=None, policy="random"):
        super().__init__()
        self.embedding = nn.Embedding(n_embed, embed_dim)
        self.n_embed = n_embed
        if used is None:
            self.policy = "none"
            self.n_codes = n_embed
            return
        if policy not in ("random", "extra"):
            raise ValueError(f"remap policy {policy!r} needs no used table or is unknown")
        used = torch.as_tensor(used, dtype=torch.int64).reshape(-1)
        if len(used) == 0 or (used[1:] <= used[:-1]).any() or used[0] < 0 or used[-1] >= n_embed:
            raise ValueError("used table must be strictly increasing within [0, n_embed)")
        self.policy = policy
        self.register_buffer("used", used)
        self.n_codes = len(used) + (1 if policy == "extra" else 0)

    def nearest(self, h):
        """Raw argmin indices (B, g*g) for h (B, C, g, g), raster order.

        Distance in the expanded float32 form |z|^2 + |e|^2 - 2 z.e, first
        minimum on ties, like the official quantizer.
        """
        b, c, gh, gw = h.shape
        z = h.permute(0, 2, 3, 1).reshape(-1, c)  # (B*g*g, C)
        e = self.embedding.weight  # (n_embed, C)
        d = (z.pow(2).sum(1, keepdim=True) + e.pow(2).sum(1)) - 2.0 * (z @ e.t())
        return d.argmin(dim=1).reshape(b, gh * gw)

    def remap_to_used(self, raw):
        """Codes for raw indices; -1 where a raw index is not in `used`."""
        if self.policy == "none":
            return raw.clone()
        table = torch.full((self.n_embed,), -1, dtype=torch.int64, device=raw.device)
        table[self.used] = torch.arange(len(self.used), device=raw.device)
        return table[raw]

    def resolve_unknown(self, codes, generator=None):
        """Replace -1 by the policy's code: uniform random in [0, K) or K-1."""
        unknown = codes < 0
        if not unknown.any():
            return codes
        if self.policy == "extra":
            fill = torch.full_like(codes, self.n_codes - 1)
        else:
            fill = torch.randint(0, self.n_codes, codes.shape, generator=generator,
                                 dtype=torch.int64).to(codes.device)
        return torch.where(unknown, fill, codes)

    def unmap(self, codes):
        """Codes -> raw codebook indices ("extra": codes >= len(used) -> used[0])."""
        if self.policy == "none":
            return codes
        if self.policy == "extra":
            codes = torch.where(codes >= len(self.used), torch.zeros_like(codes), codes)
        return self.used[codes]


class VQModel(nn.Module):
    """Taming VQModel: `encoder`, `decoder`, `quantize`, `quant_conv`, `post_quant_conv`."""

    def __init__(self, ddconfig, embed_dim, n_embed, remap_used=None, remap_policy="random",
                 beta=0.25):
        super().__init__()
        _check_ddconfig(ddconfig)
        self.ddconfig = dict(ddconfig)
        self.encoder = Encoder(ddconfig)
        self.decoder = Decoder(ddconfig)
        self.quantize = VectorQuantizer(n_embed, embed_dim, remap_used, remap_policy)
        self.quant_conv = nn.Conv2d(ddconfig["z_channels"], embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(embed_dim, ddconfig["z_channels"], 1)
        self.beta = beta
        self.grid = ddconfig["resolution"] // 2 ** (len(ddconfig["ch_mult"]) - 1)

    @property
    def n_codes(self):
        """K, the number of codes the transformers see."""
        return self.quantize.n_codes

    def encode_to_prequant(self, x):
        """h = quant_conv(encoder(x)), (B, embed_dim, g, g)."""
        return self.quant_conv(self.encoder(x))

    def quantize_indices(self, h, generator=None):
        """(raw (B, N), codes (B, N)); unknown raw indices follow the remap policy."""
        raw = self.quantize.nearest(h)
        codes = self.quantize.resolve_unknown(self.quantize.remap_to_used(raw), generator)
        return raw, codes

    def encode_codes(self, x, generator=None):
        """Image (B, 3, R, R) in [-1, 1] -> codes (B, N)."""
        return self.quantize_indices(self.encode_to_prequant(x), generator)[1]

    def codes_to_latent(self, codes):
        """Codes (B, N) -> codebook rows as a feature map (B, embed_dim, g, g)."""
        b = codes.shape[0]
        rows = self.quantize.embedding.weight[self.quantize.unmap(codes)]  # (B, N, C)
        return rows.reshape(b, self.grid, self.grid, -1).permute(0, 3, 1, 2)

    def decode_codes(self, codes):
        """Codes (B, N) -> image (B, out_ch, R, R), roughly in [-1, 1]."""
        return self.decoder(self.post_quant_conv(self.codes_to_latent(codes)))

    def forward(self, x):
        """Training pass: (reconstruction, codebook loss) with straight-through z_q.

        Loss as taming's legacy quantizer: |sg(z_q) - z|^2 + beta |z_q - sg(z)|^2.
        """
        h = self.encode_to_prequant(x)
        raw = self.quantize.nearest(h)
        b, c, g, _ = h.shape
        zq = self.quantize.embedding.weight[raw].reshape(b, g, g, c).permute(0, 3, 1, 2)
        loss = F.mse_loss(zq.detach(), h) + self.beta * F.mse_loss(zq, h.detach())
        zq = h + (zq - h).detach()
        return self.decoder(self.post_quant_conv(zq)), loss
