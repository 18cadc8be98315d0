"""Training tokens of the emoji chain: encoding, the split, and row weights.

The dataset is encoded once with the final first stage (load_tokens); the
training split adds mirror images where that keeps an emoji's meaning
(split_data). Half of the emoji rows are skin-tone variants of about 300
people and hand emoji (3750 of 7572: "waving hand sign light skin tone",
...), the same drawing recoloured up to 52 times, while a fruit or an
animal is one drawing per set. base_caption folds the variants together,
and TokenData.weights makes every base emoji equally likely when the GPT
prior draws its rows (ChainConfig.prior_sampling = "base"): the prior then
sees each rare object about twice as often as with uniform rows.
"""

import os
import re

import torch

import trainutil as tu
from sampling import tokenize

# Categories whose emoji mean something else mirrored (flags, letters,
# arrows, keycaps): their training images are not flipped.
NO_MIRROR = ("Flags", "Symbols")

_SKIN_TONE = re.compile(r"\b(?:light|medium-light|medium|medium-dark|dark) skin tone\b")


def base_caption(caption):
    """The caption without its skin-tone words: the key that groups variants."""
    s = _SKIN_TONE.sub(" ", caption)
    s = re.sub(r"\s*,\s*(?=,|$)", "", s.replace(":", " ")).strip(" ,")
    return " ".join(s.split())


class TokenData:
    """VQ codes, classes and tokenised captions of one split.

    weights: one per row, 1 / (rows sharing the row's base caption, mirror
    images included), so that drawing rows by weight draws base emoji
    uniformly (rows without captions form one group).
    """

    def __init__(self, codes, cls, captions, meta):
        self.codes = codes  # (M, N) int64
        self.cls = cls  # (M,)
        txt = meta["conditioning"]["text"]
        self.caption_ids = [
            [tokenize(c, txt["vocab"], txt["length"], txt["pad"], txt["unk"]) for c in caps]
            for caps in captions]
        self.class_offset = meta["tokens"]["class_offset"]
        self.text_offset = meta["tokens"]["text_offset"]
        self.null_class = len(meta["conditioning"]["class"]["names"])
        self.length = txt["length"]
        keys = [base_caption(caps[0]) if caps else "" for caps in captions]
        count = {}
        for k in keys:
            count[k] = count.get(k, 0) + 1
        self.weights = torch.tensor([1.0 / count[k] for k in keys], dtype=torch.float64)

    def __len__(self):
        return len(self.codes)

    def cond(self, idx, rng, p_drop, first_caption=False):
        """Condition tokens (B, P) for rows idx; class/text dropped with p_drop each."""
        out = []
        for i in idx.tolist():
            c = self.cls[i].item()
            if rng.random() < p_drop:
                c = self.null_class
            caps = self.caption_ids[i]
            words = caps[0] if first_caption else caps[rng.randrange(len(caps))]
            if rng.random() < p_drop:
                words = [0] * self.length
            out.append([self.class_offset + c] + [self.text_offset + w for w in words])
        return torch.tensor(out, dtype=torch.int64)


def load_tokens(data_path, vq_path, out, device):
    """Encode the dataset once with the final first stage (cached in <out>/tokens.pt).

    Besides each image's codes ("codes"), the codes of its mirror image
    ("codes_mirror"); split_data trains on both where "mirror_ok".
    """
    from train_vq import load_final, to_float
    path = os.path.join(out, "tokens.pt")
    vq_id = tu.file_sha1(vq_path)
    if os.path.exists(path):
        ck = torch.load(path)
        if ck.get("vq_id") == vq_id and "codes_mirror" in ck:
            return ck
    d = torch.load(data_path)
    vq, vq_cfg, vck = load_final(vq_path, device)
    codes, mirrored = [], []
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for i in range(0, len(d["images"]), 256):
            x = to_float(d["images"][i:i + 256], device)
            codes.append(vq.encode_codes(x, gen).cpu())
            mirrored.append(vq.encode_codes(x.flip(-1), gen).cpu())
    no_mirror = [k for k, n in enumerate(d["category_names"]) if n in NO_MIRROR]
    ck = {"codes": torch.cat(codes), "codes_mirror": torch.cat(mirrored),
          "mirror_ok": ~torch.isin(d["cat"], torch.tensor(no_mirror, dtype=d["cat"].dtype)),
          "vq_config": vck["config"], "K": vq.n_codes,
          "cls": d["cls"], "cat": d["cat"], "val": d["val"], "captions": d["captions"],
          "class_names": d["class_names"], "category_names": d["category_names"],
          "vocab": d["vocab"], "licences": d["licences"], "vq_id": vq_id}
    os.makedirs(out, exist_ok=True)
    tu.save_checkpoint(path, ck)
    return ck


def split_data(tok, meta):
    """(training, validation) TokenData: training adds the mirror images of
    the training emoji where that keeps their meaning (7138 images are few
    for these models: scale 4 overfitted without it, train/RESULTS.notes.md)."""
    val = tok["val"]
    caps = tok["captions"]
    mir = ~val & tok["mirror_ok"]
    tr = TokenData(torch.cat([tok["codes"][~val], tok["codes_mirror"][mir]]),
                   torch.cat([tok["cls"][~val], tok["cls"][mir]]),
                   [c for c, v in zip(caps, (~val).tolist()) if v]
                   + [c for c, v in zip(caps, mir.tolist()) if v], meta)
    va = TokenData(tok["codes"][val], tok["cls"][val],
                   [c for c, v in zip(caps, val.tolist()) if v], meta)
    return tr, va
