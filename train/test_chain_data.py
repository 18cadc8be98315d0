"""Training tokens of the emoji chain: mirrored images join training only."""

import dataclasses
import unittest

import torch

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
        tr, va = tc.split_data(tok, meta)
        # Training: rows 0, 1, 2, 5, then the mirrors of 0, 1, 5 (2 may not be mirrored).
        self.assertEqual(tr.codes[:, 0].tolist(), [0, 4, 8, 20, 100, 104, 120])
        self.assertEqual(tr.cls.tolist(), [0, 1, 2, 5, 0, 1, 5])
        self.assertEqual(len(tr.caption_ids), 7)
        self.assertEqual(tr.caption_ids[4], tr.caption_ids[0])
        # Validation: rows 3 and 4 as they are, never mirrored.
        self.assertEqual(va.codes[:, 0].tolist(), [12, 16])


if __name__ == "__main__":
    unittest.main()
