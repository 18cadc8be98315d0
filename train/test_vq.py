"""The EMA codebook of train_vq: k-means means, dead-code restarts, resume."""

import unittest

import torch

import train_vq as tv


def batch(points):
    """Encoder outputs (1, C, 1, N) holding the given C-vectors."""
    z = torch.tensor(points, dtype=torch.float32)  # (N, C)
    return z.t().reshape(1, z.shape[1], 1, z.shape[0])


class EMACodebookTest(unittest.TestCase):
    def test_rows_move_to_the_mean_of_their_vectors(self):
        w = torch.tensor([[0.0, 0.0], [10.0, 10.0]])
        cb = tv.EMACodebook(w, decay=0.9, dead_after=1000)
        h = batch([[1.0, 1.0], [3.0, 1.0], [9.0, 11.0]])
        raw = torch.tensor([[0, 0, 1]])
        for step in range(200):
            cb.update(h, raw, step, restart=True)
        torch.testing.assert_close(w[0], torch.tensor([2.0, 1.0]), atol=1e-3, rtol=0)
        torch.testing.assert_close(w[1], torch.tensor([9.0, 11.0]), atol=1e-3, rtol=0)

    def test_a_code_unused_for_dead_after_steps_restarts_at_an_encoder_output(self):
        w = torch.tensor([[0.0, 0.0], [100.0, 100.0]])
        cb = tv.EMACodebook(w, decay=0.9, dead_after=5)
        h = batch([[1.0, 2.0]])
        raw = torch.tensor([[0]])
        for step in range(5):
            cb.update(h, raw, step, restart=True)
        # (Laplace smoothing moves an unused row by a hair, not to a vector.)
        self.assertGreater(float(w[1].min()), 99.9, "restarted too early")
        cb.update(h, raw, 6, restart=True)
        self.assertEqual(w[1].tolist(), [1.0, 2.0])
        # Without restarts (late in training) a dead code stays where it is.
        w2 = torch.tensor([[0.0, 0.0], [100.0, 100.0]])
        cb2 = tv.EMACodebook(w2, decay=0.9, dead_after=5)
        for step in range(20):
            cb2.update(h, raw, step, restart=False)
        self.assertGreater(float(w2[1].min()), 99.9)

    def test_state_round_trip_resumes_the_same_updates(self):
        def run(split):
            w = torch.tensor([[0.0, 0.0], [5.0, 5.0], [9.0, 9.0]])
            cb = tv.EMACodebook(w, decay=0.8, dead_after=3)
            h = batch([[1.0, 0.0], [4.0, 6.0]])
            raw = torch.tensor([[0, 1]])
            for step in range(10):
                if step == split:
                    st = {k: v.clone() for k, v in cb.state().items()}
                    w = w.clone()
                    cb = tv.EMACodebook(w, decay=0.8, dead_after=3)
                    cb.load(st)
                torch.manual_seed(step)
                cb.update(h, raw, step, restart=True)
            return w
        torch.testing.assert_close(run(split=-1), run(split=4))


if __name__ == "__main__":
    unittest.main()
