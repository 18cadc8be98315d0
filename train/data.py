"""Training data: the emoji dataset from npm, and any folder of images.

    /usr/bin/python3 train/data.py [--cache .cache] [--limit N]

fetches `emoji-datasource-twitter@16.0.0` and `emoji-datasource-google@16.0.0`
with `npm pack` into `<cache>/emoji/` (skipped when the tarballs are there),
composites every 64x64 RGBA PNG of `img/<set>/64/` onto white and writes
`<cache>/data/emoji.pt`: a dict with

    images     uint8 (M, 64, 64, 3)
    captions   list of M lists of caption strings (name + short names, lowercased)
    cls        int64 (M,) subcategory index into class_names (about 99)
    cat        int64 (M,) category index into category_names (-1 for "Component")
    val        bool (M,) validation split
    key, style list of M strings: unified code of the base emoji, image set
    class_names, category_names, vocab (word list with <pad>, <unk> first), licences

Split: an emoji is in validation when sha1(base unified code) mod 1000 < 50
(about 5%), so every style and skin tone of one emoji is on the same side.

`load_folder(path)` builds the same dict from a folder of images: a class per
subfolder (or none), an optional `captions.txt` with lines `filename<TAB>caption`
(several lines per file allowed), and the same hash split over file names.

No data is committed; the images are licensed as recorded in LICENCES.
"""

import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile

import numpy as np
import torch

VERSION = "16.0.0"
SETS = ("twitter", "google")
LICENCES = {
    "twitter": ("CC-BY-4.0", "Twemoji graphics (c) Twitter, Inc and other contributors (now X Corp.), "
                "CC-BY 4.0, via the npm package emoji-datasource-twitter@" + VERSION),
    "google": ("Apache-2.0", "Noto Emoji (c) Google Inc., Apache License 2.0, via the npm package "
               "emoji-datasource-google@" + VERSION),
}
SKIN_TONES = {"1F3FB": "light skin tone", "1F3FC": "medium-light skin tone",
              "1F3FD": "medium skin tone", "1F3FE": "medium-dark skin tone",
              "1F3FF": "dark skin tone"}
VAL_PER_MILLE = 50
_WORD = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")  # the bundle tokenizer's rule


def words(text):
    """The tokenizer's word split (docs/bundle-format.md)."""
    return _WORD.findall(text.lower())


