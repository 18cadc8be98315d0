"""Training data for the photos model: real photographs from Debian packages.

    /usr/bin/python3 train/photos_data.py [--cache .cache] [--licences permissive|all]
                                          [--packages krank,...] [--limit N] [--force]

fetches (photos_fetch.py) the packages named in `train/photos-manifest.tsv` with `apt-get
download` into `<cache>/photos/debs/` (skipped when a .deb of the package is
there; `apt-get update` runs only when apt does not know a package), unpacks
each with `dpkg -x` into `<cache>/photos/pkgs/<package>/`, loads the
photographs the manifest lists and writes

    <cache>/data/photos.pt          (--licences permissive, the default)
    <cache>/data/photos-all.pt      (--licences all)
    <cache>/data/photos[-all]-NOTICE.txt   attribution for the photos used, to ship with the model
    <cache>/data/photos[-all].pt.json      what was built (skips an identical rebuild)

The .pt file is a dict with

    images         list of N uint8 tensors (H, W, 3): EXIF orientation and the
                   manifest's `rotate` applied, alpha composited on white, uniform
                   black/white letterbox borders trimmed, downscaled (Lanczos) so the
                   long side is at most 1024 (never upscaled)
    package, path, author, licence, licence_class, source   lists of N strings (manifest fields)
    val            bool (N,) validation split
    licences       "permissive" or "all";  max_side 1024;  manifest_sha1

Uint8 tensors in one torch file rather than a folder of PNGs: it loads in about
a second with `torch.load` (decoding ~450 PNGs takes far longer) at the cost of
size on disk (1.5 MB per 1024x512 photo: 0.43 GB permissive, 0.73 GB all).

The manifest (one row per photograph kept, after looking at every image file
of the packages; tab-separated, header row):

    package        Debian package
    path           path inside the package (as unpacked by dpkg -x)
    author         photographer or copyright holder, empty when unknown (e.g.
                   "public domain" photos from morgue-file.com / unsplash.com)
    licence        SPDX-like id: public-domain, CC0-1.0, CC-BY-3.0, CC-BY-4.0,
                   CC-BY-SA-3.0, CC-BY-SA-4.0, GPL-2.0-or-later, LGPL-3.0,
                   GFDL-1.2-or-later, or unknown
    licence_class  permissive   public domain, CC0, CC-BY: redistributing a model
                                needs attribution at most (NOTICE)
                   sharealike   CC-BY-SA, GPL, LGPL, GFDL: added by --licences all;
                                the model card must then state the resulting licence
                   unknown      photographs without a per-file licence; never used
    rotate         degrees clockwise to turn the stored pixels upright (0 mostly)
    source         where the author/licence comes from (copyright file stanza,
                   metadata file) and any doubt

Split: a photo is in validation when sha1(package + "/" + path) mod 1000 < 100
(about 10%), so every crop of a photo is on the same side.

`PhotoCrops(data, split)` draws training crops: a photo (uniformly, or each
photo in turn with `epoch`), a scale for its short side from SCALES (256, 384,
512, 768, 1024) among those not above the stored photo's short side (never
upscaling; a photo shorter than 256 is used at its own size), a random
128x128 offset and a random horizontal flip; crops whose pixel standard
deviation (0-255 units, all channels) is below `flat_std` = 8 (overcast sky,
night, fog: about 2% of crops) are kept only with probability `flat_keep` =
0.1 and otherwise redrawn. Resized versions are cached per (photo, scale)
(about as much memory again as the photos), so after the first pass a batch
is only slicing. Batches are float (B, 3, 128, 128) in [-1, 1]; all randomness
comes from a torch.Generator (seeded), so a seed gives the same crops.
"""

import argparse
import csv
import hashlib
import json
import os
import sys
import textwrap

import numpy as np
import torch

