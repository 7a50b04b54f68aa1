//! Pushing the outbox: batches of hundreds of rows per round trip, idempotent, with retries and
//! exponential back-off. Nothing leaves the outbox before the backend has committed it, so an
//! offline machine or a dead server loses nothing; a push whose answer was lost is repeated, which
//! the stable ids make harmless.

use crate::config::PushState;
use crate::doc::Identity;
use crate::error::SyncError;
use crate::local_docs::{self, VectorChoice};
use crate::outbox::{self, Op, OutboxRow};
use crate::target::SyncTarget;
use heimdex_core::{Event, JobUpdate};
use heimdex_library::Library;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Rows per round trip by default.
pub const DEFAULT_BATCH: usize = 500;
/// First wait after a failed push; doubled each time up to [`MAX_BACKOFF`].
pub const BASE_BACKOFF: Duration = Duration::from_secs(1);
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// How often an idle background drainer looks at the outbox (other processes queue rows too).
pub const IDLE_POLL: Duration = Duration::from_secs(5);
/// Fresh scenes moved into the backend's vector index per request ([`Drainer::index_backlog`]).
pub const INDEX_STEP: usize = 500;

/// Wait before retry number `failures` (1 = after the first failure): `base * 2^(failures-1)`,
/// capped, with ±20 % jitter from `jitter` in `[0, 1)` so many clients do not retry in step.
pub fn backoff(failures: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let exp = base.saturating_mul(1u32 << failures.saturating_sub(1).min(20));
    let d = exp.min(cap);
    d.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
}

/// What one push round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Round {
    pub scenes: u64,
    pub deleted_videos: u64,
    /// Rows with nothing left to push (video or scene gone locally).
    pub skipped: u64,
    /// Rows the backend refused (set aside as failed).
    pub refused: u64,
}

impl Round {
    fn add(&mut self, o: Round) {
        self.scenes += o.scenes;
        self.deleted_videos += o.deleted_videos;
        self.skipped += o.skipped;
        self.refused += o.refused;
    }
    pub fn rows(&self) -> u64 {
        self.scenes + self.deleted_videos + self.skipped + self.refused
    }
}

/// Pushes one library's outbox to one backend as one user.
#[derive(Clone)]
pub struct Drainer {
    library: Library,
    target: Arc<dyn SyncTarget>,
    who: Identity,
    batch: usize,
    choice: VectorChoice,
}

impl Drainer {
    pub fn new(library: Library, target: Arc<dyn SyncTarget>, who: Identity) -> Self {
        let (text_dim, image_dim) = target.dims();
        Self {
            library,
            target,
            who,
            batch: DEFAULT_BATCH,
            choice: VectorChoice {
                text_dim,
                image_dim,
                text_model: None,
            },
        }
    }

    /// Rows per round trip (at least 1).
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// The text model whose vectors are pushed when scenes have several of the backend's size.
    pub fn with_text_model(mut self, model: Option<String>) -> Self {
        self.choice.text_model = model;
        self
    }

    fn pool(&self) -> &sqlx::SqlitePool {
        self.library.pool()
    }

    /// Pushes the oldest run of rows (up to the batch size). `Ok(None)` when the outbox is empty.
    /// A retryable error (network, server down) leaves every row in place.
    pub async fn push_once(&self) -> Result<Option<Round>, SyncError> {
        let rows = outbox::next_batch(self.pool(), self.batch).await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        // One kind of operation per round trip, in queue order.
        let deleting = first.op == Op::DeleteVideo;
        let run: Vec<OutboxRow> = rows
            .into_iter()
            .take_while(|r| (r.op == Op::DeleteVideo) == deleting)
            .collect();
        let result = if deleting {
            self.push_deletes(&run).await
        } else {
            self.push_upserts(&run).await
        };
        match &result {
            Ok(_) => PushState::record_push(self.pool()).await?,
            Err(e) => PushState::record_error(self.pool(), &e.to_string()).await?,
        }
        result.map(Some)
    }

    async fn push_deletes(&self, run: &[OutboxRow]) -> Result<Round, SyncError> {
        let ids: Vec<Uuid> = run
            .iter()
            .map(|r| crate::ids::video_uuid(&r.content_hash))
            .collect();
        self.target.delete_videos(&self.who, &ids).await?;
        outbox::remove(self.pool(), &run.iter().map(|r| r.seq).collect::<Vec<_>>()).await?;
        Ok(Round {
            deleted_videos: run.len() as u64,
            ..Round::default()
        })
    }

    async fn push_upserts(&self, run: &[OutboxRow]) -> Result<Round, SyncError> {
        let built = local_docs::build(self.pool(), self.library.paths(), run, &self.choice).await?;
        outbox::remove(self.pool(), &built.stale).await?;
        let mut round = Round {
            skipped: built.stale.len() as u64,
            ..Round::default()
        };
        if built.scenes.is_empty() {
            return Ok(round);
        }
        match self
            .target
            .upsert(&self.who, &built.videos, &built.scenes)
            .await
        {
            Ok(()) => {
                outbox::remove(self.pool(), &built.seqs).await?;
                round.scenes = built.scenes.len() as u64;
                Ok(round)
            }
            Err(e) if e.is_retryable() => Err(e),
            Err(e) => {
                // Refused: find the rows at fault one by one so they cannot block the others.
                tracing::warn!("the backend refused a batch ({e}); pushing its rows one by one");
                let keep: Vec<OutboxRow> = run
                    .iter()
                    .filter(|r| built.seqs.contains(&r.seq))
                    .cloned()
                    .collect();
                for row in keep {
                    round.add(self.push_single(&row).await?);
                }
                Ok(round)
            }
        }
    }

