-- Captions of scene keyframes from an OpenAI-compatible vision model (the caption stage, after
-- embed, only when a provider is set). A caption names the picture it describes (the keyframe's
-- path as stored in `scenes`, relative to the cache folder, and its frame) and the model: a rerun
-- skips scenes whose picture and model are unchanged, so nothing is sent twice across a crash.
-- The embed stage puts the caption in the scene's sidecar text; search hits show it.

CREATE TABLE scene_captions (
    video_id   TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    scene_idx  INTEGER NOT NULL,
    picture    TEXT NOT NULL,          -- the keyframe path as stored in scenes.keyframe_path
    frame      INTEGER,                -- scenes.keyframe_frame: the same path after new scene cuts is another picture
    model      TEXT NOT NULL,
    base_url   TEXT NOT NULL,
    caption    TEXT NOT NULL,
    created_at INTEGER NOT NULL,       -- unix ms
    PRIMARY KEY (video_id, scene_idx)
);

-- What the last caption run of a video left to say: scenes the provider refused, the request limit
-- reached. NULL note: nothing to say.
CREATE TABLE video_captions (
    video_id   TEXT PRIMARY KEY REFERENCES videos (id) ON DELETE CASCADE,
    note       TEXT,
    updated_at INTEGER NOT NULL
);

-- Every video already in the library gets a caption job after its embed job; it finishes at once
-- while no provider is set.
INSERT INTO jobs (video_id, stage, stage_order, state, max_attempts, created_at, updated_at)
    SELECT video_id, 'caption', 5, 'queued', max_attempts, created_at,
           CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    FROM jobs WHERE stage = 'scenes'
    ON CONFLICT (video_id, stage) DO NOTHING;
