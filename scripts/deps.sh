#!/usr/bin/env bash
# Installs everything bartedit needs to build, test and train on Debian 12 /
# Ubuntu: a C compiler for cgo, OpenBLAS for the CPU backend (opened at run
# time), PyTorch for the reference and training code, and Go (scripts/go.sh).
# Safe to run again; does nothing when all is present.
set -euo pipefail

pkgs=(build-essential libopenblas0-pthread python3 python3-numpy python3-torch python3-pil pkg-config libwayland-dev libx11-dev libx11-xcb-dev libxkbcommon-x11-dev libgles2-mesa-dev libegl1-mesa-dev libffi-dev libxcursor-dev libvulkan-dev libgtk-3-dev libgl1-mesa-dri xvfb xdotool imagemagick)

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

# npm fetches the emoji data set (make data, train/test_pipeline.py).
if ! command -v npm >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends npm
fi

"$(dirname "$0")/go.sh" ensure
echo "deps: ok ($(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'))"
