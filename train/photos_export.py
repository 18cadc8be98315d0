"""Export a photos-model run (train/train_photos.py) to a `.bart` bundle with its card.

The card names the photographs' packages, states the combined licence of
the photos used (share-alike first when there are any), and summarises the
attribution; the full NOTICE, file by file, is written beside the bundle
(`<bundle>-NOTICE.txt`). The transformers are stored in F16 after checking
what the rounding costs in validation NLL, and so is the first stage's
decoder after checking what it changes in decoded images (its encoder and
codebook stay F32); a bundle over 40 MB is refused.
"""

import copy
import json
import math
import os

import torch

import photos_data as pdata

DESCRIPTION = (
    "ImageBART (NeurIPS 2021) trained by bartedit to fill holes in photographs: unconditional, "
    "128x128 pixels, 16x16 tokens, T={T} scales. Trained on crops of {n} photographs from the "
    "Debian packages {packages} (train/photos-manifest.tsv); its training stages ran about {hours:.1f} hours in all, "
    "partly two at a time (train/RESULTS-photos.md).")

# Licence classes in the order they are named in the combined licence.
_LICENCE_ORDER = ("CC-BY-SA-4.0", "CC-BY-SA-3.0", "GPL-2.0-or-later", "LGPL-3.0",
                  "GFDL-1.2-or-later", "CC-BY-4.0", "CC-BY-3.0", "CC0-1.0", "public-domain")


def combined_licence(rows):
    lics = sorted({r["licence"] for r in rows},
                  key=lambda l: (_LICENCE_ORDER.index(l) if l in _LICENCE_ORDER else 99, l))
    return " AND ".join(lics)


def attribution(rows, notice_name):
    """A summary naming every photographer, by licence, and where the full NOTICE is."""
    by_lic = {}
    for r in rows:
        by_lic.setdefault(r["licence"], {}).setdefault(r["author"] or "", set()).add(r["package"])
    parts = []
    for lic in sorted(by_lic, key=lambda l: (_LICENCE_ORDER.index(l) if l in _LICENCE_ORDER
                                            else 99, l)):
        named = sorted(a for a in by_lic[lic] if a)
        unnamed = sorted(by_lic[lic].get("", ()))
        who = "; ".join(named)
        if unnamed:
            who += ("; " if who else "") + "unnamed photographers (" + ", ".join(unnamed) + ")"
        parts.append(f"{lic}: {who}")
    sa = [r for r in rows if r.get("licence_class") == "sharealike"]
    head = (f"Weights trained by bartedit on {len(rows)} photographs from Debian packages "
            f"(train/photos-manifest.tsv). Photographers by licence -- " + " | ".join(parts) + ". ")
    if sa:
        tail = ("Some photographs are under share-alike or copyleft licences, so the weights are "
                "shared under the combined licence stated in the licence field. ")
    else:
        tail = ("All photographs are public domain, CC0 or CC-BY: the weights need attribution "
                "only. ")
    return head + tail + f"Full attribution, file by file: {notice_name}, shipped with the model."


def card(meta, run, rows, notice_name):
    """Fill the model card fields of meta from a run folder (in place)."""
    import export as ex
    T = len(meta["scales"])
    metrics = ex.run_metrics(run, T, "eval-photos.json")
    minutes = metrics["train_minutes"]
    packages = sorted({r["package"] for r in rows})
    meta["description"] = DESCRIPTION.format(T=T, n=len(rows), packages=", ".join(packages),
                                             hours=minutes / 60)
    meta["license"] = combined_licence(rows)
    meta["attribution"] = attribution(rows, notice_name)
    meta["metrics"] = metrics
    sampling_path = os.path.join(run, "sampling.json")
    if os.path.exists(sampling_path):
        with open(sampling_path, encoding="utf-8") as f:
            meta["sampling"] = json.load(f)
    return meta


def check_rounding(meta, scales, val_codes, dtype, n=64, log=print):
    """Log the change of validation NLL when the transformers are rounded to dtype."""
    if dtype == torch.float32:
        return
    import export as ex
    from train_photos import UncondTokens, chain_config
    va = UncondTokens(val_codes[:n])
    ex.rounding_costs(meta, scales, va, torch.arange(len(va)), chain_config(), dtype, log=log)


# The first stage's pixel side: stored in F16 (half its bytes, 5.4 MB) after
# checking what the rounding changes in decoded images; the side that picks
# tokens (encoder, quant_conv, codebook) stays F32 (its argmin is sensitive).
DECODER_PREFIXES = ("first_stage_model.decoder.", "first_stage_model.post_quant_conv.")


def round_decoder(vq, tensors, codes, dtype, log=print):
    """Store the decoder's tensors in dtype (in place) and log the PSNR of the
    images it decodes from codes against the F32 decoder's; returns that PSNR."""
    with torch.no_grad():
        ref = vq.decode_codes(codes).clamp(-1, 1)
        rounded = copy.deepcopy(vq)
        for name, t in rounded.state_dict().items():
            if ("first_stage_model." + name).startswith(DECODER_PREFIXES) and t.is_floating_point():
                t.copy_(t.to(dtype).float())
        got = rounded.decode_codes(codes).clamp(-1, 1)
    mse = float(((got - ref) / 2).pow(2).mean())
    psnr = 10 * math.log10(1 / max(mse, 1e-20))
    for k in tensors:
        if k.startswith(DECODER_PREFIXES) and tensors[k].is_floating_point():
            tensors[k] = tensors[k].to(dtype)
    log(f"export: decoder in {str(dtype).replace('torch.', '')}: decoded images differ from "
        f"the F32 decoder's by PSNR {psnr:.1f} dB ({len(codes)} validation crops)")
    return psnr


def notice_path(out):
    base = out[:-5] if out.endswith(".bart") else out
    return base + "-NOTICE.txt"


def export_run(run, out, transformer_dtype=torch.float16, name="photos", max_mb=40.0, log=print):
    """Export <run> to the bundle `out` with its card; writes the NOTICE beside it."""
    import export as ex
    from bundle import build_models, write_bart
    with open(os.path.join(run, "chain", "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    meta["name"] = name
    tok = torch.load(os.path.join(run, "chain", "tokens.pt"), map_location="cpu")
    rows = tok["rows"]
    notice = notice_path(out)
    card(meta, run, rows, os.path.basename(notice))
    vq, scales = build_models(meta)
    ex._load_checkpoint(vq, os.path.join(run, "vq", "final.pt"), prefer_ema=False)
    for t, model in enumerate(scales, 1):
        ex._load_checkpoint(model, os.path.join(run, "chain", f"scale{t}", "last.pt"),
                            prefer_ema=True)
    check_rounding(meta, scales, tok["val_codes"].long(), transformer_dtype, log=log)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    tensors = ex.collect_tensors(meta, vq, scales, torch.float32, transformer_dtype)
    round_decoder(vq.eval(), tensors, tok["val_codes"][:32].long(), torch.float16, log=log)
    write_bart(tmp, meta, tensors)
    size = os.path.getsize(tmp)
    if size > max_mb * 1e6:
        os.remove(tmp)
        raise SystemExit(f"export: {out} would be {size / 1e6:.1f} MB, more than {max_mb:.0f} MB")
    os.replace(tmp, out)
    pdata.write_notice(notice, rows, title=f"bartedit {name} model ({os.path.basename(out)})")
    log(f"export: wrote {out} ({size / 1e6:.1f} MB) and {notice}; licence {meta['license']}")
    return meta
