#!/usr/bin/env bash
# Checks of the desktop window, in two phases so that scripts/test.sh can put the Rust steps in
# between them (every cargo command selects the whole workspace with the app's custom-protocol
# feature, so features resolve the same way each time and no heavy crate such as CTranslate2 is
# built twice):
#
#   scripts/check-window.sh ui    # UI: npm ci, lint, typecheck, Vitest, build ui/dist (the app embeds it)
#   scripts/check-window.sh app   # the app's clippy and tests (they regenerate ui/src/bindings.ts),
#                                 # stale bindings fail, then the real window end to end
#   scripts/check-window.sh       # both
#   HEIMDEX_SKIP_E2E=1 scripts/check-window.sh   # without the real-window test
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/env.sh
PHASE="${1:-all}"

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

if [[ "$PHASE" == ui || "$PHASE" == all ]]; then
  echo "== ui: npm ci, lint, typecheck, tests, build"
  (
    cd ui
    npm ci --no-audit --no-fund --loglevel=error
    npm run lint
    npm run typecheck
    npm test
    npx vite build --logLevel warn
  )
fi

if [[ "$PHASE" == app || "$PHASE" == all ]]; then
  echo "== app: fmt, clippy, tests (regenerate the bindings)"
  cargo fmt -p heimdex-desktop -- --check
  # shellcheck disable=SC2086
  cargo clippy --workspace --all-targets --locked $HEIMDEX_APP_FEATURES -- -D warnings
  # shellcheck disable=SC2086
  cargo nextest run --workspace --locked $HEIMDEX_APP_FEATURES -E 'package(heimdex-desktop)'

  echo "== bindings are current"
  if ! git diff --exit-code -- ui/src/bindings.ts; then
    echo "ui/src/bindings.ts is stale: run 'cargo test -p heimdex-desktop' and commit it" >&2
    exit 1
  fi

  if [[ -z "${HEIMDEX_SKIP_E2E:-}" ]]; then
    echo "== the real window, end to end (Xvfb + tauri-driver)"
    SKIP_UI_BUILD=1 HEIMDEX_E2E_REQUIRE_SEARCH="${HEIMDEX_E2E_REQUIRE_SEARCH:-1}" bash scripts/e2e-window.sh
  fi
fi
