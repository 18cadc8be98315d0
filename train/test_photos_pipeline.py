"""The photos model end to end on one small package: data -> VQ -> chain -> export -> eval -> Go.

Runs the real code of train_photos.py and evaluate_photos.py with tiny model
sizes (config overrides) on lomiri-wallpapers-16.04 (a 16 MB .deb; its 9
public-domain/CC0/CC-BY photos): photos_data builds the dataset (the .deb is
fetched once with apt-get into <repo>/.cache/photos/ and reused, shared with
`make data-photos`), the first stage trains 2 steps and resumes for a third,
the token pool is encoded, every scale trains one step, the run is exported
with its card and NOTICE to a temporary .bart, evaluated on two windows, and
the Go binary (built into the temporary folder) loads the bundle, prints its
card and inpaints a hole in a 128x128 photo. Skips, saying why, when apt
cannot download the package; the Go part is skipped, with a message, when
no Go toolchain is found. About a minute on a free core.

Run: cd train && /usr/bin/python3 -m unittest test_photos_pipeline -v
"""

import dataclasses
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

import evaluate_photos
import inpaint_metrics
import photos_data as pdata
import photos_fetch
import photos_export as pe
import train_photos as tp
from bundle import load_models, read_bart

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(REPO, ".cache")
PKG = "lomiri-wallpapers-16.04"


