//! The contract every pipeline stage implements.

use crate::pipeline::progress::ProgressReporter;
use crate::videos::VideoRecord;
use crate::Library;
use heimdex_core::Stage;
use tokio_util::sync::CancellationToken;

/// Why a stage did not finish.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The user cancelled; the job is marked cancelled, not failed.
    #[error("cancelled")]
    Cancelled,
    /// The input itself is the problem (corrupt file, unsupported codec): retrying cannot help.
    #[error("{0}")]
    Permanent(String),
    /// Something that may work next time (a busy database, a missing model that may be installed,
    /// a killed child process): retried with back-off up to the job's attempt limit.
    #[error("{0}")]
    Transient(String),
}

impl From<crate::LibraryError> for StageError {
    fn from(e: crate::LibraryError) -> Self {
        StageError::Transient(e.to_string())
    }
}

impl From<sqlx::Error> for StageError {
    fn from(e: sqlx::Error) -> Self {
        StageError::Transient(format!("library database: {e}"))
    }
}

/// Everything a stage gets for one run on one video.
#[derive(Clone)]
pub struct StageContext {
    pub library: Library,
    pub video: VideoRecord,
    pub progress: ProgressReporter,
    pub cancel: CancellationToken,
    /// 1 on the first try.
    pub attempt: u32,
}

impl StageContext {
    /// `Err(Cancelled)` once the user has cancelled; call between units of work.
    pub fn check_cancelled(&self) -> Result<(), StageError> {
        if self.cancel.is_cancelled() {
            Err(StageError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// One step of the pipeline. Implementations must be idempotent: running a stage twice on the same
/// video leaves the same rows and files as running it once (replace, never append). Heavy work goes
/// to `tokio::task::spawn_blocking`; the runner's threads must stay free.
#[async_trait::async_trait]
pub trait StageRunner: Send + Sync + 'static {
    fn stage(&self) -> Stage;
    async fn run(&self, ctx: StageContext) -> Result<(), StageError>;
}
