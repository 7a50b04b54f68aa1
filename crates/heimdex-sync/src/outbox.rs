//! The local outbox (`migrations/local/0005_outbox.sql`): scenes and deleted videos still to be
//! pushed. Triggers queue rows when a video finishes indexing or is removed, while a backend is
//! configured; [`enqueue_indexed`] queues what was indexed before.

use crate::error::SyncError;
use heimdex_core::VideoId;
use sqlx::{Row, SqlitePool};

/// What a row asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    UpsertScene { scene_idx: u32 },
    DeleteVideo,
}

/// One queued change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub seq: i64,
    pub op: Op,
    pub video_id: VideoId,
    pub content_hash: String,
}

/// How many rows wait, and how many the backend refused (kept aside, see [`retry_failed`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub pending: u64,
    pub failed: u64,
}

fn local(e: sqlx::Error) -> SyncError {
    SyncError::Local(e.to_string())
}

const NOW_MS: &str = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/// Queues every scene of `video` (replacing its rows still waiting). Returns the rows queued.
pub async fn enqueue_video(pool: &SqlitePool, video: &VideoId) -> Result<u64, SyncError> {
    let mut tx = pool.begin().await.map_err(local)?;
    sqlx::query(
        "DELETE FROM sync_outbox WHERE op = 'upsert_scene' \
         AND content_hash = (SELECT content_hash FROM videos WHERE id = ?)",
    )
    .bind(video.as_str())
    .execute(&mut *tx)
    .await
    .map_err(local)?;
    let done = sqlx::query(&format!(
        "INSERT INTO sync_outbox (op, video_id, content_hash, scene_idx, enqueued_at) \
         SELECT 'upsert_scene', s.video_id, v.content_hash, s.idx, {NOW_MS} \
         FROM scenes s JOIN videos v ON v.id = s.video_id WHERE s.video_id = ? ORDER BY s.idx"
    ))
    .bind(video.as_str())
    .execute(&mut *tx)
    .await
    .map_err(local)?;
    tx.commit().await.map_err(local)?;
    Ok(done.rows_affected())
}

/// Queues the scenes of every fully indexed video that are not queued yet (after a backend is
/// configured, or to push everything again). Returns the rows queued.
pub async fn enqueue_indexed(pool: &SqlitePool) -> Result<u64, SyncError> {
    let done = sqlx::query(&format!(
        "INSERT OR IGNORE INTO sync_outbox (op, video_id, content_hash, scene_idx, enqueued_at) \
         SELECT 'upsert_scene', s.video_id, v.content_hash, s.idx, {NOW_MS} \
         FROM scenes s JOIN videos v ON v.id = s.video_id \
         WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.video_id = v.id AND j.state != 'done') \
         ORDER BY v.imported_at, s.video_id, s.idx"
    ))
    .execute(pool)
    .await
    .map_err(local)?;
    Ok(done.rows_affected())
}

/// The oldest `limit` pending rows, in push order.
pub async fn next_batch(pool: &SqlitePool, limit: usize) -> Result<Vec<OutboxRow>, SyncError> {
    let rows = sqlx::query(
        "SELECT seq, op, video_id, content_hash, scene_idx FROM sync_outbox \
         WHERE state = 'pending' ORDER BY seq LIMIT ?",
    )
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(local)?;
    rows.iter()
        .map(|r| {
            let op: String = r.try_get("op").map_err(local)?;
            let idx: Option<i64> = r.try_get("scene_idx").map_err(local)?;
            let op = match (op.as_str(), idx) {
                ("upsert_scene", Some(i)) => Op::UpsertScene {
                    scene_idx: u32::try_from(i).unwrap_or(0),
                },
                ("delete_video", _) => Op::DeleteVideo,
                (other, _) => {
                    return Err(SyncError::Local(format!(
                        "unknown outbox operation {other:?}"
                    )))
                }
            };
            Ok(OutboxRow {
                seq: r.try_get("seq").map_err(local)?,
                op,
                video_id: VideoId(r.try_get("video_id").map_err(local)?),
                content_hash: r.try_get("content_hash").map_err(local)?,
            })
        })
        .collect()
}

/// Removes rows that were pushed (or need no push). Rows queued again meanwhile have new sequence
/// numbers and stay.
pub async fn remove(pool: &SqlitePool, seqs: &[i64]) -> Result<(), SyncError> {
    if seqs.is_empty() {
        return Ok(());
    }
    let json = serde_json::to_string(seqs).map_err(|e| SyncError::Local(e.to_string()))?;
    sqlx::query("DELETE FROM sync_outbox WHERE seq IN (SELECT value FROM json_each(?))")
        .bind(json)
        .execute(pool)
        .await
        .map_err(local)?;
    Ok(())
}

/// Sets a row the backend refused aside, with the reason, so it cannot block the rows behind it.
pub async fn mark_failed(pool: &SqlitePool, seq: i64, error: &str) -> Result<(), SyncError> {
    sqlx::query(
        "UPDATE sync_outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE seq = ?",
    )
    .bind(error)
    .bind(seq)
    .execute(pool)
    .await
    .map_err(local)?;
    Ok(())
}

/// Puts refused rows back in the queue (after the cause was fixed). Returns how many.
pub async fn retry_failed(pool: &SqlitePool) -> Result<u64, SyncError> {
    let done = sqlx::query("UPDATE sync_outbox SET state = 'pending' WHERE state = 'failed'")
        .execute(pool)
        .await
        .map_err(local)?;
    Ok(done.rows_affected())
}

/// The reasons of refused rows, most common first: `(error, rows)`.
pub async fn failures(pool: &SqlitePool) -> Result<Vec<(String, u64)>, SyncError> {
    let rows = sqlx::query(
        "SELECT coalesce(last_error, '') AS e, COUNT(*) AS n FROM sync_outbox WHERE state = 'failed' \
         GROUP BY e ORDER BY n DESC",
    )
    .fetch_all(pool)
    .await
    .map_err(local)?;
    rows.iter()
        .map(|r| {
            let n: i64 = r.try_get("n").map_err(local)?;
            Ok((r.try_get("e").map_err(local)?, n.max(0) as u64))
        })
        .collect()
}

pub async fn counts(pool: &SqlitePool) -> Result<Counts, SyncError> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(state = 'pending'), 0) AS p, COALESCE(SUM(state = 'failed'), 0) AS f \
         FROM sync_outbox",
    )
    .fetch_one(pool)
    .await
    .map_err(local)?;
    let p: i64 = row.try_get("p").map_err(local)?;
    let f: i64 = row.try_get("f").map_err(local)?;
    Ok(Counts {
        pending: p.max(0) as u64,
        failed: f.max(0) as u64,
    })
}

/// Forgets everything queued (when the backend is switched off).
pub async fn clear(pool: &SqlitePool) -> Result<(), SyncError> {
    sqlx::query("DELETE FROM sync_outbox")
        .execute(pool)
        .await
        .map_err(local)?;
    Ok(())
}
