-- What each scene shows (written by the vision stage, between speech and embed): tags from the
-- local classifier (classes and their broader WordNet words) and one picture vector per model
-- (the mean of its keyframes' features). The embed stage puts the tags in the scene's sidecar text
-- and the vectors in `scene_vectors`.

CREATE TABLE scene_tags (
    video_id  TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    scene_idx INTEGER NOT NULL,
    label     TEXT NOT NULL,
    score     REAL NOT NULL,            -- 0..1: class probability, or a hypernym's weighted share
    kind      TEXT NOT NULL CHECK (kind IN ('class', 'hypernym', 'caption')),
    names     TEXT,                     -- other names of a class, comma separated (searchable)
    model_id  TEXT NOT NULL,
    PRIMARY KEY (video_id, scene_idx, label)
);

CREATE TABLE scene_visuals (
    video_id  TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    scene_idx INTEGER NOT NULL,
    model_id  TEXT NOT NULL,
    pictures  INTEGER NOT NULL,         -- keyframes averaged
    vector    BLOB NOT NULL,            -- f32 little endian, L2 normalised
    classes   BLOB,                     -- the likeliest classes: (u16 class, f32 probability) LE pairs
    PRIMARY KEY (video_id, scene_idx, model_id)
);

-- One row per video the vision stage has seen: the model it used, or why it could not look
-- (`skipped`, e.g. the model is not installed); such videos are queued again once it is.
CREATE TABLE video_vision (
    video_id   TEXT PRIMARY KEY REFERENCES videos (id) ON DELETE CASCADE,
    model_id   TEXT,
    skipped    TEXT,
    pictures   INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

-- The vision stage runs before embed: embed moves one place down the pipeline, and every video
-- already in the library gets a vision job (and its embed runs again to take the tags in).
UPDATE jobs SET stage_order = 4 WHERE stage = 'embed';
INSERT INTO jobs (video_id, stage, stage_order, state, max_attempts, created_at, updated_at)
    SELECT video_id, 'vision', 3, 'queued', max_attempts, created_at,
           CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    FROM jobs WHERE stage = 'scenes'
    ON CONFLICT (video_id, stage) DO NOTHING;
UPDATE jobs SET state = 'queued', attempts = 0, error = NULL, progress = NULL
    WHERE stage = 'embed' AND state = 'done';
