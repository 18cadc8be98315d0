"""Tests of the PyTorch reference: caches, bundle I/O, tokenizer, layout.

Run: /usr/bin/python3 -m unittest discover -s train -p 'test_*.py'
"""

import copy
import math
import os
import tempfile
import unittest

import numpy as np
import torch

from bundle import (build_models, load_models, load_safetensors, read_bart, save_safetensors,
                    write_bart)
from export import collect_tensors
from fixtures import FIXTURES, init_weights
from layout import expected_tensors, validate_meta
from model import GPT, XTransformer
from sampling import condition_tokens, reverse_step, tokenize

torch.set_num_threads(1)


def _seeded(module, seed):
    init_weights(module, torch.Generator().manual_seed(seed))
    return module.eval()


def _xt(residual=False):
    rs = {"n_scales": 3, "scale_pos": 0, "xt_start": 2} if residual else None
    model = XTransformer(dim=32, heads=2, dim_head=8, enc_depth=2, dec_depth=2,
                         enc_num_tokens=20, enc_max_seq_len=12, dec_num_tokens=16,
                         dec_max_seq_len=10, residual_scaled=rs, betas=[0, 0.25, 0.5, 1])
    return _seeded(model, 1)


def _gpt(n_unmasked=3):
    return _seeded(GPT(vocab_size=16, input_vocab_size=20, block_size=14, n_layer=2, n_head=2,
                       n_embd=32, n_unmasked=n_unmasked), 2)


def _src_tgt(gen):
    src = torch.cat([torch.tensor([[2, 17], [1, 18]]), torch.randint(0, 16, (2, 10), generator=gen)], 1)
    return src, torch.randint(0, 16, (2, 10), generator=gen)


class CacheTest(unittest.TestCase):
    chunks = [(0, 1), (1, 4), (4, 5), (5, 6), (6, 10)]

    @torch.no_grad()
    def test_xtransformer_cache_equals_full_pass(self):
        gen = torch.Generator().manual_seed(3)
        for residual in (False, True):
            model = _xt(residual)
            src, tgt = _src_tgt(gen)
            full = model(src, tgt)
            state = model.start_decoding(src)
            parts = [model.decode_step(state, tgt[:, a:b]) for a, b in self.chunks]
            torch.testing.assert_close(torch.cat(parts, 1), full, atol=1e-5, rtol=1e-5)

    @torch.no_grad()
    def test_gpt_cache_equals_full_pass(self):
        gen = torch.Generator().manual_seed(4)
        for n_unmasked in (0, 3):
            model = _gpt(n_unmasked)
            idx = torch.randint(0, 20, (2, 13), generator=gen)
            full = model(idx)
            cache = model.new_cache(2)
            parts = [model(idx[:, a:b], cache) for a, b in [(0, 3), (3, 4), (4, 8), (8, 13)]]
            torch.testing.assert_close(torch.cat(parts, 1), full, atol=1e-5, rtol=1e-5)

    @torch.no_grad()
    def test_greedy_step_is_teacher_forced_argmax(self):
        model = _xt(residual=True)
        src, _ = _src_tgt(torch.Generator().manual_seed(5))
        greedy = reverse_step(model, src, 1, 1.0, None)
        tgt = torch.cat([torch.zeros(2, 1, dtype=torch.long), greedy[:, :-1]], 1)
        self.assertTrue(torch.equal(model(src, tgt).argmax(-1), greedy))
        gpt = _gpt()
        prefix = torch.tensor([[3, 17, 18], [3, 19, 17]])
        greedy = reverse_step(gpt, prefix, 1, 1.0, None, n_tokens=11)
        logits = gpt(torch.cat([prefix, greedy[:, :-1]], 1))[:, 2:]
        self.assertTrue(torch.equal(logits.argmax(-1), greedy))

    @torch.no_grad()
    def test_known_runs_equal_forcing_guide(self):
        gen = torch.Generator().manual_seed(6)
        known = torch.full((2, 10), -1)
        known[:, 0:3] = torch.randint(0, 16, (2, 3), generator=gen)
        known[:, 6:8] = torch.randint(0, 16, (2, 2), generator=gen)
        known[0, 9] = 4  # known in one row only
        guide = torch.zeros(2, 10, 16)
        rows = known >= 0
        guide[rows] = torch.log(torch.nn.functional.one_hot(known[rows], 16).float())
        for model, inp, n in ((_xt(True), _src_tgt(gen)[0], None),
                              (_gpt(), torch.tensor([[3, 17, 18], [3, 19, 17]]), 10)):
            a = reverse_step(model, inp, 1, 1.0, None, known=known, n_tokens=n)
            b = reverse_step(model, inp, 1, 1.0, None, guide=guide, n_tokens=n)
            self.assertTrue(torch.equal(a, b))
            s = reverse_step(model, inp, 5, 0.7, torch.Generator().manual_seed(7), known=known,
                             n_tokens=n)
            self.assertTrue(torch.equal(s[rows], known[rows]))


