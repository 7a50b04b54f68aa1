-- Speech of each video (written by the speech stage). A video without an audio track has no row.

CREATE TABLE transcripts (
    video_id   TEXT PRIMARY KEY REFERENCES videos (id) ON DELETE CASCADE,
    language   TEXT,                   -- main language (ISO 639-1), NULL when nothing was said
    model      TEXT NOT NULL,          -- model folder name, e.g. whisper-base
    audio_secs REAL NOT NULL,          -- length of the audio that was read
    created_at INTEGER NOT NULL        -- unix ms
);

-- Timed segments. scene_idx is the scene the segment overlaps most when scenes were known at
-- transcription time; scene texts are best read by time overlap (transcripts::scene_texts).
CREATE TABLE transcript_segments (
    video_id   TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,       -- 0-based, in time order
    start_secs REAL NOT NULL,
    end_secs   REAL NOT NULL,
    text       TEXT NOT NULL,
    language   TEXT,
    scene_idx  INTEGER,
    PRIMARY KEY (video_id, idx)
);
CREATE INDEX transcript_segments_time ON transcript_segments (video_id, start_secs);
