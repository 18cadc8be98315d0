"""The `bartedit` metadata document: validation and the tensors it implies.

`validate_meta` checks a metadata document against docs/bundle-format.md;
`expected_tensors` lists every tensor name and shape a bundle with that
metadata must (or, for the unused `encoder.to_logits`, may) contain. The list
is derived from the configuration alone, independently of the PyTorch
modules, so comparing the two cross-checks model.py and vqgan.py.
"""

from collections import OrderedDict

FORMAT_VERSION = 1
REMAPS = ("none", "random", "extra")

_TOP_KEYS = {"format_version", "name", "description", "license", "attribution", "image_size",
             "first_stage", "codebook_size", "schedule", "scales", "tokens", "conditioning",
             "sampling"}
_FIRST_STAGE_KEYS = {"ch", "ch_mult", "num_res_blocks", "attn_resolutions", "in_channels",
                     "out_ch", "resolution", "z_channels", "double_z", "embed_dim", "n_embed",
                     "remap"}
_XT_KEYS = {"scale", "arch", "dim", "heads", "dim_head", "enc_depth", "dec_depth",
            "enc_num_tokens", "enc_max_seq_len", "dec_num_tokens", "dec_max_seq_len",
            "residual_scaled"}
_GPT_KEYS = {"scale", "arch", "vocab_size", "input_vocab_size", "block_size", "n_layer",
             "n_head", "n_embd", "n_unmasked"}


def ddconfig(meta):
    """The taming ddconfig part of `first_stage` (without embed_dim, n_embed, remap)."""
    fs = meta["first_stage"]
    return {k: fs[k] for k in ("ch", "ch_mult", "num_res_blocks", "attn_resolutions",
                               "in_channels", "out_ch", "resolution", "z_channels", "double_z")}


def grid_size(meta):
    """g: the token grid is g x g."""
    fs = meta["first_stage"]
    return fs["resolution"] // 2 ** (len(fs["ch_mult"]) - 1)


def n_tokens(meta):
    """N = g * g tokens per image."""
    return grid_size(meta) ** 2


def n_condition_tokens(meta):
    """P: one class token (if any) plus the text length (if any)."""
    cond = meta.get("conditioning") or {}
    p = 1 if cond.get("class") is not None else 0
    if cond.get("text") is not None:
        p += cond["text"]["length"]
    return p


def used_length(meta):
    """len(used) implied by codebook_size and the remap policy (0 for "none")."""
    remap = meta["first_stage"]["remap"]
    k = meta["codebook_size"]
    return {"none": 0, "random": k, "extra": k - 1}[remap]


def max_input_token(meta, t):
    """Largest token id the input embedding of scale t (encoder or GPT) is fed."""
    tok = meta["tokens"]
    cond = meta.get("conditioning") or {}
    top = max(meta["codebook_size"] - 1, t)
    klass = cond.get("class")
    if klass is not None:
        top = max(top, tok["class_offset"] + len(klass["names"]) - (0 if klass["null"] else 1))
    if cond.get("text") is not None:
        top = max(top, tok["text_offset"] + len(cond["text"]["vocab"]) - 1)
    return top


def _keys(errs, where, doc, required, optional=()):
    if not isinstance(doc, dict):
        errs.append(f"{where}: not an object")
        return False
    missing = sorted(required - set(doc))
    unknown = sorted(set(doc) - required - set(optional))
    if missing:
        errs.append(f"{where}: missing keys {missing}")
    if unknown:
        errs.append(f"{where}: unknown keys {unknown}")
    return not missing


