"""Tests of the masked forward-backward process (train/edit.py, docs/editing.md).

Run: /usr/bin/python3 -m unittest discover -s train -p 'test_*.py'

They use the tiny fixture bundles of model/testdata (written by fixtures.py).
"""

import os
import unittest

import torch

import edit
from bundle import load_models, load_safetensors, read_bart
from edit import centred_block_mask, masked_edit, sample
from layout import n_condition_tokens, n_tokens
from sampling import condition_tokens, reverse_step

torch.set_num_threads(1)

TESTDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model", "testdata")
CONDITIONS = {"fixture-uncond": (None, None), "fixture-class": (1, None),
              "fixture-text": (None, "Red ZEBRA!")}
_CACHE = {}


def _load(name):
    if name not in _CACHE:
        meta, tensors = read_bart(os.path.join(TESTDATA, name + ".bart"))
        vq, scales = load_models(meta, tensors)
        _CACHE[name] = (meta, scales, condition_tokens(meta, *CONDITIONS[name]))
    return _CACHE[name]


class CallCounter:
    """Counts decoder calls (and the tokens fed) of every scale model.

    Wraps XTransformer.decode_step and GPT.forward on the instances; also
    records the encoder inputs of the XTransformer scales.
    """

    def __init__(self, scales):
        self.scales, self.calls, self.fed, self.enc_inputs = scales, 0, [], []
        for model in scales:
            if model.arch == "xtransformer":
                model.decode_step = self._wrap(model.decode_step, 1)
                model.start_decoding = self._record(model.start_decoding)
            else:
                model.forward = self._wrap(model.forward, 0)

    def _wrap(self, fn, tokens_arg):
        def wrapped(*args, **kw):
            self.calls += 1
            self.fed.append(args[tokens_arg].shape[1])
            return fn(*args, **kw)
        return wrapped

    def _record(self, fn):
        def wrapped(src, *args, **kw):
            self.enc_inputs.append(src.clone())
            return fn(src, *args, **kw)
        return wrapped

    def close(self):
        for model in self.scales:
            for attr in ("decode_step", "start_decoding", "forward"):
                model.__dict__.pop(attr, None)


def _random_mask(n, frac, gen):
    return torch.rand(n, generator=gen) < frac


