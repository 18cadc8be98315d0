"""Training tokens of the emoji chain: mirrored images join training only;
the GPT prior draws base emoji uniformly; resuming checks what shapes a scale."""

import dataclasses
import unittest

import torch

import chain_data
import train_chain as tc
import train_vq as tv


class MirrorSplitTest(unittest.TestCase):
    def test_training_adds_mirrors_of_allowed_categories_and_validation_none(self):
        n = 6
        codes = torch.arange(n * 4).reshape(n, 4)
        tok = {
            "codes": codes, "codes_mirror": codes + 100,
            "mirror_ok": torch.tensor([True, True, False, True, False, True]),
            "val": torch.tensor([False, False, False, True, True, False]),
            "cls": torch.arange(n), "captions": [[f"emoji {i}"] for i in range(n)],
        }
        vq_cfg = dataclasses.asdict(tv.VQConfig(resolution=16, ch_mult=[1, 2]))
        meta = tc.chain_meta(tc.ChainConfig(text_length=2), vq_cfg, 200, [f"c{i}" for i in range(n)],
                             ["emoji", "0", "1", "2", "3", "4", "5"])
        tr, va = chain_data.split_data(tok, meta)
        # Training: rows 0, 1, 2, 5, then the mirrors of 0, 1, 5 (2 may not be mirrored).
        self.assertEqual(tr.codes[:, 0].tolist(), [0, 4, 8, 20, 100, 104, 120])
        self.assertEqual(tr.cls.tolist(), [0, 1, 2, 5, 0, 1, 5])
        self.assertEqual(len(tr.caption_ids), 7)
        self.assertEqual(tr.caption_ids[4], tr.caption_ids[0])
        # Validation: rows 3 and 4 as they are, never mirrored.
        self.assertEqual(va.codes[:, 0].tolist(), [12, 16])


def tiny_meta(n_classes, vocab):
    vq_cfg = dataclasses.asdict(tv.VQConfig(resolution=16, ch_mult=[1, 2]))
    return tc.chain_meta(tc.ChainConfig(text_length=2), vq_cfg, 200,
                         [f"c{i}" for i in range(n_classes)], vocab)


class BaseEmojiTest(unittest.TestCase):
    def test_skin_tone_variants_share_the_base_caption(self):
        b = chain_data.base_caption
        self.assertEqual(b("waving hand sign light skin tone"), "waving hand sign")
        self.assertEqual(b("couple with heart: woman, woman dark skin tone, medium skin tone"),
                         b("couple with heart: woman, woman"))
        self.assertEqual(b("red apple"), "red apple")
        self.assertNotEqual(b("green apple"), b("red apple"))

    def test_prior_draws_base_emoji_uniformly_and_other_scales_rows(self):
        # Five variants of one hand and one apple: uniform rows give the apple
        # 1 of 6 draws, base sampling 1 of 2.
        caps = [["waving hand sign"]] + [[f"waving hand sign {t} skin tone"]
                                          for t in ("light", "medium", "dark", "medium-dark")]
        caps.append(["red apple", "apple"])
        meta = tiny_meta(2, ["waving", "hand", "sign", "red", "apple"])
        data = chain_data.TokenData(torch.zeros((6, 4), dtype=torch.int64),
                                    torch.tensor([0] * 5 + [1]), caps, meta)
        cfg = dataclasses.replace(tc.ChainConfig(), batch_size=4000)
        T = len(meta["scales"])
        for t, share in ((T, 0.5), (0, 0.5), (1, 1 / 6)):
            rows = tc.draw_rows(data, cfg, t, T, step=3)
            self.assertAlmostEqual((rows == 5).float().mean().item(), share, delta=0.03)
        uniform = dataclasses.replace(cfg, prior_sampling="uniform")
        rows = tc.draw_rows(data, uniform, T, T, step=3)
        self.assertAlmostEqual((rows == 5).float().mean().item(), 1 / 6, delta=0.03)
        with self.assertRaises(ValueError):
            tc.draw_rows(data, dataclasses.replace(cfg, prior_sampling="rare"), 1, T, step=3)


class ResumeFieldsTest(unittest.TestCase):
    def test_a_scale_resumes_unless_what_shapes_it_changed(self):
        cfg = tc.ChainConfig()
        T = 4
        gpt = dataclasses.replace(cfg, n_layer=cfg.n_layer + 2, prior_sampling="uniform")
        xt = dataclasses.replace(cfg, enc_depth=cfg.enc_depth + 1)
        longer = dataclasses.replace(cfg, max_steps=cfg.max_steps * 2)
        f = tc.scale_fields
        self.assertEqual(f(cfg, 1, T), f(gpt, 1, T))  # a bigger prior keeps scales 1..T-1
        self.assertNotEqual(f(cfg, T, T), f(gpt, T, T))
        self.assertNotEqual(f(cfg, 0, T), f(gpt, 0, T))
        self.assertNotEqual(f(cfg, 2, T), f(xt, 2, T))
        self.assertEqual(f(cfg, T, T), f(xt, T, T))
        self.assertEqual(f(cfg, 3, T), f(longer, 3, T))
        sched = dataclasses.replace(cfg, alphacum=[1.0, 0.8, 0.6, 0.3, 0.0])
        self.assertEqual(f(cfg, 0, T), f(sched, 0, T))  # the x_0 baseline ignores the schedule
        self.assertNotEqual(f(cfg, T, T), f(sched, T, T))


if __name__ == "__main__":
    unittest.main()
