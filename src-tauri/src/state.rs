//! What the commands share: the [`App`] (opened in the background at start-up, then started:
//! runner, media server, team session). Commands wait for it rather than failing while it opens.

use crate::events::{Coalescer, LibraryEvent, FLUSH_EVERY};
use heimdex_app::{App, AppError, AppResult};
use heimdex_library::folders;
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tauri_specta::Event as _;
use tokio::sync::{broadcast, watch};

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
                Ok(event) => coalescer.push(event).into_iter().map(LibraryEvent).for_each(&emit),
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    coalescer = Coalescer::default();
                    emit(LibraryEvent(heimdex_core::Event::Resync));
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = tick.tick(), if !coalescer.is_empty() => coalescer.flush().into_iter().map(LibraryEvent).for_each(&emit),
        }
    }
}

/// Managed by Tauri: the app once it is open (or why it could not open).
pub struct AppState {
    app: watch::Receiver<Option<AppResult<App>>>,
}

impl AppState {
    /// Opens the library in the background (`HEIMDEX_DATA_DIR`, the folders chosen in Settings,
    /// or the platform's data folder) and lets the window load meanwhile.
    pub fn start(handle: AppHandle) -> Self {
        let (tx, rx) = watch::channel(None);
        tauri::async_runtime::spawn(async move {
            let result = match folders::open_paths(None) {
                Ok(paths) => {
                    // Posters and thumbnails load through the asset protocol: allow the cache only.
                    if let Err(e) = handle
                        .asset_protocol_scope()
                        .allow_directory(&paths.cache_dir, true)
                    {
                        tracing::warn!("the cache could not be shown in the window: {e}");
                    }
                    match App::open_at(paths).await {
                        Ok(app) => {
                            let events = app.library().subscribe();
                            let emitter = handle.clone();
                            tokio::spawn(forward_events(events, move |event| {
                                if let Err(e) = event.emit(&emitter) {
                                    tracing::debug!("event not delivered: {e}");
                                }
                            }));
                            app.start().await
                        }
                        Err(e) => Err(e),
                    }
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
        Self { app: rx }
    }

    /// The app, waiting while it opens.
    pub async fn app(&self) -> AppResult<App> {
        let mut rx = self.app.clone();
        let ready = rx
            .wait_for(Option::is_some)
            .await
            .map_err(|_| AppError::Starting)?;
        ready.clone().unwrap_or(Err(AppError::Starting))
    }

    /// Stops the runner so running jobs are queued again for the next start.
    pub async fn shutdown(&self) {
        let app = self.app.borrow().clone();
        if let Some(Ok(app)) = app {
            app.shutdown(Duration::from_secs(5)).await;
        }
    }
}
