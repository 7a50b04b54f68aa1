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
if [ "${HEIMDEX_BUILD:-release}" = dev ]; then
  # The test command's own build (scripts/test.sh, check-first-run.sh): the workspace as the tests
  # build it, so nothing is compiled a second time.
  # shellcheck disable=SC2086
  cargo build --workspace --all-targets --locked $HEIMDEX_APP_FEATURES
  HEIMDEX="$CARGO_TARGET_DIR/debug/heimdex"
else
  cargo build --release --locked -p heimdex-cli
  HEIMDEX="$CARGO_TARGET_DIR/release/heimdex"
fi

# Put `heimdex` where a new login shell finds it: cargo's bin folder (rustup puts it on PATH),
# else ~/.local/bin; say so when the folder is not on PATH.
# (~/.local/bin first exists, so that a login shell whose ~/.profile adds it when present, as
# Debian's and Ubuntu's do, shows it.)
mkdir -p "$HOME/.local/bin"
login_path="$(env -i HOME="$HOME" USER="${USER:-}" bash -lc 'echo "$PATH"' 2>/dev/null || true)"
on_path() { case ":$login_path:" in *":$1:"*) return 0 ;; *) return 1 ;; esac; }
BIN_DIR="${CARGO_HOME:-$HOME/.cargo}/bin"
if ! on_path "$BIN_DIR"; then
  BIN_DIR="$HOME/.local/bin"
fi
mkdir -p "$BIN_DIR"
install -m 0755 "$HEIMDEX" "$BIN_DIR/heimdex.new" && mv -f "$BIN_DIR/heimdex.new" "$BIN_DIR/heimdex"
if on_path "$BIN_DIR"; then
  echo "heimdex installed in $BIN_DIR (on your PATH)"
else
  echo "heimdex installed in $BIN_DIR, which is not on your PATH: add it with"
  echo "  echo 'export PATH=\"$BIN_DIR:\$PATH\"' >> ~/.profile   # then open a new shell"
fi

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
  cargo build --release --locked -p heimdex-desktop --features custom-protocol
  "$CARGO_TARGET_DIR/release/heimdex-desktop" &
  echo "Heimdex window started."
fi
