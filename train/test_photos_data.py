"""The photo data pipeline (train/photos_data.py) on one small package.

Runs the real thing on lomiri-wallpapers-16.04 (a 16 MB .deb, 13 photos:
9 CC0/CC-BY, 4 CC-BY-SA): apt-get download + dpkg -x into <repo>/.cache/photos/
(reused afterwards, shared with `make data-photos`), build, crops, NOTICE.
Skips, saying why, only when apt cannot download the package (no network,
no package lists).

Run: cd train && /usr/bin/python3 -m unittest test_photos_data -v
"""

import os
import re
import tempfile
import unittest

import numpy as np
import torch

import photos_data as pdata
import photos_fetch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(REPO, ".cache")
PKG = "lomiri-wallpapers-16.04"
PERMISSIVE = re.compile(r"^(public-domain|CC0-1\.0|CC-BY-\d\.\d)$")
SHAREALIKE = re.compile(r"(-SA-|GPL|GFDL)")


class ManifestTest(unittest.TestCase):
    def test_manifest_consistent(self):
        rows = pdata.read_manifest()
        self.assertGreater(len(rows), 400)
        keys = [pdata.key(r) for r in rows]
        self.assertEqual(len(keys), len(set(keys)), "duplicate rows")
        for r in rows:
            self.assertIn(r["licence_class"], ("permissive", "sharealike", "unknown"), r)
            self.assertTrue(r["licence"] and r["source"], r)
            self.assertIn(r["rotate"], (0, 90, 180, 270), r)
            if r["licence_class"] == "permissive":
                self.assertRegex(r["licence"], PERMISSIVE)
            if SHAREALIKE.search(r["licence"]):
                self.assertEqual(r["licence_class"], "sharealike", r)
        permissive = pdata.select(rows, "permissive")
        everything = pdata.select(rows, "all")
        self.assertTrue(all(r["licence_class"] == "permissive" for r in permissive))
        self.assertGreater(len(everything), len(permissive))
        self.assertFalse(any(r["licence_class"] == "unknown" for r in everything))

    def test_trim_borders(self):
        a = np.full((100, 80, 3), 120, np.uint8)
        a[:, :, 0] = np.arange(80, dtype=np.uint8)[None] * 3  # content varies along each row
        boxed = np.zeros((120, 80, 3), np.uint8)
        boxed[10:110] = a
        self.assertEqual(pdata.trim_borders(boxed).shape, (100, 80, 3))
        one_sided = boxed[:110]  # dark bottom only (a silhouette, not a letterbox): kept
        self.assertEqual(pdata.trim_borders(one_sided).shape, (110, 80, 3))

    def test_flat_crops_down_weighted(self):
        g = torch.Generator().manual_seed(0)
        im = torch.full((256, 512, 3), 128, dtype=torch.uint8)
        im[:, 256:] = torch.randint(0, 256, (256, 256, 3), generator=g, dtype=torch.uint8)
        d = {"images": [im], "val": torch.tensor([False])}
        std = lambda x: ((x + 1) * 127.5).flatten(1).std(1)
        never = pdata.PhotoCrops(d, flat_keep=0.0, seed=1, scales=(256,)).batch(64)
        self.assertTrue(bool((std(never) >= 8).all()))
        always = pdata.PhotoCrops(d, flat_keep=1.0, seed=1, scales=(256,)).batch(64)
        self.assertTrue(bool((std(always) < 8).any()))


class PipelineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            photos_fetch.fetch(CACHE, [PKG])
        except photos_fetch.AptUnavailable as e:
            raise unittest.SkipTest(f"apt cannot download {PKG}: {e}")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.rows = [r for r in pdata.read_manifest() if r["package"] == PKG]

    @classmethod
    def tearDownClass(cls):
        torch.set_num_threads(cls.threads)
        cls.tmp.cleanup()

    def test_pipeline(self):
        for r in self.rows:  # the manifest's paths exist in the unpacked package
            self.assertTrue(os.path.isfile(os.path.join(CACHE, "photos", "pkgs", PKG, r["path"])), r["path"])

        out = os.path.join(self.tmp.name, "photos.pt")
        self.assertEqual(pdata.main(["--cache", CACHE, "--packages", PKG, "--out", out]), 0)
        d = pdata.load(out)
        want = [r for r in self.rows if r["licence_class"] == "permissive"]
        self.assertEqual(d["path"], [r["path"] for r in want])
        self.assertEqual(d["licences"], "permissive")
        for im in d["images"]:
            self.assertEqual(im.dtype, torch.uint8)
            self.assertEqual(im.shape[2], 3)
            self.assertLessEqual(max(im.shape[:2]), pdata.MAX_SIDE)
            self.assertGreaterEqual(min(im.shape[:2]), pdata.CROP)

        # split by photo: fixed by the hash, both sides non-empty, disjoint
        self.assertEqual(d["val"].tolist(), [pdata.is_val(r) for r in want])
        train = {pdata.key(r) for r in pdata.rows_of(d, "train")}
        val = {pdata.key(r) for r in pdata.rows_of(d, "val")}
        self.assertTrue(train and val)
        self.assertFalse(train & val)
        self.assertEqual(len(train) + len(val), len(want))

        # crops: shape, range, reproducible by seed, only from their split
        tr = pdata.PhotoCrops(d, "train", seed=7)
        x, idx = tr.batch(12, return_index=True)
        self.assertEqual(tuple(x.shape), (12, 3, 128, 128))
        self.assertEqual(x.dtype, torch.float32)
        self.assertGreaterEqual(float(x.min()), -1.0)
        self.assertLessEqual(float(x.max()), 1.0)
        self.assertGreater(float(x.std()), 0.05)
        self.assertTrue(all(not bool(d["val"][i]) for i in idx))
        self.assertTrue(torch.equal(x, pdata.PhotoCrops(d, "train", seed=7).batch(12)))
        self.assertFalse(torch.equal(x, pdata.PhotoCrops(d, "train", seed=8).batch(12)))
        self.assertFalse(torch.equal(x, tr.batch(12)), "fresh crops on every call")
        for i, sc in tr.scales.items():
            self.assertTrue(all(s <= min(d["images"][i].shape[:2]) for s in sc))
        _, vidx = pdata.PhotoCrops(d, "val", seed=7).batch(6, return_index=True)
        self.assertTrue(all(bool(d["val"][i]) for i in vidx))
        seen = torch.cat([i for _, i in tr.epoch(4, return_index=True)]).tolist()
        self.assertEqual(sorted(seen), sorted(tr.index))

        # NOTICE next to the data: authors and licences of the photos used, no others
        with open(os.path.join(self.tmp.name, "photos-NOTICE.txt"), encoding="utf-8") as f:
            notice = f.read()
        for s in ("Aitzol Berasategi", "Clemens Engelhardt", "CC-BY-4.0", "CC0-1.0", PKG,
                  "aitzgorri_by_Aitzol_Berasategi.jpg", "attribution only"):
            self.assertIn(s, notice)
        self.assertNotIn("Peter Nerlich", notice)  # CC-BY-SA: only with --licences all

        # an identical build is not redone; --licences all adds the share-alike photos
        self.assertEqual(len(pdata.build(CACHE, packages=[PKG], out=out)["images"]), len(want))
        d_all = pdata.build(CACHE, "all", packages=[PKG], out=os.path.join(self.tmp.name, "all.pt"))
        self.assertEqual(len(d_all["images"]), len(self.rows))
        text = pdata.write_notice(os.path.join(self.tmp.name, "all-NOTICE.txt"), pdata.rows_of(d_all))
        self.assertIn("Peter Nerlich", text)
        self.assertIn("CC-BY-SA-4.0", text)
        self.assertIn("share-alike", text)


if __name__ == "__main__":
    unittest.main()
