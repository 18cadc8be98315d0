"""ImageBART networks: the encoder-decoder XTransformer and the minGPT prior.

Module and parameter names equal the official state-dict names (spec 2.9), so
`state_dict()` keys prefixed with `scale{t}.transformer.` are bundle names.
Written from the specification; no code is taken from x-transformers or
minGPT. This module also re-exports the first stage and the sampling helpers,
so `from model import ...` gives the whole reference implementation.

Both networks offer a full teacher-forced `forward` and an incremental pass
with a key/value cache that accepts one or several known tokens per call;
the two agree (train/test_reference.py checks it).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from vqgan import VQModel  # noqa: F401  (re-export)
from sampling import (  # noqa: F401  (re-export)
    condition_tokens, decoder_input, encoder_input, gpt_input, gpt_prefix,
    reverse_step, sample_logits, tokenize)

# x-transformers fills masked scores with the most negative float32
# (-3.4028235e38), not -inf.
XT_MASK_VALUE = -torch.finfo(torch.float32).max


def attend(q, k, v, scale, allowed=None, fill=XT_MASK_VALUE):
    """Scaled dot-product attention.

    q (B, H, n, d), k and v (B, H, L, d); `allowed` (n, L) bool or None.
    Returns (B, H, n, d).
    """
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale  # (B, H, n, L)
    if allowed is not None:
        scores = scores.masked_fill(~allowed, fill)
    return torch.matmul(torch.softmax(scores, dim=-1), v)


def split_heads(x, heads):
    """(B, n, H*d) -> (B, H, n, d)."""
    b, n, _ = x.shape
    return x.reshape(b, n, heads, -1).transpose(1, 2)


def merge_heads(x):
    """(B, H, n, d) -> (B, n, H*d), head-major features."""
    b, h, n, d = x.shape
    return x.transpose(1, 2).reshape(b, n, h * d)


class KVCache:
    """Preallocated per-layer keys/values (B, H, capacity, d) and a fill length."""

    def __init__(self, n_layers, batch, heads, capacity, head_dim, dtype, device):
        shape = (batch, heads, capacity, head_dim)
        self.k = [torch.empty(shape, dtype=dtype, device=device) for _ in range(n_layers)]
        self.v = [torch.empty(shape, dtype=dtype, device=device) for _ in range(n_layers)]
        self.length = 0  # tokens already processed

    def append(self, layer, k, v):
        """Store k, v (B, H, m, d) after the first `length` slots; return all so far."""
        end = self.length + k.shape[2]
        self.k[layer][:, :, self.length:end] = k
        self.v[layer][:, :, self.length:end] = v
        return self.k[layer][:, :, :end], self.v[layer][:, :, :end]


# ---------------------------------------------------------------- XTransformer


class Attention(nn.Module):
    """x-transformers attention: bias-free to_q/to_k/to_v, biased to_out."""

    def __init__(self, dim, heads, dim_head):
        super().__init__()
        inner = heads * dim_head
        self.heads, self.scale = heads, dim_head ** -0.5
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(dim, inner, bias=False)
        self.to_v = nn.Linear(dim, inner, bias=False)
        self.to_out = nn.Linear(inner, dim)

    def keys_values(self, s):
        """Keys and values of stream s (B, L, dim), each (B, H, L, d)."""
        return split_heads(self.to_k(s), self.heads), split_heads(self.to_v(s), self.heads)

    def attend_to(self, x, k, v, allowed=None):
        """Queries from x (B, n, dim) against given keys/values -> (B, n, dim)."""
        q = split_heads(self.to_q(x), self.heads)
        return self.to_out(merge_heads(attend(q, k, v, self.scale, allowed)))


class FeedForward(nn.Module):
    """net.0.0 Linear(dim, 4 dim), GELU (erf), net.1 dropout (identity), net.2 Linear."""

    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.Sequential(nn.Sequential(nn.Linear(dim, dim * mult), nn.GELU()),
                                 nn.Identity(), nn.Linear(dim * mult, dim))

    def forward(self, x):
        return self.net(x)


class AttentionLayers(nn.Module):
    """Pre-norm layer stack; entry i = (`layers.i.0` LayerNorm, `layers.i.1` block).

    Encoder kinds ('a', 'f') * depth, decoder ('a', 'c', 'f') * depth with a
    causal 'a'. The weightless residual of x-transformers is implicit.
    """

    def __init__(self, dim, heads, dim_head, depth, cross):
        super().__init__()
        self.kinds = ("a", "c", "f") * depth if cross else ("a", "f") * depth
        self.causal = cross
        self.heads, self.dim_head = heads, dim_head
        self.layers = nn.ModuleList()
        for kind in self.kinds:
            block = FeedForward(dim) if kind == "f" else Attention(dim, heads, dim_head)
            self.layers.append(nn.ModuleList([nn.LayerNorm(dim), block]))

    def attention_indices(self, kind):
        """Entry indices of self ('a') or cross ('c') attention blocks, in order."""
        return [i for i, k in enumerate(self.kinds) if k == kind]

    def forward(self, x, cross_kv=None, cache=None):
        """Run the stack on x (B, m, dim).

        cross_kv: list of (k, v) per 'c' entry (precomputed from the context).
        cache: KVCache for the 'a' entries; x then holds positions
        cache.length .. cache.length+m-1 and the cache grows by m (the caller
        advances cache.length). Without a cache x starts at position 0.
        """
        m = x.shape[1]
        start = cache.length if cache is not None else 0
        allowed = None
        if self.causal and m > 1:
            qpos = torch.arange(start, start + m, device=x.device)[:, None]
            allowed = torch.arange(start + m, device=x.device)[None, :] <= qpos  # (m, start+m)
        a_index = c_index = 0
        for kind, (norm, block) in zip(self.kinds, self.layers):
            h = norm(x)
            if kind == "f":
                x = x + block(h)
            elif kind == "a":
                k, v = block.keys_values(h)
                if cache is not None:
                    k, v = cache.append(a_index, k, v)
                a_index += 1
                x = x + block.attend_to(h, k, v, allowed)
            else:
                k, v = cross_kv[c_index]
                c_index += 1
                x = x + block.attend_to(h, k, v)
        return x


class AbsolutePositionalEmbedding(nn.Module):
    """Learned table `emb` of max_seq_len rows."""

    def __init__(self, dim, max_seq_len):
        super().__init__()
        self.emb = nn.Embedding(max_seq_len, dim)

    def forward(self, start, n):
        return self.emb.weight[start:start + n]


class TransformerWrapper(nn.Module):
    """token_emb + pos_emb -> attn_layers -> norm (-> to_logits)."""

    def __init__(self, num_tokens, max_seq_len, dim, attn_layers):
        super().__init__()
        self.max_seq_len = max_seq_len
        self.token_emb = nn.Embedding(num_tokens, dim)
        self.pos_emb = AbsolutePositionalEmbedding(dim, max_seq_len)
        self.attn_layers = attn_layers
        self.norm = nn.LayerNorm(dim)
        self.to_logits = nn.Linear(dim, num_tokens)

    def embeddings(self, ids, cross_kv=None, cache=None):
        """Final-normed hidden states (B, m, dim) of ids (B, m)."""
        start = cache.length if cache is not None else 0
        if start + ids.shape[1] > self.max_seq_len:
            raise ValueError(f"sequence of {start + ids.shape[1]} exceeds {self.max_seq_len}")
        x = self.token_emb(ids) + self.pos_emb(start, ids.shape[1])
        return self.norm(self.attn_layers(x, cross_kv, cache))


class DecoderState:
    """Incremental decoding state of one XTransformer call (one encoder input)."""

    def __init__(self, cache, cross_kv, src):
        self.cache, self.cross_kv, self.src = cache, cross_kv, src


class XTransformer(nn.Module):
    """Encoder-decoder transition model of scales 1..T-1 (spec 2.2-2.7).

    residual_scaled: None or {"n_scales", "scale_pos", "xt_start"}; then the
    logits are multiplied by exp(log_scalors[t-1]) and the x_t term
    log(alpha_t onehot(x_t[j]) + (1 - alpha_t)/K) is added (spec 2.7), with
    alpha_t = 1 - betas[t] (betas: beta_0..beta_T of the schedule).
    """

    arch = "xtransformer"

    def __init__(self, dim, heads, dim_head, enc_depth, dec_depth, enc_num_tokens,
                 enc_max_seq_len, dec_num_tokens, dec_max_seq_len, residual_scaled=None,
                 betas=None):
        super().__init__()
        self.heads, self.dim_head = heads, dim_head
        self.dec_num_tokens, self.dec_max_seq_len = dec_num_tokens, dec_max_seq_len
        self.encoder = TransformerWrapper(
            enc_num_tokens, enc_max_seq_len, dim,
            AttentionLayers(dim, heads, dim_head, enc_depth, cross=False))
        self.decoder = TransformerWrapper(
            dec_num_tokens, dec_max_seq_len, dim,
            AttentionLayers(dim, heads, dim_head, dec_depth, cross=True))
        self.residual_scaled = dict(residual_scaled) if residual_scaled else None
        if self.residual_scaled:
            if betas is None:
                raise ValueError("residual-scaled XTransformer needs the schedule betas")
            self.log_scalors = nn.Parameter(torch.zeros(self.residual_scaled["n_scales"]))
            alphas = 1.0 - torch.tensor(betas, dtype=torch.float32)
            self.register_buffer("alphas", alphas, persistent=False)

    def encode(self, src):
        """Encoder output (B, n, dim) for src (B, n); `encoder.to_logits` is unused."""
        return self.encoder.embeddings(src)

    def start_decoding(self, src, context=None):
        """Fresh decoding state; cross-attention keys/values are computed once."""
        if context is None:
            context = self.encode(src)
        layers = self.decoder.attn_layers
        cross_kv = [layers.layers[i][1].keys_values(context) for i in layers.attention_indices("c")]
        n_self = len(layers.attention_indices("a"))
        cache = KVCache(n_self, src.shape[0], self.heads, self.dec_max_seq_len, self.dim_head,
                        context.dtype, context.device)
        return DecoderState(cache, cross_kv, src)

    def residual_logits(self, logits, src, start):
        """Apply spec 2.7 to logits (B, m, K) of decoder positions start..start+m-1."""
        if not self.residual_scaled:
            return logits
        cfg = self.residual_scaled
        t = src[:, cfg["scale_pos"]]  # (B,)
        m = logits.shape[1]
        xt = src[:, cfg["xt_start"] + start: cfg["xt_start"] + start + m]  # (B, m)
        alpha = self.alphas[t][:, None, None]  # (B, 1, 1)
        onehot = F.one_hot(xt, self.dec_num_tokens).to(logits.dtype)  # (B, m, K)
        prior = torch.log(alpha * onehot + (1.0 - alpha) / self.dec_num_tokens)
        return logits * torch.exp(self.log_scalors[t - 1])[:, None, None] + prior

    def decode_step(self, state, tokens, last_only=False):
        """Feed tokens (B, m) at the next m decoder positions; logits (B, m, K).

        last_only: compute the logits of the last position only (B, 1, K), as
        a batched run of known tokens needs.
        """
        start = state.cache.length
        h = self.decoder.embeddings(tokens, state.cross_kv, state.cache)
        state.cache.length += tokens.shape[1]
        if last_only:
            start += h.shape[1] - 1
            h = h[:, -1:]
        return self.residual_logits(self.decoder.to_logits(h), state.src, start)

    def forward(self, src, tgt):
        """Teacher-forced logits (B, len(tgt), K) for encoder input src."""
        context = self.encode(src)
        layers = self.decoder.attn_layers
        cross_kv = [layers.layers[i][1].keys_values(context) for i in layers.attention_indices("c")]
        h = self.decoder.embeddings(tgt, cross_kv)
        return self.residual_logits(self.decoder.to_logits(h), src, 0)


# ------------------------------------------------------------------------- GPT


class CausalSelfAttention(nn.Module):
    """minGPT attention: biased key/query/value/proj and a non-persistent mask."""

    def __init__(self, n_embd, n_head, block_size, n_unmasked):
        super().__init__()
        self.n_head = n_head
        self.key = nn.Linear(n_embd, n_embd)
        self.query = nn.Linear(n_embd, n_embd)
        self.value = nn.Linear(n_embd, n_embd)
        self.proj = nn.Linear(n_embd, n_embd)
        mask = torch.tril(torch.ones(block_size, block_size))
        if n_unmasked > 0:
            mask[:n_unmasked, :n_unmasked] = 1
        # Bundles do not store it: it follows from block_size and n_unmasked.
        self.register_buffer("mask", mask.view(1, 1, block_size, block_size), persistent=False)

    def forward(self, x, layer=0, cache=None):
        """x (B, m, C) at positions start..start+m-1 (start = cache.length or 0)."""
        start = cache.length if cache is not None else 0
        m = x.shape[1]
        k = split_heads(self.key(x), self.n_head)  # (B, H, m, d)
        q = split_heads(self.query(x), self.n_head)
        v = split_heads(self.value(x), self.n_head)
        if cache is not None:
            k, v = cache.append(layer, k, v)  # (B, H, start+m, d)
        allowed = self.mask[0, 0, start:start + m, :start + m] > 0  # (m, start+m)
        if m == 1:
            allowed = None  # the newest position sees every earlier one
        y = attend(q, k, v, 1.0 / math.sqrt(k.shape[-1]), allowed, float("-inf"))
        return self.proj(merge_heads(y))


class Block(nn.Module):
    """x + attn(ln1(x)); x + mlp(ln2(x)); mlp.0 Linear, GELU, mlp.2 Linear."""

    def __init__(self, n_embd, n_head, block_size, n_unmasked):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size, n_unmasked)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(),
                                 nn.Linear(4 * n_embd, n_embd))

    def forward(self, x, layer=0, cache=None):
        x = x + self.attn(self.ln1(x), layer, cache)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """Decoder-only prior of scale T (spec 2.8), minGPT names."""

    arch = "gpt"

    def __init__(self, vocab_size, input_vocab_size, block_size, n_layer, n_head, n_embd,
                 n_unmasked=0):
        super().__init__()
        self.block_size, self.n_head, self.n_embd = block_size, n_head, n_embd
        self.vocab_size = vocab_size
        self.tok_emb = nn.Embedding(input_vocab_size, n_embd)
        self.pos_emb = nn.Parameter(torch.zeros(1, block_size, n_embd))
        self.blocks = nn.ModuleList(
            [Block(n_embd, n_head, block_size, n_unmasked) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)

    def new_cache(self, batch):
        """Empty key/value cache for up to block_size positions."""
        p = self.pos_emb
        return KVCache(len(self.blocks), batch, self.n_head, self.block_size,
                       self.n_embd // self.n_head, p.dtype, p.device)

    def forward(self, idx, cache=None, last_only=False):
        """Logits (B, m, vocab) for idx (B, m); with a cache, positions continue
        from cache.length and the cache grows by m (mask rows as in training).
        last_only: logits of the last position only (B, 1, vocab)."""
        start = cache.length if cache is not None else 0
        m = idx.shape[1]
        if start + m > self.block_size:
            raise ValueError(f"sequence of {start + m} exceeds block_size {self.block_size}")
        x = self.tok_emb(idx) + self.pos_emb[:, start:start + m]
        for i, block in enumerate(self.blocks):
            x = block(x, i, cache)
        if cache is not None:
            cache.length += m
        if last_only:
            x = x[:, -1:]
        return self.head(self.ln_f(x))