def _ln(x, w, b):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * w + b


def _gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def _mha(xq, xkv, wq, wk, wv, heads, causal, bq=0, bk=0, bv=0):
    q, k, v = xq @ wq.T + bq, xkv @ wk.T + bk, xkv @ wv.T + bv
    d = q.shape[-1] // heads
    out = []
    for h in range(heads):
        s = q[:, h * d:(h + 1) * d] @ k[:, h * d:(h + 1) * d].T / math.sqrt(d)
        if causal is not None:
            s = np.where(causal, s, -np.inf)
        a = np.exp(s - s.max(-1, keepdims=True))
        out.append((a / a.sum(-1, keepdims=True)) @ v[:, h * d:(h + 1) * d])
    return np.concatenate(out, -1)


class IndependentMathTest(unittest.TestCase):
    """A float64 numpy transcription of spec 2.3-2.8 for one batch row."""

    @torch.no_grad()
    def test_xtransformer_matches_spec_math(self):
        model = _xt(residual=True)
        src, tgt = _src_tgt(torch.Generator().manual_seed(8))
        w = {k: v.double().numpy() for k, v in model.state_dict().items()}

        def stack(part, ids, kinds, ctx=None):
            x = w[f"{part}.token_emb.weight"][ids] + w[f"{part}.pos_emb.emb.weight"][:len(ids)]
            causal = np.tril(np.ones((len(ids), len(ids)), bool)) if ctx is not None else None
            for i, kind in enumerate(kinds):
                p = f"{part}.attn_layers.layers.{i}."
                h = _ln(x, w[p + "0.weight"], w[p + "0.bias"])
                if kind == "f":
                    y = _gelu(h @ w[p + "1.net.0.0.weight"].T + w[p + "1.net.0.0.bias"])
                    x = x + y @ w[p + "1.net.2.weight"].T + w[p + "1.net.2.bias"]
                    continue
                kv = h if kind == "a" else ctx
                o = _mha(h, kv, w[p + "1.to_q.weight"], w[p + "1.to_k.weight"],
                         w[p + "1.to_v.weight"], 2, causal if kind == "a" else None)
                x = x + o @ w[p + "1.to_out.weight"].T + w[p + "1.to_out.bias"]
            return _ln(x, w[f"{part}.norm.weight"], w[f"{part}.norm.bias"])

        s, t = src[0].numpy(), tgt[0].numpy()
        ctx = stack("encoder", s, "af" * 2)
        h = stack("decoder", t, "acf" * 2, ctx)
        logits = h @ w["decoder.to_logits.weight"].T + w["decoder.to_logits.bias"]
        alpha = 1 - np.float32([0, 0.25, 0.5, 1])[s[0]]
        xt = s[2:2 + len(t)]
        prior = np.log(alpha * np.eye(16)[xt] + (1 - alpha) / 16)
        ref = logits * np.exp(w["log_scalors"][s[0] - 1]) + prior
        np.testing.assert_allclose(model(src, tgt)[0].numpy(), ref, atol=2e-4, rtol=1e-4)

    @torch.no_grad()
    def test_gpt_matches_spec_math(self):
        model = _gpt(n_unmasked=3)
        idx = torch.randint(0, 20, (1, 12), generator=torch.Generator().manual_seed(9))
        w = {k: v.double().numpy() for k, v in model.state_dict().items()}
        ids = idx[0].numpy()
        n = len(ids)
        mask = np.tril(np.ones((n, n), bool))
        mask[:3, :3] = True
        x = w["tok_emb.weight"][ids] + w["pos_emb"][0, :n]
        for i in range(2):
            p = f"blocks.{i}."
            h = _ln(x, w[p + "ln1.weight"], w[p + "ln1.bias"])
            o = _mha(h, h, w[p + "attn.query.weight"], w[p + "attn.key.weight"],
                     w[p + "attn.value.weight"], 2, mask, w[p + "attn.query.bias"],
                     w[p + "attn.key.bias"], w[p + "attn.value.bias"])
            x = x + o @ w[p + "attn.proj.weight"].T + w[p + "attn.proj.bias"]
            h = _ln(x, w[p + "ln2.weight"], w[p + "ln2.bias"])
            y = _gelu(h @ w[p + "mlp.0.weight"].T + w[p + "mlp.0.bias"])
            x = x + y @ w[p + "mlp.2.weight"].T + w[p + "mlp.2.bias"]
        ref = _ln(x, w["ln_f.weight"], w["ln_f.bias"]) @ w["head.weight"].T
        np.testing.assert_allclose(model(idx)[0].numpy(), ref, atol=2e-4, rtol=1e-4)


