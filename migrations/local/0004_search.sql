-- Search (written by the embed stage): one vector per (scene, kind, model), the scene's sidecar
-- text for BM25, and the local query log.

CREATE TABLE scene_vectors (
    video_id  TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    scene_idx INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('text', 'image')),
    model_id  TEXT NOT NULL,           -- vectors of different models are never compared
    dim       INTEGER NOT NULL,
    vector    BLOB NOT NULL,           -- dim f32, little endian, L2 normalised
    PRIMARY KEY (video_id, scene_idx, kind, model_id)
);

-- Sidecar text of each scene: transcript words, caption, on-screen text, file name, date.
-- `snippet` (not indexed) is what a hit shows: the scene's transcript words, else its on-screen text.
CREATE VIRTUAL TABLE scene_text USING fts5 (
    video_id UNINDEXED,
    scene_idx UNINDEXED,
    snippet UNINDEXED,
    sidecar,
    tokenize = 'porter unicode61'
);

-- FTS5 tables have no foreign keys: drop a removed video's rows here.
CREATE TRIGGER scene_text_video_deleted AFTER DELETE ON videos BEGIN
    DELETE FROM scene_text WHERE video_id = old.id;
END;

-- Every search made (unless the `search.history` setting is "off"), and the hit opened from it.
CREATE TABLE search_queries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    query            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,  -- unix ms
    result_count     INTEGER NOT NULL,
    opened_video_id  TEXT,
    opened_scene_idx INTEGER,
    opened_at        INTEGER
);
CREATE INDEX search_queries_time ON search_queries (created_at);
