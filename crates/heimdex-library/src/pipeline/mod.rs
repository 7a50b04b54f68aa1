//! The indexing pipeline: the stages, the facade the CLI and the app call, and the runner.

pub mod eta;
pub mod progress;
pub mod runner;
pub mod stage;

pub use eta::VideoEta;
pub use progress::ProgressReporter;
pub use runner::{RunOptions, Runner};
pub use stage::{StageContext, StageError, StageRunner};

use crate::error::Result;
use crate::import::{import_paths, ImportReport};
use crate::Library;
use heimdex_core::{Stage, VideoId};
use std::path::PathBuf;
use std::sync::Arc;

/// The library plus the stages this build can run. What the CLI and the window call.
#[derive(Clone)]
pub struct Pipeline {
    library: Library,
    stages: Arc<Vec<Arc<dyn StageRunner>>>,
}

impl Pipeline {
    pub fn new(library: Library, stages: Vec<Arc<dyn StageRunner>>) -> Self {
        let mut stages = stages;
        stages.sort_by_key(|s| s.stage().order());
        Self {
            library,
            stages: Arc::new(stages),
        }
    }

    pub fn library(&self) -> &Library {
        &self.library
    }

    /// The stages this build runs, in pipeline order.
    pub fn stages(&self) -> Vec<Stage> {
        self.stages.iter().map(|s| s.stage()).collect()
    }

    pub(crate) fn stage_runner(&self, stage: Stage) -> Option<Arc<dyn StageRunner>> {
        self.stages.iter().find(|s| s.stage() == stage).cloned()
    }

    /// Imports files and folders and queues every stage for each new video.
    pub async fn import(&self, paths: &[PathBuf]) -> Result<ImportReport> {
        import_paths(&self.library, paths, &self.stages()).await
    }

    /// Cancels a video's unfinished jobs; a running one stops at its next check.
    pub async fn cancel(&self, video: &VideoId) -> Result<u64> {
        let n = crate::jobs::cancel_video(self.library.pool(), video).await?;
        self.library.notify_work();
        Ok(n)
    }

    /// Queues a video's failed and cancelled jobs again (and any stage it never had).
    pub async fn retry(&self, video: &VideoId) -> Result<u64> {
        let pool = self.library.pool();
        crate::jobs::enqueue(pool, video, &self.stages()).await?;
        let n = crate::jobs::retry_video(pool, video).await?;
        self.library.notify_work();
        Ok(n)
    }

    /// Removes a video from the library with everything derived from it (rows and cached files).
    /// The video file itself is never touched.
    pub async fn remove(&self, video: &VideoId) -> Result<bool> {
        crate::videos::remove_with_derived(&self.library, video).await
    }
}
