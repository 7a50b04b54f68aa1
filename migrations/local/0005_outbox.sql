-- Team sync (heimdex-sync). Local-only libraries leave these tables empty: rows are queued only
-- once a team backend is configured (setting `sync.backend`), which also queues what was indexed
-- before.

-- What is still to be pushed. A row names a scene (or a deleted video); the document pushed is
-- built from the library when it is pushed, so a scene indexed again before it went out is pushed
-- once, as it is now. Pushed rows are deleted; pushing is idempotent (stable ids), so a push whose
-- answer was lost is simply repeated.
CREATE TABLE sync_outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,   -- push order
    op           TEXT NOT NULL CHECK (op IN ('upsert_scene', 'delete_video')),
    video_id     TEXT NOT NULL,      -- local id; no foreign key: a delete outlives its video
    content_hash TEXT NOT NULL,      -- the backend's ids derive from it
    scene_idx    INTEGER,            -- upsert_scene only
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,               -- why the backend refused this row (state 'failed')
    enqueued_at  INTEGER NOT NULL    -- unix ms
);
CREATE UNIQUE INDEX sync_outbox_item ON sync_outbox (op, content_hash, coalesce(scene_idx, -1));
CREATE INDEX sync_outbox_state ON sync_outbox (state, seq);

-- Scenes of the team archive fetched by `heimdex sync pull`: what the team has, also offline.
-- Replaced as a whole by each pull (the backend's row-level security decides what is in it).
CREATE TABLE team_scenes (
    id            TEXT PRIMARY KEY,  -- the backend's scene UUID
    video_id      TEXT NOT NULL,     -- the backend's video UUID
    content_hash  TEXT NOT NULL,     -- equal to a local video's when this machine has the file
    file_name     TEXT NOT NULL,
    owner_id      TEXT NOT NULL,
    scene_index   INTEGER NOT NULL,
    start_secs    REAL NOT NULL,
    end_secs      REAL NOT NULL,
    combined_text TEXT NOT NULL,
    text_model    TEXT,
    pulled_at     INTEGER NOT NULL   -- unix ms
);
CREATE INDEX team_scenes_hash ON team_scenes (content_hash);

-- Queueing happens here, in the same transaction as the change that causes it, from any process
-- (CLI, window, runner): a crash cannot index a scene without queueing it.

-- A video whose last job is done (every stage, the embed stage included once it exists) queues all
-- its scenes, replacing rows of it still waiting (a pending delete of an earlier copy stays first).
CREATE TRIGGER sync_outbox_video_indexed AFTER UPDATE OF state ON jobs
WHEN NEW.state = 'done'
    AND EXISTS (SELECT 1 FROM settings WHERE key = 'sync.backend')
    AND NOT EXISTS (SELECT 1 FROM jobs WHERE video_id = NEW.video_id AND state != 'done')
BEGIN
    DELETE FROM sync_outbox WHERE op = 'upsert_scene'
        AND content_hash = (SELECT content_hash FROM videos WHERE id = NEW.video_id);
    INSERT INTO sync_outbox (op, video_id, content_hash, scene_idx, enqueued_at)
        SELECT 'upsert_scene', s.video_id, v.content_hash, s.idx,
               CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
        FROM scenes s JOIN videos v ON v.id = s.video_id
        WHERE s.video_id = NEW.video_id ORDER BY s.idx;
END;

-- A removed video queues its deletion; its rows still waiting are dropped (nothing to push).
CREATE TRIGGER sync_outbox_video_removed AFTER DELETE ON videos
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'sync.backend')
BEGIN
    DELETE FROM sync_outbox WHERE content_hash = OLD.content_hash;
    INSERT INTO sync_outbox (op, video_id, content_hash, enqueued_at)
        VALUES ('delete_video', OLD.id, OLD.content_hash,
                CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
