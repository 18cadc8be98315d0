#!/usr/bin/env bash
# Finds (or fetches) a Go toolchain new enough for go.mod.
#   scripts/go.sh path     print the go command to use
#   scripts/go.sh ensure   make sure one exists: use go on PATH (or
#                          /usr/local/go/bin/go) when new enough; otherwise
#                          install Debian's golang-go and use it to fetch the
#                          official toolchain module through the Go module
#                          proxy into ~/.cache/bartedit (Debian 12 ships Go 1.19).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
need=$(awk '/^go /{print $2}' "$root/go.mod")
toolchain=go1.24.11 # fetched when no Go >= $need is installed
cache=${XDG_CACHE_HOME:-$HOME/.cache}/bartedit/$toolchain

new_enough() { # $1 = a go command
  local have
  have=$("$1" env GOVERSION 2>/dev/null | sed 's/^go//') || return 1
  [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" = "$need" ]
}

find_go() {
  for g in go /usr/local/go/bin/go "$cache/bin/go"; do
    if command -v "$g" >/dev/null 2>&1 && new_enough "$g"; then
      echo "$g"
      return 0
    fi
  done
  return 1
}

case "${1:-path}" in
path)
  find_go || echo go
  ;;
ensure)
  if g=$(find_go); then
    echo "go: $("$g" env GOVERSION) ($g)"
    exit 0
  fi
  boot=go
  if ! command -v go >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get install -y -q --no-install-recommends golang-go ca-certificates
    boot=/usr/bin/go
  fi
  arch=$(dpkg --print-architecture)
  mod="golang.org/toolchain@v0.0.1-$toolchain.linux-$arch"
  tmp=$(mktemp -d)
  trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
  echo "go: fetching $mod with $("$boot" version)"
  (cd "$tmp" && GOMODCACHE="$tmp/mod" GOFLAGS=-modcacherw GO111MODULE=on "$boot" mod download "$mod")
  mkdir -p "$(dirname "$cache")"
  rm -rf "$cache"
  cp -r "$tmp/mod/${mod}" "$cache"
  chmod -R u+w,a+rX "$cache"
  chmod a+x "$cache"/bin/* "$cache"/pkg/tool/*/*
  new_enough "$cache/bin/go" || { echo "go: fetched toolchain does not run" >&2; exit 1; }
  echo "go: $("$cache/bin/go" env GOVERSION) ($cache/bin/go)"
  ;;
*)
  echo "usage: scripts/go.sh path|ensure" >&2
  exit 2
  ;;
esac