def _validate_scale(errs, meta, i, sc, n, p):
    where = f"scales[{i}]"
    top = max_input_token(meta, i + 1)
    t_count = len(meta["scales"])
    k = meta["codebook_size"]
    if sc.get("scale") != i + 1:
        errs.append(f"{where}: scale must be {i + 1}")
    want = "gpt" if i == t_count - 1 else "xtransformer"
    if sc.get("arch") != want:
        errs.append(f"{where}: arch must be {want!r}")
        return
    if want == "xtransformer":
        if not _keys(errs, where, sc, _XT_KEYS):
            return
        if sc["dec_num_tokens"] != k:
            errs.append(f"{where}: dec_num_tokens {sc['dec_num_tokens']} != codebook_size {k}")
        if sc["dec_max_seq_len"] < n:
            errs.append(f"{where}: dec_max_seq_len {sc['dec_max_seq_len']} < N = {n}")
        if sc["enc_max_seq_len"] < 1 + p + n:
            errs.append(f"{where}: enc_max_seq_len {sc['enc_max_seq_len']} < 1+P+N = {1 + p + n}")
        if sc["enc_num_tokens"] <= top:
            errs.append(f"{where}: enc_num_tokens {sc['enc_num_tokens']} <= largest id {top}")
        if not 0 <= meta["tokens"]["sos"] < k:
            errs.append(f"{where}: tokens.sos must lie in [0, dec_num_tokens)")
        rs = sc["residual_scaled"]
        if rs is not None and _keys(errs, where + ".residual_scaled", rs,
                                    {"n_scales", "scale_pos", "xt_start"}):
            if rs["n_scales"] < i + 1:
                errs.append(f"{where}: residual_scaled.n_scales < scale")
            if rs["scale_pos"] != 0 or rs["xt_start"] != 1 + p:
                errs.append(f"{where}: residual_scaled needs scale_pos 0 and xt_start {1 + p}")
    else:
        if not _keys(errs, where, sc, _GPT_KEYS):
            return
        if sc["vocab_size"] != k:
            errs.append(f"{where}: vocab_size {sc['vocab_size']} != codebook_size {k}")
        if sc["block_size"] < p + n:
            errs.append(f"{where}: block_size {sc['block_size']} < P+N = {p + n}")
        if sc["input_vocab_size"] <= top:
            errs.append(f"{where}: input_vocab_size {sc['input_vocab_size']} <= largest id {top}")
        if sc["n_embd"] % sc["n_head"] != 0:
            errs.append(f"{where}: n_embd not a multiple of n_head")
        if sc["n_unmasked"] != 1 + p and not (p == 0 and sc["n_unmasked"] == 0):
            errs.append(f"{where}: n_unmasked {sc['n_unmasked']} is not the prefix length {1 + p}")


def validate_meta(meta):
    """Raise ValueError listing every problem of a `bartedit` metadata document."""
    errs = []
    if not _keys(errs, "metadata", meta, _TOP_KEYS, {"metrics"}):
        raise ValueError("; ".join(errs))
    if meta["format_version"] != FORMAT_VERSION:
        errs.append(f"format_version {meta['format_version']} is not {FORMAT_VERSION}")
    fs = meta["first_stage"]
    if not _keys(errs, "first_stage", fs, _FIRST_STAGE_KEYS):
        raise ValueError("; ".join(errs))
    if fs["resolution"] != meta["image_size"]:
        errs.append("first_stage.resolution != image_size")
    if fs["resolution"] % 2 ** (len(fs["ch_mult"]) - 1) != 0:
        errs.append("image_size not divisible by the downsampling factor")
    if fs["double_z"]:
        errs.append("first_stage.double_z must be false")
    if any(fs["ch"] * m % 32 for m in fs["ch_mult"]):
        errs.append("first_stage: every ch * ch_mult must be a multiple of 32")
    k, remap = meta["codebook_size"], fs["remap"]
    if remap not in REMAPS:
        errs.append(f"first_stage.remap {remap!r} not in {REMAPS}")
    elif remap == "none" and k != fs["n_embed"]:
        errs.append("codebook_size must equal n_embed with remap 'none'")
    elif remap != "none" and not 1 <= used_length(meta) <= fs["n_embed"]:
        errs.append("codebook_size does not fit n_embed for the remap policy")

    sched = meta["schedule"]
    if _keys(errs, "schedule", sched, {"kind", "betas"}):
        betas = sched["betas"]
        if len(betas) < 2 or betas[0] != 0 or betas[-1] != 1:
            errs.append("schedule.betas must start at 0 and end at 1")
        elif any(not 0 < b <= 1 for b in betas[1:]):
            errs.append("schedule.betas[1:] must lie in (0, 1]")
        elif len(meta["scales"]) != len(betas) - 1:
            errs.append(f"{len(meta['scales'])} scales but T = {len(betas) - 1}")
    t_count = len(meta["scales"])

    tok = meta["tokens"]
    _keys(errs, "tokens", tok, {"sos", "class_offset", "text_offset"})
    cond = meta["conditioning"] or {}
    _keys(errs, "conditioning", cond, set(), {"class", "text"})
    if cond.get("class") is not None:
        c = cond["class"]
        if _keys(errs, "conditioning.class", c, {"names", "null"}) and not c["names"]:
            errs.append("conditioning.class.names is empty")
    if cond.get("text") is not None:
        tx = cond["text"]
        if _keys(errs, "conditioning.text", tx, {"vocab", "length", "pad", "unk"}):
            if len(set(tx["vocab"])) != len(tx["vocab"]) or not tx["vocab"]:
                errs.append("conditioning.text.vocab must be non-empty and unique")
            if tx["length"] < 1:
                errs.append("conditioning.text.length must be >= 1")
            if not (0 <= tx["pad"] < len(tx["vocab"]) and 0 <= tx["unk"] < len(tx["vocab"])):
                errs.append("conditioning.text pad/unk outside the vocabulary")
    if errs:
        raise ValueError("; ".join(errs))

    n, p = n_tokens(meta), n_condition_tokens(meta)
    for i, sc in enumerate(meta["scales"]):
        _validate_scale(errs, meta, i, sc, n, p)

    sm = meta["sampling"]
    if _keys(errs, "sampling", sm, {"top_k", "temperature", "chain"}):
        if any(len(sm[key]) != t_count for key in ("top_k", "temperature", "chain")):
            errs.append("sampling lists must have one entry per scale")
        elif any(not 1 <= x <= k for x in sm["top_k"]) or any(x <= 0 for x in sm["temperature"]) \
                or any(x < 1 for x in sm["chain"]):
            errs.append("sampling: top_k in 1..K, temperature > 0, chain >= 1")
    if errs:
        raise ValueError("; ".join(errs))


