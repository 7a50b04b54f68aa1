//! The worker pool: claims jobs from the queue and runs their stages with bounded concurrency.

use super::eta::StageCosts;
use super::{Pipeline, ProgressReporter, StageContext, StageError, VideoEta};
use crate::error::Result;
use crate::jobs::{self, ClaimedJob};
use crate::lock::RunnerLock;
use heimdex_core::{Event, JobUpdate, Stage, VideoId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How often the runner looks for cancellations made by other processes and saves progress.
const POLL: Duration = Duration::from_millis(400);

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Videos indexed at once. The stages of one video that do not depend on each other (see
    /// [`jobs::dependencies`]) run at the same time within it.
    pub concurrency: usize,
    /// Return once no job is left (the CLI); otherwise wait for more work until shut down (the app).
    pub exit_when_idle: bool,
    /// Wait before the second attempt of a failed job; each further attempt waits 4× longer.
    pub backoff_base: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            concurrency: default_concurrency(),
            exit_when_idle: true,
            backoff_base: Duration::from_secs(2),
        }
    }
}

/// The videos with a running job, each once.
fn active_videos<T>(active: &HashMap<(VideoId, Stage), T>) -> Vec<VideoId> {
    let mut v: Vec<VideoId> = active.keys().map(|(v, _)| v.clone()).collect();
    v.sort();
    v.dedup();
    v
}

/// Half the cores, at least one: each stage already uses several threads (ffmpeg, the models).
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| (n.get() / 2).max(1))
        .unwrap_or(1)
}

/// Runs jobs for one library while holding its runner lock.
pub struct Runner {
    pipeline: Pipeline,
    _lock: RunnerLock,
}

struct Active {
    cancel: CancellationToken,
    progress: ProgressReporter,
}

impl Runner {
    /// Takes the library's runner lock; `None` when another process is running jobs. Jobs that a
    /// killed process left running are queued again.
    pub async fn acquire(pipeline: &Pipeline) -> Result<Option<Self>> {
        let Some(lock) = RunnerLock::try_acquire(pipeline.library().paths())? else {
            return Ok(None);
        };
        let recovered = jobs::recover_orphans(pipeline.library().pool()).await?;
        if recovered > 0 {
            tracing::info!(recovered, "resuming jobs a stopped process left unfinished");
        }
        if pipeline.stages().contains(&Stage::Vision) {
            crate::stages::vision::requeue_skipped(pipeline.library()).await?;
        }
        Ok(Some(Self {
            pipeline: pipeline.clone(),
            _lock: lock,
        }))
    }

