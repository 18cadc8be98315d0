#!/usr/bin/env bash
# Installs everything bartedit needs to build, test and train on Debian 12 /
# Ubuntu: OpenBLAS for the CPU backend, PyTorch for the reference and
# training code. Safe to run again; does nothing when all is present.
set -euo pipefail

pkgs=(build-essential pkg-config libopenblas-dev libopenblas0-pthread
      python3 python3-numpy python3-torch)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "deps: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

need=$(awk '/^go /{print $2}' "$(dirname "$0")/../go.mod")
if ! command -v go >/dev/null 2>&1; then
  echo "deps: Go $need or newer is required (put it on PATH, e.g. /usr/local/go/bin)" >&2
  exit 1
fi
have=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
  echo "deps: Go $have is older than $need" >&2
  exit 1
fi
echo "deps: ok (go $have, $(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'))"
