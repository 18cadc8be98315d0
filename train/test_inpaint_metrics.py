"""The fills and metrics of the photos evaluation (inpaint_metrics.py) on cases
with known answers."""

import unittest

import numpy as np

import inpaint_metrics as im


def disc(size, r):
    yy, xx = np.mgrid[0:size, 0:size]
    c = (size - 1) / 2
    return (yy - c) ** 2 + (xx - c) ** 2 <= r * r


class FillsTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(0)
        yy, xx = np.mgrid[0:48, 0:48].astype(np.float64)
        self.scene = np.stack([100 + 2 * xx, 80 + yy, 120 + xx - yy], -1) + rng.uniform(-20, 20, (48, 48, 3))
        self.hole = disc(48, 14)
        self.photo = self.scene.copy()
        self.photo[self.hole] = (250, 10, 10)  # an object the fill removes
        self.ramp = np.stack([1.5 * xx - yy, 0.5 * yy + 30, -40 + 0 * xx], -1)

    def test_harmonic_reproduces_linear(self):
        lin = np.stack([3 * np.mgrid[0:48, 0:48][1] + 7.0] * 3, -1)
        out = im.harmonic_fill(np.where(self.hole[..., None], 0.0, lin), self.hole)
        self.assertLess(np.abs(out - lin).max(), 1e-3)

    def test_seamless_removes_a_linear_colour_shift(self):
        fill = self.scene + self.ramp  # right texture, colour off by a harmonic function
        out = im.seamless_fill(self.photo, fill, self.hole)
        self.assertGreater(np.abs(fill - self.scene)[self.hole].max(), 30)
        self.assertLess(np.abs(out - self.scene)[self.hole].max(), 1e-3)
        self.assertTrue(np.allclose(out[~self.hole], self.photo[~self.hole]))

    def test_seamless_keeps_texture(self):
        rng = np.random.default_rng(1)
        fill = self.scene + rng.uniform(-60, 60, self.scene.shape)
        corr = im.seamless_fill(self.photo, fill, self.hole) - fill
        lap = 4 * corr - np.roll(corr, 1, 0) - np.roll(corr, -1, 0) - np.roll(corr, 1, 1) - np.roll(corr, -1, 1)
        inner = self.hole & np.roll(self.hole, 1, 0) & np.roll(self.hole, -1, 0) & \
            np.roll(self.hole, 1, 1) & np.roll(self.hole, -1, 1)
        self.assertLess(np.abs(lap[inner]).max(), 1e-3)  # the correction is harmonic

    def test_seam_and_psnr(self):
        flat = np.full((8, 8, 3), 100.0)
        hole = np.zeros((8, 8), bool)
        hole[2:6, 2:6] = True
        out = flat.copy()
        out[hole] = 110.0
        self.assertAlmostEqual(im.seam(out, hole), 10.0)
        self.assertAlmostEqual(im.seam(flat, hole), 0.0)
        self.assertAlmostEqual(im.psnr_hole(out, flat, hole), 10 * np.log10(255 ** 2 / 100.0))


if __name__ == "__main__":
    unittest.main()
