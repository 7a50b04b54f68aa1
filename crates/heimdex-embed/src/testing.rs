//! Helpers for tests that need real model files.

use std::path::{Path, PathBuf};

/// Whether `CI` is set (CI must run every test, so missing models fail there).
fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// The model directory tests look in: `$HEIMDEX_MODEL_DIR`, else the app's own default
/// (`~/.local/share/heimdex/models`, where scripts/fetch-models.sh puts the models).
pub fn test_model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HEIMDEX_MODEL_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".local").join("share")));
    data.map(|d| Path::new(&d).join("heimdex").join("models"))
        .unwrap_or_else(|| PathBuf::from("models"))
}

/// `found` when the model is there; otherwise `None` after printing SKIPPED.
///
/// # Panics
/// When `CI` is set and the model is missing.
pub fn require_model(name: &str, found: Option<PathBuf>) -> Option<PathBuf> {
    if found.is_some() {
        return found;
    }
    let dir = test_model_dir();
    assert!(
        !in_ci(),
        "model {name} is missing under {}: run scripts/fetch-models.sh (CI must run every test)",
        dir.display()
    );
    eprintln!(
        "SKIPPED: model {name} is missing under {} (run scripts/fetch-models.sh)",
        dir.display()
    );
    None
}
