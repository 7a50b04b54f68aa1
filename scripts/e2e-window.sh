#!/usr/bin/env bash
# End-to-end test of the desktop window in a real WebKitGTK webview under Xvfb, driven over
# WebDriver by tauri-driver + WebKitWebDriver. Installs what it needs, builds the UI and the app
# (debug, with the UI embedded), imports ../shared/data/scenes/testvideo.mp4 into a library in a
# temporary folder, waits for it to be indexed, and saves screenshots.
#
#   scripts/e2e-window.sh                 # artifacts in $CARGO_TARGET_DIR/e2e-window/ (or $HEIMDEX_E2E_ARTIFACTS)
#   SKIP_BUILD=1 scripts/e2e-window.sh    # reuse the last build
#   SKIP_UI_BUILD=1 scripts/e2e-window.sh # ui/dist is current (scripts/check-window.sh built it)
#
# The app is built with the same features as scripts/check-window.sh's clippy and tests
# (custom-protocol), so in CI the dependencies compile once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
ARTIFACTS="${HEIMDEX_E2E_ARTIFACTS:-$CARGO_TARGET_DIR/e2e-window}"
VIDEO="${HEIMDEX_E2E_VIDEO:-$ROOT/../shared/data/scenes/testvideo.mp4}"
DISPLAY_NUM="${HEIMDEX_E2E_DISPLAY:-:99}"
PORT="${HEIMDEX_E2E_PORT:-4444}"
JOBS="${CARGO_BUILD_JOBS:-2}"

log() { printf '\n== %s\n' "$*"; }

if [[ ! -f "$VIDEO" ]]; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "e2e-window: test video $VIDEO is missing" >&2
    exit 1
  fi
  echo "SKIPPED: e2e-window: test video $VIDEO is missing"
  exit 0
fi
VIDEO="$(cd "$(dirname "$VIDEO")" && pwd)/$(basename "$VIDEO")"

log "system packages"
PKGS=(xvfb webkit2gtk-driver libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav ffmpeg xauth)
MISSING=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$p")
done
if ((${#MISSING[@]})); then
  echo "installing ${MISSING[*]}"
  SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${MISSING[@]}"
fi

log "tauri-driver"
TAURI_DRIVER="$(bash scripts/install-tauri-driver.sh)"
echo "$TAURI_DRIVER"

if [[ -z "${SKIP_BUILD:-}" ]]; then
  if [[ -z "${SKIP_UI_BUILD:-}" || ! -f ui/dist/index.html ]]; then
    log "UI (npm ci, build)"
    start=$(date +%s)
    (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build)
    echo "ui built in $(( $(date +%s) - start )) s"
  fi

  # The whole workspace with all targets, as the clippy and test steps select it: the dependencies
  # are already built and only the app binary is linked.
  log "app (cargo build --workspace --all-targets --features heimdex-desktop/custom-protocol)"
  start=$(date +%s)
  cargo build --workspace --all-targets --locked --features heimdex-desktop/custom-protocol -j "$JOBS"
  echo "app built in $(( $(date +%s) - start )) s"
fi
APP="$CARGO_TARGET_DIR/debug/heimdex-desktop"
[[ -x "$APP" ]] || { echo "e2e-window: $APP was not built" >&2; exit 1; }

log "run"
WORK="$(mktemp -d -t heimdex-e2e-window.XXXXXX)"
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

Xvfb "$DISPLAY_NUM" -screen 0 1366x860x24 -nolisten tcp >"$ARTIFACTS/xvfb.log" 2>&1 &
PIDS+=($!)
export DISPLAY="$DISPLAY_NUM"
for _ in $(seq 50); do [[ -e "/tmp/.X11-unix/X${DISPLAY_NUM#:}" ]] && break; sleep 0.1; done

# The app inherits this environment from tauri-driver: its library lives in the temp folder.
export HEIMDEX_DATA_DIR="$WORK/data"
# The models: the app's own default folder (scripts/fetch-models.sh), unless one is given.
export HEIMDEX_MODEL_DIR="${HEIMDEX_MODEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/heimdex/models}"
export RUST_LOG="${RUST_LOG:-info}"
"$TAURI_DRIVER" --port "$PORT" >"$ARTIFACTS/tauri-driver.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$PORT/status" >/dev/null 2>&1 && break
  sleep 0.1
done

# A real Qdrant server for the Team panel's step when one is built (scripts/qdrant-server.sh);
# without it that step says SKIPPED.
QDRANT_RUN=()
if bash scripts/qdrant-server.sh path >/dev/null; then
  QDRANT_RUN=(bash scripts/qdrant-server.sh run --)
else
  echo "e2e-window: no Qdrant binary: the team backend step will be SKIPPED (scripts/qdrant-server.sh build)"
fi
HEIMDEX_APP="$APP" HEIMDEX_E2E_VIDEO="$VIDEO" HEIMDEX_E2E_ARTIFACTS="$ARTIFACTS" \
  WEBDRIVER_URL="http://127.0.0.1:$PORT" "${QDRANT_RUN[@]}" node tests/e2e-window/run.mjs
echo "artifacts: $ARTIFACTS"
