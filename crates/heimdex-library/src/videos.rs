//! Queries on the `videos` table.

use crate::db::now_ms;
use crate::error::{LibraryError, Result};
use heimdex_core::{JobState, MediaInfo, Stage, VideoId, VideoStatus};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};
use std::path::{Path, PathBuf};

/// A video as stored in the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoRecord {
    pub id: VideoId,
    pub content_hash: String,
    pub path: PathBuf,
    pub file_name: String,
    pub size_bytes: u64,
    pub info: MediaInfo,
    pub imported_at_ms: i64,
}

/// One stage's job as shown to the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSummary {
    pub stage: Stage,
    pub state: JobState,
    pub attempts: u32,
    pub error: Option<String>,
    pub progress: Option<f64>,
}

/// A video with its indexing status, for listings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoSummary {
    #[serde(flatten)]
    pub video: VideoRecord,
    pub status: VideoStatus,
    /// The first failed stage's error, when the status is failed.
    pub error: Option<String>,
    pub jobs: Vec<JobSummary>,
}

const COLUMNS: &str = "id, content_hash, path, file_name, size_bytes, info_json, imported_at";

fn record_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<VideoRecord> {
    let id = VideoId(row.try_get("id")?);
    let info_json: String = row.try_get("info_json")?;
    let info = serde_json::from_str(&info_json)
        .map_err(|e| LibraryError::CorruptRow(id.clone(), e.to_string()))?;
    let path: String = row.try_get("path")?;
    let size: i64 = row.try_get("size_bytes")?;
    Ok(VideoRecord {
        id,
        content_hash: row.try_get("content_hash")?,
        path: crate::db::path_from_db(&path),
        file_name: row.try_get("file_name")?,
        size_bytes: size.max(0) as u64,
        info,
        imported_at_ms: row.try_get("imported_at")?,
    })
}

pub async fn get(pool: &SqlitePool, id: &VideoId) -> Result<Option<VideoRecord>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM videos WHERE id = ?"))
        .bind(id.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(record_from_row).transpose()
}

pub async fn by_hash(pool: &SqlitePool, hash: &str) -> Result<Option<VideoRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM videos WHERE content_hash = ?"
    ))
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(record_from_row).transpose()
}

/// The video kept at `path`, if any (the newest when several were).
pub async fn by_path(pool: &SqlitePool, path: &Path) -> Result<Option<VideoRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM videos WHERE path = ? ORDER BY imported_at DESC LIMIT 1"
    ))
    .bind(crate::db::path_to_db(path))
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(record_from_row).transpose()
}

/// Removes a video from the library with everything derived from it (rows, search indexes and
/// cached files). The video file itself is never touched.
pub async fn remove_with_derived(library: &crate::Library, video: &VideoId) -> Result<bool> {
    crate::jobs::cancel_video(library.pool(), video).await?;
    let existed = delete(library.pool(), video).await?;
    library.search_state().remove_video(video).await;
    let cache = library.paths().video_cache(video);
    if cache.exists() {
        let _ = tokio::fs::remove_dir_all(&cache).await;
    }
    if existed {
        library.emit(heimdex_core::Event::VideoRemoved {
            video: video.clone(),
        });
    }
    Ok(existed)
}

pub async fn list(pool: &SqlitePool) -> Result<Vec<VideoRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM videos ORDER BY imported_at, id"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(record_from_row).collect()
}

