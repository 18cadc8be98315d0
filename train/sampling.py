"""Token layout, text tokenizer and the reverse step of ImageBART.

The layout follows docs/bundle-format.md ("tokens" and "conditioning"):

- condition tokens: [class_offset + c] if class conditioning is on (c = the
  class index, or len(names) for the null class), then exactly `length` text
  tokens text_offset + w (padded at the end with `pad`, truncated);
- encoder input of scale t < T: [t, cond..., x_t];
- decoder input: [sos, x_{t-1}[:-1]];
- GPT input: [T, cond..., x_{T-1}[:-1]] (the prefix [T, cond...] for sampling).

`reverse_step` samples x_{t-1} for one scale with a key/value cache. The
scale models are duck-typed through their `arch` attribute ("xtransformer" or
"gpt", see model.py) so this module does not import the networks.
"""

import re

import torch

_WORD = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")


def tokenize(text, vocab, length, pad, unk):
    """Vocabulary indices of text, padded with `pad` at the end or truncated to `length`.

    Lowercase, then split into runs of [a-z0-9] and single other non-space
    characters; a word not in `vocab` becomes `unk`.
    """
    index = {w: i for i, w in enumerate(vocab)}
    ids = [index.get(w, unk) for w in _WORD.findall(text.lower())][:length]
    return ids + [pad] * (length - len(ids))


def condition_tokens(meta, class_index=None, text=None):
    """Condition token ids (length P) for the bundle metadata `meta`.

    class_index: an index into the class names, or None for the null class
    (only allowed when the bundle has one). text: the prompt ("" if None).
    """
    cond = meta["conditioning"] or {}
    tokens = meta["tokens"]
    out = []
    klass = cond.get("class")
    if klass is not None:
        names = klass["names"]
        if class_index is None:
            if not klass.get("null"):
                raise ValueError("this model has no null class; a class is required")
            class_index = len(names)
        elif not 0 <= class_index < len(names):
            raise ValueError(f"class {class_index} outside 0..{len(names) - 1}")
        out.append(tokens["class_offset"] + class_index)
    elif class_index is not None:
        raise ValueError("this model is not class conditional")
    txt = cond.get("text")
    if txt is not None:
        words = tokenize(text or "", txt["vocab"], txt["length"], txt["pad"], txt["unk"])
        out.extend(tokens["text_offset"] + w for w in words)
    elif text:
        raise ValueError("this model takes no text")
    return out


def _batch_tokens(cond, batch, device):
    return torch.tensor(cond, dtype=torch.int64, device=device).reshape(1, -1).expand(batch, -1)


def encoder_input(t, cond, xt):
    """[t, cond..., x_t] as (B, 1+P+N) for x_t (B, N)."""
    b = xt.shape[0]
    return torch.cat([_batch_tokens([t] + list(cond), b, xt.device), xt], dim=1)


def decoder_input(x_prev, sos):
    """[sos, x_{t-1}[:-1]] as (B, N) for x_{t-1} (B, N)."""
    first = torch.full((x_prev.shape[0], 1), sos, dtype=torch.int64, device=x_prev.device)
    return torch.cat([first, x_prev[:, :-1]], dim=1)


def gpt_prefix(T, cond, batch=1, device="cpu"):
    """[T, cond...] as (B, 1+P)."""
    return _batch_tokens([T] + list(cond), batch, device)


def gpt_input(T, cond, x):
    """[T, cond..., x[:-1]] as (B, P+N); logits at P..P+N-1 predict x."""
    return torch.cat([gpt_prefix(T, cond, x.shape[0], x.device), x[:, :-1]], dim=1)


def sample_logits(logits, top_k, temperature, generator=None):
    """One token per row of logits (B, K).

    Divide by the temperature, keep every logit >= the k-th largest (ties
    kept), softmax, multinomial draw. top_k == 1 or temperature == 0 is
    greedy (first maximum, no random draw), so such a step is deterministic.
    """
    if top_k == 1 or temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]  # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    return torch.multinomial(probs, 1, generator=generator)[:, 0]


@torch.no_grad()
def reverse_step(scale_model, enc_input_or_prefix, top_k, temperature, generator,
                 guide=None, known=None, n_tokens=None, sos=0):
    """Sample the N tokens of x_{t-1} (B, N) for one scale.

    xtransformer: enc_input_or_prefix is the encoder input [t, cond..., x_t];
    the encoder runs once, cross-attention keys/values are computed once and
    the decoder runs token by token from [sos] with a self-attention cache.
    Residual-scaled models include their scale factor and x_t term.
    gpt: enc_input_or_prefix is the prefix [T, cond...] (x_T is never input);
    n_tokens (N) is then required unless guide gives it.

    guide (B, N, K): added to the logits of position n before sampling (a
    log-one-hot row forces a token, a zero row leaves it free).
    known (B, N): token ids to force (-1 = free). A run of positions known in
    every row is fed to the cache in one decoder call that computes only the
    logits after the run (none if the run ends the sequence); a sampled
    token is fed alone (docs/editing.md). The result equals sampling the
    known positions under a forcing guide. Positions known in some rows only
    are sampled in every row (the draws are made) and then overridden.

    Unlike the official script, which hard-wires temperature 1.0 for the
    encoder-decoder scales, temperature is honoured at every scale: the
    editor exposes it per scale, and 1.0 reproduces the official behaviour.
    """
    src = enc_input_or_prefix
    batch = src.shape[0]
    if scale_model.arch == "xtransformer":
        n = scale_model.dec_max_seq_len if n_tokens is None else n_tokens
        state = scale_model.start_decoding(src)

        def step(tokens):
            return scale_model.decode_step(state, tokens, last_only=True)[:, -1]

        first = torch.full((batch, 1), sos, dtype=torch.int64, device=src.device)
    elif scale_model.arch == "gpt":
        n = n_tokens if n_tokens is not None else (guide.shape[1] if guide is not None else None)
        if n is None:
            raise ValueError("reverse_step on a GPT scale needs n_tokens")
        cache = scale_model.new_cache(batch)

        def step(tokens):
            return scale_model(tokens, cache, last_only=True)[:, -1]

        first = src
    else:
        raise ValueError(f"unknown scale model arch {getattr(scale_model, 'arch', None)!r}")

    # all_known[j]: position j is known in every row (part of a batched run)
    all_known = [False] * n if known is None else (known >= 0).all(dim=0).tolist()
    out = torch.empty((batch, n), dtype=torch.int64, device=src.device)
    logits = step(first)  # (B, K), predicts position 0
    pos = 0
    while pos < n:
        if all_known[pos]:
            end = pos
            while end < n and all_known[end]:
                end += 1
            out[:, pos:end] = known[:, pos:end]
            if end == n:
                break  # the last token predicts nothing
            logits = step(out[:, pos:end])  # one call for the whole run
            pos = end
            continue
        row = logits if guide is None else logits + guide[:, pos]
        tok = sample_logits(row, top_k, temperature, generator)
        if known is not None:
            tok = torch.where(known[:, pos] >= 0, known[:, pos], tok)
        out[:, pos] = tok
        pos += 1
        if pos < n:
            logits = step(tok[:, None])
    return out
