#!/usr/bin/env bash
# Scene stage benchmark: ours (full decode and keyframe-first, each with and without keyframe
# pictures) vs PySceneDetect (detect-content) vs ffmpeg's full decode alone, side by side in one
# run (interleaved, best of N), with ratios, the CPU model and the load average.
# Sets up PySceneDetect 0.7.x with opencv-python-headless in a virtualenv (once), builds the bench
# in release mode and runs it on the given files (default: the shared test videos and a 60 s
# 720p clip; `--long` adds the long cut set of scripts/make-long-cut-set.sh, made if missing).
#
#   scripts/bench-scenes.sh [--runs N] [--long] [FILE...]
#
# Needs: python3 with venv (apt-get install python3-venv), ffmpeg, cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${HEIMDEX_SCENEDETECT_VENV:-$HOME/.cache/heimdex/venv-scenedetect}"
if [ ! -x "$VENV/bin/scenedetect" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet 'scenedetect==0.7.*' opencv-python-headless
fi
# scenedetect may pull opencv-python as well; the headless build is what we compare with.
"$VENV/bin/python" -c 'import cv2, scenedetect; print("PySceneDetect", scenedetect.__version__, "OpenCV", cv2.__version__)'
ffmpeg -version | head -1
lscpu | grep -E 'Model name|^CPU\(s\)|MHz' || grep -m1 'model name' /proc/cpuinfo
uptime
date -u
# A longer clip with a cut every 5 s (720p, 60 s, H.264) for a steady-state figure; the shared
# test videos are short, so process start-up weighs on them.
BENCH_DIR="${HEIMDEX_BENCH_DIR:-$HOME/.cache/heimdex/bench}"
LONG="$BENCH_DIR/cuts-720p-60s.mp4"
if [ ! -s "$LONG" ]; then
  mkdir -p "$BENCH_DIR"
  segs=""; inputs=""
  for i in $(seq 0 11); do
    case $((i % 3)) in
      0) src="testsrc2=s=1280x720:r=30:d=5" ;;
      1) src="smptehdbars=s=1280x720:r=30:d=5,noise=alls=20:allf=t" ;;
      2) src="testsrc=s=1280x720:r=30:d=5" ;;
    esac
    inputs="$inputs$src[s$i];"; segs="$segs[s$i]"
  done
  ffmpeg -nostdin -v error -y -filter_complex "${inputs}${segs}concat=n=12:v=1,format=yuv420p[v]" \
    -map "[v]" -c:v libx264 -preset veryfast -crf 23 "$LONG"
fi
ARGS=(); FILES=(); WANT_LONG=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --runs) ARGS+=("$1" "$2"); shift 2 ;;
    --long) WANT_LONG=1; shift ;;
    *) FILES+=("$1"); shift ;;
  esac
done
if [ "${#FILES[@]}" -eq 0 ]; then
  DATA="$(pwd)/../shared/data/scenes"
  FILES=("$DATA/testvideo.mp4" "$DATA/goldeneye-vfr-drop3.mp4" "$DATA/issue-195-aspect-ratio.mp4" "$LONG")
fi
if [ "$WANT_LONG" = 1 ]; then
  SET="${HEIMDEX_LONG_CUT_SET:-$HOME/.cache/heimdex/long-cut-set}"
  scripts/make-long-cut-set.sh "$SET" >/dev/null
  FILES+=("$SET/testvideo-1080p.mp4" "$SET/synth-720p.mp4" "$SET/synth-1080p-longgop.mp4")
fi
set -- "${ARGS[@]}" "${FILES[@]}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heimdex/target-scenes}"
cargo build --release -j 2 -p heimdex-media --example bench_scenes
exec "$CARGO_TARGET_DIR/release/examples/bench_scenes" --scenedetect "$VENV/bin/scenedetect" "$@"
