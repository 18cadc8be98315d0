"""Safetensors I/O and the `.bart` bundle (docs/bundle-format.md).

A safetensors file is: u64 little-endian header length N, N bytes of JSON
(padded with spaces so the data section starts 8-byte aligned), then the raw
little-endian tensor bytes. Written here because the `safetensors` package
is not available; F32, F16, BF16, I64 and I32 are supported.

`write_bart` validates the metadata, asserts that the tensors are exactly the
ones it implies (names, shapes, dtype kinds) and writes the bundle;
`read_bart` performs the same checks on a file; `load_models` builds the
PyTorch modules (float32) from a bundle.
"""

import json
import struct
import sys

import numpy as np
import torch

from layout import ddconfig, expected_tensors, validate_meta
from model import GPT, VQModel, XTransformer

MAX_HEADER = 64 << 20

# safetensors dtype -> (torch dtype, numpy dtype of the raw bytes)
DTYPES = {
    "F32": (torch.float32, np.dtype("<f4")),
    "F16": (torch.float16, np.dtype("<f2")),
    "BF16": (torch.bfloat16, np.dtype("<i2")),  # raw bits, viewed as bfloat16
    "I64": (torch.int64, np.dtype("<i8")),
    "I32": (torch.int32, np.dtype("<i4")),
}
_NAME_OF = {torch_dtype: name for name, (torch_dtype, _) in DTYPES.items()}
FLOAT_DTYPES = ("F32", "F16", "BF16")
INT_DTYPES = ("I64", "I32")

if sys.byteorder != "little":
    raise ImportError("bundle.py assumes a little-endian host")


def _tensor_bytes(t):
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def save_safetensors(path, tensors, metadata=None):
    """Write tensors (name -> tensor, in the given order) and string metadata."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs, offset = [], 0
    for name, t in tensors.items():
        if t.dtype not in _NAME_OF:
            raise ValueError(f"{name}: unsupported dtype {t.dtype}")
        data = _tensor_bytes(t)
        header[name] = {"dtype": _NAME_OF[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def load_safetensors(path):
    """Read a safetensors file -> (OrderedDict name -> tensor, metadata dict).

    Validates header size, JSON, dtypes, sizes, bounds and overlaps.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: truncated (no header length)")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER or 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} too large or past the end")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: header is not JSON: {e}") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not an object")
    data = memoryview(raw)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    tensors, ranges = {}, []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{path}: {name}: malformed entry")
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{path}: {name}: unsupported dtype {info['dtype']!r}")
        torch_dtype, np_dtype = DTYPES[info["dtype"]]
        shape = info["shape"]
        begin, end = info["data_offsets"]
        count = int(np.prod(shape)) if shape else 1
        if any(d < 0 for d in shape) or not 0 <= begin <= end <= len(data) \
                or end - begin != count * np_dtype.itemsize:
            raise ValueError(f"{path}: {name}: bad shape or data_offsets")
        ranges.append((begin, end, name))
        arr = np.frombuffer(data[begin:end], dtype=np_dtype).copy().reshape(shape)
        t = torch.from_numpy(arr)
        tensors[name] = t.view(torch.bfloat16) if torch_dtype == torch.bfloat16 else t
    ranges.sort()
    for (_, end_a, a), (begin_b, _, b) in zip(ranges, ranges[1:]):
        if begin_b < end_a:
            raise ValueError(f"{path}: tensors {a} and {b} overlap")
    return tensors, metadata


def check_tensors(meta, tensors):
    """Raise ValueError naming every missing, unexpected or misshapen tensor."""
    expected = expected_tensors(meta)
    errs = []
    missing = [k for k, (_, _, req) in expected.items() if req and k not in tensors]
    unexpected = [k for k in tensors if k not in expected]
    if missing:
        errs.append(f"missing tensors {missing}")
    if unexpected:
        errs.append(f"unexpected tensors {unexpected}")
    for name, t in tensors.items():
        if name not in expected:
            continue
        shape, kind, _ = expected[name]
        if tuple(t.shape) != shape:
            errs.append(f"{name}: shape {tuple(t.shape)}, want {shape}")
        dtype = _NAME_OF.get(t.dtype)
        if dtype not in (INT_DTYPES if kind == "int" else FLOAT_DTYPES):
            errs.append(f"{name}: dtype {t.dtype} not allowed for a {kind} tensor")
    if "first_stage_model.quantize.used" in tensors and not errs:
        used = tensors["first_stage_model.quantize.used"].long()
        n_embed = meta["first_stage"]["n_embed"]
        if (used[1:] <= used[:-1]).any() or used[0] < 0 or used[-1] >= n_embed:
            errs.append("quantize.used must be strictly increasing within [0, n_embed)")
    if errs:
        raise ValueError("; ".join(errs))


def write_bart(path, meta, tensors):
    """Validate and write a `.bart` bundle; tensors are written in the
    expected (state-dict) order."""
    validate_meta(meta)
    check_tensors(meta, tensors)
    order = [k for k in expected_tensors(meta) if k in tensors]
    doc = json.dumps(meta, separators=(",", ":"), ensure_ascii=False)
    save_safetensors(path, {k: tensors[k] for k in order}, {"bartedit": doc})


def read_bart(path):
    """Read and validate a `.bart` bundle -> (meta, tensors)."""
    tensors, metadata = load_safetensors(path)
    if "bartedit" not in metadata:
        raise ValueError(f"{path}: no bartedit metadata")
    try:
        meta = json.loads(metadata["bartedit"])
        validate_meta(meta)
        check_tensors(meta, tensors)
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: {e}") from None
    return meta, tensors


def build_models(meta):
    """Fresh (VQModel, [scale models]) with the architecture of `meta`.

    The `used` table is a placeholder of the right length until loaded.
    """
    fs = meta["first_stage"]
    used = None
    if fs["remap"] != "none":
        length = meta["codebook_size"] - (1 if fs["remap"] == "extra" else 0)
        used = torch.arange(length)
    vq = VQModel(ddconfig(meta), fs["embed_dim"], fs["n_embed"], used,
                 fs["remap"] if used is not None else "random")
    scales = []
    for sc in meta["scales"]:
        cfg = {k: v for k, v in sc.items() if k not in ("scale", "arch")}
        if sc["arch"] == "xtransformer":
            scales.append(XTransformer(**cfg, betas=meta["schedule"]["betas"]))
        else:
            scales.append(GPT(**cfg))
    return vq, scales


def prefixed_state(tensors, prefix):
    """The tensors under prefix as a float32 / int64 state dict without the prefix."""
    return {k[len(prefix):]: v.float() if v.is_floating_point() else v.long()
            for k, v in tensors.items() if k.startswith(prefix)}


def _load(module, prefix, tensors):
    state = prefixed_state(tensors, prefix)
    own = module.state_dict()
    for name in own:
        if name not in state:  # optional, unused tensors (encoder.to_logits)
            state[name] = own[name]
    module.load_state_dict(state, strict=True)


def load_models(meta, tensors):
    """(VQModel, [scale models]) in float32 eval mode with the bundle's weights."""
    vq, scales = build_models(meta)
    _load(vq, "first_stage_model.", tensors)
    for sc, model in zip(meta["scales"], scales):
        _load(model, f"scale{sc['scale']}.transformer.", tensors)
    return vq.eval(), [m.eval() for m in scales]
