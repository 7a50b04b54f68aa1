//! The open library and what runs on it, for both shells: the command line opens it with
//! [`App::open`]; the window adds the background runner, the player's media server and the team
//! session with [`App::start`].

use crate::error::{AppError, AppResult};
use crate::media_server::{MediaServer, VideoLookup};
use crate::provider::{KeychainSecret, SecretStore};
use crate::runner::RunnerControl;
use crate::settings;
use crate::views::{ImportSummary, SceneView, SegmentView, Settings, VideoDetail, VideoView};
use heimdex_core::{DataPaths, JobState, Stage, VideoId};
use heimdex_library::folders;
use heimdex_library::stages::poster::poster_path;
use heimdex_library::{scenes, transcripts, videos, ImportReport, Library, Pipeline, VideoRecord};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The open library and what runs on it.
#[derive(Clone)]
pub struct App {
    pub pipeline: Pipeline,
    /// Where the provider's API key lives (`$HEIMDEX_PROVIDER_API_KEY`, else the OS keychain).
    pub secrets: Arc<dyn SecretStore>,
    /// The file that keeps the folders chosen in Settings (`None` when there is no config
    /// folder).
    pub dirs_file: Option<PathBuf>,
    /// Sign-in and the background push to the team backend.
    pub team: Arc<crate::team::Team>,
    /// The window's background runner (`None` in the command line, which runs jobs itself).
    pub runner: Option<Arc<RunnerControl>>,
    /// Streams library videos to the player; `Err` says why it is not running.
    pub media: Result<Arc<MediaServer>, String>,
}

impl App {
    /// Opens the library: `data_dir` (`--data-dir`) first, then `$HEIMDEX_DATA_DIR`, then the
    /// folders chosen in the window's Settings, then the platform's defaults. Both shells open
    /// it here, so they open the same library.
    pub async fn open(data_dir: Option<&Path>) -> AppResult<Self> {
        let paths = folders::open_paths(data_dir).map_err(|e| AppError::LibraryUnavailable {
            path: data_dir
                .map(|d| d.display().to_string())
                .unwrap_or_else(|| "(no data directory)".into()),
            reason: e.to_string(),
        })?;
        Self::open_at(paths).await
    }

    /// Opens the library at `paths` (nothing runs in the background yet).
    pub async fn open_at(paths: DataPaths) -> AppResult<Self> {
        let data_dir = paths.data_dir.display().to_string();
        let library = Library::open(paths)
            .await
            .map_err(|e| AppError::LibraryUnavailable {
                path: data_dir,
                reason: e.to_string(),
            })?;
        let secrets: Arc<dyn SecretStore> = Arc::new(KeychainSecret::default());
        let pipeline = Pipeline::new(
            library.clone(),
            heimdex_library::stages::default_stages_with_secrets(secrets.clone()),
        );
        Ok(Self {
            pipeline,
            secrets,
            dirs_file: folders::config_file(),
            team: Arc::new(crate::team::Team::for_command_line()),
            runner: None,
            media: Err("the player's server runs in the window only".into()),
        })
    }

    /// The window's start: the runner in the background (waiting while a command line holds the
    /// runner lock), the player's media server, the team session restored.
    pub async fn start(mut self) -> AppResult<Self> {
        let library = self.library().clone();
        let concurrency = settings::concurrency(library.pool()).await?;
        let runner = RunnerControl::new(concurrency);
        self.media = start_media_server(&library).await;
        tokio::spawn(crate::runner::run(self.pipeline.clone(), runner.clone()));
        self.runner = Some(runner);
        self.team = Arc::new(crate::team::Team::new());
        let team = self.team.clone();
        tokio::spawn(async move { team.restore(&library).await });
        Ok(self)
    }

    pub fn library(&self) -> &Library {
        self.pipeline.library()
    }

    /// Stops the background work: running jobs are queued again for the next start.
    pub async fn shutdown(&self, patience: std::time::Duration) {
        self.team.stop_push();
        if let Some(runner) = &self.runner {
            runner.shutdown(patience).await;
        }
    }

    /// One video with its scenes, transcript and the URL the player streams it from.
    pub async fn video_detail(&self, id: &str) -> AppResult<VideoDetail> {
        let vid = self.known(id).await?;
        let lib = self.library();
        let video = self
            .list_videos()
            .await?
            .into_iter()
            .find(|v| v.id == vid.0)
            .ok_or_else(|| AppError::VideoNotFound { id: vid.0.clone() })?;
        let record = videos::get(lib.pool(), &vid)
            .await?
            .ok_or_else(|| AppError::VideoNotFound { id: vid.0.clone() })?;
        let scenes = scenes::list_for_video(lib.pool(), lib.paths(), &vid)
            .await?
            .into_iter()
            .map(|s| SceneView {
                idx: s.idx,
                start_secs: s.start_secs,
                end_secs: s.end_secs,
                thumbnail_path: s
                    .thumbnail_path
                    .filter(|p| p.is_file())
                    .map(|p| p.to_string_lossy().into_owned()),
                keyframe_path: s
                    .keyframe_path
                    .filter(|p| p.is_file())
                    .map(|p| p.to_string_lossy().into_owned()),
            })
            .collect();
        let transcript = transcripts::get(lib.pool(), &vid).await?;
        let (transcript, transcript_language) = match transcript {
            Some(t) => (
                t.segments
                    .into_iter()
                    .map(|s| SegmentView {
                        start_secs: s.start_secs,
                        end_secs: s.end_secs,
                        text: s.text.trim().to_owned(),
                    })
                    .collect(),
                t.language,
            ),
            None => (Vec::new(), None),
        };
        let (media_url, media_error) = match &self.media {
            _ if !record.path.is_file() => (
                None,
                Some(format!(
                    "{} is no longer there. Add it again from its new place.",
                    record.path.display()
                )),
            ),
            Ok(server) => (Some(server.video_url(&vid.0)), None),
            Err(e) => (None, Some(format!("The player could not start: {e}"))),
        };
        Ok(VideoDetail {
            video,
            media_url,
            media_error,
            fps: record.info.fps,
            scenes,
            transcript,
            transcript_language,
        })
    }