/// Videos with their jobs and derived status.
pub async fn list_summaries(pool: &SqlitePool) -> Result<Vec<VideoSummary>> {
    let videos = list(pool).await?;
    let jobs = sqlx::query(
        "SELECT video_id, stage, state, attempts, error, progress FROM jobs ORDER BY video_id, stage_order",
    )
    .fetch_all(pool)
    .await?;
    let mut by_video: std::collections::HashMap<String, Vec<JobSummary>> = Default::default();
    for row in &jobs {
        let stage: String = row.try_get("stage")?;
        let state: String = row.try_get("state")?;
        let (Ok(stage), Ok(state)) = (stage.parse::<Stage>(), state.parse::<JobState>()) else {
            continue;
        };
        let attempts: i64 = row.try_get("attempts")?;
        by_video
            .entry(row.try_get("video_id")?)
            .or_default()
            .push(JobSummary {
                stage,
                state,
                attempts: attempts.max(0) as u32,
                error: row.try_get("error")?,
                progress: row.try_get("progress")?,
            });
    }
    Ok(videos
        .into_iter()
        .map(|video| {
            let jobs = by_video.remove(video.id.as_str()).unwrap_or_default();
            let status = VideoStatus::from_jobs(jobs.iter().map(|j| j.state));
            let error = jobs
                .iter()
                .find(|j| j.state == JobState::Failed)
                .and_then(|j| j.error.clone().map(|e| format!("{}: {e}", j.stage)));
            VideoSummary {
                video,
                status,
                error,
                jobs,
            }
        })
        .collect())
}

/// Inserts a newly found video.
pub async fn insert(pool: &SqlitePool, rec: &VideoRecord, modified_at: Option<i64>) -> Result<()> {
    let now = now_ms();
    let info_json = serde_json::to_string(&rec.info)
        .map_err(|e| LibraryError::CorruptRow(rec.id.clone(), e.to_string()))?;
    sqlx::query(
        "INSERT INTO videos (id, content_hash, path, file_name, size_bytes, modified_at, duration_secs, width, height,
                             fps, rotation, video_codec, audio_codec, has_audio, media_created_at, info_json,
                             imported_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(rec.id.as_str())
    .bind(&rec.content_hash)
    .bind(crate::db::path_to_db(&rec.path))
    .bind(&rec.file_name)
    .bind(rec.size_bytes as i64)
    .bind(modified_at)
    .bind(rec.info.duration_secs)
    .bind(i64::from(rec.info.width))
    .bind(i64::from(rec.info.height))
    .bind(rec.info.fps)
    .bind(i64::from(rec.info.rotation))
    .bind(&rec.info.video_codec)
    .bind(&rec.info.audio_codec)
    .bind(rec.info.has_audio)
    .bind(&rec.info.creation_time)
    .bind(info_json)
    .bind(rec.imported_at_ms)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records that a known video now lives at `path`.
pub async fn update_path(pool: &SqlitePool, id: &VideoId, path: &Path) -> Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    sqlx::query("UPDATE videos SET path = ?, file_name = ?, updated_at = ? WHERE id = ?")
        .bind(crate::db::path_to_db(path))
        .bind(file_name)
        .bind(now_ms())
        .bind(id.as_str())
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes a video and (by cascade) everything derived from it. Returns whether it existed.
pub async fn delete(pool: &SqlitePool, id: &VideoId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM videos WHERE id = ?")
        .bind(id.as_str())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Finds one video from what a user typed: an id or id prefix, a path, or a file name.
pub async fn resolve(pool: &SqlitePool, selector: &str) -> Result<VideoRecord> {
    let all = list(pool).await?;
    let abs = std::fs::canonicalize(selector).ok();
    let exact: Vec<&VideoRecord> = all
        .iter()
        .filter(|v| {
            v.id.as_str() == selector
                || v.content_hash == selector
                || v.path == Path::new(selector)
                || abs.as_deref() == Some(v.path.as_path())
        })
        .collect();
    let candidates: Vec<&VideoRecord> = if !exact.is_empty() {
        exact
    } else {
        let prefix: Vec<&VideoRecord> = all
            .iter()
            .filter(|v| selector.len() >= 4 && v.id.as_str().starts_with(selector))
            .collect();
        if !prefix.is_empty() {
            prefix
        } else {
            all.iter().filter(|v| v.file_name == selector).collect()
        }
    };
    match candidates.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(LibraryError::VideoNotFound(selector.to_owned())),
        many => Err(LibraryError::Ambiguous {
            selector: selector.to_owned(),
            count: many.len(),
        }),
    }
}
