#!/usr/bin/env bash
# Sets Heimdex up (system packages, build), indexes a folder of videos and shows the library.
# Usage: scripts/run.sh [FOLDER...]   (default: the sample media in ../shared/data)
# The library lives in $HEIMDEX_DATA_DIR (default: ~/.local/share/heimdex).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

bash scripts/install-deps.sh
bash scripts/fetch-models.sh
bash scripts/install-mkl.sh
bash scripts/install-onednn.sh
source scripts/env.sh
cargo build --release --locked -p heimdex-cli
HEIMDEX="$CARGO_TARGET_DIR/release/heimdex"

if (($#)); then
  inputs=("$@")
else
  inputs=("$REPO_ROOT/../shared/data")
fi
"$HEIMDEX" index "${inputs[@]}"
"$HEIMDEX" status

# With a display, open the window on the same library.
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build)
  cargo build --release --locked -p heimdex-app --features custom-protocol
  "$CARGO_TARGET_DIR/release/heimdex-app" &
  echo "Heimdex window started."
fi
