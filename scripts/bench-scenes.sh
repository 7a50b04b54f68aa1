#!/usr/bin/env bash
# Scene stage benchmark: ours vs PySceneDetect (detect-content) vs ffmpeg decode alone.
# Sets up PySceneDetect 0.7.x with opencv-python-headless in a virtualenv (once), builds the bench
# in release mode and runs it on the given files (default: the shared test videos).
#
#   scripts/bench-scenes.sh [--runs N] [FILE...]
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
if [ "$#" -eq 0 ] || { [ "$#" -eq 2 ] && [ "$1" = "--runs" ]; }; then
  DATA="$(pwd)/../shared/data/scenes"
  set -- "$@" "$DATA/testvideo.mp4" "$DATA/goldeneye-vfr-drop3.mp4" "$DATA/issue-195-aspect-ratio.mp4" "$LONG"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heimdex/target-scenes}"
cargo build --release -j 2 -p heimdex-media --example bench_scenes
exec "$CARGO_TARGET_DIR/release/examples/bench_scenes" --scenedetect "$VENV/bin/scenedetect" "$@"
