//! The durable job queue: one row per (video, stage) in the `jobs` table.
//!
//! A job is claimed atomically (`UPDATE … RETURNING`). Only the process that holds the runner lock
//! claims jobs, so a `running` row found when the lock is taken was left by a killed process and is
//! queued again. Failures back off exponentially up to `max_attempts`.

use crate::db::now_ms;
use crate::error::Result;
use heimdex_core::{JobState, Stage, VideoId};
use sqlx::{Row, SqlitePool};

/// Attempts before a job that keeps failing is shown as failed.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 3;

/// A job the runner has claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub video: VideoId,
    pub stage: Stage,
    pub attempt: u32,
    pub max_attempts: u32,
}

/// Queues `stages` for `video`. Existing rows are left alone (a done stage stays done).
pub async fn enqueue(pool: &SqlitePool, video: &VideoId, stages: &[Stage]) -> Result<()> {
    let now = now_ms();
    for stage in stages {
        sqlx::query(
            "INSERT INTO jobs (video_id, stage, stage_order, state, max_attempts, created_at, updated_at)
             VALUES (?, ?, ?, 'queued', ?, ?, ?)
             ON CONFLICT (video_id, stage) DO NOTHING",
        )
        .bind(video.as_str())
        .bind(stage.as_str())
        .bind(stage.order())
        .bind(DEFAULT_MAX_ATTEMPTS)
        .bind(now)
        .bind(now)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// The stages that must be done before `stage` of the same video runs. The rest may run at the
/// same time: the poster, the scenes pass (one decode of the pictures) and speech (the audio only)
/// start together, and the vision stage looks at the keyframes while speech is still going.
/// Embed needs everything before it; captions come last (see [`Stage::Caption`]).
pub fn dependencies(stage: Stage) -> &'static [Stage] {
    match stage {
        Stage::Poster | Stage::Scenes | Stage::Speech => &[],
        Stage::Vision => &[Stage::Scenes],
        Stage::Embed => &[Stage::Poster, Stage::Scenes, Stage::Speech, Stage::Vision],
        Stage::Caption => &[
            Stage::Poster,
            Stage::Scenes,
            Stage::Speech,
            Stage::Vision,
            Stage::Embed,
        ],
    }
}

/// `(stage, dependency)` rows of [`dependencies`] as an SQL `VALUES` list, and the known stages as
/// an SQL list (a stage written by a newer version of the app is left for that version); made
/// once, every claim uses them.
static DEPENDENCY_SQL: std::sync::LazyLock<(String, String)> =
    std::sync::LazyLock::new(dependency_sql);

fn dependency_sql() -> (String, String) {
    let mut pairs = Vec::new();
    for s in Stage::ALL {
        for d in dependencies(s) {
            pairs.push(format!("('{}', '{}')", s.as_str(), d.as_str()));
        }
    }
    let known = Stage::ALL
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    (pairs.join(", "), known)
}

/// Claims the next runnable job: queued, past its back-off, every stage it depends on done.
pub async fn claim_next(pool: &SqlitePool) -> Result<Option<ClaimedJob>> {
    claim_next_among(pool, None).await
}

/// Like [`claim_next`], among the jobs of `videos` only when given (the runner's way to start a
/// further stage of a video it is already indexing without starting another video).
pub async fn claim_next_among(
    pool: &SqlitePool,
    videos: Option<&[VideoId]>,
) -> Result<Option<ClaimedJob>> {
    if videos.is_some_and(<[VideoId]>::is_empty) {
        return Ok(None);
    }
    let now = now_ms();
    let (pairs, known) = &*DEPENDENCY_SQL;
    let only = match videos {
        Some(v) => format!(
            "AND j.video_id IN ({})",
            (0..v.len())
                .map(|i| format!("?{}", i + 2))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    };
    let sql = format!(
        "WITH deps(stage, dep) AS (VALUES {pairs})
         UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?1, updated_at = ?1,
                         progress = 0, error = NULL
         WHERE rowid = (
             SELECT j.rowid FROM jobs j
             WHERE j.state = 'queued' AND j.run_after <= ?1 AND j.stage IN ({known}) {only}
               AND NOT EXISTS (SELECT 1 FROM deps x JOIN jobs d ON d.video_id = j.video_id
                               AND d.stage = x.dep
                               WHERE x.stage = j.stage AND d.state <> 'done')
             ORDER BY j.run_after, j.created_at, j.video_id, j.stage_order
             LIMIT 1)
         RETURNING video_id, stage, attempts, max_attempts"
    );
    let mut q = sqlx::query(&sql).bind(now);
    for v in videos.unwrap_or_default() {
        q = q.bind(v.as_str());
    }
    let row = q.fetch_optional(pool).await?;
    let Some(row) = row else { return Ok(None) };
    let stage: String = row.try_get("stage")?;
    let Ok(stage) = stage.parse::<Stage>() else {
        return Ok(None);
    };
    let attempts: i64 = row.try_get("attempts")?;
    let max: i64 = row.try_get("max_attempts")?;
    Ok(Some(ClaimedJob {
        video: VideoId(row.try_get("video_id")?),
        stage,
        attempt: attempts.max(1) as u32,
        max_attempts: max.max(1) as u32,
    }))
}

/// Queued jobs that can still run (now or after a back-off): their earlier stages are not failed
/// or cancelled. Zero together with no running job means the queue is idle.
pub async fn pending_count(pool: &SqlitePool) -> Result<i64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs j WHERE j.state = 'queued'
           AND NOT EXISTS (SELECT 1 FROM jobs d WHERE d.video_id = j.video_id
                           AND d.stage_order < j.stage_order AND d.state IN ('failed', 'cancelled'))",
    )
    .fetch_one(pool)
    .await?;
    Ok(n)
}

