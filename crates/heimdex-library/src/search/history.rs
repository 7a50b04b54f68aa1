//! The local query log (`search_queries`): each search, its result count and the hit opened from
//! it. The user can turn it off (setting `search.history` = `off`).

use super::types::{QueryLogEntry, SearchError};
use crate::db::now_ms;
use crate::settings;
use heimdex_core::VideoId;
use sqlx::{Row, SqlitePool};

/// Setting that turns the query log off (`off`) or on (anything else; on by default).
pub const HISTORY_SETTING: &str = "search.history";

pub async fn enabled(pool: &SqlitePool) -> Result<bool, SearchError> {
    Ok(settings::get(pool, HISTORY_SETTING).await?.as_deref() != Some("off"))
}

pub async fn set_enabled(pool: &SqlitePool, on: bool) -> Result<(), SearchError> {
    settings::set(pool, HISTORY_SETTING, if on { "on" } else { "off" }).await?;
    Ok(())
}

/// Logs a search; its id.
pub async fn record(pool: &SqlitePool, query: &str, results: usize) -> Result<i64, SearchError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO search_queries (query, created_at, result_count) VALUES (?, ?, ?) RETURNING id",
    )
    .bind(query)
    .bind(now_ms())
    .bind(results as i64)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Notes which hit of logged search `id` was opened (the latest one wins).
pub async fn opened(
    pool: &SqlitePool,
    id: i64,
    video: &VideoId,
    scene: u32,
) -> Result<(), SearchError> {
    sqlx::query(
        "UPDATE search_queries SET opened_video_id = ?, opened_scene_idx = ?, opened_at = ? \
         WHERE id = ?",
    )
    .bind(video.as_str())
    .bind(i64::from(scene))
    .bind(now_ms())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The latest `limit` searches, newest first.
pub async fn list(pool: &SqlitePool, limit: usize) -> Result<Vec<QueryLogEntry>, SearchError> {
    let rows = sqlx::query(
        "SELECT id, query, created_at, result_count, opened_video_id, opened_scene_idx \
         FROM search_queries ORDER BY id DESC LIMIT ?",
    )
    .bind(limit as i64)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let scene: Option<i64> = r.try_get("opened_scene_idx")?;
        out.push(QueryLogEntry {
            id: r.try_get("id")?,
            query: r.try_get("query")?,
            at_ms: r.try_get("created_at")?,
            result_count: r.try_get("result_count")?,
            opened_video_id: r
                .try_get::<Option<String>, _>("opened_video_id")?
                .map(VideoId),
            opened_scene_idx: scene.and_then(|s| u32::try_from(s).ok()),
        });
    }
    Ok(out)
}

/// Deletes the whole log; how many entries there were.
pub async fn clear(pool: &SqlitePool) -> Result<u64, SearchError> {
    Ok(sqlx::query("DELETE FROM search_queries")
        .execute(pool)
        .await?
        .rows_affected())
}