    async fn push_single(&self, row: &OutboxRow) -> Result<Round, SyncError> {
        let built = local_docs::build(
            self.pool(),
            self.library.paths(),
            std::slice::from_ref(row),
            &self.choice,
        )
        .await?;
        outbox::remove(self.pool(), &built.stale).await?;
        if built.scenes.is_empty() {
            return Ok(Round {
                skipped: 1,
                ..Round::default()
            });
        }
        match self
            .target
            .upsert(&self.who, &built.videos, &built.scenes)
            .await
        {
            Ok(()) => {
                outbox::remove(self.pool(), &built.seqs).await?;
                Ok(Round {
                    scenes: 1,
                    ..Round::default()
                })
            }
            Err(e) if e.is_retryable() => Err(e),
            Err(e) => {
                outbox::mark_failed(self.pool(), row.seq, &e.to_string()).await?;
                Ok(Round {
                    refused: 1,
                    ..Round::default()
                })
            }
        }
    }

    /// Pushes until the outbox is empty, calling `progress(pushed_so_far, still_pending)` after each
    /// round. Stops at the first retryable error (the rows stay queued).
    pub async fn drain(&self, mut progress: impl FnMut(&Round, u64)) -> Result<Round, SyncError> {
        let mut total = Round::default();
        while let Some(round) = self.push_once().await? {
            total.add(round);
            let pending = outbox::counts(self.pool()).await?.pending;
            progress(&total, pending);
        }
        Ok(total)
    }

    /// One step of index maintenance: two concurrent requests each move up to [`INDEX_STEP`]
    /// fresh scenes into the backend's vector index (index inserts are CPU-bound in the server;
    /// two sessions use two of its cores and skip each other's rows). Returns how many moved.
    pub async fn index_step(&self) -> Result<u64, SyncError> {
        let one = || self.target.index_fresh(&self.who, INDEX_STEP);
        let (a, b) = tokio::join!(one(), one());
        Ok(a? + b?)
    }

    /// Moves the scenes pushed so far (by anyone) into the backend's vector index until none is
    /// left or `stop()` says so (checked between steps). Pushed scenes are searchable before
    /// this; it keeps the part of the archive that search ranks exactly small.
    /// `progress(moved_so_far)` after each step.
    pub async fn index_backlog(
        &self,
        stop: impl Fn() -> bool,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, SyncError> {
        let mut moved = 0;
        while !stop() {
            let n = self.index_step().await?;
            if n == 0 {
                break;
            }
            moved += n;
            progress(moved);
        }
        Ok(moved)
    }

    /// Keeps the outbox drained until `cancel`: pushes whenever rows are pending, backs off
    /// exponentially while the backend is unreachable, and never drops a row on the way.
    pub fn spawn(self, cancel: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move { self.run(cancel).await })
    }

    async fn run(self, cancel: CancellationToken) {
        let mut failures: u32 = 0;
        let mut events = self.library.subscribe();
        loop {
            let pushed = match self.drain(|_, _| {}).await {
                // Then index what was pushed, yielding to new rows and to shutdown.
                Ok(_) => self.index_while_idle(&cancel).await,
                Err(e) => Err(e),
            };
            let wait = match pushed {
                Ok(()) => {
                    failures = 0;
                    IDLE_POLL
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let d = backoff(failures, BASE_BACKOFF, MAX_BACKOFF, jitter());
                    if e.is_retryable() {
                        tracing::info!("team sync paused for {:.1} s: {e}", d.as_secs_f64());
                    } else {
                        tracing::warn!(
                            "team sync failed, retrying in {:.1} s: {e}",
                            d.as_secs_f64()
                        );
                    }
                    d
                }
            };
            let idle = failures == 0;
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
                // A finished job may have queued rows: push them at once (not while backing off).
                _ = work_queued(&mut events), if idle => {}
            }
        }
    }
}

impl Drainer {
    /// Index maintenance while the outbox is empty: stops for shutdown and for new rows.
    async fn index_while_idle(&self, cancel: &CancellationToken) -> Result<(), SyncError> {
        while !cancel.is_cancelled() && outbox::counts(self.pool()).await?.pending == 0 {
            if self.index_step().await? == 0 {
                break;
            }
        }
        Ok(())
    }
}

/// Returns when an event says rows may have been queued (a job finished, a video left).
async fn work_queued(events: &mut tokio::sync::broadcast::Receiver<Event>) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match events.recv().await {
            Ok(Event::Job {
                update: JobUpdate::Done { .. },
                ..
            })
            | Ok(Event::VideoRemoved { .. })
            | Err(RecvError::Lagged(_)) => return,
            Ok(_) => {}
            Err(RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

/// A number in `[0, 1)` that differs between clients and rounds.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(nanos % 1000) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = |n| backoff(n, Duration::from_secs(1), Duration::from_secs(300), 0.5);
        assert_eq!(b(1), Duration::from_secs(1));
        assert_eq!(b(2), Duration::from_secs(2));
        assert_eq!(b(5), Duration::from_secs(16));
        assert_eq!(b(30), Duration::from_secs(300));
        let lo = backoff(3, Duration::from_secs(1), Duration::from_secs(300), 0.0);
        let hi = backoff(3, Duration::from_secs(1), Duration::from_secs(300), 0.999);
        assert!(lo < Duration::from_secs(4) && hi > Duration::from_secs(4));
    }
}