/// Milliseconds until the earliest backed-off job becomes runnable, if any is waiting.
pub async fn next_wakeup_ms(pool: &SqlitePool) -> Result<Option<i64>> {
    let at: Option<i64> =
        sqlx::query_scalar("SELECT MIN(run_after) FROM jobs WHERE state = 'queued'")
            .fetch_one(pool)
            .await?;
    Ok(at.map(|t| (t - now_ms()).max(0)))
}

pub async fn mark_done(pool: &SqlitePool, video: &VideoId, stage: Stage) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "UPDATE jobs SET state = 'done', progress = 1, error = NULL, finished_at = ?, updated_at = ?
         WHERE video_id = ? AND stage = ? AND state = 'running'",
    )
    .bind(now)
    .bind(now)
    .bind(video.as_str())
    .bind(stage.as_str())
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed attempt: queued again after `retry_in_ms`, or failed for good when `None`.
pub async fn mark_failed(
    pool: &SqlitePool,
    video: &VideoId,
    stage: Stage,
    error: &str,
    retry_in_ms: Option<i64>,
) -> Result<()> {
    let now = now_ms();
    let (state, run_after) = match retry_in_ms {
        Some(ms) => ("queued", now + ms),
        None => ("failed", now),
    };
    sqlx::query(
        "UPDATE jobs SET state = ?, error = ?, run_after = ?, finished_at = ?, updated_at = ?
         WHERE video_id = ? AND stage = ? AND state = 'running'",
    )
    .bind(state)
    .bind(error)
    .bind(run_after)
    .bind(now)
    .bind(now)
    .bind(video.as_str())
    .bind(stage.as_str())
    .execute(pool)
    .await?;
    if retry_in_ms.is_none() {
        settle_blocked(pool).await?;
    }
    Ok(())
}

/// Puts a job stopped by a full disk back in the queue after `retry_in_ms`, the attempt not
/// counted: a full disk must not use up a video's attempts and fail it for good.
pub async fn wait_for_space(
    pool: &SqlitePool,
    video: &VideoId,
    stage: Stage,
    error: &str,
    retry_in_ms: i64,
) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), error = ?, run_after = ?,
                         progress = NULL, updated_at = ?
         WHERE video_id = ? AND stage = ? AND state = 'running'",
    )
    .bind(error)
    .bind(now + retry_in_ms)
    .bind(now)
    .bind(video.as_str())
    .bind(stage.as_str())
    .execute(pool)
    .await?;
    Ok(())
}

