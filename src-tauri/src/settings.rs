//! The window's stored settings, in the library's `settings` table (`key`, `value` as text).

use crate::error::{AppError, AppResult};
use crate::types::ModelStatus;
use heimdex_core::DataPaths;
use sqlx::SqlitePool;

const CONCURRENCY_KEY: &str = "app.concurrency";

/// Most videos indexed at the same time: the number of CPU cores.
pub fn max_concurrency() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

fn db_error(e: sqlx::Error) -> AppError {
    AppError::Database {
        reason: e.to_string(),
    }
}

/// The stored concurrency, else the runner's default (half the cores), within 1..=max.
pub async fn concurrency(pool: &SqlitePool) -> AppResult<u32> {
    let stored: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
        .bind(CONCURRENCY_KEY)
        .fetch_optional(pool)
        .await
        .map_err(db_error)?;
    let default = heimdex_library::pipeline::runner::default_concurrency() as u32;
    let n = stored
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(default);
    Ok(n.clamp(1, max_concurrency()))
}

pub async fn set_concurrency(pool: &SqlitePool, n: u32) -> AppResult<()> {
    sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(CONCURRENCY_KEY)
        .bind(n.to_string())
        .execute(pool)
        .await
        .map_err(db_error)?;
    Ok(())
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

    #[tokio::test]
    async fn concurrency_round_trips_and_is_clamped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = heimdex_library::Library::open(DataPaths::under(dir.path()))
            .await
            .expect("opens");
        let pool = lib.pool();
        let default = concurrency(pool).await.expect("reads");
        assert!((1..=max_concurrency()).contains(&default));
        set_concurrency(pool, 1).await.expect("writes");
        assert_eq!(concurrency(pool).await.expect("reads"), 1);
        set_concurrency(pool, 10_000).await.expect("writes");
        assert_eq!(concurrency(pool).await.expect("reads"), max_concurrency());
    }

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
