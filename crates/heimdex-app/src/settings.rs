//! The window's settings: concurrency (kept by `heimdex_library::settings`, shared with the CLI)
//! and the models' state as the Settings panel shows it.

use crate::error::{AppError, AppResult};
use crate::views::ModelStatus;
use heimdex_core::DataPaths;
use sqlx::SqlitePool;

pub use heimdex_library::settings::max_concurrency;

/// The stored concurrency (shared with `heimdex index`), else half the cores.
pub async fn concurrency(pool: &SqlitePool) -> AppResult<u32> {
    heimdex_library::settings::concurrency(pool)
        .await
        .map_err(AppError::from)
}

pub async fn set_concurrency(pool: &SqlitePool, n: u32) -> AppResult<()> {
    heimdex_library::settings::set_concurrency(pool, n)
        .await
        .map_err(AppError::from)
}

/// The models the stages use, and whether each is installed (complete) where the app looks.
pub fn models(paths: &DataPaths) -> Vec<ModelStatus> {
    heimdex_library::models::report(paths)
        .into_iter()
        .map(|m| ModelStatus {
            installed: m.installed(),
            path: m.found.unwrap_or(m.expected).to_string_lossy().into_owned(),
            name: m.name,
            purpose: m.purpose,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_models_with_their_state() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = DataPaths {
            data_dir: dir.path().into(),
            cache_dir: dir.path().join("c"),
            model_dir: dir.path().join("m"),
        };
        let tiny = paths.model_dir.join("whisper-tiny.en");
        std::fs::create_dir_all(&tiny).expect("mkdir");
        for f in [
            "model.bin",
            "config.json",
            "tokenizer.json",
            "vocabulary.txt",
            "preprocessor_config.json",
        ] {
            std::fs::write(tiny.join(f), b"x").expect("write");
        }
        let m = models(&paths);
        assert!(!m[0].installed);
        assert_eq!(m[1].name, "whisper-tiny.en");
        assert!(m[1].installed, "{m:?}");
        assert!(!m[2].installed);
        assert_eq!(m[3].name, "efficientnet-lite0");
    }
}