def _fixture_tensors(name, **kw):
    meta = copy.deepcopy(FIXTURES[name][0])
    vq, scales = build_models(meta)
    return meta, collect_tensors(meta, vq, scales, **kw)


class BundleTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def test_safetensors_round_trip_all_dtypes(self):
        gen = torch.Generator().manual_seed(10)
        x = torch.randn(3, 5, generator=gen)
        tensors = {"f32": x, "f16": x.half(), "bf16": x.bfloat16(), "i64": torch.arange(-3, 4),
                   "i32": torch.arange(7, dtype=torch.int32).reshape(1, 7)}
        path = os.path.join(self.dir.name, "t.safetensors")
        save_safetensors(path, tensors, {"k": "v"})
        with open(path, "rb") as f:
            self.assertEqual(int.from_bytes(f.read(8), "little") % 8, 0)  # data 8-byte aligned
        back, meta = load_safetensors(path)
        self.assertEqual(meta, {"k": "v"})
        self.assertEqual(list(back), list(tensors))
        for k, t in tensors.items():
            self.assertEqual(back[k].dtype, t.dtype, k)
            self.assertTrue(torch.equal(back[k], t), k)

    def test_bart_round_trip_with_half_weights(self):
        for dtype in (torch.float16, torch.bfloat16):
            meta, tensors = _fixture_tensors("fixture-class", transformer_dtype=dtype)
            path = os.path.join(self.dir.name, "m.bart")
            write_bart(path, meta, tensors)
            meta2, back = read_bart(path)
            self.assertEqual(meta2, meta)
            for k, t in tensors.items():
                self.assertTrue(torch.equal(back[k], t), k)
            vq, scales = load_models(meta2, back)
            self.assertEqual(scales[0].encoder.token_emb.weight.dtype, torch.float32)
            self.assertTrue(torch.equal(scales[1].log_scalors,
                                        tensors["scale2.transformer.log_scalors"].float()))

    def test_write_bart_rejects_bad_tensors(self):
        meta, tensors = _fixture_tensors("fixture-uncond")
        path = os.path.join(self.dir.name, "bad.bart")
        cases = {
            "shape": lambda t: t.update({"scale1.transformer.decoder.norm.bias": torch.zeros(65)}),
            "missing": lambda t: t.pop("scale3.transformer.head.weight"),
            "unexpected": lambda t: t.update({"scale3.transformer.blocks.0.attn.mask":
                                              torch.ones(1, 1, 64, 64)}),
            "int weight": lambda t: t.update({"first_stage_model.quant_conv.bias":
                                              torch.zeros(16, dtype=torch.int64)}),
        }
        for what, mutate in cases.items():
            bad = dict(tensors)
            mutate(bad)
            with self.assertRaises(ValueError, msg=what):
                write_bart(path, meta, bad)
        self.assertFalse(os.path.exists(path))

    def test_expected_tensors_equal_module_state_dicts(self):
        for name in FIXTURES:
            meta, tensors = _fixture_tensors(name, include_encoder_logits=True)
            expected = expected_tensors(meta)
            self.assertEqual(list(tensors), list(expected), name)
            for k, t in tensors.items():
                self.assertEqual(tuple(t.shape), expected[k][0], k)

    def test_validate_meta_rejects_inconsistencies(self):
        meta = copy.deepcopy(FIXTURES["fixture-text"][0])
        validate_meta(meta)
        for path, value in ((("codebook_size",), 40), (("scales", 0, "enc_num_tokens"), 51),
                            (("schedule", "betas"), [0, 0.5, 1]), (("extra_key",), 1)):
            bad = copy.deepcopy(meta)
            node = bad
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            with self.assertRaises(ValueError, msg=str(path)):
                validate_meta(bad)


