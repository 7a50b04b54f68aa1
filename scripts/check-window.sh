#!/usr/bin/env bash
# Checks of the desktop window: UI lint, types and component tests; the app crate's fmt, clippy
# and tests (which regenerate ui/src/bindings.ts); stale bindings fail; then the end-to-end test
# in the real window under Xvfb (scripts/e2e-window.sh), reusing this build.
#
#   scripts/check-window.sh
#   HEIMDEX_SKIP_E2E=1 scripts/check-window.sh   # without the real-window test
#
# Everything is built with --features custom-protocol (the UI embedded in the binary), the way the
# end-to-end test needs the app, so the Tauri dependencies compile once.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JOBS="${CARGO_BUILD_JOBS:-2}"

PKGS=(libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev)
MISSING=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$p")
done
if ((${#MISSING[@]})); then
  SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${MISSING[@]}"
fi

echo "== ui: npm ci, lint, typecheck, tests, build"
(
  cd ui
  npm ci --no-audit --no-fund --loglevel=error
  npm run lint
  npm run typecheck
  npm test
  npx vite build --logLevel warn
)

echo "== app: fmt, clippy, tests (regenerate the bindings)"
cargo fmt -p heimdex-app -- --check
cargo clippy -p heimdex-app --all-targets --features custom-protocol -j "$JOBS" -- -D warnings
cargo test -p heimdex-app --features custom-protocol -j "$JOBS"

echo "== bindings are current"
if ! git diff --exit-code -- ui/src/bindings.ts; then
  echo "ui/src/bindings.ts is stale: run 'cargo test -p heimdex-app' and commit it" >&2
  exit 1
fi

if [[ -z "${HEIMDEX_SKIP_E2E:-}" ]]; then
  echo "== the real window, end to end (Xvfb + tauri-driver)"
  SKIP_UI_BUILD=1 HEIMDEX_E2E_REQUIRE_SEARCH="${HEIMDEX_E2E_REQUIRE_SEARCH:-1}" bash scripts/e2e-window.sh
fi
