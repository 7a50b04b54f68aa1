# Shared settings for the project's scripts (sourced, not run).
# Builds go to a cache outside the clone so that a fresh clone (CI) reuses them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heimdex/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
# Model files fetched by scripts/fetch-models.sh.
export HEIMDEX_MODEL_DIR="${HEIMDEX_MODEL_DIR:-$HOME/.cache/heimdex/models}"