    /// Runs until idle (with `exit_when_idle`) or until `shutdown` is cancelled. On shutdown,
    /// running jobs are cancelled and put back in the queue so that the next start resumes them.
    pub async fn run(&self, opts: &RunOptions, shutdown: CancellationToken) -> Result<()> {
        let library = self.pipeline.library().clone();
        let pool = library.pool().clone();
        let concurrency = opts.concurrency.max(1);
        let mut tasks: JoinSet<(VideoId, Stage)> = JoinSet::new();
        let mut active: HashMap<(VideoId, Stage), Active> = HashMap::new();
        // Each video being indexed has one estimate of its time left, shared by its jobs.
        let mut etas: HashMap<VideoId, Arc<VideoEta>> = HashMap::new();
        let mut was_busy = true;
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            let mut disk_full = false;
            loop {
                // `concurrency` counts videos: a further stage of a video being indexed may start
                // (its stages that do not depend on each other run together), another video only
                // while fewer than `concurrency` are being indexed.
                let videos = active_videos(&active);
                let only = (videos.len() >= concurrency).then_some(videos.as_slice());
                let job = match jobs::claim_next_among(&pool, only).await {
                    Ok(Some(job)) => job,
                    Ok(None) => break,
                    // The database's own disk is full: wait for room instead of stopping.
                    Err(e) if is_disk_full(&e.to_string()) => {
                        tracing::warn!("the library's disk is full; indexing waits: {e}");
                        disk_full = true;
                        break;
                    }
                    Err(e) => return Err(e),
                };
                let key = (job.video.clone(), job.stage);
                match self
                    .start(job, opts.backoff_base, &mut tasks, &mut etas)
                    .await
                {
                    Ok(Some(a)) => {
                        active.insert(key, a);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!("could not start a job: {e}"),
                }
            }
            let videos = active_videos(&active);
            etas.retain(|v, _| videos.contains(v));
            if active.is_empty() && jobs::pending_count(&pool).await? == 0 {
                if was_busy {
                    library.emit(Event::Idle);
                    was_busy = false;
                }
                if opts.exit_when_idle {
                    break;
                }
            } else {
                was_busy = true;
            }
            let wait = match jobs::next_wakeup_ms(&pool).await? {
                _ if disk_full => opts.backoff_base.saturating_mul(DISK_FULL_WAIT_FACTOR),
                Some(ms) if active.is_empty() => {
                    Duration::from_millis(ms as u64).clamp(Duration::from_millis(20), POLL)
                }
                _ => POLL,
            };
            tokio::select! {
                Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Ok(key) = joined { active.remove(&key); }
                }
                _ = library.work_added().notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.cancelled() => {}
            }
            self.poll_active(&active).await;
        }
        // Shutting down: stop running jobs and queue them again for the next start.
        for a in active.values() {
            a.cancel.cancel();
        }
        while tasks.join_next().await.is_some() {}
        jobs::requeue_interrupted(&pool).await?;
        Ok(())
    }

    /// Propagates cancellations made in the database (by any process) and saves progress.
    async fn poll_active(&self, active: &HashMap<(VideoId, Stage), Active>) {
        let pool = self.pipeline.library().pool();
        for ((video, stage), a) in active {
            match jobs::state_of(pool, video, *stage).await {
                Ok(Some(heimdex_core::JobState::Running)) => {
                    if let Some(f) = a.progress.latest_fraction() {
                        let _ = jobs::set_progress(pool, video, *stage, f).await;
                    }
                }
                // Cancelled, or the video was removed.
                Ok(_) => a.cancel.cancel(),
                Err(_) => {}
            }
        }
    }

    async fn start(
        &self,
        job: ClaimedJob,
        backoff_base: Duration,
        tasks: &mut JoinSet<(VideoId, Stage)>,
        etas: &mut HashMap<VideoId, Arc<VideoEta>>,
    ) -> Result<Option<Active>> {
        let library = self.pipeline.library().clone();
        let pool = library.pool().clone();
        let Some(video) = crate::videos::get(&pool, &job.video).await? else {
            return Ok(None);
        };
        let Some(runner) = self.pipeline.stage_runner(job.stage) else {
            jobs::mark_failed(
                &pool,
                &job.video,
                job.stage,
                "this version of Heimdex cannot run this stage",
                None,
            )
            .await?;
            return Ok(None);
        };
        let eta = match etas.get(&video.id) {
            Some(e) => e.clone(),
            None => {
                let states = jobs::stage_states(&pool, &video.id).await?;
                let stages: Vec<(Stage, bool)> = states
                    .iter()
                    .map(|(s, st)| (*s, *st == heimdex_core::JobState::Done))
                    .collect();
                // A library whose history cannot be read estimates from the priors.
                let costs = jobs::usual_costs(&pool)
                    .await
                    .map_or_else(|_| StageCosts::priors(), StageCosts::learned);
                let e = Arc::new(VideoEta::new(video.info.duration_secs, &stages, costs));
                etas.insert(video.id.clone(), e.clone());
                e
            }
        };
        let progress = ProgressReporter::new(
            video.id.clone(),
            video.file_name.clone(),
            job.stage,
            library.events().clone(),
        )
        .with_video_eta(eta.clone());
        let cancel = CancellationToken::new();
        let ctx = StageContext {
            library: library.clone(),
            video: video.clone(),
            progress: progress.clone(),
            cancel: cancel.clone(),
            attempt: job.attempt,
        };
        let emit = {
            let library = library.clone();
            let (id, name, stage) = (video.id.clone(), video.file_name.clone(), job.stage);
            move |update: JobUpdate| {
                library.emit(Event::Job {
                    video: id.clone(),
                    name: name.clone(),
                    stage,
                    update,
                });
            }
        };
        emit(JobUpdate::Started {
            attempt: job.attempt,
        });
        let key = (job.video.clone(), job.stage);
        tasks.spawn(async move {
            let started = Instant::now();
            let result = match still_the_imported_file(&video).await {
                // A panicking stage must not take the runner down: run it as its own task.
                Ok(()) => match tokio::spawn(async move { runner.run(ctx).await }).await {
                    Ok(r) => r,
                    Err(e) => Err(StageError::Transient(format!("the stage crashed: {e}"))),
                },
                Err(e) => Err(e),
            };
            let outcome = finish(&pool, &job, result, backoff_base).await;
            match &outcome {
                Ok(Finished::Done) => eta.done(job.stage),
                _ => eta.stopped(job.stage),
            }
            match outcome {
                Ok(update) => emit(match update {
                    Finished::Done => JobUpdate::Done {
                        secs: started.elapsed().as_secs_f64(),
                    },
                    Finished::Cancelled => JobUpdate::Cancelled,
                    Finished::Failed {
                        error,
                        retry_in_secs,
                    } => JobUpdate::Failed {
                        error,
                        retry_in_secs,
                    },
                }),
                Err(e) => tracing::warn!("could not record the end of a job: {e}"),
            }
            key
        });
        Ok(Some(Active { cancel, progress }))
    }
}

