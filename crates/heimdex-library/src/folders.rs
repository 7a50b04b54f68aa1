//! The library and model folders chosen in the window's Settings, read by the window and the
//! command line alike, so `heimdex` opens the library the window shows. They are kept in a small
//! JSON file in the app's config folder (`~/.config/app.heimdex.desktop/folders.json` on Linux,
//! the folder Tauri gives the app on every system; no secrets in it) and take effect at the next
//! start, because an open library, its runner and its stages hold the old ones.
//! `--data-dir` and `HEIMDEX_DATA_DIR` / `HEIMDEX_MODEL_DIR` still win over the file.

use heimdex_core::paths::{DATA_DIR_ENV, MODEL_DIR_ENV};
use heimdex_core::{DataPaths, PathsError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The folders the user chose (`None`: the default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenDirs {
    pub data_dir: Option<PathBuf>,
    pub model_dir: Option<PathBuf>,
}

/// The file name in the config folder.
pub const FILE_NAME: &str = "folders.json";

/// The app's identifier (src-tauri/tauri.conf.json): the name of its config folder.
pub const APP_IDENTIFIER: &str = "app.heimdex.desktop";

/// Where the choices are kept: the same file Tauri's `app_config_dir()` gives the window
/// (`$XDG_CONFIG_HOME` or `~/.config` on Linux, Application Support on macOS, Roaming AppData on
/// Windows, then the app's identifier). `None` without a home folder.
pub fn config_file() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.config_dir().join(APP_IDENTIFIER).join(FILE_NAME))
}

/// The folders a process opens: `explicit` (`--data-dir`) first, then the environment, then the
/// choices made in Settings, then the platform's defaults.
pub fn open_paths(explicit: Option<&Path>) -> Result<DataPaths, PathsError> {
    let chosen = config_file().map(|f| load(&f)).unwrap_or_default();
    match explicit {
        Some(dir) => Ok(with_chosen_models(DataPaths::under(dir), &chosen)),
        None => resolve(&chosen),
    }
}

/// Reads the choices; a missing or unreadable file means the defaults (logged, never fatal).
pub fn load(file: &Path) -> ChosenDirs {
    match std::fs::read_to_string(file) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
            tracing::warn!("{} is not valid and is ignored: {e}", file.display());
            ChosenDirs::default()
        }),
        Err(_) => ChosenDirs::default(),
    }
}

/// Writes the choices, whole or not at all.
pub fn save(file: &Path, dirs: &ChosenDirs) -> std::io::Result<()> {
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let text = serde_json::to_string_pretty(dirs).map_err(std::io::Error::other)?;
    heimdex_core::atomic_file::write(file, text.as_bytes())
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// Whether the environment overrides the data folder (then a choice here has no effect).
pub fn data_dir_from_env() -> bool {
    env_set(DATA_DIR_ENV)
}

/// Whether the environment overrides the model folder.
pub fn model_dir_from_env() -> bool {
    env_set(MODEL_DIR_ENV)
}

/// The folders to open: the environment first, then the choices, then the platform's defaults.
pub fn resolve(chosen: &ChosenDirs) -> Result<DataPaths, PathsError> {
    let paths = match &chosen.data_dir {
        Some(dir) if !data_dir_from_env() => DataPaths::under(dir),
        _ => DataPaths::resolve(None)?,
    };
    Ok(with_chosen_models(paths, chosen))
}

/// `paths` with the chosen model folder, unless the environment names one.
fn with_chosen_models(mut paths: DataPaths, chosen: &ChosenDirs) -> DataPaths {
    if let Some(dir) = &chosen.model_dir {
        if !model_dir_from_env() {
            paths.model_dir = dir.clone();
        }
    }
    paths
}

/// Checks a folder the user picked: absolute, and a folder (or creatable as one).
pub fn check(dir: &Path) -> Result<PathBuf, String> {
    if !dir.is_absolute() {
        return Err("choose a full path".into());
    }
    if dir.exists() && !dir.is_dir() {
        return Err("it is a file, not a folder".into());
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("it cannot be created ({e})"))?;
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_a_broken_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("cfg").join(FILE_NAME);
        assert_eq!(load(&file), ChosenDirs::default());
        let chosen = ChosenDirs {
            data_dir: Some(dir.path().join("lib")),
            model_dir: None,
        };
        save(&file, &chosen).expect("saves");
        assert_eq!(load(&file), chosen);
        std::fs::write(&file, "{not json").expect("write");
        assert_eq!(load(&file), ChosenDirs::default());
    }

    #[test]
    fn checks_picked_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(check(Path::new("relative/dir")).is_err());
        let file = dir.path().join("f");
        std::fs::write(&file, "x").expect("write");
        assert!(check(&file).is_err());
        let new = dir.path().join("new/lib");
        assert_eq!(check(&new).as_deref(), Ok(new.as_path()));
        assert!(new.is_dir());
    }

    #[test]
    fn choices_apply_unless_the_environment_overrides() {
        let dir = tempfile::tempdir().expect("tempdir");
        let chosen = ChosenDirs {
            data_dir: Some(dir.path().join("lib")),
            model_dir: Some(dir.path().join("models")),
        };
        let paths = resolve(&chosen).expect("resolves");
        if !data_dir_from_env() {
            assert_eq!(paths.data_dir, dir.path().join("lib"));
            assert_eq!(paths.cache_dir, dir.path().join("lib").join("cache"));
        }
        if !model_dir_from_env() {
            assert_eq!(paths.model_dir, dir.path().join("models"));
        }
    }
}
