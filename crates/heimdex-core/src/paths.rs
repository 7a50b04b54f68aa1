//! Where the library, the cache and the models live.

use std::path::{Path, PathBuf};

/// Environment variable that chooses the data directory when `--data-dir` is not given.
pub const DATA_DIR_ENV: &str = "HEIMDEX_DATA_DIR";
/// Environment variable that chooses the model directory.
pub const MODEL_DIR_ENV: &str = "HEIMDEX_MODEL_DIR";

#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error("no home directory found: pass --data-dir or set {DATA_DIR_ENV}")]
    NoHome,
}

/// The directories one library uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPaths {
    /// Holds `library.db` and the runner lock.
    pub data_dir: PathBuf,
    /// Thumbnails, keyframes and other files that can be made again.
    pub cache_dir: PathBuf,
    /// Model folders (`whisper-tiny.en`, `all-MiniLM-L6-v2`, ...).
    pub model_dir: PathBuf,
}

/// The one default model directory, shared by the binary, the window, the scripts and the
/// tests: `$HEIMDEX_MODEL_DIR`, else `models` in the platform's app-data directory
/// (`~/.local/share/heimdex/models` on Linux, `$XDG_DATA_HOME/heimdex/models` when that is set).
/// It does not follow `--data-dir`: every library on the machine shares the models.
/// `None` only without a home directory.
pub fn default_model_dir() -> Option<PathBuf> {
    model_dir_from_env().or_else(|| {
        directories::ProjectDirs::from("app", "Heimdex", "heimdex")
            .map(|d| d.data_dir().join("models"))
    })
}

impl DataPaths {
    /// All directories under one root: `root/`, `root/cache`, and the model directory
    /// ([`default_model_dir`], else `root/models`).
    pub fn under(root: impl Into<PathBuf>) -> Self {
        let data_dir = root.into();
        Self {
            cache_dir: data_dir.join("cache"),
            model_dir: default_model_dir().unwrap_or_else(|| data_dir.join("models")),
            data_dir,
        }
    }

    /// `explicit` (the `--data-dir` flag), else `HEIMDEX_DATA_DIR`, else the platform's app-data
    /// directory (`~/.local/share/heimdex` on Linux) with its cache directory beside it.
    pub fn resolve(explicit: Option<&Path>) -> Result<Self, PathsError> {
        if let Some(dir) = explicit {
            return Ok(Self::under(dir));
        }
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
            return Ok(Self::under(PathBuf::from(dir)));
        }
        let dirs = directories::ProjectDirs::from("app", "Heimdex", "heimdex")
            .ok_or(PathsError::NoHome)?;
        let data_dir = dirs.data_dir().to_path_buf();
        Ok(Self {
            cache_dir: dirs.cache_dir().to_path_buf(),
            model_dir: default_model_dir().unwrap_or_else(|| data_dir.join("models")),
            data_dir,
        })
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join("library.db")
    }

    pub fn runner_lock(&self) -> PathBuf {
        self.data_dir.join("runner.lock")
    }

    /// Folder for the files made from one video (keyframes, thumbnails), named by its id.
    pub fn video_cache(&self, video: &crate::VideoId) -> PathBuf {
        self.cache_dir.join("videos").join(video.as_str())
    }
}

fn model_dir_from_env() -> Option<PathBuf> {
    std::env::var_os(MODEL_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_dir_wins() {
        let p = DataPaths::resolve(Some(Path::new("/tmp/x"))).expect("resolves");
        assert_eq!(p.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(p.cache_dir, PathBuf::from("/tmp/x/cache"));
        assert_eq!(p.database(), PathBuf::from("/tmp/x/library.db"));
        // The models do not move with the library.
        assert_eq!(Some(p.model_dir), default_model_dir());
    }
}
