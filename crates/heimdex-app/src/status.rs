//! What is in the library and how far indexing is: the listing (`heimdex videos`, the window's
//! library grid) and the status report (`heimdex status`, with each model found or missing).

use crate::app::App;
use crate::error::AppResult;
use heimdex_core::{JobState, Stage, VideoStatus};
use heimdex_library::models::{self, ModelState};
use heimdex_library::{import, jobs, videos, visual, ImportFailure, VideoSummary};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Every video with its status, and the files that could not be imported.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub videos: Vec<VideoSummary>,
    pub failures: Vec<ImportFailure>,
}

/// A job that is running now.
#[derive(Debug, Clone, Serialize)]
pub struct RunningJob {
    pub file_name: String,
    pub stage: Stage,
    /// 0 to 1, when the stage reports it.
    pub progress: Option<f64>,
}

/// A video whose indexing failed, and why.
#[derive(Debug, Clone, Serialize)]
pub struct FailedVideo {
    pub path: PathBuf,
    pub error: String,
}

/// The library at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct LibraryStatus {
    pub data_dir: PathBuf,
    pub videos: usize,
    pub ready: usize,
    pub indexing: usize,
    pub queued: usize,
    pub failed: usize,
    pub cancelled: usize,
    /// Jobs by state (`queued`, `running`, `done`, …).
    pub jobs: BTreeMap<&'static str, i64>,
    /// The stages every video goes through, in order.
    pub stages: Vec<Stage>,
    pub running: Vec<RunningJob>,
    pub failed_videos: Vec<FailedVideo>,
    pub import_failures: Vec<ImportFailure>,
    pub model_dir: PathBuf,
    /// Each model the stages use, found or missing (with the fix).
    pub models: Vec<ModelState>,
    /// Videos indexed while the picture model was missing.
    pub indexed_without_pictures: usize,
}

impl App {
    /// Every video with its status, and the import failures.
    pub async fn listing(&self) -> AppResult<Listing> {
        let pool = self.library().pool();
        Ok(Listing {
            videos: videos::list_summaries(pool).await?,
            failures: import::failures(pool).await?,
        })
    }

    /// The status report.
    pub async fn status(&self) -> AppResult<LibraryStatus> {
        let lib = self.library();
        let Listing { videos, failures } = self.listing().await?;
        let count = |st: VideoStatus| videos.iter().filter(|s| s.status == st).count();
        let running = videos
            .iter()
            .filter(|s| s.status == VideoStatus::Indexing)
            .flat_map(|s| {
                s.jobs
                    .iter()
                    .filter(|j| j.state == JobState::Running)
                    .map(|j| RunningJob {
                        file_name: s.video.file_name.clone(),
                        stage: j.stage,
                        progress: j.progress,
                    })
            })
            .collect();
        let failed_videos = videos
            .iter()
            .filter(|s| s.status == VideoStatus::Failed)
            .map(|s| FailedVideo {
                path: s.video.path.clone(),
                error: s.error.clone().unwrap_or_else(|| "unknown error".into()),
            })
            .collect();
        Ok(LibraryStatus {
            data_dir: lib.paths().data_dir.clone(),
            videos: videos.len(),
            ready: count(VideoStatus::Ready),
            indexing: count(VideoStatus::Indexing),
            queued: count(VideoStatus::Queued),
            failed: count(VideoStatus::Failed),
            cancelled: count(VideoStatus::Cancelled),
            jobs: jobs::counts(lib.pool())
                .await?
                .into_iter()
                .map(|(s, n)| (s.as_str(), n))
                .collect(),
            stages: self.pipeline.stages(),
            running,
            failed_videos,
            import_failures: failures,
            model_dir: lib.paths().model_dir.clone(),
            models: models::report(lib.paths()),
            indexed_without_pictures: visual::skipped_videos(lib.pool()).await?.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use heimdex_core::DataPaths;

    #[tokio::test]
    async fn an_empty_library_reports_its_folders_stages_and_models() {
        let dir = tempfile::tempdir().expect("tempdir");
        let app = App::open_at(DataPaths::under(dir.path()))
            .await
            .expect("opens");
        let s = app.status().await.expect("status");
        assert_eq!(s.videos, 0);
        assert_eq!(s.data_dir, app.library().paths().data_dir);
        assert!(s.stages.contains(&Stage::Scenes), "{:?}", s.stages);
        assert!(!s.models.is_empty());
        assert!(s.running.is_empty() && s.failed_videos.is_empty());
        let json = serde_json::to_value(&s).expect("serialises");
        for key in ["data_dir", "videos", "ready", "jobs", "stages", "models"] {
            assert!(json.get(key).is_some(), "{key} missing in {json}");
        }
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_video_is_listed_as_a_failure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let app = App::open_at(DataPaths::under(dir.path().join("lib")))
            .await
            .expect("opens");
        let bad = dir.path().join("broken.mp4");
        std::fs::write(&bad, b"not a video").expect("write");
        let report = app
            .import(std::slice::from_ref(&bad))
            .await
            .expect("imports");
        assert!(report.videos.is_empty());
        let listing = app.listing().await.expect("listing");
        assert!(listing.videos.is_empty());
        assert_eq!(listing.failures.len(), 1, "{:?}", listing.failures);
        assert_eq!(listing.failures[0].path, bad);
    }
}