/// Queued jobs behind a stage of their video that failed for good can never run: they are marked
/// failed too, naming that stage, so the queue settles and the video shows why it is not indexed
/// (retrying the video queues them all again).
pub async fn settle_blocked(pool: &SqlitePool) -> Result<u64> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE jobs SET state = 'failed', finished_at = ?1, updated_at = ?1,
                error = 'not run: the ' || (SELECT d.stage FROM jobs d WHERE d.video_id = jobs.video_id
                        AND d.stage_order < jobs.stage_order AND d.state = 'failed'
                        ORDER BY d.stage_order LIMIT 1) || ' stage failed'
         WHERE state = 'queued' AND EXISTS (SELECT 1 FROM jobs d WHERE d.video_id = jobs.video_id
                AND d.stage_order < jobs.stage_order AND d.state = 'failed')",
    )
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Back-off before attempt `attempt + 1`: `base`, 4×`base`, 16×`base`, … capped at 10 minutes.
pub fn backoff_ms(base: std::time::Duration, attempt: u32) -> i64 {
    let exp = 4_i64.saturating_pow(attempt.saturating_sub(1).min(10));
    (base.as_millis() as i64).saturating_mul(exp).min(600_000)
}

pub async fn set_progress(
    pool: &SqlitePool,
    video: &VideoId,
    stage: Stage,
    fraction: f64,
) -> Result<()> {
    sqlx::query("UPDATE jobs SET progress = ?, updated_at = ? WHERE video_id = ? AND stage = ? AND state = 'running'")
        .bind(fraction)
        .bind(now_ms())
        .bind(video.as_str())
        .bind(stage.as_str())
        .execute(pool)
        .await?;
    Ok(())
}

/// Cancels every job of `video` that has not finished. Returns how many were cancelled.
pub async fn cancel_video(pool: &SqlitePool, video: &VideoId) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'cancelled', updated_at = ?, finished_at = ?
         WHERE video_id = ? AND state IN ('queued', 'running')",
    )
    .bind(now_ms())
    .bind(now_ms())
    .bind(video.as_str())
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Queues a video's failed and cancelled jobs again with a fresh attempt count.
pub async fn retry_video(pool: &SqlitePool, video: &VideoId) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = 0, error = NULL, run_after = 0, progress = NULL, updated_at = ?
         WHERE video_id = ? AND state IN ('failed', 'cancelled')",
    )
    .bind(now_ms())
    .bind(video.as_str())
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Jobs left `running` by a process that died. Called by the runner once it holds the lock:
/// they go back to the queue, or to failed when they have used up their attempts (a job that
/// crashes the process every time must not loop forever).
pub async fn recover_orphans(pool: &SqlitePool) -> Result<u64> {
    let now = now_ms();
    let failed = sqlx::query(
        "UPDATE jobs SET state = 'failed', updated_at = ?,
                error = 'interrupted ' || attempts || ' times (the app or CLI was stopped while it ran)'
         WHERE state = 'running' AND attempts >= max_attempts",
    )
    .bind(now)
    .execute(pool)
    .await?;
    let queued = sqlx::query(
        "UPDATE jobs SET state = 'queued', progress = NULL, updated_at = ? WHERE state = 'running'",
    )
    .bind(now)
    .execute(pool)
    .await?;
    // Also settles queues left by versions that kept such jobs queued.
    let blocked = settle_blocked(pool).await?;
    Ok(failed.rows_affected() + queued.rows_affected() + blocked)
}

/// Puts jobs this process was running back in the queue on a clean shutdown; the interrupted
/// attempt does not count.
pub async fn requeue_interrupted(pool: &SqlitePool) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), progress = NULL, updated_at = ?
         WHERE state = 'running'",
    )
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Queues `stages` of `video` again whatever their state (except running), as fresh jobs.
pub async fn requeue_stages(pool: &SqlitePool, video: &VideoId, stages: &[Stage]) -> Result<()> {
    enqueue(pool, video, stages).await?;
    for stage in stages {
        sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = 0, error = NULL, progress = NULL,
             run_after = 0, updated_at = ? WHERE video_id = ? AND stage = ? AND state <> 'running'",
        )
        .bind(now_ms())
        .bind(video.as_str())
        .bind(stage.as_str())
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// The state of one job, if it exists.
pub async fn state_of(
    pool: &SqlitePool,
    video: &VideoId,
    stage: Stage,
) -> Result<Option<JobState>> {
    let s: Option<String> =
        sqlx::query_scalar("SELECT state FROM jobs WHERE video_id = ? AND stage = ?")
            .bind(video.as_str())
            .bind(stage.as_str())
            .fetch_optional(pool)
            .await?;
    Ok(s.and_then(|s| s.parse().ok()))
}

/// Whether another video's `stage` job is queued or running.
pub async fn others_waiting(pool: &SqlitePool, stage: Stage, video: &VideoId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE stage = ? AND state IN ('queued', 'running')
         AND video_id <> ?",
    )
    .bind(stage.as_str())
    .bind(video.as_str())
    .fetch_one(pool)
    .await?;
    Ok(n > 0)
}