# --------------------------------------------------------------- tensor list


class _Shapes:
    """Ordered name -> (shape, kind, required) collector."""

    def __init__(self):
        self.items = OrderedDict()

    def add(self, name, shape, kind="float", required=True):
        self.items[name] = (tuple(shape), kind, required)

    def conv(self, name, cout, cin, k):
        self.add(name + ".weight", (cout, cin, k, k))
        self.add(name + ".bias", (cout,))

    def norm(self, name, c):
        self.add(name + ".weight", (c,))
        self.add(name + ".bias", (c,))

    def linear(self, name, cout, cin, bias=True, required=True):
        self.add(name + ".weight", (cout, cin), required=required)
        if bias:
            self.add(name + ".bias", (cout,), required=required)

    def resnet(self, name, cin, cout):
        self.norm(name + ".norm1", cin)
        self.conv(name + ".conv1", cout, cin, 3)
        self.norm(name + ".norm2", cout)
        self.conv(name + ".conv2", cout, cout, 3)
        if cin != cout:
            self.conv(name + ".nin_shortcut", cout, cin, 1)

    def attn(self, name, c):
        self.norm(name + ".norm", c)
        for part in ("q", "k", "v", "proj_out"):
            self.conv(f"{name}.{part}", c, c, 1)

    def mid(self, name, c):
        self.resnet(name + ".block_1", c, c)
        self.attn(name + ".attn_1", c)
        self.resnet(name + ".block_2", c, c)


