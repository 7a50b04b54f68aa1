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

-- Captions are optional and depend on a remote server: a video is pushed to the team backend once
-- every other stage is done, whatever its caption job does (a refused key must not keep it from
-- the team). New captions queue embed again, whose finish pushes the video once more.
DROP TRIGGER sync_outbox_video_indexed;
CREATE TRIGGER sync_outbox_video_indexed AFTER UPDATE OF state ON jobs
WHEN NEW.state = 'done' AND NEW.stage <> 'caption'
    AND EXISTS (SELECT 1 FROM settings WHERE key = 'sync.backend')
    AND NOT EXISTS (SELECT 1 FROM jobs WHERE video_id = NEW.video_id AND state != 'done'
                    AND stage <> 'caption')
BEGIN
    DELETE FROM sync_outbox WHERE op = 'upsert_scene'
        AND content_hash = (SELECT content_hash FROM videos WHERE id = NEW.video_id);
    INSERT INTO sync_outbox (op, video_id, content_hash, scene_idx, enqueued_at)
        SELECT 'upsert_scene', s.video_id, v.content_hash, s.idx,
               CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
        FROM scenes s JOIN videos v ON v.id = s.video_id
        WHERE s.video_id = NEW.video_id ORDER BY s.idx;
END;