/// Each job of `video` with its state, in pipeline order.
pub async fn stage_states(pool: &SqlitePool, video: &VideoId) -> Result<Vec<(Stage, JobState)>> {
    let rows = sqlx::query("SELECT stage, state FROM jobs WHERE video_id = ? ORDER BY stage_order")
        .bind(video.as_str())
        .fetch_all(pool)
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let stage: String = row.try_get("stage")?;
        let state: String = row.try_get("state")?;
        if let (Ok(stage), Ok(state)) = (stage.parse(), state.parse()) {
            out.push((stage, state));
        }
    }
    Ok(out)
}

/// Counts of jobs per state, for `heimdex status`.
pub async fn counts(pool: &SqlitePool) -> Result<Vec<(JobState, i64)>> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state")
        .fetch_all(pool)
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let s: String = row.try_get("state")?;
        if let Ok(state) = s.parse() {
            out.push((state, row.try_get("n")?));
        }
    }
    Ok(out)
}

/// What each stage costs in this library lately, in seconds per second of video: over its last
/// [`COST_HISTORY`] finished jobs on videos of at least [`COST_MIN_VIDEO_SECS`] (speech only on
/// videos with sound). A job's seconds are its fair share of the time it ran: while `n` finished
/// jobs ran at once (stages of one video overlap, videos run side by side) each second counts
/// `1/n`, so that the costs add up to the time the work took, as the ETA weighs them. Stages with
/// no such job are missing.
pub async fn usual_costs(pool: &SqlitePool) -> Result<Vec<(Stage, f64)>> {
    let rows = sqlx::query(
        "SELECT j.stage, j.started_at, j.finished_at, v.duration_secs, v.has_audio
         FROM jobs j JOIN videos v ON v.id = j.video_id
         WHERE j.state = 'done' AND j.started_at IS NOT NULL AND j.finished_at >= j.started_at
         ORDER BY j.finished_at DESC LIMIT ?",
    )
    .bind(COST_HISTORY * 8)
    .fetch_all(pool)
    .await?;
    // (stage, (started, finished) in Unix ms, video seconds, video has sound)
    type Run = (Option<Stage>, (i64, i64), f64, bool);
    let mut runs: Vec<Run> = Vec::with_capacity(rows.len());
    for row in rows {
        let stage: String = row.try_get("stage")?;
        runs.push((
            stage.parse().ok(),
            (row.try_get("started_at")?, row.try_get("finished_at")?),
            row.try_get("duration_secs")?,
            row.try_get("has_audio")?,
        ));
    }
    let spans: Vec<(i64, i64)> = runs.iter().map(|r| r.1).collect();
    // Per stage: fair-share seconds, video seconds, jobs counted.
    let mut sums: Vec<(Stage, f64, f64, i64)> = Vec::new();
    for &(stage, span, duration, has_audio) in &runs {
        let Some(stage) = stage else { continue };
        if duration < COST_MIN_VIDEO_SECS || (stage == Stage::Speech && !has_audio) {
            continue;
        }
        let i = match sums.iter().position(|(s, ..)| *s == stage) {
            Some(i) => i,
            None => {
                sums.push((stage, 0.0, 0.0, 0));
                sums.len() - 1
            }
        };
        if sums[i].3 < COST_HISTORY {
            sums[i].1 += fair_share_secs(span, &spans);
            sums[i].2 += duration;
            sums[i].3 += 1;
        }
    }
    Ok(sums
        .into_iter()
        .filter(|(_, _, d, _)| *d > 0.0)
        .map(|(s, secs, d, _)| (s, secs / d))
        .collect())
}