/// Before a stage reads a video's file: it must still be there and still be the file that was
/// imported (same size and content hash), or the stage would index another file's pictures and
/// words under this video.
async fn still_the_imported_file(
    video: &crate::VideoRecord,
) -> std::result::Result<(), StageError> {
    let path = video.path.clone();
    let (size, hash) = (video.size_bytes, video.content_hash.clone());
    let checked = tokio::task::spawn_blocking(move || -> std::io::Result<bool> {
        let meta = std::fs::metadata(&path)?;
        Ok(meta.len() == size && crate::hash::still_holds(&path, &hash)?)
    })
    .await;
    let shown = video.path.display();
    match checked {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err(StageError::Permanent(format!(
            "{shown} changed since it was imported (another file, or still being written); \
             what was indexed before is kept. Import it again to index the file as it is now"
        ))),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(StageError::Permanent(
            format!("file not found at {shown}; if it was moved, import it from its new place"),
        )),
        Ok(Err(e)) => Err(StageError::Transient(format!("cannot read {shown}: {e}"))),
        Err(e) => Err(StageError::Transient(format!("internal error: {e}"))),
    }
}

/// A job stopped by a full disk tries again after this many back-off bases (30 s by default).
const DISK_FULL_WAIT_FACTOR: u32 = 15;

/// Whether a stage's error says the disk (or the database on it) is full.
fn is_disk_full(error: &str) -> bool {
    [
        "No space left on device",
        "os error 28",
        "database or disk is full",
    ]
    .iter()
    .any(|s| error.contains(s))
}

enum Finished {
    Done,
    Cancelled,
    Failed {
        error: String,
        retry_in_secs: Option<f64>,
    },
}

async fn finish(
    pool: &sqlx::SqlitePool,
    job: &ClaimedJob,
    result: std::result::Result<(), StageError>,
    backoff_base: Duration,
) -> Result<Finished> {
    match result {
        Ok(()) => {
            jobs::mark_done(pool, &job.video, job.stage).await?;
            Ok(Finished::Done)
        }
        // A full disk is not the video's fault: the job waits (its attempts untouched) and the
        // queue goes on by itself once there is room again.
        Err(StageError::Transient(error) | StageError::Permanent(error))
            if is_disk_full(&error) =>
        {
            let wait = backoff_base.saturating_mul(DISK_FULL_WAIT_FACTOR);
            let error = format!(
                "{error} — the disk is full: free some space; indexing waits and goes on by itself"
            );
            jobs::wait_for_space(pool, &job.video, job.stage, &error, wait.as_millis() as i64)
                .await?;
            Ok(Finished::Failed {
                error,
                retry_in_secs: Some(wait.as_secs_f64()),
            })
        }
        Err(StageError::Cancelled) => {
            // The row is already 'cancelled' when a user cancelled; on shutdown it stays 'running'
            // and `recover_orphans` queues it again.
            Ok(Finished::Cancelled)
        }
        Err(StageError::Permanent(error)) => {
            jobs::mark_failed(pool, &job.video, job.stage, &error, None).await?;
            Ok(Finished::Failed {
                error,
                retry_in_secs: None,
            })
        }
        Err(StageError::Transient(error)) => {
            let retry = (job.attempt < job.max_attempts)
                .then(|| jobs::backoff_ms(backoff_base, job.attempt));
            jobs::mark_failed(pool, &job.video, job.stage, &error, retry).await?;
            Ok(Finished::Failed {
                error,
                retry_in_secs: retry.map(|ms| ms as f64 / 1000.0),
            })
        }
    }
}

/// Shared handle type the app keeps.
pub type SharedRunner = Arc<Runner>;