    pub async fn list_videos(&self) -> AppResult<Vec<VideoView>> {
        let lib = self.library();
        let summaries = videos::list_summaries(lib.pool()).await?;
        Ok(summaries
            .into_iter()
            .map(|s| {
                let poster_done = s
                    .jobs
                    .iter()
                    .any(|j| j.stage == Stage::Poster && j.state == JobState::Done);
                let poster = poster_done
                    .then(|| poster_path(lib.paths(), &s.video.id))
                    .filter(|p| p.is_file());
                VideoView::from_summary(s, poster)
            })
            .collect())
    }

    /// Adds files and folders (searched recursively) and queues their stages; the report says
    /// what happened to each file. Both shells import here.
    pub async fn import(&self, paths: &[PathBuf]) -> AppResult<ImportReport> {
        // A file's own problem is in the report; what fails here is the library itself.
        Ok(self.pipeline.import(paths).await?)
    }

    /// [`App::import`] for the window (paths as strings, the summary view back).
    pub async fn import_paths(&self, paths: Vec<String>) -> AppResult<ImportSummary> {
        let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
        Ok(self.import(&paths).await?.into())
    }

    /// The video a command-line selector names: an id, an id prefix (4 characters or more), a
    /// path or a file name. The error names the selector and says what to use instead.
    pub async fn resolve(&self, selector: &str) -> heimdex_library::Result<VideoRecord> {
        videos::resolve(self.library().pool(), selector).await
    }

    /// The id of a library video (the window's ids), or [`AppError::VideoNotFound`].
    pub async fn known(&self, id: &str) -> AppResult<VideoId> {
        let id = VideoId(id.to_owned());
        match videos::get(self.library().pool(), &id).await? {
            Some(_) => Ok(id),
            None => Err(AppError::VideoNotFound { id: id.0 }),
        }
    }

    /// Cancels a video's queued and running jobs; how many were cancelled.
    pub async fn cancel(&self, id: &VideoId) -> AppResult<u64> {
        Ok(self.pipeline.cancel(id).await?)
    }

    /// Queues a video's failed or cancelled stages again; how many jobs were queued.
    pub async fn retry(&self, id: &VideoId) -> AppResult<u64> {
        Ok(self.pipeline.retry(id).await?)
    }

    /// Removes a video and everything derived from it (the file itself stays).
    pub async fn remove(&self, id: &VideoId) -> AppResult<()> {
        self.pipeline.remove(id).await?;
        Ok(())
    }

    pub async fn cancel_video(&self, id: &str) -> AppResult<()> {
        self.cancel(&self.known(id).await?).await.map(drop)
    }

    pub async fn retry_video(&self, id: &str) -> AppResult<()> {
        self.retry(&self.known(id).await?).await.map(drop)
    }

    pub async fn remove_video(&self, id: &str) -> AppResult<()> {
        self.remove(&self.known(id).await?).await
    }

    pub async fn settings(&self) -> AppResult<Settings> {
        let paths = self.library().paths();
        let chosen = self
            .dirs_file
            .as_deref()
            .map(folders::load)
            .unwrap_or_default();
        let next = |chosen: Option<&PathBuf>, now: &PathBuf| {
            chosen
                .filter(|c| *c != now)
                .map(|c| c.display().to_string())
        };
        Ok(Settings {
            data_dir: paths.data_dir.display().to_string(),
            cache_dir: paths.cache_dir.display().to_string(),
            model_dir: paths.model_dir.display().to_string(),
            next_data_dir: next(chosen.data_dir.as_ref(), &paths.data_dir),
            next_model_dir: next(chosen.model_dir.as_ref(), &paths.model_dir),
            data_dir_from_env: folders::data_dir_from_env(),
            model_dir_from_env: folders::model_dir_from_env(),
            can_choose_dirs: self.dirs_file.is_some(),
            models: settings::models(paths),
            concurrency: settings::concurrency(self.library().pool()).await?,
            max_concurrency: settings::max_concurrency(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    pub async fn set_concurrency(&self, n: u32) -> AppResult<()> {
        settings::set_concurrency(self.library().pool(), n).await?;
        if let Some(runner) = &self.runner {
            runner.set_concurrency(n);
        }
        Ok(())
    }
}

/// Starts the loopback server that streams library videos (and cache files) to the player.
async fn start_media_server(library: &Library) -> Result<Arc<MediaServer>, String> {
    let pool = library.pool().clone();
    let lookup: VideoLookup = Arc::new(move |id| {
        let pool = pool.clone();
        Box::pin(async move {
            videos::get(&pool, &VideoId(id))
                .await
                .ok()
                .flatten()
                .map(|v| v.path)
        })
    });
    let cache = library.paths().cache_dir.clone();
    let _ = std::fs::create_dir_all(&cache);
    match MediaServer::start(lookup, Some(cache)).await {
        Ok(server) => {
            tracing::info!("media server on {}", server.addr());
            Ok(Arc::new(server))
        }
        Err(e) => {
            tracing::error!("the media server could not start: {e}");
            Err(e.to_string())
        }
    }
}
