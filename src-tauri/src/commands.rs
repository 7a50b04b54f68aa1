//! The commands the window calls. Thin: each one reaches the library through [`AppState`] and
//! turns the result into view types.

use crate::state::AppState;
use heimdex_app::views::{
    ExportClip, FolderKind, ImportSummary, ListFormat, ProviderKind, ProviderView, SearchHitView,
    SearchResultsView, Settings, TeamResultsView, TeamView, TranscriptFormat, VideoDetail,
    VideoView,
};
use heimdex_app::{AppError, AppResult};
use std::path::Path;
use tauri::State;

/// Every video in the library with its indexing status, oldest import first.
#[tauri::command]
#[specta::specta]
pub async fn list_videos(state: State<'_, AppState>) -> AppResult<Vec<VideoView>> {
    state.app().await?.list_videos().await
}

/// Imports files and folders (folders are searched for videos) and queues them for indexing.
#[tauri::command]
#[specta::specta]
pub async fn import_paths(
    state: State<'_, AppState>,
    paths: Vec<String>,
) -> AppResult<ImportSummary> {
    state.app().await?.import_paths(paths).await
}

/// Stops indexing a video; its finished stages are kept.
#[tauri::command]
#[specta::specta]
pub async fn cancel_video(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.app().await?.cancel_video(&id).await
}

/// Queues a failed or cancelled video's unfinished stages again.
#[tauri::command]
#[specta::specta]
pub async fn retry_video(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.app().await?.retry_video(&id).await
}

/// Removes a video and everything made from it from the library (never the file itself).
#[tauri::command]
#[specta::specta]
pub async fn remove_video(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.app().await?.remove_video(&id).await
}

/// Directories, models and the indexing settings.
#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> AppResult<Settings> {
    state.app().await?.settings().await
}

/// How many videos are indexed at the same time (1 to the number of CPU cores).
#[tauri::command]
#[specta::specta]
pub async fn set_concurrency(state: State<'_, AppState>, concurrency: u32) -> AppResult<Settings> {
    let max = heimdex_app::settings::max_concurrency();
    if concurrency == 0 || concurrency > max {
        return Err(AppError::InvalidSetting {
            name: "concurrency".into(),
            value: concurrency.to_string(),
            reason: format!("choose 1 to {max}"),
        });
    }
    let app = state.app().await?;
    app.set_concurrency(concurrency).await?;
    app.settings().await
}

/// One video with its scenes, transcript and the URL the player streams it from.
#[tauri::command]
#[specta::specta]
pub async fn get_video(state: State<'_, AppState>, id: String) -> AppResult<VideoDetail> {
    state.app().await?.video_detail(&id).await
}

/// Scenes matching `query` (words, meaning, dates typed in it), best first.
#[tauri::command]
#[specta::specta]
pub async fn search(
    state: State<'_, AppState>,
    query: String,
    limit: Option<u32>,
) -> AppResult<SearchResultsView> {
    let app = state.app().await?;
    let limit = limit.unwrap_or(30).clamp(1, heimdex_app::search::MAX_LIMIT);
    heimdex_app::search::search(app.library(), &query, limit).await
}

/// Scenes that look like a picture file (a photo dropped on the window), best first.
#[tauri::command]
#[specta::specta]
pub async fn search_image(
    state: State<'_, AppState>,
    path: String,
    limit: Option<u32>,
) -> AppResult<SearchResultsView> {
    let app = state.app().await?;
    let limit = limit.unwrap_or(30).clamp(1, heimdex_app::search::MAX_LIMIT);
    heimdex_app::search::search_image(app.library(), &path, limit).await
}

/// Scenes that look or sound like one scene ("more like this").
#[tauri::command]
#[specta::specta]
pub async fn similar(
    state: State<'_, AppState>,
    video_id: String,
    scene_idx: u32,
    limit: Option<u32>,
) -> AppResult<Vec<SearchHitView>> {
    let app = state.app().await?;
    let limit = limit.unwrap_or(30).clamp(1, heimdex_app::search::MAX_LIMIT);
    heimdex_app::search::similar(app.library(), &video_id, scene_idx, limit).await
}