from photos_fetch import AptUnavailable, deb_sizes, fetch

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "photos-manifest.tsv")
FIELDS = ("package", "path", "author", "licence", "licence_class", "rotate", "source")
CLASSES = {"permissive": ("permissive",), "all": ("permissive", "sharealike")}
VAL_PER_MILLE = 100
MAX_SIDE = 1024
SCALES = (256, 384, 512, 768, 1024)
CROP = 128
LICENCE_URLS = {
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-BY-3.0": "https://creativecommons.org/licenses/by/3.0/",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-3.0": "https://creativecommons.org/licenses/by-sa/3.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "GPL-2.0-or-later": "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html",
    "LGPL-3.0": "https://www.gnu.org/licenses/lgpl-3.0.html",
    "GFDL-1.2-or-later": "https://www.gnu.org/licenses/old-licenses/fdl-1.2.html",
}


# ---------------------------------------------------------------- manifest

def read_manifest(path=MANIFEST):
    """The manifest rows as dicts (rotate as int), in file order."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = set(FIELDS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        rows = []
        for r in reader:
            r = {k: (r[k] or "") for k in FIELDS}
            r["rotate"] = int(r["rotate"] or 0)
            rows.append(r)
    return rows


def key(row):
    return row["package"] + "/" + row["path"]


def is_val(row):
    """Fixed split by photo: sha1(package/path) mod 1000 < 100, about 10%."""
    return int(hashlib.sha1(key(row).encode("utf-8")).hexdigest(), 16) % 1000 < VAL_PER_MILLE


def select(rows, licences="permissive", packages=None, limit=None):
    """Rows of the licence classes `licences` allows, of `packages` (all when None),
    at most about `limit` of them (every k-th row, as data.py does)."""
    if licences not in CLASSES:
        raise ValueError(f"licences must be one of {sorted(CLASSES)}, not {licences!r}")
    if packages is not None:
        known = {r["package"] for r in rows}
        unknown = [p for p in packages if p not in known]
        if unknown:
            raise ValueError(f"not in the manifest: {', '.join(unknown)}")
    out = [r for r in rows if r["licence_class"] in CLASSES[licences]
           and (packages is None or r["package"] in packages)]
    if limit:
        out = out[::max(1, len(out) // limit)][:limit]
    return out


def manifest_packages(rows):
    return list(dict.fromkeys(r["package"] for r in rows))


# ---------------------------------------------------------------- load

def trim_borders(a, tol=3.0, max_frac=0.25):
    """Remove uniform near-black or near-white rows/columns at the edges (letterboxing),
    only where both opposite edges have them, at most max_frac of the size per edge."""
    def cut(lines):  # lines: (n, k) per row or column, from the edge inwards
        n = 0
        limit = int(len(lines) * max_frac)
        while n < limit:
            x = lines[n]
            m = x.mean()
            if x.std() < tol and (m < 24 or m > 235):
                n += 1
            else:
                break
        return n
    f = a.astype(np.float32)
    rows, cols = f.reshape(f.shape[0], -1), f.transpose(1, 0, 2).reshape(f.shape[1], -1)
    top, bottom = cut(rows), cut(rows[::-1])
    left, right = cut(cols), cut(cols[::-1])
    if not (top and bottom):  # letterboxes come in pairs; a dark foreground alone stays
        top = bottom = 0
    if not (left and right):
        left = right = 0
    return a[top:a.shape[0] - bottom, left:a.shape[1] - right]


def load_photo(path, rotate=0, max_side=MAX_SIDE):
    """(H, W, 3) uint8: upright, alpha on white, borders trimmed, long side <= max_side."""
    from PIL import Image, ImageOps
    Image.MAX_IMAGE_PIXELS = None  # our own files, some 5120x2880
    im = Image.open(path)
    if im.format == "JPEG" and max(im.size) > 2 * max_side:
        im.draft("RGB", (max_side, max_side))  # decode at a reduced scale, still >= max_side
    im = ImageOps.exif_transpose(im)
    if rotate:
        im = im.rotate(-rotate, expand=True)  # rotate is clockwise; PIL turns counter-clockwise
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    im = im.convert("RGB")
    a = trim_borders(np.asarray(im, dtype=np.uint8))
    h, w = a.shape[:2]
    s = max_side / max(h, w)
    if s < 1:
        im = Image.fromarray(a).resize((max(1, round(w * s)), max(1, round(h * s))), Image.LANCZOS)
        a = np.asarray(im, dtype=np.uint8)
    return np.array(a, dtype=np.uint8, order="C")  # a writable copy (PIL's arrays are read-only)


def _build_key(rows, max_side):
    h = hashlib.sha1()
    for r in rows:
        h.update(("\t".join(str(r[k]) for k in FIELDS) + "\n").encode("utf-8"))
    h.update(f"max_side={max_side};v2".encode())  # bump when load_photo changes
    return h.hexdigest()


def default_out(cache, licences):
    return os.path.join(cache, "data", "photos.pt" if licences == "permissive" else f"photos-{licences}.pt")


def build(cache, licences="permissive", limit=None, packages=None, out=None, manifest=MANIFEST,
          max_side=MAX_SIDE, force=False, log=sys.stderr):
    """Fetch, load the selected manifest rows, save the dataset dict (module
    docstring) to `out` (default <cache>/data/photos.pt or photos-all.pt) and
    return it. An identical earlier build (same rows and settings) is loaded
    instead unless force."""
    all_rows = read_manifest(manifest)
    rows = select(all_rows, licences, packages, limit)
    if not rows:
        raise ValueError(f"no photos for licences={licences!r} packages={packages}")
    out = out or default_out(cache, licences)
    build_key = _build_key(rows, max_side)
    side = out + ".json"
    if not force and os.path.exists(out) and os.path.exists(side):
        with open(side) as f:
            if json.load(f).get("key") == build_key:
                print(f"photos: {out} is up to date", file=log)
                return load(out)
    folders = fetch(cache, manifest_packages(rows), log=log)
    images = []
    for r in rows:
        p = os.path.join(folders[r["package"]], r["path"])
        a = load_photo(p, r["rotate"], max_side)
        if min(a.shape[:2]) < CROP:
            raise ValueError(f"{key(r)}: {a.shape[1]}x{a.shape[0]} is smaller than a {CROP} crop")
        images.append(torch.from_numpy(a))
    d = {"images": images}
    for k in FIELDS:
        if k != "rotate":
            d[k] = [r[k] for r in rows]
    with open(manifest, "rb") as f:
        manifest_sha1 = hashlib.sha1(f.read()).hexdigest()
    d.update(val=torch.tensor([is_val(r) for r in rows], dtype=torch.bool), licences=licences,
             max_side=max_side, manifest_sha1=manifest_sha1)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    torch.save(d, tmp)
    os.replace(tmp, out)
    with open(side, "w") as f:
        json.dump({"key": build_key, "summary": summary(d)}, f, indent=1)
    return d


def load(path):
    return torch.load(path)


def rows_of(d, split=None):
    """Manifest-like rows (dicts) of a dataset dict, optionally of one split."""
    out = []
    for i in range(len(d["images"])):
        v = bool(d["val"][i])
        if split == "train" and v or split == "val" and not v:
            continue
        out.append({k: d[k][i] for k in FIELDS if k != "rotate"})
    return out


def summary(d):
    n, nv = len(d["images"]), int(d["val"].sum())
    per = {}
    for p, c in zip(d["package"], d["licence_class"]):
        per.setdefault(p, {}).setdefault(c, 0)
        per[p][c] += 1
    classes = {}
    for c in d["licence_class"]:
        classes[c] = classes.get(c, 0) + 1
    mb = sum(im.numel() for im in d["images"]) / 2 ** 20
    lines = [f"{n} photos ({n - nv} train, {nv} val), licences={d['licences']}, "
             + ", ".join(f"{c} {k}" for c, k in sorted(classes.items()))
             + f", {mb:.0f} MB of pixels"]
    for p in sorted(per):
        lines.append(f"  {p:30s} " + ", ".join(f"{k} {c}" for c, k in sorted(per[p].items())))
    return "\n".join(lines)


# ---------------------------------------------------------------- crops

class PhotoCrops:
    """Fresh random crops of the photos of one split (module docstring).

    data: a dataset dict (build/load); split: "train", "val" or "all".
    batch(n) draws n crops from uniformly chosen photos; epoch(n) yields
    batches that visit every photo once per pass (crops_per_photo times) in
    a fresh random order. Both return float (B, 3, crop, crop) in [-1, 1];
    pass return_index=True to get the photo indices (into data) as well.
    """

    def __init__(self, data, split="train", crop=CROP, scales=SCALES, flat_std=8.0, flat_keep=0.1,
                 max_tries=20, seed=0, generator=None, cache=True):
        if split not in ("train", "val", "all"):
            raise ValueError(f"split must be train, val or all, not {split!r}")
        val = data["val"]
        self.index = [i for i in range(len(data["images"]))
                      if split == "all" or bool(val[i]) == (split == "val")]
        if not self.index:
            raise ValueError(f"no {split} photos")
        self.images = data["images"]
        self.crop, self.flat_std, self.flat_keep, self.max_tries = crop, flat_std, flat_keep, max_tries
        self.scales = {}
        for i in self.index:
            h, w = self.images[i].shape[:2]
            short = min(h, w)
            if short < crop:
                raise ValueError(f"photo {i} ({w}x{h}) is smaller than the crop")
            self.scales[i] = [s for s in sorted(scales) if s <= short] or [short]
        self.generator = generator if generator is not None else torch.Generator().manual_seed(seed)
        self.cache = {} if cache else None
        self.flat_rejected = 0  # crops redrawn for being flat (for logging)
        self.drawn = 0

    def __len__(self):
        return len(self.index)

    def resized(self, i, s):
        """Photo i resized (Lanczos) so its short side is s: uint8 (H, W, 3)."""
        if self.cache is not None and (i, s) in self.cache:
            return self.cache[(i, s)]
        a = self.images[i]
        h, w = a.shape[:2]
        if min(h, w) != s:
            from PIL import Image
            f = s / min(h, w)
            size = (max(self.crop, round(w * f)), max(self.crop, round(h * f)))
            im = Image.fromarray(a.numpy()).resize(size, Image.LANCZOS, reducing_gap=3.0)
            a = torch.from_numpy(np.array(im))
        if self.cache is not None:
            self.cache[(i, s)] = a
        return a

    def _randint(self, n, g):
        return int(torch.randint(n, (1,), generator=g))

    def crop_of(self, i, g):
        """One crop (crop, crop, 3) uint8 of photo i, flat crops down-weighted."""
        c = self.crop
        for t in range(self.max_tries):
            sc = self.scales[i]
            a = self.resized(i, sc[self._randint(len(sc), g)])
            h, w = a.shape[:2]
            y, x = self._randint(h - c + 1, g), self._randint(w - c + 1, g)
            flip = bool(torch.rand((), generator=g) < 0.5)
            keep = float(torch.rand((), generator=g))
            out = a[y:y + c, x:x + c]
            self.drawn += 1
            if t + 1 < self.max_tries and out.float().std() < self.flat_std and keep >= self.flat_keep:
                self.flat_rejected += 1
                continue
            return out.flip(1) if flip else out
        raise AssertionError("unreachable")

    def _batch(self, photos, g):
        x = torch.stack([self.crop_of(i, g) for i in photos])
        return x.permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)

    def batch(self, n, generator=None, return_index=False):
        g = generator if generator is not None else self.generator
        photos = [self.index[int(j)] for j in torch.randint(len(self.index), (n,), generator=g)]
        x = self._batch(photos, g)
        return (x, torch.tensor(photos)) if return_index else x

    def epoch(self, batch_size, crops_per_photo=1, generator=None, drop_last=False, return_index=False):
        g = generator if generator is not None else self.generator
        order = torch.cat([torch.randperm(len(self.index), generator=g) for _ in range(crops_per_photo)])
        photos = [self.index[int(j)] for j in order]
        for s in range(0, len(photos), batch_size):
            chunk = photos[s:s + batch_size]
            if drop_last and len(chunk) < batch_size:
                break
            x = self._batch(chunk, g)
            yield (x, torch.tensor(chunk)) if return_index else x


# ---------------------------------------------------------------- NOTICE

def write_notice(path, rows, title="bartedit photos model"):
    """Write the attribution NOTICE for the manifest rows used (grouped by
    licence, then author, then package; every file named). Returns the text."""
    by_lic = {}
    for r in rows:
        by_lic.setdefault(r["licence"], {}).setdefault((r["author"], r["package"]), []).append(r)
    classes = sorted({r["licence_class"] for r in rows})
    pkgs = sorted({r["package"] for r in rows})
    lines = [f"{title}: training data NOTICE", "",
             f"The model was trained on crops of {len(rows)} photographs from {len(pkgs)} Debian 12",
             "(bookworm) packages, fetched with `apt-get download` and listed with their",
             "licences in train/photos-manifest.tsv of bartedit. The photographs themselves",
             "are not distributed with the model. Photographers and licences follow.", ""]
    sa = sorted({r["licence"] for r in rows if r["licence_class"] != "permissive"})
    if sa:
        lines += textwrap.wrap("This set includes photographs under share-alike or copyleft licences "
                               f"({', '.join(sa)}); the model card states the licence of the resulting "
                               "model.", 78, break_on_hyphens=False) + [""]
    else:
        lines += ["All photographs are in the public domain, CC0 or CC-BY (attribution only).", ""]
    counts = ", ".join(f"{lic} {sum(len(v) for v in by_lic[lic].values())}" for lic in sorted(by_lic))
    lines += textwrap.wrap(f"Licences: {counts}.", 78, break_on_hyphens=False)
    lines += [f"Licence classes: {', '.join(classes)}.", ""]
    for lic in sorted(by_lic, key=lambda l: (-sum(len(v) for v in by_lic[l].values()), l)):
        groups = by_lic[lic]
        n = sum(len(v) for v in groups.values())
        head = f"== {lic} ({n} photo{'s' * (n != 1)})"
        url = LICENCE_URLS.get(lic)
        lines += [head + (f": {url}" if url else ""), ""]
        for (author, pkg), rs in sorted(groups.items(), key=lambda kv: (kv[0][0].lower() or "~", kv[0][1])):
            sources = sorted({r["source"] for r in rs})
            who = author or "photographer not named"
            lines.append(f"{who} -- Debian package {pkg}, {len(rs)} photo{'s' * (len(rs) != 1)}:")
            names = [os.path.basename(r["path"]) for r in rs]
            line = "   "
            for nm in names:
                if len(line) + len(nm) + 1 > 78:
                    lines.append(line)
                    line = "   "
                line += " " + nm
            lines.append(line)
            for s in sources:
                lines.append(f"    (source: {s})")
        lines.append("")
    text = "\n".join(lines)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return text


# ---------------------------------------------------------------- CLI

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=".cache", help="cache folder (outside git)")
    ap.add_argument("--licences", default="permissive", choices=sorted(CLASSES),
                    help="permissive: public domain/CC0/CC-BY only (default); all: add share-alike/GPL")
    ap.add_argument("--packages", default=None, help="comma-separated subset of the manifest's packages")
    ap.add_argument("--limit", type=int, default=None, help="only about N photos (tests)")
    ap.add_argument("--out", default=None, help="dataset file (default <cache>/data/photos[-all].pt)")
    ap.add_argument("--manifest", default=MANIFEST)
    ap.add_argument("--force", action="store_true", help="rebuild even if an identical build exists")
    args = ap.parse_args(argv)
    packages = [p for p in args.packages.split(",") if p] if args.packages else None
    out = args.out or default_out(args.cache, args.licences)
    try:
        d = build(args.cache, args.licences, args.limit, packages, out=out, manifest=args.manifest,
                  force=args.force)
    except AptUnavailable as e:
        print(f"photos: {e}", file=sys.stderr)
        return 1
    notice = os.path.splitext(out)[0] + "-NOTICE.txt"
    write_notice(notice, rows_of(d))
    sizes = deb_sizes(args.cache, sorted(set(d["package"])))
    print(f"photos: {out}: {summary(d)}")
    print(f"photos: {len(sizes)} packages, {sum(sizes.values()) / 1e6:.1f} MB of .deb in "
          f"{os.path.join(args.cache, 'photos', 'debs')}; NOTICE: {notice}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