class VQTest(unittest.TestCase):
    @torch.no_grad()
    def test_quantize_remap_and_unmap(self):
        meta = copy.deepcopy(FIXTURES["fixture-text"][0])  # remap "extra", K = 41
        vq, _ = build_models(meta)
        vq = _seeded(vq, 11)
        used = sorted(list(range(0, 64, 2)) + list(range(1, 17, 2)))  # 40 raw indices
        vq.quantize.used.copy_(torch.tensor(used))
        h = torch.randn(2, 16, 8, 8, generator=torch.Generator().manual_seed(12))
        raw, codes = vq.quantize_indices(h)
        z = h.permute(0, 2, 3, 1).reshape(-1, 16)
        brute = torch.cdist(z.double(), vq.quantize.embedding.weight.double()).argmin(1)
        self.assertTrue(torch.equal(raw.reshape(-1), brute))
        odd = torch.tensor([[r not in used for r in row] for row in raw.tolist()])
        self.assertTrue(odd.any() and (~odd).any())
        self.assertTrue(torch.equal(codes[odd], torch.full_like(codes[odd], 40)))
        self.assertEqual(codes[~odd].tolist(), [used.index(r) for r in raw[~odd].tolist()])
        unmapped = vq.quantize.unmap(codes)
        self.assertTrue(torch.equal(unmapped[~odd], raw[~odd]))
        self.assertTrue(bool((unmapped[odd] == 0).all()))  # extra code -> used[0]
        self.assertEqual(tuple(vq.decode_codes(codes).shape), (2, 3, 32, 32))
        vq.quantize.policy = "random"
        vq.quantize.n_codes = 40
        _, rand = vq.quantize_indices(h, torch.Generator().manual_seed(13))
        self.assertTrue(bool(((rand[odd] >= 0) & (rand[odd] < 40)).all()))


class TokenizerTest(unittest.TestCase):
    vocab = ["<pad>", "<unk>", "a", "red", "apple", "!"]

    def test_unknown_words_become_unk(self):
        self.assertEqual(tokenize("A RED zebra!", self.vocab, 6, 0, 1), [2, 3, 1, 5, 0, 0])
        self.assertEqual(tokenize("red-apple?? x2", self.vocab, 4, 0, 1), [3, 1, 4, 1])
        self.assertEqual(tokenize("", self.vocab, 2, 0, 1), [0, 0])

    def test_condition_tokens_layout(self):
        meta = FIXTURES["fixture-text"][0]
        self.assertEqual(condition_tokens(meta, None, "Red ZEBRA!"), [43, 47, 45, 51, 44])
        self.assertEqual(condition_tokens(meta, 1, "green tree"), [42, 48, 50, 44, 44])
        self.assertEqual(condition_tokens(FIXTURES["fixture-class"][0], 1), [1])
        with self.assertRaises(ValueError):
            condition_tokens(FIXTURES["fixture-class"][0], None)


if __name__ == "__main__":
    unittest.main()