def find_go():
    """The go command the Makefile would use (scripts/go.sh path), or None."""
    cands = []
    try:
        r = subprocess.run([os.path.join(REPO, "scripts", "go.sh"), "path"], capture_output=True,
                           text=True, timeout=60)
        cands.append(r.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    cands += [shutil.which("go"), "/usr/local/go/bin/go"]
    for go in cands:
        if go and (shutil.which(go) or os.path.exists(go)):
            return shutil.which(go) or go
    return None


class CardTest(unittest.TestCase):
    """The card's licence and attribution for both licence sets (no download needed)."""

    def test_licences(self):
        rows = pdata.read_manifest()
        permissive = pdata.select(rows, "permissive")
        lic = pe.combined_licence(permissive)
        self.assertEqual(set(lic.split(" AND ")), {r["licence"] for r in permissive})
        self.assertNotIn("SA", lic)
        att = pe.attribution(permissive, "photos-NOTICE.txt")
        self.assertIn("attribution only", att)
        for r in permissive:
            self.assertIn(r["author"] or "unnamed photographers", att)
        everything = pdata.select(rows, "all")
        lic = pe.combined_licence(everything)
        self.assertTrue(lic.startswith("CC-BY-SA-4.0 AND "), lic)
        self.assertIn("GPL-2.0-or-later", lic)
        self.assertIn("share-alike", pe.attribution(everything, "photos-NOTICE.txt"))

    def test_unconditional_meta_validates(self):
        from layout import validate_meta
        meta = tp.photos_meta(tp.chain_config(), dataclasses.asdict(tp.vq_config()), 900)
        validate_meta(meta)
        self.assertEqual([s["arch"] for s in meta["scales"]], ["xtransformer"] * 2 + ["gpt"])
        self.assertEqual(meta["scales"][0]["enc_max_seq_len"], 257)
        self.assertEqual(meta["scales"][2]["block_size"], 256)


class PhotosPipelineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.threads = torch.get_num_threads()
        torch.set_num_threads(1)  # tiny tensors: one thread is fastest
        try:
            photos_fetch.fetch(CACHE, [PKG])
        except photos_fetch.AptUnavailable as e:
            raise unittest.SkipTest(f"apt cannot download {PKG}: {e}")

    @classmethod
    def tearDownClass(cls):
        torch.set_num_threads(cls.threads)

    def test_tiny_pipeline(self):
        quiet = lambda *a, **k: None
        with tempfile.TemporaryDirectory() as tmp:
            data_path = os.path.join(tmp, "photos.pt")
            d = pdata.build(CACHE, packages=[PKG], out=data_path, log=io.StringIO())
            self.assertTrue(d["val"].any() and not d["val"].all())
            rows = pdata.rows_of(d)
            self.assertTrue(all(r["licence_class"] == "permissive" for r in rows))

            # first stage at 128x128, f=8 (4 levels), tiny widths: 2 steps, then resume to 3
            run = os.path.join(tmp, "run")
            vcfg = tp.vq_config(dict(ch=32, ch_mult=[1, 1, 1, 1], attn_resolutions=[],
                                     z_channels=16, embed_dim=8, n_embed=32, batch_size=2,
                                     max_steps=2, disc_start=1, warmup=1, restart_every=1,
                                     disc_ch=8))
            m = tp.train_vq_stage(vcfg, data_path, run, final_crops=32, final_val_crops=8,
                                  log=quiet)
            self.assertEqual(m["vq_steps"], 2)
            vcfg = dataclasses.replace(vcfg, max_steps=3)
            m = tp.train_vq_stage(vcfg, data_path, run, final_crops=32, final_val_crops=8,
                                  log=quiet)
            self.assertEqual(m["vq_steps"], 3)
            self.assertGreater(m["vq_codes_used"], 0)

            # token pool: 16x16 tokens per crop, cached under the first stage's identity
            tok = tp.load_pool(data_path, run, n_train=24, n_val=8, log=quiet)
            self.assertEqual(tuple(tok["codes"].shape), (24, 256))
            self.assertEqual(tuple(tok["val_codes"].shape), (8, 256))
            self.assertEqual(tok["K"], m["vq_codes_used"])
            self.assertLess(int(tok["codes"].max()), tok["K"])
            again = tp.load_pool(data_path, run, n_train=24, n_val=8,
                                 log=lambda s: self.fail("re-encoded: " + s))
            self.assertTrue(torch.equal(again["codes"], tok["codes"]))
            # a run copied to another machine: new mtimes, and only the
            # dataset's build key (<data>.json) beside a missing dataset file
            os.utime(os.path.join(run, "vq", "final.pt"), (1, 1))
            elsewhere = os.path.join(tmp, "elsewhere", "photos.pt")
            os.makedirs(os.path.dirname(elsewhere))
            shutil.copy(data_path + ".json", elsewhere + ".json")
            again = tp.load_pool(elsewhere, run, n_train=24, n_val=8,
                                 log=lambda s: self.fail("re-encoded: " + s))
            self.assertTrue(torch.equal(again["codes"], tok["codes"]))

            # chain: unconditional T=3, one step per scale
            ccfg = tp.chain_config(dict(dim=32, heads=2, dim_head=16, enc_depth=1, dec_depth=1,
                                        n_layer=1, n_embd=32, n_head=2, batch_size=2, warmup=1))
            cks = tp.train_chain_stage(ccfg, tok, run, [3, 2, 1], max_steps=1, log=quiet)
            for ck in cks:
                self.assertEqual(ck["step"], 1)
                self.assertGreater(ck["val_bits_per_token"], 0)

            # export with the card and the NOTICE, read back, validate, load
            bart = os.path.join(tmp, "photos.bart")
            pe.export_run(run, bart, log=quiet)
            meta, tensors = read_bart(bart)
            self.assertEqual(meta["name"], "photos")
            self.assertEqual(meta["image_size"], 128)
            self.assertEqual(meta["conditioning"], {"class": None, "text": None})
            self.assertEqual(len(meta["scales"]), 3)
            self.assertEqual(meta["scales"][0]["residual_scaled"],
                             {"n_scales": 3, "scale_pos": 0, "xt_start": 1})
            for lic in sorted({r["licence"] for r in rows}):
                self.assertIn(lic, meta["license"])
            self.assertNotIn("SA", meta["license"])
            self.assertIn("Aitzol Berasategi", meta["attribution"])
            self.assertIn("photos-NOTICE.txt", meta["attribution"])
            self.assertIn(PKG, meta["description"])
            self.assertIn("scale3_val_bits_per_token", meta["metrics"])
            self.assertEqual(str(tensors["scale1.transformer.decoder.token_emb.weight"].dtype),
                             "torch.float16")
            self.assertEqual(tensors["first_stage_model.decoder.conv_out.weight"].dtype,
                             torch.float16)
            self.assertEqual(tensors["first_stage_model.encoder.conv_in.weight"].dtype,
                             torch.float32)
            self.assertEqual(tensors["first_stage_model.quantize.embedding.weight"].dtype,
                             torch.float32)
            with open(os.path.join(tmp, "photos-NOTICE.txt"), encoding="utf-8") as f:
                notice = f.read()
            self.assertIn("aitzgorri_by_Aitzol_Berasategi.jpg", notice)
            load_models(meta, tensors)

            # evaluation: two windows, every mask setting, results and contact sheet
            results = os.path.join(tmp, "RESULTS-photos.md")
            sheet = os.path.join(tmp, "sheet.png")
            evaluate_photos.main(["--bundle", bart, "--data", data_path, "--run", run,
                                  "--results", results, "--samples", sheet,
                                  "--windows", "2", "--group", "1"])
            with open(results, encoding="utf-8") as f:
                text = f.read()
            for s in ("PSNR inside the hole", "harmonic fill", "mean colour", "Seam",
                      "model + seamless blend"):
                self.assertIn(s, text)
            with open(os.path.join(run, "eval-photos.json")) as f:
                ev = json.load(f)["metrics"]
            self.assertIn("inpaint30_psnr_harmonic", ev)
            self.assertIn("inpaint30_psnr_seamless", ev)
            self.assertTrue(os.path.exists(sheet))
            meta = pe.export_run(run, bart, log=quiet)  # the card now carries the evaluation
            self.assertIn("inpaint5_psnr_model", meta["metrics"])
            self.assertIn("scale2_minutes", meta["metrics"])
            self.check_warm_start(tmp, data_path, run, bart, vcfg, ccfg, tok, quiet)

            # Go loads the bundle, prints its card and fills a hole
            go = find_go()
            if go is None:
                print("test_photos_pipeline: no Go toolchain, skipping the Go part",
                      file=sys.stderr)
                return
            exe = os.path.join(tmp, "bartedit")
            r = subprocess.run([go, "build", "-o", exe, "./cmd/bartedit"], cwd=REPO,
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = subprocess.run([exe, "info", bart], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("photos", r.stdout)
            self.assertIn("unconditional", r.stdout)
            from PIL import Image
            win = tp.crops_u8(pdata.PhotoCrops(d, "val"), 1, 3)[0].numpy()
            hole = inpaint_metrics.blob_mask(128, 0.15, np.random.default_rng(5))
            Image.fromarray(win).save(os.path.join(tmp, "in.png"))
            Image.fromarray((hole * 255).astype(np.uint8)).save(os.path.join(tmp, "mask.png"))
            out = os.path.join(tmp, "out.png")
            r = subprocess.run([exe, "inpaint", "--model", bart, "-i", os.path.join(tmp, "in.png"),
                                "-m", os.path.join(tmp, "mask.png"), "-o", out, "--seed", "3",
                                "--feather", "0"], capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            with Image.open(out) as im:
                res = np.asarray(im.convert("RGB"))
            self.assertEqual(res.shape, (128, 128, 3))
            self.assertTrue(np.array_equal(res[~hole], win[~hole]), "pixels outside the hole changed")
            self.assertFalse(np.array_equal(res[hole], win[hole]), "the hole was not filled")

    def check_warm_start(self, tmp, data_path, run, bart, vcfg, ccfg, tok, quiet):
        """A fresh machine continues from the shipped bundle (--init-bundle): the
        same first stage and tokens, each scale from the bundle's weights at the
        card's step count; a run of another first stage is refused."""
        _, tensors = read_bart(bart)
        run2 = os.path.join(tmp, "run2")
        m = tp.vq_from_bundle(vcfg, run2, bart, log=quiet)
        self.assertEqual(m["vq_steps"], 3)
        # without --init-bundle the first stage is still not retrained
        later = dataclasses.replace(vcfg, max_steps=5)
        self.assertEqual(tp.train_vq_stage(later, data_path, run2, log=quiet)["vq_steps"], 3)
        tok2 = tp.load_pool(data_path, run2, n_train=24, n_val=8, log=quiet)
        self.assertTrue(torch.equal(tok2["codes"], tok["codes"]), "other tokens than the bundle's")
        self.assertTrue(torch.equal(tok2["val_codes"], tok["val_codes"]))

        # max_steps 1 = the bundle's steps: nothing trains, the weights are the bundle's
        cks = tp.train_chain_stage(ccfg, tok2, run2, [3, 2, 1], max_steps=1, log=quiet,
                                   init_bundle=bart)
        for t, ck in zip([3, 2, 1], cks):
            self.assertEqual(ck["step"], 1)
            for name, v in ck["ema_state_dict"].items():
                key = f"scale{t}.transformer.{name}"
                if key in tensors:
                    self.assertTrue(torch.equal(v, tensors[key].float()), key)
        # one more step resumes that checkpoint, learning rate warming up from step 1
        cks = tp.train_chain_stage(ccfg, tok2, run2, [3, 2, 1], max_steps=2, log=quiet,
                                   init_bundle=bart)
        for ck in cks:
            self.assertEqual((ck["step"], ck["restart_step"]), (2, 1))
            self.assertGreater(ck["elapsed"], 0)
        self.assertGreater(pe.export_run(run2, bart + "2", log=quiet)["metrics"]["train_minutes"],
                           0)

        # another first stage: refused with a message, nothing written
        other = os.path.join(tmp, "run3", "vq", "final.pt")
        ck = torch.load(os.path.join(run, "vq", "final.pt"))
        name = next(k for k, v in ck["state_dict"].items() if v.is_floating_point())
        ck["state_dict"][name] = ck["state_dict"][name] + 1e-3
        os.makedirs(os.path.dirname(other))
        torch.save(ck, other)
        with self.assertRaisesRegex(ValueError, "not the first stage"):
            tp.vq_from_bundle(vcfg, os.path.join(tmp, "run3"), bart, log=quiet)
        with self.assertRaisesRegex(ValueError, "not the first stage"):
            tp.train_chain_stage(ccfg, tok2, os.path.join(tmp, "run3"), [1], max_steps=2,
                                 log=quiet, init_bundle=bart)
        self.assertFalse(os.path.exists(os.path.join(tmp, "run3", "chain", "scale1")))


if __name__ == "__main__":
    unittest.main()
