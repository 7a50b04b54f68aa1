#!/usr/bin/env bash
# Team backend benchmark on a real PostgreSQL 18 + pgvector 0.8 (from PyPI, scripts/install-pgserver.sh):
# bulk load and HNSW build to SCENES, then on that archive: push throughput (scenes/s, batched
# UNNEST upserts under row-level security; HNSW kept inside the push vs. fresh rows indexed
# afterwards; 1 and 2 connections), index maintenance rate, and team search latency p50/p95 with
# recall@10 against exact search, per hnsw.ef_search (crates/heimdex-sync/examples/bench_sync.rs).
# Not a test: numbers depend on the machine; the load average is printed.
# With --qdrant first: the same data through QdrantTarget on a real Qdrant server (built once by
# scripts/qdrant-server.sh build; crates/heimdex-sync/examples/bench_qdrant.rs): bulk push, time to
# index, push into the indexed collection, search p50/p95 and recall@10 per hnsw_ef.
# Usage: scripts/bench-sync.sh [--qdrant] [SCENES] [extra arguments of the example]
#   e.g. scripts/bench-sync.sh 100000 --ef 40,100,200 --m 32 --ef-construction 128 --foreign 0.5
# 1M scenes needs ~6 GB of disk in /tmp and tens of minutes on 2 cores. On a shared machine run it
# under `flock /tmp/heimdex-bench.lock` and trust numbers only at a load average below 3.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

EXAMPLE=bench_sync
if [ "${1:-}" = "--qdrant" ]; then EXAMPLE=bench_qdrant; shift; fi
SCENES="${1:-100000}"
shift || true
OUT="${HEIMDEX_BENCH_OUT:-$CARGO_TARGET_DIR/bench-sync}"
mkdir -p "$OUT"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"

bash scripts/install-pgserver.sh
echo "machine: $(nproc) cores; $(uptime)"
# shellcheck disable=SC2086
cargo build --workspace $HEIMDEX_APP_FEATURES --example "$EXAMPLE" --quiet
"$CARGO_TARGET_DIR/debug/examples/$EXAMPLE" --scenes "$SCENES" --json "$OUT/$EXAMPLE-$SCENES.json" "$@"
echo "after: $(uptime)"
