"""Free-form hole masks, two simple fills and the metrics of the photos evaluation.

evaluate_photos.py's docstring defines them: "strokes" and "blobs" masks
of a given coverage, the harmonic (Laplace) fill, the seamless blend of a
fill (the same solve on the difference) and the mean-colour fill,
PSNR and SSIM inside the hole, and the seam across the hole's edge. Images
are float numpy arrays (H, W, 3) in 0..255, masks bool (H, W).
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

# ------------------------------------------------------------------- masks


def coverage(m):
    """The fraction of the window a mask covers."""
    return float(m.mean())


def stroke_mask(size, frac, rng):
    """Brush strokes covering `frac` of a size x size window (bool (size, size))."""
    from PIL import Image, ImageDraw
    target = frac * size * size
    im = Image.new("L", (size, size), 0)
    for _ in range(200):  # strokes
        w = int(rng.integers(6, 17))
        x, y = rng.uniform(0, size, 2)
        angle = rng.uniform(0, 2 * math.pi)
        draw = ImageDraw.Draw(im)
        draw.ellipse([x - w / 2, y - w / 2, x + w / 2, y + w / 2], fill=255)
        if np.count_nonzero(np.asarray(im)) >= target:
            break
        for _ in range(int(rng.integers(2, 7))):  # segments
            angle += rng.uniform(-1.0, 1.0)
            length = rng.uniform(12, 40)

            def seg(f):
                cand = im.copy()
                d = ImageDraw.Draw(cand)
                x2, y2 = x + f * length * math.cos(angle), y + f * length * math.sin(angle)
                d.line([x, y, x2, y2], fill=255, width=w)
                d.ellipse([x2 - w / 2, y2 - w / 2, x2 + w / 2, y2 + w / 2], fill=255)
                return cand, x2, y2

            cand, x2, y2 = seg(1.0)
            if np.count_nonzero(np.asarray(cand)) >= target:
                lo, hi = 0.0, 1.0  # shorten the last segment to hit the size
                for _ in range(12):
                    mid = (lo + hi) / 2
                    if np.count_nonzero(np.asarray(seg(mid)[0])) >= target:
                        hi = mid
                    else:
                        lo = mid
                return np.asarray(seg(hi)[0]) > 0
            im, x, y = cand, x2, y2
            if not (-w < x < size + w and -w < y < size + w):
                break
    return np.asarray(im) > 0


def blob_mask(size, frac, rng):
    """One star-shaped blob covering `frac` of the window (bool (size, size))."""
    target = frac * size * size
    cy, cx = rng.uniform(0.25 * size, 0.75 * size, 2)
    ks = np.arange(2, 6)
    amp = rng.uniform(-0.25, 0.25, len(ks)) / (ks - 1)
    phase = rng.uniform(0, 2 * math.pi, len(ks))
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    dist = np.hypot(yy - cy, xx - cx)
    theta = np.arctan2(yy - cy, xx - cx)
    shape = 1 + (amp[:, None, None] * np.cos(ks[:, None, None] * theta + phase[:, None, None])).sum(0)
    lo, hi = 0.0, 2.0 * size
    for _ in range(40):
        r = (lo + hi) / 2
        if np.count_nonzero(dist < r * shape) >= target:
            hi = r
        else:
            lo = r
    return dist < hi * shape


def make_mask(kind, size, frac, rng):
    return (stroke_mask if kind == "strokes" else blob_mask)(size, frac, rng)


def token_mask(pixel_mask, g):
    """(g*g,) bool: every token with at least one masked pixel (raster order)."""
    s = pixel_mask.shape[0] // g
    return torch.from_numpy(pixel_mask.reshape(g, s, g, s).any(axis=(1, 3)).reshape(-1).copy())


# --------------------------------------------------------------- baselines


def _neighbour_sum(x):
    """Sum of the 4 neighbours of every pixel of x (..., H, W), zero outside the image."""
    out = np.zeros_like(x)
    out[..., 1:, :] += x[..., :-1, :]
    out[..., :-1, :] += x[..., 1:, :]
    out[..., :, 1:] += x[..., :, :-1]
    out[..., :, :-1] += x[..., :, 1:]
    return out


def harmonic_fill(img, hole, tol=1e-6, max_iter=10000):
    """img (H, W, 3) float, hole (H, W) bool -> img with the hole solving Laplace's
    equation (Dirichlet: the pixels next to the hole; image borders are Neumann)."""
    x = np.transpose(img, (2, 0, 1)).astype(np.float64)  # (3, H, W)
    h = hole.astype(np.float64)
    deg = _neighbour_sum(np.ones_like(h))
    known = x * (1 - h)
    b = _neighbour_sum(known) * h  # known neighbours, moved to the right-hand side

    def A(v):  # v is zero outside the hole
        return (deg * v - _neighbour_sum(v)) * h

    edge = (_neighbour_sum(h) > 0) & ~hole  # known pixels next to the hole
    start = x[:, edge].mean(axis=1) if edge.any() else x.reshape(3, -1).mean(axis=1)
    u = start[:, None, None] * h  # start from the mean boundary colour
    r = b - A(u)
    p = r.copy()
    rs = (r * r).sum(axis=(1, 2))
    b_norm = np.sqrt((b * b).sum(axis=(1, 2))) + 1e-12
    for _ in range(max_iter):
        if (np.sqrt(rs) <= tol * b_norm).all():
            break
        ap = A(p)
        alpha = rs / np.maximum((p * ap).sum(axis=(1, 2)), 1e-30)
        u += alpha[:, None, None] * p
        r -= alpha[:, None, None] * ap
        rs_new = (r * r).sum(axis=(1, 2))
        p = r + (rs_new / np.maximum(rs, 1e-30))[:, None, None] * p
        rs = rs_new
    out = x * (1 - h) + u * h
    return np.transpose(out, (1, 2, 0))


def seamless_fill(img, fill, hole):
    """The fill blended into img in the gradient domain (the editor's canvas.Seamless):
    fill + the harmonic function on the hole equal to img - fill around it."""
    fill = np.asarray(fill, np.float64)
    return fill + harmonic_fill(np.asarray(img, np.float64) - fill, hole)


def mean_fill(img, hole):
    out = img.astype(np.float64).copy()
    out[hole] = img[~hole].reshape(-1, 3).mean(0)
    return out


# ----------------------------------------------------------------- metrics


def luma(img):
    img = np.asarray(img, dtype=np.float64)
    return img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114


def psnr_hole(a, b, hole):
    d = (np.asarray(a, np.float64) - np.asarray(b, np.float64))[hole]
    mse = float((d ** 2).mean())
    return 10 * math.log10(255.0 ** 2 / max(mse, 1e-10))


def _gauss(n=11, sigma=1.5):
    x = np.arange(n) - (n - 1) / 2
    g = np.exp(-x ** 2 / (2 * sigma ** 2))
    g /= g.sum()
    return torch.tensor(np.outer(g, g), dtype=torch.float64)[None, None]


_W = _gauss()


def ssim_map(a, b):
    """SSIM map (H, W) of two luminance images in 0-255 (reflect padding)."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    x = torch.tensor(a, dtype=torch.float64)[None, None]
    y = torch.tensor(b, dtype=torch.float64)[None, None]
    f = lambda z: F.conv2d(F.pad(z, (5, 5, 5, 5), mode="reflect"), _W)
    mx, my = f(x), f(y)
    sxx, syy, sxy = f(x * x) - mx ** 2, f(y * y) - my ** 2, f(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (sxx + syy + c2))
    return s[0, 0].numpy()


def ssim_hole(a, b, hole):
    return float(ssim_map(luma(a), luma(b))[hole].mean())


def seam(img, hole):
    """Mean |Y(p) - Y(q)| over 4-neighbour pairs with exactly one of p, q in the hole."""
    y = luma(img)
    jumps = []
    for axis in (0, 1):
        a = np.take(hole, range(hole.shape[axis] - 1), axis=axis)
        b = np.take(hole, range(1, hole.shape[axis]), axis=axis)
        ya = np.take(y, range(y.shape[axis] - 1), axis=axis)
        yb = np.take(y, range(1, y.shape[axis]), axis=axis)
        jumps.append(np.abs(ya - yb)[a != b])
    j = np.concatenate(jumps)
    return float(j.mean()) if len(j) else float("nan")
