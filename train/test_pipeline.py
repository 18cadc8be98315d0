"""End to end on a tiny subset: data -> VQ -> chain -> export -> evaluate -> Go samples.

Runs the real training code for a few steps with tiny configs so it cannot
rot. Needs the emoji tarballs (fetched once with `npm pack` into
<repo>/.cache/emoji/, reused afterwards) and Go for the last step (skipped,
with a message, when neither `go` nor /usr/local/go/bin/go exists).
"""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import torch

import chain_data
import data
import evaluate
import export
import train_chain
import train_vq
from bundle import load_models, read_bart

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(REPO, ".cache")


def find_go():
    for go in (shutil.which("go"), "/usr/local/go/bin/go"):
        if go and os.path.exists(go):
            return go
    return None


class PipelineTest(unittest.TestCase):
    def setUp(self):
        self.threads = torch.get_num_threads()
        torch.set_num_threads(1)  # tiny tensors: one thread is fastest

    def tearDown(self):
        torch.set_num_threads(self.threads)

    def test_tiny_pipeline(self):
        quiet = lambda *a, **k: None
        with tempfile.TemporaryDirectory() as tmp:
            # data: about 20 emoji in both styles
            d = data.build_emoji(CACHE, limit=20)
            self.assertGreaterEqual(len(d["images"]), 30)
            self.assertEqual(tuple(d["images"].shape[1:]), (64, 64, 3))
            self.assertEqual(d["vocab"][:2], ["<pad>", "<unk>"])
            if not d["val"].any():  # make sure both splits are non-empty
                d["val"][0] = True
            data_path = os.path.join(tmp, "emoji.pt")
            torch.save(d, data_path)

            # first stage, a few steps including the discriminator
            run = os.path.join(tmp, "run")
            vcfg = train_vq.VQConfig(ch=32, ch_mult=[1, 1, 1, 1], attn_resolutions=[],
                                     z_channels=16, embed_dim=8, n_embed=32, batch_size=4,
                                     max_steps=3, disc_start=2, warmup=1, restart_every=2,
                                     disc_ch=8)
            vm = train_vq.train(vcfg, data_path, os.path.join(run, "vq"), log=quiet)
            self.assertGreater(vm["vq_codes_used"], 0)
            # resume: one more step from last.pt
            vcfg = dataclasses.replace(vcfg, max_steps=4)
            vm = train_vq.train(vcfg, data_path, os.path.join(run, "vq"), log=quiet)
            self.assertEqual(vm["vq_steps"], 4)

            # chain: every scale two steps (the export needs all T), baseline one
            ccfg = train_chain.ChainConfig(dim=32, heads=2, dim_head=16, enc_depth=2,
                                           dec_depth=1, n_layer=1, n_embd=32, n_head=2,
                                           batch_size=4, max_steps=2, warmup=1, text_length=4)
            out = os.path.join(run, "chain")
            tok = chain_data.load_tokens(data_path, os.path.join(run, "vq", "final.pt"), out,
                                         "cpu")
            meta = train_chain.chain_meta(ccfg, tok["vq_config"], tok["K"], tok["class_names"],
                                          tok["vocab"])
            with open(os.path.join(out, "meta.json"), "w") as f:
                json.dump(meta, f)
            tr, va = chain_data.split_data(tok, meta)
            for t in (4, 3, 2, 1, 0):
                ck = train_chain.train_scale(t, meta, ccfg, tr, va, out, log=quiet,
                                             vq_id=tok["vq_id"])
                self.assertEqual(ck["step"], 2)
                self.assertGreater(ck["val_bits_per_token"], 0)
            # a run copied to another machine (new mtimes, no dataset file)
            # still finds its tokens and resumes its scales
            os.utime(os.path.join(run, "vq", "final.pt"), (1, 1))
            tok2 = chain_data.load_tokens(os.path.join(tmp, "absent.pt"),
                                          os.path.join(run, "vq", "final.pt"), out, "cpu")
            self.assertEqual(tok2["vq_id"], tok["vq_id"])
            more = dataclasses.replace(ccfg, max_steps=3)
            ck = train_chain.train_scale(4, meta, more, tr, va, out, log=quiet,
                                         vq_id=tok2["vq_id"])
            self.assertEqual(ck["step"], 3)

            # export with the card, then read back and validate
            bart = os.path.join(tmp, "tiny.bart")
            m = export.export_run(run, bart)
            meta2, tensors = read_bart(bart)
            self.assertEqual(meta2["name"], "emoji")
            self.assertIn("CC-BY-4.0", meta2["license"])
            self.assertIn("Apache-2.0", meta2["license"])
            self.assertIn("scale1_val_bits_per_token", meta2["metrics"])
            load_models(meta2, tensors)

            # evaluation on the tiny run (few classifier steps)
            evaluate.main(["--run", run, "--bundle", bart, "--data", data_path,
                           "--results", os.path.join(tmp, "RESULTS.md"),
                           "--samples", os.path.join(tmp, "samples.png"),
                           "--clf-steps", "3", "--per-class", "1", "--max-val", "4"])
            self.assertTrue(os.path.exists(os.path.join(tmp, "samples.png")))
            with open(os.path.join(tmp, "RESULTS.md")) as f:
                self.assertIn("completion", f.read())

            # Go loads the bundle and samples from it
            go = find_go()
            if go is None:
                print("test_pipeline: no Go toolchain, skipping the Go sample", file=sys.stderr)
                return
            png = os.path.join(tmp, "a.png")
            r = subprocess.run([go, "run", "./cmd/bartedit", "sample", "--model", bart,
                                "--text", "grinning face", "--class", m["conditioning"]["class"]
                                ["names"][0], "-o", png], cwd=REPO, capture_output=True,
                               text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            from PIL import Image
            with Image.open(png) as im:
                self.assertEqual(im.size, (64, 64))


if __name__ == "__main__":
    unittest.main()
