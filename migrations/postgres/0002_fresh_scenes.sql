-- Index maintenance off the push path. Keeping an HNSW graph up to date costs each inserted vector
-- a graph walk and rewrites of its neighbours' pages (pgvector 0.8, m = 16, ef_construction = 64:
-- a few hundred scenes/s on two cores, whatever the batch size or vector type; BENCH.md), so a push
-- of a whole library waited on the index, not on the network or the table.
--
-- Now a pushed scene lands "fresh" (`indexed = false`): committed and searchable at once, because
-- search_scenes_by_embedding ranks fresh rows exactly (a small set, through video_scenes_fresh) and
-- merges them with the HNSW answer over indexed rows. index_fresh_scenes() then moves fresh rows
-- into the graph in bounded steps; clients call it after they push (Drainer::index_backlog), and a
-- server may also run it from a scheduler (pg_cron). A changed vector makes its row fresh again.

ALTER TABLE video_scenes ADD COLUMN IF NOT EXISTS indexed boolean NOT NULL DEFAULT true;
-- Rows already there were in the full indexes; rows inserted from now on start fresh.
ALTER TABLE video_scenes ALTER COLUMN indexed SET DEFAULT false;

DROP INDEX IF EXISTS video_scenes_text_hnsw;
DROP INDEX IF EXISTS video_scenes_image_hnsw;
CREATE INDEX video_scenes_text_hnsw ON video_scenes USING hnsw (text_embedding vector_cosine_ops)
    WITH (m = 16, ef_construction = 64) WHERE indexed;
CREATE INDEX video_scenes_image_hnsw ON video_scenes USING hnsw (image_embedding vector_cosine_ops)
    WITH (m = 16, ef_construction = 64) WHERE indexed;
CREATE INDEX IF NOT EXISTS video_scenes_fresh ON video_scenes (id) WHERE NOT indexed;

-- Moves up to `max_rows` fresh scenes (anyone's: it changes no content, only where a row is
-- searched) into the HNSW indexes; returns how many. Rows another session is moving are skipped,
-- so several callers share the work.
CREATE OR REPLACE FUNCTION index_fresh_scenes(max_rows integer DEFAULT 500) RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
    WITH picked AS (
        SELECT id FROM video_scenes WHERE NOT indexed
        ORDER BY id LIMIT greatest(1, least(max_rows, 5000))
        FOR UPDATE SKIP LOCKED
    ), moved AS (
        UPDATE video_scenes s SET indexed = true FROM picked WHERE s.id = picked.id RETURNING 1
    )
    SELECT count(*)::integer FROM moved
$$;
REVOKE ALL ON FUNCTION index_fresh_scenes(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION index_fresh_scenes(integer) TO authenticated;

-- How many scenes wait for the index (for status lines and benchmarks).
CREATE OR REPLACE FUNCTION fresh_scene_count() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT count(*) FROM video_scenes WHERE NOT indexed
$$;
REVOKE ALL ON FUNCTION fresh_scene_count() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fresh_scene_count() TO authenticated;

-- Ranked scenes visible to the caller (SECURITY INVOKER: row-level security applies): the HNSW
-- answer over indexed rows and the exact answer over fresh rows, merged by distance. Both parts
-- are materialised and re-sorted, so `hnsw.iterative_scan = relaxed_order` (set by the client for
-- filtered queries) may return its candidates slightly out of order.
CREATE OR REPLACE FUNCTION search_scenes_by_embedding(
    query_embedding vector(384),
    match_count     integer,
    model           text,
    filter_video    uuid DEFAULT NULL,
    min_similarity  double precision DEFAULT -1
)
RETURNS TABLE (
    scene_id      uuid,
    video_id      uuid,
    file_name     text,
    scene_index   integer,
    start_secs    double precision,
    end_secs      double precision,
    combined_text text,
    thumbnail_ref text,
    similarity    double precision
)
LANGUAGE sql STABLE SECURITY INVOKER AS $$
    WITH indexed_hits AS MATERIALIZED (
        SELECT s.id, s.text_embedding <=> query_embedding AS distance
        FROM video_scenes s
        WHERE s.indexed
          AND s.text_model = model
          AND (filter_video IS NULL OR s.video_id = filter_video)
        ORDER BY s.text_embedding <=> query_embedding
        LIMIT match_count
    ), fresh_hits AS MATERIALIZED (
        SELECT s.id, s.text_embedding <=> query_embedding AS distance
        FROM video_scenes s
        WHERE NOT s.indexed
          AND s.text_model = model
          AND s.text_embedding IS NOT NULL
          AND (filter_video IS NULL OR s.video_id = filter_video)
        ORDER BY s.text_embedding <=> query_embedding
        LIMIT match_count
    ), hits AS (
        SELECT * FROM indexed_hits UNION ALL SELECT * FROM fresh_hits
    )
    SELECT s.id, s.video_id, v.file_name, s.scene_index, s.start_secs, s.end_secs, s.combined_text,
           s.thumbnail_ref, 1 - h.distance AS similarity
    FROM hits h
    JOIN video_scenes s ON s.id = h.id
    JOIN videos v ON v.id = s.video_id
    WHERE 1 - h.distance >= min_similarity
    ORDER BY h.distance, s.id
    LIMIT match_count
$$;
