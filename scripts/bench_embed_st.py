#!/usr/bin/env python3
"""sentence-transformers side of the text embedding benchmark (scripts/bench-search.sh).

Usage: bench_embed_st.py MODEL_DIR SENTENCES_FILE [BATCH]. Prints one JSON line.
"""
import json
import resource
import sys
import time

import torch
from sentence_transformers import SentenceTransformer


def main() -> None:
    model_dir, path = sys.argv[1], sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    torch.set_num_threads(2)
    with open(path, encoding="utf-8") as f:
        sentences = [line.strip() for line in f if line.strip()]
    t = time.perf_counter()
    model = SentenceTransformer(model_dir, device="cpu")
    load_s = time.perf_counter() - t
    model.encode(sentences[:batch], batch_size=batch)  # warm up
    t = time.perf_counter()
    vectors = model.encode(sentences, batch_size=batch, normalize_embeddings=True)
    secs = time.perf_counter() - t
    assert len(vectors) == len(sentences)
    single = []
    for s in sentences[:50]:
        t = time.perf_counter()
        model.encode([s])
        single.append((time.perf_counter() - t) * 1000)
    single.sort()
    print(json.dumps({
        "impl": "sentence-transformers",
        "torch": torch.__version__,
        "sentences": len(sentences),
        "batch": batch,
        "seconds": round(secs, 3),
        "per_second": round(len(sentences) / secs, 1),
        "load_seconds": round(load_s, 3),
        "single_query_ms_p50": round(single[len(single) // 2], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


if __name__ == "__main__":
    main()