/// Notes in the query log that a hit was opened (improves nothing yet; kept for history).
/// A typed search with the team's scenes: local and team hits fused, each marked where it was
/// found; a notice says why the team's are missing (sync off, backend unreachable).
#[tauri::command]
#[specta::specta]
pub async fn search_team(
    state: State<'_, AppState>,
    query: String,
    limit: Option<u32>,
) -> AppResult<TeamResultsView> {
    let app = state.app().await?;
    heimdex_app::team_search::search_with_team(&app, &query, limit.unwrap_or(30)).await
}

#[tauri::command]
#[specta::specta]
pub async fn log_opened(
    state: State<'_, AppState>,
    query_id: f64,
    video_id: String,
    scene_idx: u32,
) -> AppResult<()> {
    let app = state.app().await?;
    heimdex_app::search::log_opened(app.library(), query_id as i64, &video_id, scene_idx).await
}

/// Saves a video's transcript as SubRip or WebVTT at `path` (chosen in the save dialog).
#[tauri::command]
#[specta::specta]
pub async fn export_transcript(
    state: State<'_, AppState>,
    video_id: String,
    format: TranscriptFormat,
    path: String,
) -> AppResult<()> {
    let app = state.app().await?;
    app.known(&video_id).await?;
    heimdex_app::exports::save_transcript(app.library(), &video_id, format, Path::new(&path)).await
}

/// Saves a result list as CSV or as a CMX 3600 EDL at `path`.
#[tauri::command]
#[specta::specta]
pub async fn export_list(
    state: State<'_, AppState>,
    title: String,
    clips: Vec<ExportClip>,
    format: ListFormat,
    path: String,
) -> AppResult<()> {
    let app = state.app().await?;
    heimdex_app::exports::save_list(app.library(), &title, &clips, format, Path::new(&path)).await
}

/// The model provider (local or OpenAI-compatible) and whether its key is in the keychain.
#[tauri::command]
#[specta::specta]
pub async fn get_provider(state: State<'_, AppState>) -> AppResult<ProviderView> {
    let app = state.app().await?;
    heimdex_app::provider::get(app.library().pool(), app.secrets.clone()).await
}

/// Saves the provider and queues the captions. `apiKey`: `null` keeps the stored key, `""`
/// deletes it; it is stored only in the OS keychain. `captionModel` / `maxRequests`: `null` keeps
/// them, `""` / `0` go back to the default model / no limit.
#[tauri::command]
#[specta::specta]
pub async fn set_provider(
    state: State<'_, AppState>,
    kind: ProviderKind,
    base_url: Option<String>,
    api_key: Option<String>,
    caption_model: Option<String>,
    max_requests: Option<u32>,
) -> AppResult<ProviderView> {
    let app = state.app().await?;
    heimdex_app::provider::set(
        app.library(),
        app.secrets.clone(),
        kind,
        base_url,
        api_key,
        caption_model,
        max_requests,
    )
    .await
}

/// Chooses the library or model folder for the next start (`path: null` goes back to the
/// default). The open library keeps running until the app restarts.
#[tauri::command]
#[specta::specta]
pub async fn choose_folder(
    state: State<'_, AppState>,
    which: FolderKind,
    path: Option<String>,
) -> AppResult<Settings> {
    let app = state.app().await?;
    let Some(file) = app.dirs_file.clone() else {
        return Err(AppError::InvalidSetting {
            name: "folder".into(),
            value: path.unwrap_or_default(),
            reason: "this system has no configuration folder to remember it in".into(),
        });
    };
    let dir = match &path {
        Some(p) => Some(
            heimdex_library::folders::check(Path::new(p)).map_err(|reason| {
                AppError::InvalidSetting {
                    name: "folder".into(),
                    value: p.clone(),
                    reason,
                }
            })?,
        ),
        None => None,
    };
    let mut chosen = heimdex_library::folders::load(&file);
    match which {
        FolderKind::Library => chosen.data_dir = dir,
        FolderKind::Models => chosen.model_dir = dir,
    }
    heimdex_library::folders::save(&file, &chosen).map_err(|e| AppError::Export {
        path: file.display().to_string(),
        reason: e.to_string(),
    })?;
    app.settings().await
}

