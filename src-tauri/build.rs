//! Declares the app's own commands so that capabilities/default.json must name each one the
//! window may call (nothing is allowed by default).

const COMMANDS: &[&str] = &[
    "list_videos",
    "import_paths",
    "cancel_video",
    "retry_video",
    "remove_video",
    "get_settings",
    "set_concurrency",
    "get_video",
    "search",
    "search_image",
    "similar",
    "search_team",
    "log_opened",
    "export_transcript",
    "export_list",
    "get_provider",
    "set_provider",
    "choose_folder",
    "restart_app",
    "get_team",
    "set_sign_in_server",
    "sign_in_with_password",
    "sign_in_with_browser",
    "cancel_sign_in",
    "sign_out",
    "sync_now",
    "set_team_backend",
    "turn_off_team_sync",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
}
