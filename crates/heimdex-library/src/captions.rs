//! Queries on the caption stage's tables: `scene_captions` (one caption per scene, naming the
//! keyframe it describes and the model) and `video_captions` (what the last caption run of a video
//! left to say).
//!
//! A caption counts only while it describes the scene's current keyframe (same stored path and
//! frame): new scene cuts make the old captions stale; the caption stage deletes them.

use crate::db::now_ms;
use crate::error::Result;
use crate::Library;
use heimdex_core::{Stage, VideoId};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};
use std::collections::HashMap;

/// One stored caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneCaption {
    pub scene_idx: u32,
    /// The keyframe's path as stored in `scenes` (relative to the cache folder).
    pub picture: String,
    /// The keyframe's frame number.
    pub frame: Option<i64>,
    pub model: String,
    pub base_url: String,
    pub caption: String,
}

/// Writes one scene's caption, replacing the one it had.
pub async fn upsert(pool: &SqlitePool, video: &VideoId, c: &SceneCaption) -> Result<()> {
    sqlx::query(
        "INSERT INTO scene_captions (video_id, scene_idx, picture, frame, model, base_url, caption, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (video_id, scene_idx) DO UPDATE SET \
         picture = excluded.picture, frame = excluded.frame, model = excluded.model, \
         base_url = excluded.base_url, caption = excluded.caption, created_at = excluded.created_at",
    )
    .bind(video.as_str())
    .bind(i64::from(c.scene_idx))
    .bind(&c.picture)
    .bind(c.frame)
    .bind(&c.model)
    .bind(&c.base_url)
    .bind(&c.caption)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

/// Every stored caption of `video`, by scene.
pub async fn for_video(pool: &SqlitePool, video: &VideoId) -> Result<HashMap<u32, SceneCaption>> {
    let rows = sqlx::query(
        "SELECT scene_idx, picture, frame, model, base_url, caption FROM scene_captions \
         WHERE video_id = ?",
    )
    .bind(video.as_str())
    .fetch_all(pool)
    .await?;
    let mut out = HashMap::new();
    for r in &rows {
        let idx = u32::try_from(r.try_get::<i64, _>("scene_idx")?).unwrap_or(0);
        out.insert(
            idx,
            SceneCaption {
                scene_idx: idx,
                picture: r.try_get("picture")?,
                frame: r.try_get("frame")?,
                model: r.try_get("model")?,
                base_url: r.try_get("base_url")?,
                caption: r.try_get("caption")?,
            },
        );
    }
    Ok(out)
}

/// Joins a caption to its scene when it describes the scene's current keyframe.
const CURRENT: &str = "JOIN scenes s ON s.video_id = c.video_id AND s.idx = c.scene_idx \
     AND s.keyframe_path = c.picture AND s.keyframe_frame IS c.frame";

/// The captions of `video`'s scenes (current keyframes only), for the sidecar text.
pub async fn texts_for_video(pool: &SqlitePool, video: &VideoId) -> Result<HashMap<u32, String>> {
    let rows = sqlx::query(&format!(
        "SELECT c.scene_idx, c.caption FROM scene_captions c {CURRENT} \
         WHERE c.video_id = ? AND c.caption <> ''"
    ))
    .bind(video.as_str())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                u32::try_from(r.try_get::<i64, _>("scene_idx")?).unwrap_or(0),
                r.try_get("caption")?,
            ))
        })
        .collect()
}

/// One scene's caption, if it has a current one.
pub async fn for_scene(pool: &SqlitePool, video: &VideoId, scene: u32) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT c.caption FROM scene_captions c {CURRENT} \
         WHERE c.video_id = ? AND c.scene_idx = ? AND c.caption <> ''"
    ))
    .bind(video.as_str())
    .bind(i64::from(scene))
    .fetch_optional(pool)
    .await?)
}