/// Restarts the app (to open the folders chosen in Settings). Running jobs are queued again.
#[tauri::command]
#[specta::specta]
pub async fn restart_app(app: tauri::AppHandle, state: State<'_, AppState>) -> AppResult<()> {
    state.shutdown().await;
    app.restart();
}

/// Sign-in and team sync: the server, who is signed in, what waits to be pushed.
#[tauri::command]
#[specta::specta]
pub async fn get_team(state: State<'_, AppState>) -> AppResult<TeamView> {
    let app = state.app().await?;
    app.team.view(app.library()).await
}

/// Sets the Supabase-compatible sign-in server (project URL and public anon key).
#[tauri::command]
#[specta::specta]
pub async fn set_sign_in_server(
    state: State<'_, AppState>,
    url: String,
    anon_key: String,
) -> AppResult<TeamView> {
    let app = state.app().await?;
    app.team.configure(app.library(), &url, &anon_key).await?;
    app.team.view(app.library()).await
}

/// Signs in with an email address and password.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_with_password(
    state: State<'_, AppState>,
    email: String,
    password: String,
) -> AppResult<TeamView> {
    let app = state.app().await?;
    app.team
        .sign_in_with_password(app.library(), &email, &password)
        .await?;
    app.team.view(app.library()).await
}

/// Signs in through a provider (github, google…) in the system browser; returns once the browser
/// has come back, or fails when cancelled or after 5 minutes.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_with_browser(
    state: State<'_, AppState>,
    provider: String,
) -> AppResult<TeamView> {
    let app = state.app().await?;
    let mut opened = Ok(());
    app.team
        .sign_in_with_browser(app.library(), &provider, |url| {
            opened = heimdex_sync::browser::open(url);
        })
        .await
        .map_err(|e| match opened {
            Err(b) => AppError::SignIn {
                reason: b.to_string(),
            },
            Ok(()) => e,
        })?;
    app.team.view(app.library()).await
}

/// Stops waiting for a browser sign-in.
#[tauri::command]
#[specta::specta]
pub async fn cancel_sign_in(state: State<'_, AppState>) -> AppResult<()> {
    state.app().await?.team.cancel_sign_in();
    Ok(())
}

/// Signs out (revokes the session, forgets the refresh token, stops pushing).
#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, AppState>) -> AppResult<TeamView> {
    let app = state.app().await?;
    let signed_out = app.team.sign_out().await;
    let view = app.team.view(app.library()).await?;
    signed_out.map(|()| view)
}

/// Pushes the scenes waiting in the outbox now.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(state: State<'_, AppState>) -> AppResult<TeamView> {
    let app = state.app().await?;
    app.team.push_now(app.library()).await?;
    app.team.view(app.library()).await
}

/// Sets team sync up: `kind` "postgres" or "qdrant", the backend's URL, the team to share with
/// (a UUID; none: scenes stay private), the password or API key (kept in the keychain) and
/// whether to create the schema (Postgres) or the team's collection (Qdrant, with the server's
/// API key) now.
#[tauri::command]
#[specta::specta]
pub async fn set_team_backend(
    state: State<'_, AppState>,
    kind: String,
    url: String,
    team: Option<String>,
    secret: Option<String>,
    prepare: bool,
) -> AppResult<TeamView> {
    let app = state.app().await?;
    let invalid = |reason: String| AppError::Sync { reason };
    let kind = kind
        .parse::<heimdex_sync::Backend>()
        .map_err(|e| invalid(e.to_string()))?;
    let team_id = match team.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(
            uuid::Uuid::parse_str(t)
                .map_err(|_| invalid(format!("the team {t:?} is not a team id (a UUID)")))?,
        ),
        None => None,
    };
    app.team
        .set_backend(
            app.library(),
            heimdex_sync::setup::SetupRequest {
                backend: kind,
                url: url.trim().to_owned(),
                team_id,
                text_model: None,
                secret,
                prepare,
            },
        )
        .await?;
    app.team.view(app.library()).await
}

/// Turns team sync off on this computer.
#[tauri::command]
#[specta::specta]
pub async fn turn_off_team_sync(state: State<'_, AppState>) -> AppResult<TeamView> {
    let app = state.app().await?;
    app.team.turn_off(app.library()).await?;
    app.team.view(app.library()).await
}
