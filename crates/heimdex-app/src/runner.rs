//! The pipeline runner in the background of the window: takes the library's runner lock (waiting
//! while a CLI holds it), runs jobs until the app quits, and restarts when the concurrency changes.

use heimdex_library::{Pipeline, RunOptions, Runner};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the app tries again for the runner lock while another process holds it.
const LOCK_RETRY: Duration = Duration::from_secs(3);

/// Controls the background runner.
pub struct RunnerControl {
    concurrency: AtomicU32,
    /// Cancelled to stop the current run (for a restart or for good).
    current: Mutex<CancellationToken>,
    shutdown: CancellationToken,
    stopped: tokio::sync::Notify,
    finished: std::sync::atomic::AtomicBool,
}

impl RunnerControl {
    pub fn new(concurrency: u32) -> Arc<Self> {
        Arc::new(Self {
            concurrency: AtomicU32::new(concurrency.max(1)),
            current: Mutex::new(CancellationToken::new()),
            shutdown: CancellationToken::new(),
            stopped: tokio::sync::Notify::new(),
            finished: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Runs with `n` workers from now on; running jobs are put back in the queue and resume.
    pub fn set_concurrency(&self, n: u32) {
        if self.concurrency.swap(n.max(1), Ordering::SeqCst) != n.max(1) {
            if let Ok(t) = self.current.lock() {
                t.cancel();
            }
        }
    }

    /// Stops the runner; running jobs go back to the queue for the next start. Waits at most
    /// `patience`.
    pub async fn shutdown(&self, patience: Duration) {
        self.shutdown.cancel();
        if let Ok(t) = self.current.lock() {
            t.cancel();
        }
        let stopped = self.stopped.notified();
        tokio::pin!(stopped);
        stopped.as_mut().enable();
        if self.finished.load(Ordering::SeqCst) {
            return;
        }
        let _ = tokio::time::timeout(patience, stopped).await;
    }

    fn fresh_token(&self) -> CancellationToken {
        let token = self.shutdown.child_token();
        if let Ok(mut t) = self.current.lock() {
            *t = token.clone();
        }
        token
    }
}

/// The runner's loop; spawn it on the async runtime.
pub async fn run(pipeline: Pipeline, control: Arc<RunnerControl>) {
    let runner = loop {
        match Runner::acquire(&pipeline).await {
            Ok(Some(r)) => break Some(r),
            Ok(None) => tracing::info!("another Heimdex process is indexing this library; waiting"),
            Err(e) => tracing::warn!("the runner could not start: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(LOCK_RETRY) => {}
            _ = control.shutdown.cancelled() => break None,
        }
    };
    if let Some(runner) = runner {
        while !control.shutdown.is_cancelled() {
            let token = control.fresh_token();
            let opts = RunOptions {
                concurrency: control.concurrency.load(Ordering::SeqCst) as usize,
                exit_when_idle: false,
                ..RunOptions::default()
            };
            tracing::info!(concurrency = opts.concurrency, "runner started");
            if let Err(e) = runner.run(&opts, token).await {
                tracing::warn!("the runner stopped: {e}; restarting");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                    _ = control.shutdown.cancelled() => {}
                }
            }
        }
    }
    control.finished.store(true, Ordering::SeqCst);
    control.stopped.notify_waiters();
}
