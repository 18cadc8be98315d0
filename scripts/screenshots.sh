#!/usr/bin/env bash
# Takes the README's screenshots of the real editor window under Xvfb:
# the empty window, a mask being painted, a run in progress with the film
# strip, and the result. Needs Xvfb, xdotool and ImageMagick (scripts/deps.sh
# installs them) and bin/bartedit (make build).
#
#   scripts/screenshots.sh docs/screenshots
set -euo pipefail
out=${1:-docs/screenshots}
bin=${BARTEDIT_BIN:-bin/bartedit}
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Xvfb picks a free display and writes its number to fd 3.
exec 3> "$work/display"
Xvfb -displayfd 3 -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=":$(head -1 "$work/display")"
# Mesa's softpipe draws Gio's text correctly where llvmpipe fades some
# glyphs; it is slower, which only makes the run easier to catch.
export GALLIUM_DRIVER=softpipe XDG_CACHE_HOME="$work/cache" WAYLAND_DISPLAY=

# A simple scene: sky, sun, a house, grass.
convert -size 640x420 gradient:'#87ceeb-#e0f4ff' \
  \( -size 640x100 gradient:'#6cbf5a-#2e7d32' \) -append \
  -fill '#f9d71c' -draw 'circle 500,110 540,140' \
  -fill '#a0522d' -draw 'rectangle 110,300 290,440' \
  -fill '#b22222' -draw 'polygon 90,305 200,215 310,305' \
  -fill '#87ceeb' -draw 'rectangle 140,330 190,375' \
  -fill '#5d4037' -draw 'rectangle 220,360 260,440' "$work/house.png"

state="$work/state.jsonl"
shot() { # shot NAME: the window, reduced to 256 colours
  sleep "${2:-0.5}"
  import -window root "$work/$1.png"
  convert "$work/$1.png" +dither -colors 256 "PNG8:$out/$1.png"
  echo "wrote $out/$1.png"
}
waitfor() { # waitfor PATTERN: until the newest state line matches
  for _ in $(seq 600); do
    [ -s "$state" ] && tail -1 "$state" | grep -q "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for $1; last state: $(tail -1 "$state" 2>/dev/null)" >&2
  exit 1
}
field() { tail -1 "$state" | sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"; }
field2() { tail -1 "$state" | sed -n "s/.*\"$1\":\[\([^],]*\),\([^]]*\)\].*/\1 \2/p"; }

# 1. The empty window.
BARTEDIT_STATE_LOG="$state" "$bin" >/dev/null 2>&1 &
pids+=($!)
waitfor '"title":"bartedit"'
shot 01-empty 2
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
rm -f "$state"

# 2. The picture, a mask being painted (the button still down).
# A run long enough to be caught mid-way: 8 iterations per scale, 3 variations;
# the emoji model (Auto would pick the photos model for a picture this size),
# whose class and text prompts the panel then shows.
BARTEDIT_STATE_LOG="$state" "$bin" edit --model emoji --chain 8 --variations 3 "$work/house.png" >/dev/null 2>&1 &
pids+=($!)
waitfor '"title":"house.png - bartedit"'
sleep 1
read -r ox oy <<<"$(field2 canvas_origin)"
read -r fx fy <<<"$(field2 offset)"
zoom=$(field zoom)
at() { # at X Y: the screen position of image point (X, Y)
  awk -v x="$1" -v y="$2" -v z="$zoom" -v ox="$ox" -v oy="$oy" -v fx="$fx" -v fy="$fy" \
    'BEGIN { printf "%d %d", ox + fx + x*z, oy + fy + y*z }'
}
xdotool key bracketright bracketright bracketright bracketright
waitfor '"brush":45'
stroke() { # stroke X0 Y0 X1 Y1 [release]
  xdotool mousemove $(at "$1" "$2") mousedown 1
  for i in 1 2 3 4 5 6 7 8; do
    xdotool mousemove $(at "$(( $1 + ($3 - $1) * i / 8 ))" "$(( $2 + ($4 - $2) * i / 8 ))")
    sleep 0.15
  done
  [ "${5:-}" = hold ] || xdotool mouseup 1
}
stroke 470 100 545 130
stroke 470 140 540 110 hold
shot 02-painting 4
xdotool mouseup 1

# 3. A run in progress, the film strip filling.
stroke 380 150 420 160
xdotool key ctrl+Return
waitfor '"steps":[3-9]'
shot 03-running 0
waitfor '"steps":[1-9][0-9]'

# 4. The result, waiting for Accept.
waitfor '"pending":true'
shot 04-result 3
