# Shared settings for the project's scripts (sourced, not run).
# Builds go to a cache outside the clone so that a fresh clone (CI) reuses them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/heimdex/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
# Model files fetched by scripts/fetch-models.sh: the binary's own default (it does not need this
# variable; a new shell finds the models without it).
export HEIMDEX_MODEL_DIR="${HEIMDEX_MODEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/heimdex/models}"
# oneMKL for the CTranslate2 build behind the speech stage (scripts/install-mkl.sh puts it here; the
# build also finds it under /opt/intel without this variable).
if [[ -z "${MKLROOT:-}" && -d /opt/intel/heimdex-mkl-2024.2.2 ]]; then
  export MKLROOT=/opt/intel/heimdex-mkl-2024.2.2
fi
# Every cargo command of the scripts selects the whole workspace with these features, so that
# dependency features resolve the same way each time and nothing heavy is built twice.
export HEIMDEX_APP_FEATURES="--features heimdex-desktop/custom-protocol"
