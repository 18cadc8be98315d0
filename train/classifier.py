"""The category classifier of the emoji evaluation (evaluate.py).

A small CNN trained on the training split's images and their VQ
reconstructions: its predictions score prompted samples and edits, its
penultimate features give the FID of completions (fid).
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import trainutil as tu


class Classifier(nn.Module):
    """Four stride-2 conv layers, global average pool (the features), linear."""

    def __init__(self, n_classes, width=32):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(3, w, 3, 2, 1), nn.GroupNorm(8, w), nn.SiLU(),
            nn.Conv2d(w, 2 * w, 3, 2, 1), nn.GroupNorm(8, 2 * w), nn.SiLU(),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.GroupNorm(8, 4 * w), nn.SiLU(),
            nn.Conv2d(4 * w, 4 * w, 3, 2, 1), nn.GroupNorm(8, 4 * w), nn.SiLU())
        self.head = nn.Linear(4 * w, n_classes)

    def features(self, x):
        return self.net(x).mean(dim=(2, 3))

    def forward(self, x):
        return self.head(self.features(x))


def train_classifier(x, y, n_classes, steps, log=print):
    """Train on float images x (M, 3, 64, 64) in [-1, 1] and labels y."""
    torch.manual_seed(0)
    clf = Classifier(n_classes)
    opt = torch.optim.AdamW(clf.parameters(), lr=2e-3, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(0)
    bar = tu.Progress(steps, "classifier")
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = tu.lr_at(step, 2e-3, 50, steps, 0.05)
        idx = torch.randint(0, len(x), (64,), generator=gen)
        xb = x[idx]
        # random shifts of up to 4 pixels (white fill), so samples need not be centred
        dx, dy = torch.randint(-4, 5, (2,), generator=gen).tolist()
        xb = torch.roll(xb, (dy, dx), dims=(2, 3))
        loss = F.cross_entropy(clf(xb), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        bar.update(step + 1, loss=float(loss))
    bar.close()
    return clf.eval()


@torch.no_grad()
def predict(clf, x, batch=256):
    logits, feats = [], []
    for i in range(0, len(x), batch):
        f = clf.features(x[i:i + batch])
        feats.append(f)
        logits.append(clf.head(f))
    return torch.cat(logits).argmax(1), torch.cat(feats)


def fid(f1, f2):
    """Frechet distance between Gaussians fitted to two feature sets."""
    f1, f2 = f1.double().numpy(), f2.double().numpy()
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T  # sqrt(s1)
    m = r1 @ s2 @ r1
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)