def _first_stage(s, meta, prefix):
    fs = meta["first_stage"]
    ch, mult, nrb, attn_res = fs["ch"], fs["ch_mult"], fs["num_res_blocks"], fs["attn_resolutions"]
    e = prefix + "encoder."
    s.conv(e + "conv_in", ch, fs["in_channels"], 3)
    res, in_mult = fs["resolution"], [1] + list(mult)
    for i, m in enumerate(mult):  # state-dict order: blocks, then attns, then downsample
        bi, bo = ch * in_mult[i], ch * m
        for j in range(nrb):
            s.resnet(f"{e}down.{i}.block.{j}", bi if j == 0 else bo, bo)
        if res in attn_res:
            for j in range(nrb):
                s.attn(f"{e}down.{i}.attn.{j}", bo)
        bi = bo
        if i != len(mult) - 1:
            s.conv(f"{e}down.{i}.downsample.conv", bi, bi, 3)
            res //= 2
    s.mid(e + "mid", bi)
    s.norm(e + "norm_out", bi)
    s.conv(e + "conv_out", fs["z_channels"], bi, 3)

    d = prefix + "decoder."
    bi = ch * mult[-1]
    s.conv(d + "conv_in", bi, fs["z_channels"], 3)
    s.mid(d + "mid", bi)
    # Level i's input width is the output width of level i+1 (run from the
    # last level down); the state dict lists up.0 first.
    top_res = fs["resolution"] // 2 ** (len(mult) - 1)
    for i in range(len(mult)):
        bi = ch * mult[min(i + 1, len(mult) - 1)]
        bo = ch * mult[i]
        for j in range(nrb + 1):
            s.resnet(f"{d}up.{i}.block.{j}", bi if j == 0 else bo, bo)
        if top_res * 2 ** (len(mult) - 1 - i) in attn_res:
            for j in range(nrb + 1):
                s.attn(f"{d}up.{i}.attn.{j}", bo)
        if i != 0:
            s.conv(f"{d}up.{i}.upsample.conv", bo, bo, 3)
    bi = ch * mult[0]
    s.norm(d + "norm_out", bi)
    s.conv(d + "conv_out", fs["out_ch"], bi, 3)

    if fs["remap"] != "none":
        s.add(prefix + "quantize.used", (used_length(meta),), kind="int")
    s.add(prefix + "quantize.embedding.weight", (fs["n_embed"], fs["embed_dim"]))
    s.conv(prefix + "quant_conv", fs["embed_dim"], fs["z_channels"], 1)
    s.conv(prefix + "post_quant_conv", fs["z_channels"], fs["embed_dim"], 1)


def _xtransformer(s, sc, prefix):
    dim, inner = sc["dim"], sc["heads"] * sc["dim_head"]
    if sc["residual_scaled"] is not None:  # own parameter: first in the state dict
        s.add(prefix + "log_scalors", (sc["residual_scaled"]["n_scales"],))
    for part, kinds, depth in (("encoder", "af", sc["enc_depth"]),
                               ("decoder", "acf", sc["dec_depth"])):
        w = f"{prefix}{part}."
        num_tokens = sc["enc_num_tokens"] if part == "encoder" else sc["dec_num_tokens"]
        max_len = sc["enc_max_seq_len"] if part == "encoder" else sc["dec_max_seq_len"]
        s.add(w + "token_emb.weight", (num_tokens, dim))
        s.add(w + "pos_emb.emb.weight", (max_len, dim))
        for i, kind in enumerate(kinds * depth):
            entry = f"{w}attn_layers.layers.{i}."
            s.norm(entry + "0", dim)
            if kind == "f":
                s.linear(entry + "1.net.0.0", 4 * dim, dim)
                s.linear(entry + "1.net.2", dim, 4 * dim)
            else:
                for proj in ("to_q", "to_k", "to_v"):
                    s.linear(f"{entry}1.{proj}", inner, dim, bias=False)
                s.linear(entry + "1.to_out", dim, inner)
        s.norm(w + "norm", dim)
        s.linear(w + "to_logits", num_tokens, dim, required=(part == "decoder"))


def _gpt(s, sc, prefix):
    n = sc["n_embd"]
    s.add(prefix + "pos_emb", (1, sc["block_size"], n))
    s.add(prefix + "tok_emb.weight", (sc["input_vocab_size"], n))
    for i in range(sc["n_layer"]):
        b = f"{prefix}blocks.{i}."
        s.norm(b + "ln1", n)
        s.norm(b + "ln2", n)
        for proj in ("key", "query", "value", "proj"):
            s.linear(f"{b}attn.{proj}", n, n)
        s.linear(b + "mlp.0", 4 * n, n)
        s.linear(b + "mlp.2", n, 4 * n)
    s.norm(prefix + "ln_f", n)
    s.linear(prefix + "head", sc["vocab_size"], n, bias=False)


def expected_tensors(meta):
    """OrderedDict name -> (shape, kind "float"/"int", required) for a valid meta."""
    s = _Shapes()
    _first_stage(s, meta, "first_stage_model.")
    for sc in meta["scales"]:
        prefix = f"scale{sc['scale']}.transformer."
        (_xtransformer if sc["arch"] == "xtransformer" else _gpt)(s, sc, prefix)
    return s.items
