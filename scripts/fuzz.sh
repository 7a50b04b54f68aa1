#!/usr/bin/env bash
# The fuzz campaign: each property target of tests/fuzz (query parser, FTS5 query builder, CSV,
# EDL, subtitles, JWT claims, provider answers) run for about SECONDS (default 600) on its own,
# the case count calibrated from a short first run; prints executions and time per target.
# A failure prints the minimal input: add it to tests/fuzz/seeds/<target>.txt and fix the code.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET_FILTER]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
SECS="${1:-600}"
FILTER="${2:-}"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) · $(nproc) cores · ${SECS} s a target"
targets=(query_parser fts_query_never_reaches_fts5_as_syntax csv_export_round_trips_every_field
  edl_export_keeps_every_name_on_its_comment_line subtitles_keep_one_cue_per_segment
  jwt_claims_of_anything_never_panic provider_answers_of_any_shape_give_a_caption_or_an_error)
run() { # target cases
  # shellcheck disable=SC2086
  HEIMDEX_FUZZ_CASES="$2" cargo nextest run --workspace --locked $HEIMDEX_APP_FEATURES --no-capture \
    -E "package(heimdex-tests) & binary(fuzz) & test(=$1)" 2>&1 | grep -E '^fuzz |panicked|minimal failing|Test failed' || true
}
for t in "${targets[@]}"; do
  [[ -n "$FILTER" && "$t" != *"$FILTER"* ]] && continue
  # A first run long enough to time (the provider target runs a sixteenth of its cases, over HTTP).
  first=20000
  [[ "$t" == provider* ]] && first=2048
  probe=$(run "$t" "$first" | grep -E '^fuzz ' | tail -1)
  # "fuzz NAME: N cases in S s": cases for SECS seconds at that rate.
  n=$(echo "$probe" | awk -v secs="$SECS" '{c=$3; s=$6; if (s < 0.05) s = 0.05; printf "%d", c * secs / s}')
  [[ "$t" == provider* ]] && n=$((n * 16))
  echo "== $t: $n cases"
  run "$t" "$n"
done