class EditTest(unittest.TestCase):
    def test_kept_tokens_equal_x0_in_every_sample(self):
        gen = torch.Generator().manual_seed(1)
        for name in CONDITIONS:
            meta, scales, cond = _load(name)
            n, k, s = n_tokens(meta), meta["codebook_size"], meta["sampling"]
            for frac in (0.05, 0.3, 0.8):
                mask = _random_mask(n, frac, gen)
                x0 = torch.randint(0, k, (3, n), generator=gen)
                steps = []
                out = masked_edit(meta, scales, x0, mask, cond, s["chain"], s["top_k"],
                                  s["temperature"], gen,
                                  on_step=lambda t, i, a, b: steps.append(b))
                self.assertEqual(len(steps), sum(s["chain"]) if mask.any() else 0)
                for x in steps + [out]:
                    self.assertTrue(torch.equal(x[:, ~mask], x0[:, ~mask]), name)
                    self.assertTrue(bool(((x >= 0) & (x < k)).all()))

    def test_all_kept_returns_x0_without_per_token_decoding(self):
        meta, scales, cond = _load("fixture-class")
        n, k, T = n_tokens(meta), meta["codebook_size"], len(scales)
        x0 = torch.randint(0, k, (2, n), generator=torch.Generator().manual_seed(2))
        counter = CallCounter(scales)
        try:
            out = masked_edit(meta, scales, x0, torch.zeros(n, dtype=torch.bool), cond,
                              [2] * T, [5] * T, [1.0] * T, torch.Generator().manual_seed(3))
            self.assertTrue(torch.equal(out, x0))
            self.assertEqual(counter.calls, 0)
            # one reverse step with every token known: the start only, no run feed
            for t, model in enumerate(scales, start=1):
                counter.calls = 0
                src = edit.step_input(meta, t, T, cond, x0)
                y = reverse_step(model, src, 5, 1.0, None, known=x0, n_tokens=n)
                self.assertTrue(torch.equal(y, x0))
                self.assertEqual(counter.calls, 1)
        finally:
            counter.close()

    def test_one_decoder_call_per_run_of_kept_tokens(self):
        meta, scales, cond = _load("fixture-text")
        n, k, T = n_tokens(meta), meta["codebook_size"], len(scales)
        gen = torch.Generator().manual_seed(4)
        x0 = torch.randint(0, k, (2, n), generator=gen)
        mask = torch.zeros(n, dtype=torch.bool)
        mask[[0, 5, 6, 7, 20, 40, 41, n - 1]] = True
        known = torch.where(mask, torch.tensor(-1), x0)
        counter = CallCounter(scales)
        try:
            for t, model in enumerate(scales, start=1):
                counter.calls, counter.fed = 0, []
                src = edit.step_input(meta, t, T, cond, x0)
                reverse_step(model, src, 5, 1.0, gen, known=known, n_tokens=n)
                # start + each sampled token but the last position + one per kept run
                runs = [(1, 5), (8, 20), (21, 40), (42, n - 1)]
                self.assertEqual(counter.calls, 1 + 7 + len(runs))
                run_lengths = sorted(b - a for a, b in runs)
                self.assertEqual(sorted(f for f in counter.fed[1:] if f > 1), run_lengths)
        finally:
            counter.close()

    def test_batched_runs_equal_token_by_token_forcing(self):
        def forcing(model, src, top_k, temperature, generator, known=None, **kw):
            k = model.dec_num_tokens if model.arch == "xtransformer" else model.vocab_size
            rows = known >= 0
            guide = torch.zeros(known.shape + (k,))
            guide[rows] = torch.log(torch.nn.functional.one_hot(known[rows], k).float())
            return reverse_step(model, src, top_k, temperature, generator, guide=guide, **kw)

        gen = torch.Generator().manual_seed(5)
        for name in CONDITIONS:
            meta, scales, cond = _load(name)
            n, k, T = n_tokens(meta), meta["codebook_size"], len(scales)
            mask = _random_mask(n, 0.35, gen)
            mask[0] = name == "fixture-class"
            x0 = torch.randint(0, k, (2, n), generator=gen)
            args = (meta, scales, x0, mask, cond, [2, 3, 2], [1] * T, [1.0] * T)
            batched = masked_edit(*args, torch.Generator().manual_seed(6))
            counter = CallCounter(scales)
            edit.reverse_step = forcing
            try:
                by_token = masked_edit(*args, torch.Generator().manual_seed(6))
                self.assertEqual(counter.calls, sum([2, 3, 2]) * n)  # one call per token
            finally:
                edit.reverse_step = reverse_step
                counter.close()
            self.assertTrue(torch.equal(batched, by_token), name)

    def test_renoising_never_touches_kept_tokens(self):
        gen = torch.Generator().manual_seed(7)
        for name in CONDITIONS:
            meta, scales, cond = _load(name)
            n, k, T, p = n_tokens(meta), meta["codebook_size"], len(scales), n_condition_tokens(meta)
            mask = _random_mask(n, 0.4, gen)
            x0 = torch.randint(0, k, (4, n), generator=gen)
            seen, prev = [], {}

            def on_step(t, i, x_in, x_out):
                if i > 0:  # what the re-noise changed since the last output
                    seen.append((x_in != prev["x"])[:, mask].any().item())
                self.assertTrue(torch.equal(x_in[:, ~mask], x0[:, ~mask]))
                prev["x"] = x_out

            counter = CallCounter(scales)
            try:
                masked_edit(meta, scales, x0, mask, cond, [4, 4, 3], [8] * T, [1.0] * T, gen,
                            on_step=on_step)
            finally:
                counter.close()
            self.assertEqual(len(counter.enc_inputs), 8)  # chain 4 at scales 1 and 2
            for src in counter.enc_inputs:
                xt = src[:, 1 + p:]
                self.assertTrue(torch.equal(xt[:, ~mask], x0[:, ~mask]), name)
            self.assertTrue(any(seen), "re-noising never changed a masked token")

    def test_sample_masks_everything_and_greedy_is_deterministic(self):
        meta, scales, cond = _load("fixture-uncond")
        T, k = len(scales), meta["codebook_size"]
        a = sample(meta, scales, cond, [1] * T, [1] * T, [1.0] * T,
                   torch.Generator().manual_seed(8), batch=2)
        b = sample(meta, scales, cond, [1] * T, [3] * T, [0.0] * T,
                   torch.Generator().manual_seed(9), batch=1)
        self.assertTrue(torch.equal(a[0], a[1]) and torch.equal(a[:1], b))
        c = sample(meta, scales, cond, [2, 2, 1], [k] * T, [1.0] * T,
                   torch.Generator().manual_seed(10), batch=3)
        self.assertEqual(tuple(c.shape), (3, n_tokens(meta)))
        self.assertFalse(torch.equal(c[0], c[1]))

    def test_centred_block_mask(self):
        meta, _, _ = _load("fixture-uncond")
        m = centred_block_mask(meta, 16).reshape(8, 8)
        self.assertTrue(bool(m[2:6, 2:6].all()) and int(m.sum()) == 16)
        self.assertEqual(int(centred_block_mask(meta, 3).sum()), 3)

    def test_fixture_edit_tensors(self):
        for name in CONDITIONS:
            meta, scales, cond = _load(name)
            exp, _ = load_safetensors(os.path.join(TESTDATA, name + ".expected.safetensors"))
            mask = exp["edit.mask"][0].bool()
            if cond:
                self.assertEqual(exp["edit.cond"][0].tolist(), cond)
            else:
                self.assertNotIn("edit.cond", exp)
            T = len(scales)
            out = masked_edit(meta, scales, exp["edit.x0"], mask, cond, [1] * T, [1] * T,
                              [1.0] * T, torch.Generator().manual_seed(11))
            self.assertTrue(torch.equal(out, exp["edit.final"]), name)


if __name__ == "__main__":
    unittest.main()
