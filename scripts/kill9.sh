#!/usr/bin/env bash
# The kill -9 campaign: `heimdex index` SIGKILLed at N random points (default 50; CI runs 5), each
# followed by `heimdex check` (database integrity, words index, search rows against scenes), a
# look for surviving ffmpeg children, and a run to the end compared with a library indexed
# without a kill. Prints each kill (when, the jobs at that moment) and the totals.
# Usage: scripts/kill9.sh [POINTS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
export HEIMDEX_KILL_POINTS="${1:-50}"
[ -n "${2:-}" ] && export HEIMDEX_KILL_SEED="$2"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) · $(nproc) cores"
# shellcheck disable=SC2086
cargo nextest run --workspace --locked $HEIMDEX_APP_FEATURES --no-capture \
  -E 'package(heimdex-cli) & test(=kill_9_at_random_points_loses_and_duplicates_nothing)' 2>&1 \
  | grep -E '^(HEIMDEX_KILL_SEED|point|[0-9]+ kills|test result)|panicked|orphans'
