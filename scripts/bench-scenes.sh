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
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heimdex/target-scenes}"
cargo build --release -j 2 -p heimdex-media --example bench_scenes
exec "$CARGO_TARGET_DIR/release/examples/bench_scenes" --scenedetect "$VENV/bin/scenedetect" "$@"
