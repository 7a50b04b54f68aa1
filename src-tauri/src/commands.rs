//! The commands the window calls. Thin: each one reaches the library through [`AppState`] and
//! turns the result into view types.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::types::{ImportSummary, Settings, VideoView};
use tauri::State;

/// Every video in the library with its indexing status, oldest import first.
#[tauri::command]
#[specta::specta]
pub async fn list_videos(state: State<'_, AppState>) -> AppResult<Vec<VideoView>> {
    state.backend().await?.list_videos().await
}

/// Imports files and folders (folders are searched for videos) and queues them for indexing.
#[tauri::command]
#[specta::specta]
pub async fn import_paths(
    state: State<'_, AppState>,
    paths: Vec<String>,
) -> AppResult<ImportSummary> {
    state.backend().await?.import_paths(paths).await
}

/// Stops indexing a video; its finished stages are kept.
#[tauri::command]
#[specta::specta]
pub async fn cancel_video(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.backend().await?.cancel_video(&id).await
}

/// Queues a failed or cancelled video's unfinished stages again.
#[tauri::command]
#[specta::specta]
pub async fn retry_video(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.backend().await?.retry_video(&id).await
}

/// Removes a video and everything made from it from the library (never the file itself).
#[tauri::command]
#[specta::specta]
pub async fn remove_video(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.backend().await?.remove_video(&id).await
}

/// Directories, models and the indexing settings.
#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> AppResult<Settings> {
    state.backend().await?.settings().await
}

/// How many videos are indexed at the same time (1 to the number of CPU cores).
#[tauri::command]
#[specta::specta]
pub async fn set_concurrency(state: State<'_, AppState>, concurrency: u32) -> AppResult<Settings> {
    let max = crate::settings::max_concurrency();
    if concurrency == 0 || concurrency > max {
        return Err(AppError::InvalidSetting {
            name: "concurrency".into(),
            value: concurrency.to_string(),
            reason: format!("choose 1 to {max}"),
        });
    }
    let backend = state.backend().await?;
    backend.set_concurrency(concurrency).await?;
    backend.settings().await
}
