-- Denser HNSW graphs: m = 32, ef_construction = 128 (was 16 / 64).
--
-- At 1M scenes the m = 16 / 64 graph levelled off at recall@10 0.92 whatever ef_search (0.887 at
-- the default 200, p95 44 ms); with m = 32 / 128 the same archive gives recall@10 1.000 at
-- ef_search 200 with p95 15.6 ms (crates/heimdex-sync/BENCH.md). The price is paid off the push
-- path: the one-time build is ~2.3x longer (1M: 1,315 s on 2 cores) and index maintenance
-- (`index_fresh_scenes`) moves ~110 scenes/s instead of ~170 at 1M; pushes, which land fresh,
-- are unchanged. On a server that already holds a large archive this migration rebuilds both
-- indexes (minutes per 100k scenes on 2 cores).
DROP INDEX IF EXISTS video_scenes_text_hnsw;
DROP INDEX IF EXISTS video_scenes_image_hnsw;
CREATE INDEX video_scenes_text_hnsw ON video_scenes USING hnsw (text_embedding vector_cosine_ops)
    WITH (m = 32, ef_construction = 128) WHERE indexed;
CREATE INDEX video_scenes_image_hnsw ON video_scenes USING hnsw (image_embedding vector_cosine_ops)
    WITH (m = 32, ef_construction = 128) WHERE indexed;
