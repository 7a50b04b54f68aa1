-- Scene thumbnails in the backend, so teammates without the video file see the scene: the
-- library's small JPEG (320 pixels wide, a few tens of KiB; the client sends none above 128 KiB).
-- Stored out of line by TOAST, so the vector scans do not read it; fetched by id
-- (SyncTarget::thumbnails) for the scenes `heimdex sync pull` brings in. Row-level security covers
-- it like the rest of the row.
ALTER TABLE video_scenes ADD COLUMN IF NOT EXISTS thumbnail_jpeg bytea;
-- JPEG does not compress: keep it out of line without trying.
ALTER TABLE video_scenes ALTER COLUMN thumbnail_jpeg SET STORAGE EXTERNAL;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'video_scenes_thumbnail_size') THEN
        ALTER TABLE video_scenes ADD CONSTRAINT video_scenes_thumbnail_size
            CHECK (thumbnail_jpeg IS NULL OR octet_length(thumbnail_jpeg) <= 262144);
    END IF;
END
$$;
