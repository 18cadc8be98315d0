"""Fetching the photos model's Debian packages: apt-get download, then dpkg -x.

fetch(cache, packages) downloads each package into `<cache>/photos/debs/`
(skipped when a .deb of it is there; `apt-get update` runs only when apt does
not know a package) and unpacks it into `<cache>/photos/pkgs/<package>/`
(photos_data.py's docstring). AptUnavailable says why apt could not help.
"""

import glob
import os
import shutil
import subprocess
import sys


class AptUnavailable(RuntimeError):
    """apt could not download a package (no network, unknown package, no lists)."""


def _find_deb(folder, pkg):
    debs = sorted(glob.glob(os.path.join(folder, glob.escape(pkg) + "_*.deb")), key=os.path.getmtime)
    return debs[-1] if debs else None


def _apt(args, cwd=None):
    cmd = ["apt-get"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd += ["-o", "APT::Sandbox::User=root"]  # no "_apt cannot access" warning as root
    try:
        return subprocess.run(cmd + args, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError as e:
        raise AptUnavailable(f"apt-get not found ({e}); the photos come from Debian packages") from None


def _tail(text, n=3):
    """apt's error lines (E:, Err:), else its last lines, on one line."""
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    errs = [l for l in lines if l.startswith(("E:", "Err:"))] or lines
    return " | ".join(errs[-n:])


def _download(pkg, folder, log):
    print(f"photos: apt-get download {pkg}", file=log)
    p = _apt(["download", pkg], cwd=folder)
    if p.returncode == 0:
        return
    err = p.stdout + p.stderr
    if "Unable to locate package" in err or "no installation candidate" in err or "Can't select" in err:
        # the package lists may be missing (fresh container): update once, retry
        if hasattr(os, "geteuid") and os.geteuid() != 0:
            raise AptUnavailable(f"apt does not know {pkg} ({_tail(err, 2)}); "
                                 f"run `sudo apt-get update` and retry")
        print("photos: apt-get update (package lists missing?)", file=log)
        u = _apt(["update"])
        if u.returncode == 0:
            p = _apt(["download", pkg], cwd=folder)
            if p.returncode == 0:
                return
            err = p.stdout + p.stderr
        else:
            err = u.stdout + u.stderr
    raise AptUnavailable(f"apt-get download {pkg} failed: {_tail(err)}")


def _unpack(deb, dest, log):
    marker = os.path.join(dest, ".from-deb")
    name = os.path.basename(deb)
    if os.path.exists(marker):
        with open(marker) as f:
            if f.read().strip() == name:
                return
    print(f"photos: dpkg -x {name}", file=log)
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    subprocess.run(["dpkg", "-x", deb, tmp], check=True)
    with open(os.path.join(tmp, ".from-deb"), "w") as f:
        f.write(name + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)


def fetch(cache, packages=None, log=sys.stderr):
    """apt-get download every package (default: all of the manifest) into
    <cache>/photos/debs/ unless its .deb is there, dpkg -x it into
    <cache>/photos/pkgs/<package>/ unless done; {package: folder}.
    Raises AptUnavailable when apt cannot provide a package."""
    if packages is None:
        packages = manifest_packages(read_manifest())
    debs = os.path.join(cache, "photos", "debs")
    os.makedirs(debs, exist_ok=True)
    out = {}
    for pkg in packages:
        deb = _find_deb(debs, pkg)
        if deb is None:
            _download(pkg, debs, log)
            deb = _find_deb(debs, pkg)
            if deb is None:
                raise AptUnavailable(f"apt-get download {pkg} wrote no {pkg}_*.deb into {debs}")
        dest = os.path.join(cache, "photos", "pkgs", pkg)
        _unpack(deb, dest, log)
        out[pkg] = dest
    return out


def deb_sizes(cache, packages):
    debs = os.path.join(cache, "photos", "debs")
    return {p: os.path.getsize(d) for p in packages if (d := _find_deb(debs, p))}
