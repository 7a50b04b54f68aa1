#!/usr/bin/env bash
# Installs tauri-driver (the WebDriver bridge for Tauri apps, from crates.io) into a cache outside
# the clone, ~/.cache/heimdex/tools/bin, once; prints its path. Skipped when it is already there.
#
#   TAURI_DRIVER="$(scripts/install-tauri-driver.sh)"
set -euo pipefail
TOOLS="${HEIMDEX_TOOLS_DIR:-$HOME/.cache/heimdex/tools}"
BIN="$TOOLS/bin/tauri-driver"
if [[ ! -x "$BIN" ]]; then
  echo "installing tauri-driver into $TOOLS" >&2
  # Its own target dir: the workspace's would be locked by the caller's build.
  CARGO_TARGET_DIR="$TOOLS/target" cargo install --root "$TOOLS" tauri-driver --version '^2' --locked \
    -j "${CARGO_BUILD_JOBS:-2}" >&2
  rm -rf "$TOOLS/target"
fi
echo "$BIN"
