//! What the commands share: the library (opened in the background at start-up), the pipeline
//! and the background runner. Commands wait for the library rather than failing while it opens.

use crate::error::{AppError, AppResult};
use crate::events::{Coalescer, LibraryEvent, FLUSH_EVERY};
use crate::media_server::{MediaServer, VideoLookup};
use crate::provider::SecretStore;
use crate::runner::RunnerControl;
use crate::settings;
use crate::types::{ImportSummary, SceneView, SegmentView, Settings, VideoDetail, VideoView};
use heimdex_core::{DataPaths, JobState, Stage, VideoId};
use heimdex_library::folders;
use heimdex_library::stages::poster::poster_path;
use heimdex_library::{scenes, transcripts, videos, Library, Pipeline};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tauri_specta::Event as _;
use tokio::sync::{broadcast, watch};

/// The open library and what runs on it.
#[derive(Clone)]
pub struct Backend {
    pub pipeline: Pipeline,
    pub runner: Arc<RunnerControl>,
    /// Streams library videos to the player; `Err` says why it could not start.
    pub media: Result<Arc<MediaServer>, String>,
    /// Where the provider's API key lives (the OS keychain).
    pub secrets: Arc<dyn SecretStore>,
    /// The file that keeps the folders chosen in Settings (`None` when there is no config
    /// folder).
    pub dirs_file: Option<PathBuf>,
    /// Sign-in and the background push to the team backend.
    pub team: Arc<crate::team::Team>,
}

impl Backend {
    pub fn library(&self) -> &Library {
        self.pipeline.library()
    }

    /// Opens the library at `paths` and starts the runner and the event forwarding.
    pub async fn open(
        paths: DataPaths,
        emit: impl Fn(LibraryEvent) + Send + 'static,
    ) -> AppResult<Self> {
        let data_dir = paths.data_dir.display().to_string();
        let library = Library::open(paths)
            .await
            .map_err(|e| AppError::LibraryUnavailable {
                path: data_dir,
                reason: e.to_string(),
            })?;
        let secrets: Arc<dyn SecretStore> = Arc::new(crate::provider::KeychainSecret);
        let pipeline = Pipeline::new(
            library.clone(),
            heimdex_library::stages::default_stages_with_secrets(secrets.clone()),
        );
        let concurrency = settings::concurrency(library.pool()).await?;
        let runner = RunnerControl::new(concurrency);
        let media = start_media_server(&library).await;
        tokio::spawn(forward_events(library.subscribe(), emit));
        tokio::spawn(crate::runner::run(pipeline.clone(), runner.clone()));
        let team = Arc::new(crate::team::Team::new());
        {
            let (team, library) = (team.clone(), library.clone());
            tokio::spawn(async move { team.restore(&library).await });
        }
        Ok(Self {
            pipeline,
            runner,
            media,
            secrets,
            dirs_file: None,
            team,
        })
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

    pub async fn import_paths(&self, paths: Vec<String>) -> AppResult<ImportSummary> {
        let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
        let report = self
            .pipeline
            .import(&paths)
            .await
            .map_err(|e| AppError::Import {
                path: paths
                    .first()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                reason: e.to_string(),
            })?;
        Ok(report.into())
    }

    pub(crate) async fn known(&self, id: &str) -> AppResult<VideoId> {
        let id = VideoId(id.to_owned());
        match videos::get(self.library().pool(), &id).await? {
            Some(_) => Ok(id),
            None => Err(AppError::VideoNotFound { id: id.0 }),
        }
    }

    pub async fn cancel_video(&self, id: &str) -> AppResult<()> {
        let id = self.known(id).await?;
        self.pipeline.cancel(&id).await?;
        Ok(())
    }

    pub async fn retry_video(&self, id: &str) -> AppResult<()> {
        let id = self.known(id).await?;
        self.pipeline.retry(&id).await?;
        Ok(())
    }

    pub async fn remove_video(&self, id: &str) -> AppResult<()> {
        let id = self.known(id).await?;
        self.pipeline.remove(&id).await?;
        Ok(())
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
        self.runner.set_concurrency(n);
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

/// Library events to the window: progress coalesced per job, the rest at once; `Resync` when
/// events were dropped.
pub async fn forward_events(
    mut rx: broadcast::Receiver<heimdex_core::Event>,
    emit: impl Fn(LibraryEvent),
) {
    let mut coalescer = Coalescer::default();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            received = rx.recv() => match received {
                Ok(event) => coalescer.push(event.into()).into_iter().for_each(&emit),
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    coalescer = Coalescer::default();
                    emit(LibraryEvent::Resync);
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = tick.tick(), if !coalescer.is_empty() => coalescer.flush().into_iter().for_each(&emit),
        }
    }
}

/// Managed by Tauri: the backend once it is open (or why it could not open).
pub struct AppState {
    backend: watch::Receiver<Option<AppResult<Backend>>>,
}

impl AppState {
    /// Opens the library in the background (`HEIMDEX_DATA_DIR` or the platform's data folder) and
    /// lets the window load meanwhile.
    pub fn start(app: AppHandle) -> Self {
        let (tx, rx) = watch::channel(None);
        tauri::async_runtime::spawn(async move {
            let dirs_file = folders::config_file();
            let chosen = dirs_file.as_deref().map(folders::load).unwrap_or_default();
            let result = match folders::resolve(&chosen) {
                Ok(paths) => {
                    // Posters and thumbnails load through the asset protocol: allow the cache only.
                    if let Err(e) = app
                        .asset_protocol_scope()
                        .allow_directory(&paths.cache_dir, true)
                    {
                        tracing::warn!("the cache could not be shown in the window: {e}");
                    }
                    let handle = app.clone();
                    Backend::open(paths, move |event| {
                        if let Err(e) = event.emit(&handle) {
                            tracing::debug!("event not delivered: {e}");
                        }
                    })
                    .await
                    .map(|mut b| {
                        b.dirs_file = dirs_file;
                        b
                    })
                }
                Err(e) => Err(AppError::LibraryUnavailable {
                    path: "(no data directory)".into(),
                    reason: e.to_string(),
                }),
            };
            if let Err(e) = &result {
                tracing::error!("{e}");
            }
            let _ = tx.send(Some(result));
        });
        Self { backend: rx }
    }

    /// The backend, waiting while it opens.
    pub async fn backend(&self) -> AppResult<Backend> {
        let mut rx = self.backend.clone();
        let ready = rx
            .wait_for(Option::is_some)
            .await
            .map_err(|_| AppError::Starting)?;
        ready.clone().unwrap_or(Err(AppError::Starting))
    }

    /// Stops the runner so running jobs are queued again for the next start.
    pub async fn shutdown(&self) {
        let backend = self.backend.borrow().clone();
        if let Some(Ok(b)) = backend {
            b.team.stop_push();
            b.runner.shutdown(Duration::from_secs(5)).await;
        }
    }
}