/// Deletes the captions of `video` that no longer describe a scene's keyframe (new scene cuts).
/// Returns how many.
pub async fn remove_stale(pool: &SqlitePool, video: &VideoId) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM scene_captions WHERE video_id = ?1 AND NOT EXISTS ( \
             SELECT 1 FROM scenes s WHERE s.video_id = ?1 AND s.idx = scene_captions.scene_idx \
             AND s.keyframe_path = scene_captions.picture AND s.keyframe_frame IS scene_captions.frame)",
    )
    .bind(video.as_str())
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Whether `video` has a caption written since its embed stage last finished (so its sidecar text
/// lacks it): the caption stage then queues the embed stage again. Looking at times rather than at
/// what one run wrote also covers a run that stopped between writing captions and queueing.
pub async fn embed_is_behind(pool: &SqlitePool, video: &VideoId) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM scene_captions c WHERE c.video_id = ?1 AND c.created_at >= \
         COALESCE((SELECT finished_at FROM jobs WHERE video_id = ?1 AND stage = 'embed' \
                   AND state = 'done'), 0))",
    )
    .bind(video.as_str())
    .fetch_one(pool)
    .await?)
}

/// Records what the last caption run of `video` left to say (`None`: nothing).
pub async fn set_note(pool: &SqlitePool, video: &VideoId, note: Option<&str>) -> Result<()> {
    sqlx::query(
        "INSERT INTO video_captions (video_id, note, updated_at) VALUES (?, ?, ?) \
         ON CONFLICT (video_id) DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at",
    )
    .bind(video.as_str())
    .bind(note)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

/// What the last caption run of `video` left to say.
pub async fn note_of(pool: &SqlitePool, video: &VideoId) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT note FROM video_captions WHERE video_id = ?")
            .bind(video.as_str())
            .fetch_optional(pool)
            .await?
            .flatten(),
    )
}

/// Every video's caption note: (video, file name, note), newest first.
pub async fn notes(pool: &SqlitePool) -> Result<Vec<(VideoId, String, String)>> {
    let rows = sqlx::query(
        "SELECT c.video_id, v.file_name, c.note FROM video_captions c \
         JOIN videos v ON v.id = c.video_id WHERE c.note IS NOT NULL ORDER BY c.updated_at DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                VideoId(r.try_get("video_id")?),
                r.try_get("file_name")?,
                r.try_get("note")?,
            ))
        })
        .collect()
}

/// How many scenes have a caption (current or not), in the whole library.
pub async fn count(pool: &SqlitePool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM scene_captions")
        .fetch_one(pool)
        .await?)
}

/// Queues caption jobs again after the provider settings changed: every video's (`all`, a server
/// is set: scenes already captioned by the same model are skipped) or only the failed ones (no
/// server: they finish at once). Running and cancelled jobs are left alone. Returns how many jobs
/// were queued.
pub async fn requeue(library: &Library, all: bool) -> Result<u64> {
    let pool = library.pool();
    let now = now_ms();
    let mut queued = 0;
    if all {
        // Videos imported before the caption stage existed in this build get the job too.
        queued += sqlx::query(
            "INSERT INTO jobs (video_id, stage, stage_order, state, max_attempts, created_at, updated_at) \
             SELECT id, ?, ?, 'queued', ?, ?, ? FROM videos WHERE true \
             ON CONFLICT (video_id, stage) DO NOTHING",
        )
        .bind(Stage::Caption.as_str())
        .bind(Stage::Caption.order())
        .bind(crate::jobs::DEFAULT_MAX_ATTEMPTS)
        .bind(now)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
    }
    let states = if all {
        "('done', 'failed')"
    } else {
        "('failed')"
    };
    queued += sqlx::query(&format!(
        "UPDATE jobs SET state = 'queued', attempts = 0, error = NULL, progress = NULL, \
         run_after = 0, updated_at = ? WHERE stage = ? AND state IN {states}"
    ))
    .bind(now)
    .bind(Stage::Caption.as_str())
    .execute(pool)
    .await?
    .rows_affected();
    if queued > 0 {
        library.notify_work();
    }
    Ok(queued)
}