/// Seconds of `span` (Unix ms), each counted `1/n` while `n` of `spans` (it among them) ran.
fn fair_share_secs(span: (i64, i64), spans: &[(i64, i64)]) -> f64 {
    let (start, end) = span;
    let mut cuts: Vec<i64> = spans
        .iter()
        .flat_map(|&(a, b)| [a, b])
        .filter(|t| *t > start && *t < end)
        .chain([start, end])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|w| {
            let n = spans
                .iter()
                .filter(|&&(a, b)| a <= w[0] && b >= w[1])
                .count()
                .max(1);
            (w[1] - w[0]) as f64 / 1000.0 / n as f64
        })
        .sum()
}

/// Finished jobs per stage that [`usual_costs`] averages.
pub const COST_HISTORY: i64 = 20;
/// Shorter videos say more about start-up than about a stage's cost per second.
pub const COST_MIN_VIDEO_SECS: f64 = 20.0;

/// True when none of `videos`' jobs is queued-and-runnable or running.
pub async fn all_settled(pool: &SqlitePool, videos: &[VideoId]) -> Result<bool> {
    for v in videos {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs j WHERE j.video_id = ? AND (j.state = 'running' OR (j.state = 'queued'
               AND NOT EXISTS (SELECT 1 FROM jobs d WHERE d.video_id = j.video_id
                               AND d.stage_order < j.stage_order AND d.state IN ('failed', 'cancelled'))))",
        )
        .bind(v.as_str())
        .fetch_one(pool)
        .await?;
        if n > 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let base = std::time::Duration::from_secs(2);
        assert_eq!(backoff_ms(base, 1), 2_000);
        assert_eq!(backoff_ms(base, 2), 8_000);
        assert_eq!(backoff_ms(base, 3), 32_000);
        assert_eq!(backoff_ms(base, 30), 600_000);
    }

    async fn library_with_videos(dir: &std::path::Path, ids: &[&str]) -> crate::Library {
        let lib = crate::Library::open(heimdex_core::DataPaths::under(dir))
            .await
            .expect("opens");
        for id in ids {
            sqlx::query(
                "INSERT INTO videos (id, content_hash, path, file_name, size_bytes, duration_secs, width, height, fps, \
                 rotation, video_codec, has_audio, info_json, imported_at, updated_at) \
                 VALUES (?, ?, '/v.mp4', 'v.mp4', 1, 30, 64, 64, 25, 0, 'h264', 1, '{}', 0, 0)",
            )
            .bind(id)
            .bind(id)
            .execute(lib.pool())
            .await
            .expect("video row");
            enqueue(lib.pool(), &VideoId((*id).into()), &Stage::ALL)
                .await
                .expect("queued");
        }
        lib
    }

    async fn claim_all(pool: &SqlitePool, only: Option<&[VideoId]>) -> Vec<Stage> {
        let mut got = Vec::new();
        while let Some(j) = claim_next_among(pool, only).await.expect("claims") {
            got.push(j.stage);
        }
        got
    }

    #[tokio::test]
    async fn independent_stages_of_a_video_run_together() {
        let tmp = tempfile::tempdir().expect("tmp");
        let lib = library_with_videos(tmp.path(), &["aaaa"]).await;
        let pool = lib.pool();
        let v = VideoId("aaaa".into());
        // Poster, scenes and speech need nothing: all three can be claimed at once.
        assert_eq!(
            claim_all(pool, None).await,
            [Stage::Poster, Stage::Scenes, Stage::Speech]
        );
        // Vision waits for the scenes only, not for speech.
        mark_done(pool, &v, Stage::Scenes).await.expect("done");
        assert_eq!(claim_all(pool, None).await, [Stage::Vision]);
        mark_done(pool, &v, Stage::Vision).await.expect("done");
        mark_done(pool, &v, Stage::Poster).await.expect("done");
        // Embed waits for speech.
        assert!(claim_all(pool, None).await.is_empty());
        mark_done(pool, &v, Stage::Speech).await.expect("done");
        assert_eq!(claim_all(pool, None).await, [Stage::Embed]);
        assert!(claim_all(pool, None).await.is_empty());
        mark_done(pool, &v, Stage::Embed).await.expect("done");
        assert_eq!(claim_all(pool, None).await, [Stage::Caption]);
    }

    #[tokio::test]
    async fn claims_can_be_limited_to_some_videos() {
        let tmp = tempfile::tempdir().expect("tmp");
        let lib = library_with_videos(tmp.path(), &["aaaa", "bbbb"]).await;
        let pool = lib.pool();
        let b = [VideoId("bbbb".into())];
        assert!(claim_all(pool, Some(&[])).await.is_empty());
        let got = claim_all(pool, Some(&b)).await;
        assert_eq!(got, [Stage::Poster, Stage::Scenes, Stage::Speech]);
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE video_id = 'aaaa' AND state = 'running'",
        )
        .fetch_one(pool)
        .await
        .expect("counts");
        assert_eq!(n, 0);
    }

    #[tokio::test]
    async fn usual_costs_come_from_finished_jobs_on_long_enough_videos() {
        let tmp = tempfile::tempdir().expect("tmp");
        // Videos of 30 s (the helper's) with sound.
        let lib = library_with_videos(tmp.path(), &["aaaa", "bbbb", "cccc"]).await;
        let pool = lib.pool();
        assert!(usual_costs(pool).await.expect("reads").is_empty());
        let finish = |video: &'static str, stage: &'static str, secs: i64| async move {
            sqlx::query(
                "UPDATE jobs SET state = 'done', started_at = 1000, finished_at = 1000 + ?
                 WHERE video_id = ? AND stage = ?",
            )
            .bind(secs * 1000)
            .bind(video)
            .bind(stage)
            .execute(pool)
            .await
            .expect("updates");
        };
        finish("aaaa", "speech", 3).await;
        finish("bbbb", "speech", 6).await;
        finish("aaaa", "scenes", 2).await;
        // A running job and a short video's job do not count.
        sqlx::query("UPDATE jobs SET state = 'running', started_at = 1 WHERE video_id = 'cccc' AND stage = 'embed'")
            .execute(pool)
            .await
            .expect("updates");
        sqlx::query("UPDATE videos SET duration_secs = 5 WHERE id = 'cccc'")
            .execute(pool)
            .await
            .expect("updates");
        finish("cccc", "scenes", 100).await;
        // All started at the same moment, beside the short video's scenes job (which counts for
        // sharing the machine, not for costs): aaaa's scenes (2 s) ran four at once; aaaa's
        // speech: 2 s four at once, 1 s three; bbbb's speech: the same, then 3 s two at once.
        let mut got = usual_costs(pool).await.expect("reads");
        got.sort_by_key(|(s, _)| s.order());
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, Stage::Scenes);
        assert!((got[0].1 - 0.5 / 30.0).abs() < 1e-9, "{got:?}");
        assert_eq!(got[1].0, Stage::Speech);
        let (a, b) = (0.5 + 1.0 / 3.0, 0.5 + 1.0 / 3.0 + 1.5);
        assert!((got[1].1 - (a + b) / 60.0).abs() < 1e-9, "{got:?}");
        // Speech on a video without sound says nothing about speech.
        sqlx::query("UPDATE videos SET has_audio = 0 WHERE id = 'bbbb'")
            .execute(pool)
            .await
            .expect("updates");
        let got = usual_costs(pool).await.expect("reads");
        let speech = got
            .iter()
            .find(|(s, _)| *s == Stage::Speech)
            .expect("speech");
        assert!((speech.1 - a / 30.0).abs() < 1e-9, "{got:?}");
    }

    #[test]
    fn a_job_alone_counts_whole_and_shared_seconds_split() {
        assert!((fair_share_secs((0, 4000), &[(0, 4000)]) - 4.0).abs() < 1e-9);
        let spans = [(0, 4000), (2000, 6000), (3000, 3500)];
        // 2 s alone, 1 s with one other, 0.5 s with two, 0.5 s with one.
        let want = 2.0 + 0.5 + 0.5 / 3.0 + 0.25;
        assert!((fair_share_secs((0, 4000), &spans) - want).abs() < 1e-9);
    }

    #[test]
    fn dependencies_point_backwards() {
        // Every dependency comes earlier in the pipeline order (no cycles, and the order the
        // window lists stages in stays meaningful).
        for s in Stage::ALL {
            for d in dependencies(s) {
                assert!(d.order() < s.order(), "{s} depends on {d}");
            }
        }
    }
}
