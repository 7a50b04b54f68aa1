-- Scenes of each video (written by the scenes stage): frame and time ranges, the chosen keyframe
-- and its thumbnail. Picture paths are relative to the video's cache folder
-- (DataPaths::video_cache), so a moved data folder keeps working.

CREATE TABLE scenes (
    video_id       TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    idx            INTEGER NOT NULL,   -- 0-based, in time order
    start_frame    INTEGER NOT NULL,   -- frame number on the nominal frame-rate timeline
    end_frame      INTEGER NOT NULL,   -- exclusive: where the next scene starts
    start_secs     REAL NOT NULL,      -- presentation time of the first frame
    end_secs       REAL NOT NULL,
    keyframe_path  TEXT,               -- JPEG, at most 1280 px wide (for visual models)
    keyframe_frame INTEGER,
    keyframe_secs  REAL,
    thumbnail_path TEXT,               -- JPEG, ~320 px wide
    sharpness      REAL,               -- variance of the Laplacian of the keyframe
    PRIMARY KEY (video_id, idx)
);

-- Extra pictures of long scenes (over 30 s), so a long shot is not judged by one picture.
CREATE TABLE scene_samples (
    video_id  TEXT NOT NULL,
    scene_idx INTEGER NOT NULL,
    k         INTEGER NOT NULL,        -- 0-based, in time order
    frame     INTEGER NOT NULL,
    secs      REAL NOT NULL,
    path      TEXT NOT NULL,           -- relative to the video's cache folder
    sharpness REAL NOT NULL,
    PRIMARY KEY (video_id, scene_idx, k),
    FOREIGN KEY (video_id, scene_idx) REFERENCES scenes (video_id, idx) ON DELETE CASCADE
);