def is_val(key):
    """Fixed split: sha1 of the key, about 5% validation."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 1000 < VAL_PER_MILLE


def fetch(cache, npm="npm"):
    """npm pack both packages into <cache>/emoji/ unless present; their paths."""
    folder = os.path.join(cache, "emoji")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for s in SETS:
        path = os.path.join(folder, f"emoji-datasource-{s}-{VERSION}.tgz")
        if not os.path.exists(path):
            print(f"data: npm pack emoji-datasource-{s}@{VERSION}", file=sys.stderr)
            subprocess.run([npm, "pack", "--silent", f"emoji-datasource-{s}@{VERSION}"],
                           cwd=folder, check=True, stdout=subprocess.DEVNULL)
        paths.append(path)
    return paths


def _read_tar(path, prefix):
    """{member name: bytes} of emoji.json and the files under prefix, in one pass."""
    out = {}
    with tarfile.open(path, "r:gz") as tar:
        for m in tar:
            if m.isfile() and (m.name == "package/emoji.json" or m.name.startswith(prefix)):
                out[m.name] = tar.extractfile(m).read()
    return out


def composite(png_bytes, size=64):
    """RGBA PNG bytes -> (size, size, 3) uint8 on white."""
    from PIL import Image
    im = Image.open(io.BytesIO(png_bytes)).convert("RGBA")
    if im.size != (size, size):
        im = im.resize((size, size), Image.LANCZOS)
    bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(bg, im).convert("RGB"), dtype=np.uint8)


def _entries(emoji_json):
    """(image file, base unified, captions, subcategory, category, has_img key dict) per image."""
    out = []
    for e in emoji_json:
        base = [e["name"].lower()] + [s.replace("_", " ").lower() for s in e["short_names"]]
        base = list(dict.fromkeys(c for c in base if c))
        out.append((e["image"], e["unified"], base, e["subcategory"], e["category"], e))
        for code, v in (e.get("skin_variations") or {}).items():
            tones = ", ".join(SKIN_TONES.get(c, "") for c in code.split("-"))
            caps = [f"{c} {tones}" for c in base[:1]] + [f"{c} {tones}" for c in base[1:2]]
            out.append((v["image"], e["unified"], caps, e["subcategory"], e["category"], v))
    return out


def build_emoji(cache, limit=None, sets=SETS):
    """The emoji dataset dict (module docstring); limit: first N emoji only (tests)."""
    tarballs = fetch(cache)
    meta_json = None
    images, captions, cls, cat, keys, styles = [], [], [], [], [], []
    entries = None
    for s, tb in zip(SETS, tarballs):
        if s not in sets:
            continue
        files = _read_tar(tb, f"package/img/{s}/64/")
        if meta_json is None:
            meta_json = json.loads(files["package/emoji.json"])
            meta_json.sort(key=lambda e: e["sort_order"])
            if limit:
                step = max(1, len(meta_json) // limit)
                meta_json = meta_json[::step][:limit]
            entries = _entries(meta_json)
        for image, key, caps, sub, category, e in entries:
            data = files.get(f"package/img/{s}/64/{image}")
            if not e.get(f"has_img_{s}", False) or data is None:
                continue
            images.append(composite(data))
            captions.append(caps)
            cls.append(sub)
            cat.append(category)
            keys.append(key)
            styles.append(s)
    class_names = sorted(set(cls))
    category_names = sorted(set(cat) - {"Component"})
    ci = {n: i for i, n in enumerate(class_names)}
    ki = {n: i for i, n in enumerate(category_names)}
    return finish({
        "images": torch.from_numpy(np.stack(images)),
        "captions": captions,
        "cls": torch.tensor([ci[c] for c in cls], dtype=torch.int64),
        "cat": torch.tensor([ki.get(c, -1) for c in cat], dtype=torch.int64),
        "val": torch.tensor([is_val(k) for k in keys], dtype=torch.bool),
        "key": keys, "style": styles,
        "class_names": class_names, "category_names": category_names,
        "licences": {s: LICENCES[s] for s in sets},
        "source": f"emoji-datasource-{{{','.join(sets)}}}@{VERSION}",
    })


def finish(d):
    """Add the word vocabulary (<pad>, <unk>, then words by frequency) of all captions."""
    counts = {}
    for caps in d["captions"]:
        for c in caps:
            for w in words(c):
                counts[w] = counts.get(w, 0) + 1
    d["vocab"] = ["<pad>", "<unk>"] + sorted(counts, key=lambda w: (-counts[w], w))
    return d


IMAGE_EXT = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")


def load_folder(path, size=64):
    """Dataset dict from a folder of images (see the module docstring).

    Images are centre-cropped to a square, resized to size, composited on
    white if they have alpha. Classes: the first-level subfolders (a single
    class "all" when images sit directly in path). `cat` equals `cls`.
    """
    from PIL import Image
    caps_by_file = {}
    cap_path = os.path.join(path, "captions.txt")
    if os.path.exists(cap_path):
        with open(cap_path, encoding="utf-8") as f:
            for line in f:
                if "\t" in line:
                    name, cap = line.rstrip("\n").split("\t", 1)
                    caps_by_file.setdefault(name, []).append(cap.strip().lower())
    files = []
    for root, _, names in os.walk(path):
        for n in sorted(names):
            if n.lower().endswith(IMAGE_EXT):
                files.append(os.path.relpath(os.path.join(root, n), path))
    files.sort()
    if not files:
        raise ValueError(f"{path}: no images")
    classes = sorted({f.split(os.sep)[0] if os.sep in f else "all" for f in files})
    ci = {c: i for i, c in enumerate(classes)}
    images, captions, cls = [], [], []
    for f in files:
        im = Image.open(os.path.join(path, f))
        im = im.convert("RGBA")
        w, h = im.size
        s = min(w, h)
        im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
        im = im.resize((size, size), Image.LANCZOS)
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        images.append(np.asarray(Image.alpha_composite(bg, im).convert("RGB"), dtype=np.uint8))
        c = f.split(os.sep)[0] if os.sep in f else "all"
        cls.append(ci[c])
        base = os.path.basename(f)
        captions.append(caps_by_file.get(f) or caps_by_file.get(base)
                        or [os.path.splitext(base)[0].replace("_", " ").lower()])
    cls = torch.tensor(cls, dtype=torch.int64)
    return finish({
        "images": torch.from_numpy(np.stack(images)), "captions": captions,
        "cls": cls, "cat": cls.clone(), "val": torch.tensor([is_val(f) for f in files]),
        "key": files, "style": ["folder"] * len(files),
        "class_names": classes, "category_names": classes,
        "licences": {"folder": ("unknown", f"images from {os.path.abspath(path)}")},
        "source": os.path.abspath(path),
    })


def load(path):
    """A dataset written by main()."""
    return torch.load(path)


def summary(d):
    n, nv = len(d["images"]), int(d["val"].sum())
    return (f"{n} images ({n - nv} train, {nv} val), {len(d['class_names'])} classes, "
            f"{len(d['category_names'])} categories, vocabulary {len(d['vocab'])} words")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=".cache", help="cache folder (outside git)")
    ap.add_argument("--out", default=None, help="dataset file (default <cache>/data/emoji.pt)")
    ap.add_argument("--limit", type=int, default=None, help="only about N emoji (tests)")
    ap.add_argument("--folder", default=None, help="build from a folder of images instead")
    ap.add_argument("--size", type=int, default=64)
    args = ap.parse_args(argv)
    out = args.out or os.path.join(args.cache, "data", "emoji.pt")
    if os.path.exists(out) and args.folder is None and args.limit is None:
        print(f"data: {out} exists ({summary(load(out))})")
        return 0
    d = load_folder(args.folder, args.size) if args.folder else build_emoji(args.cache, args.limit)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    torch.save(d, tmp)
    os.replace(tmp, out)
    print(f"data: wrote {out}: {summary(d)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
