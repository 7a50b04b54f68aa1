-- The local library: videos, their indexing jobs, files that could not be imported, settings.

CREATE TABLE videos (
    id               TEXT PRIMARY KEY,          -- first 16 hex digits of content_hash
    content_hash     TEXT NOT NULL UNIQUE,      -- BLAKE3 of size + sampled chunks
    path             TEXT NOT NULL,             -- where the file is now
    file_name        TEXT NOT NULL,
    size_bytes       INTEGER NOT NULL,
    modified_at      INTEGER,                   -- file mtime, unix seconds
    duration_secs    REAL NOT NULL,
    width            INTEGER NOT NULL,
    height           INTEGER NOT NULL,
    fps              REAL NOT NULL,
    rotation         INTEGER NOT NULL,
    video_codec      TEXT NOT NULL,
    audio_codec      TEXT,
    has_audio        INTEGER NOT NULL,
    media_created_at TEXT,                      -- creation time from the container, if any
    info_json        TEXT NOT NULL,             -- the whole MediaInfo
    imported_at      INTEGER NOT NULL,          -- unix ms
    updated_at       INTEGER NOT NULL
);
CREATE INDEX videos_path ON videos (path);

-- One row per (video, stage). A stage runs once every earlier stage (stage_order) is done.
CREATE TABLE jobs (
    video_id     TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    stage        TEXT NOT NULL,
    stage_order  INTEGER NOT NULL,
    state        TEXT NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    error        TEXT,
    progress     REAL,                          -- 0..1 while running, for other processes to show
    run_after    INTEGER NOT NULL DEFAULT 0,    -- unix ms; back-off after a failure
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (video_id, stage)
);
CREATE INDEX jobs_state ON jobs (state, run_after);

-- Paths that could not be imported, with the reason; cleared when the path imports later.
CREATE TABLE import_failures (
    path      TEXT PRIMARY KEY,
    error     TEXT NOT NULL,
    failed_at INTEGER NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
