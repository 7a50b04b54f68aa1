#!/usr/bin/env bash
# Runs every check and test of the project. Installs what the tests need first (idempotent).
# Usage: scripts/test.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "system packages"
bash scripts/install-deps.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests (cargo nextest)"
cargo nextest run --workspace --locked --no-fail-fast
