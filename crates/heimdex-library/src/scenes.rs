//! Queries on the `scenes` and `scene_samples` tables (written by the scenes stage).
//!
//! Picture paths are stored relative to the video's cache folder and returned absolute.

use crate::error::Result;
use heimdex_core::{DataPaths, VideoId};
use heimdex_media::scenes::SceneAnalysis;
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};
use std::path::{Path, PathBuf};

/// An extra picture of a long scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    pub frame: i64,
    pub secs: f64,
    pub path: PathBuf,
    pub sharpness: f64,
}

/// A scene as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneRecord {
    pub video_id: VideoId,
    pub idx: u32,
    pub start_frame: i64,
    /// Exclusive: the next scene's first frame.
    pub end_frame: i64,
    pub start_secs: f64,
    pub end_secs: f64,
    pub keyframe_path: Option<PathBuf>,
    pub keyframe_frame: Option<i64>,
    pub keyframe_secs: Option<f64>,
    pub thumbnail_path: Option<PathBuf>,
    pub sharpness: Option<f64>,
    pub samples: Vec<SampleRecord>,
}

/// `path` relative to `base` when it lies under it, else as it is.
fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Replaces every scene of `video` with those of `analysis` in one transaction. `files_dir` is
/// where the pictures will live (under `cache_dir`); their paths are stored relative to
/// `cache_dir`, with `analysis` pictures named as in `written_dir` (the folder `analyze` wrote to).
pub async fn replace_for_video(
    pool: &SqlitePool,
    video: &VideoId,
    cache_dir: &Path,
    written_dir: &Path,
    files_dir: &Path,
    analysis: &SceneAnalysis,
) -> Result<()> {
    let stored = |p: &Path| {
        let name = p.strip_prefix(written_dir).unwrap_or(p);
        relative(&files_dir.join(name), cache_dir)
    };
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM scene_samples WHERE video_id = ?")
        .bind(video.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM scenes WHERE video_id = ?")
        .bind(video.as_str())
        .execute(&mut *tx)
        .await?;
    for s in &analysis.scenes {
        let kf = s.keyframe.as_ref();
        sqlx::query(
            "INSERT INTO scenes (video_id, idx, start_frame, end_frame, start_secs, end_secs, \
             keyframe_path, keyframe_frame, keyframe_secs, thumbnail_path, sharpness) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(video.as_str())
        .bind(i64::from(s.idx))
        .bind(s.start.number)
        .bind(s.end_frame)
        .bind(s.start.secs)
        .bind(s.end_secs)
        .bind(kf.map(|k| stored(&k.path)))
        .bind(kf.map(|k| k.frame.number))
        .bind(kf.map(|k| k.frame.secs))
        .bind(kf.and_then(|k| k.thumbnail.as_deref()).map(stored))
        .bind(kf.map(|k| k.sharpness))
        .execute(&mut *tx)
        .await?;
        for (k, sample) in s.samples.iter().enumerate() {
            sqlx::query(
                "INSERT INTO scene_samples (video_id, scene_idx, k, frame, secs, path, sharpness) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(video.as_str())
            .bind(i64::from(s.idx))
            .bind(k as i64)
            .bind(sample.frame.number)
            .bind(sample.frame.secs)
            .bind(stored(&sample.path))
            .bind(sample.sharpness)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The scenes of `video` in time order, with absolute picture paths.
pub async fn list_for_video(
    pool: &SqlitePool,
    paths: &DataPaths,
    video: &VideoId,
) -> Result<Vec<SceneRecord>> {
    let abs = |p: Option<String>| p.map(|p| paths.cache_dir.join(p));
    let rows = sqlx::query(
        "SELECT idx, start_frame, end_frame, start_secs, end_secs, keyframe_path, keyframe_frame, \
         keyframe_secs, thumbnail_path, sharpness FROM scenes WHERE video_id = ? ORDER BY idx",
    )
    .bind(video.as_str())
    .fetch_all(pool)
    .await?;
    let mut scenes = Vec::with_capacity(rows.len());
    for r in rows {
        let idx: i64 = r.try_get("idx")?;
        scenes.push(SceneRecord {
            video_id: video.clone(),
            idx: u32::try_from(idx).unwrap_or(0),
            start_frame: r.try_get("start_frame")?,
            end_frame: r.try_get("end_frame")?,
            start_secs: r.try_get("start_secs")?,
            end_secs: r.try_get("end_secs")?,
            keyframe_path: abs(r.try_get("keyframe_path")?),
            keyframe_frame: r.try_get("keyframe_frame")?,
            keyframe_secs: r.try_get("keyframe_secs")?,
            thumbnail_path: abs(r.try_get("thumbnail_path")?),
            sharpness: r.try_get("sharpness")?,
            samples: Vec::new(),
        });
    }
    let samples = sqlx::query(
        "SELECT scene_idx, frame, secs, path, sharpness FROM scene_samples WHERE video_id = ? \
         ORDER BY scene_idx, k",
    )
    .bind(video.as_str())
    .fetch_all(pool)
    .await?;
    for r in samples {
        let idx: i64 = r.try_get("scene_idx")?;
        let path: String = r.try_get("path")?;
        if let Some(scene) = scenes.iter_mut().find(|s| i64::from(s.idx) == idx) {
            scene.samples.push(SampleRecord {
                frame: r.try_get("frame")?,
                secs: r.try_get("secs")?,
                path: paths.cache_dir.join(path),
                sharpness: r.try_get("sharpness")?,
            });
        }
    }
    Ok(scenes)
}

/// How many scenes `video` has.
pub async fn count_for_video(pool: &SqlitePool, video: &VideoId) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM scenes WHERE video_id = ?")
        .bind(video.as_str())
        .fetch_one(pool)
        .await?;
    Ok(n.max(0) as u64)
}

/// The scene of `video` that contains `secs`, if any.
pub async fn at_time(
    pool: &SqlitePool,
    paths: &DataPaths,
    video: &VideoId,
    secs: f64,
) -> Result<Option<SceneRecord>> {
    Ok(list_for_video(pool, paths, video)
        .await?
        .into_iter()
        .find(|s| s.start_secs <= secs && secs < s.end_secs))
}
