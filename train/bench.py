"""PyTorch CPU baseline timings for a `.bart` bundle (what the Go engine is compared to).

    /usr/bin/python3 train/bench.py BUNDLE [--threads 2] [--reps 5]

Prints one JSON line per measurement:
{"bench": NAME, "model": bundle name, "seconds": median seconds per op, "reps": n}

- vq_decode: one (1, N) code grid -> image;
- vq_encode: one image -> codes (encoder, quant_conv, nearest code, remap);
- encoder_pass: the scale-1 encoder on [1, cond..., x_t], batch 1;
- decoder_token: scale-1 decoder generating all N tokens with the key/value
  cache, cross-attention keys/values precomputed; seconds = total / N;
- gpt_token: the scale-T GPT generating N tokens from its prefix with the
  cache; seconds = total / N;
- sample_full: sampling from noise (train/edit.py `sample`, chain 1 at every
  scale, the bundle's default top-k and temperature) plus the final VQ
  decode; seconds per image;
- edit_25, edit_5: `masked_edit` of random codes with the bundle's default
  chain, top-k and temperature, regenerating round(25% resp. 5% of N) (at
  least 1) tokens nearest the grid centre, plus the final VQ decode.
Token benches include the sampling of each token (the bundle's default top-k
and temperature for that scale). Float32, inference mode, fixed thread count.
"""

import argparse
import os
import sys


def _parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bundle")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    return ap.parse_args(argv)


ARGS = _parse(sys.argv[1:]) if __name__ == "__main__" else None
if ARGS is not None:  # before torch is imported, so OpenMP/BLAS pools take it
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

from bundle import load_models, read_bart  # noqa: E402
from edit import centred_block_mask, masked_edit, sample  # noqa: E402
from layout import n_tokens  # noqa: E402
from sampling import (condition_tokens, encoder_input, gpt_prefix,  # noqa: E402
                      sample_logits)


def _median_time(fn, reps, setup=None):
    """Median wall time of fn(setup()) over reps runs, after one warm-up."""
    times = []
    for i in range(reps + 1):
        arg = setup() if setup else None
        start = time.perf_counter()
        fn(arg)
        elapsed = time.perf_counter() - start
        if i > 0:
            times.append(elapsed)
    return statistics.median(times)


def run(path, reps):
    """Yield one result dict per measurement."""
    meta, tensors = read_bart(path)
    vq, scales = load_models(meta, tensors)
    n, k, name = n_tokens(meta), meta["codebook_size"], meta["name"]
    gen = torch.Generator().manual_seed(0)
    cls = 0 if (meta["conditioning"] or {}).get("class") else None
    cond = condition_tokens(meta, cls, "a photo" if (meta["conditioning"] or {}).get("text") else None)
    codes = torch.randint(0, k, (1, n), generator=gen)
    size = meta["image_size"]
    image = torch.rand(1, 3, size, size, generator=gen) * 2 - 1
    xt, sos = scales[0], meta["tokens"]["sos"]
    src = encoder_input(1, cond, codes)
    top_k, temp = meta["sampling"]["top_k"], meta["sampling"]["temperature"]

    def decode_all(state):
        tok = torch.full((1, 1), sos, dtype=torch.int64)
        for _ in range(n):
            logits = xt.decode_step(state, tok)[:, -1]
            tok = sample_logits(logits, top_k[0], temp[0], gen)[:, None]

    gpt = scales[-1]
    prefix = gpt_prefix(len(scales), cond)

    def gpt_all(_):
        cache = gpt.new_cache(1)
        tok = prefix
        for _ in range(n):
            logits = gpt(tok, cache)[:, -1]
            tok = sample_logits(logits, top_k[-1], temp[-1], gen)[:, None]

    T, chain = len(scales), meta["sampling"]["chain"]

    def sample_full(_):
        vq.decode_codes(sample(meta, scales, cond, [1] * T, top_k, temp, gen))

    def edit_fn(fraction):
        # round half away from zero (as Go's math.Round), at least one token
        mask = centred_block_mask(meta, max(1, math.floor(fraction * n + 0.5)))

        def run_edit(x0):
            vq.decode_codes(masked_edit(meta, scales, x0, mask, cond, chain, top_k, temp, gen))
        return run_edit

    def random_codes():
        return torch.randint(0, k, (1, n), generator=gen)

    with torch.inference_mode():
        context = xt.encode(src)
        benches = [
            ("vq_decode", lambda: _median_time(lambda _: vq.decode_codes(codes), reps), 1),
            ("vq_encode", lambda: _median_time(lambda _: vq.encode_codes(image, gen), reps), 1),
            ("encoder_pass", lambda: _median_time(lambda _: xt.encode(src), reps), 1),
            ("decoder_token", lambda: _median_time(decode_all, reps,
                                                   lambda: xt.start_decoding(src, context)), n),
            ("gpt_token", lambda: _median_time(gpt_all, reps), n),
            ("sample_full", lambda: _median_time(sample_full, reps), 1),
            ("edit_25", lambda: _median_time(edit_fn(0.25), reps, random_codes), 1),
            ("edit_5", lambda: _median_time(edit_fn(0.05), reps, random_codes), 1),
        ]
        for bench, measure, per in benches:
            yield {"bench": bench, "model": name, "seconds": measure() / per, "reps": reps}


def main():
    torch.set_num_threads(ARGS.threads)
    for result in run(ARGS.bundle, ARGS.reps):
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
