//! Key/value settings kept in the library (`settings` table). Secrets never go here: keys and
//! tokens live in the OS keychain.

use crate::error::Result;
use sqlx::SqlitePool;

/// Setting keys used across the app.
pub mod keys {
    /// Base URL of the Supabase-compatible auth server.
    pub const AUTH_URL: &str = "auth.url";
    /// The auth server's public (anon) key: public by design, not a secret.
    pub const AUTH_ANON_KEY: &str = "auth.anon_key";
    /// Videos indexed at the same time (Settings in the window, the default of `heimdex index`).
    pub const CONCURRENCY: &str = "app.concurrency";
}

/// Most videos indexed at the same time: the number of CPU cores.
pub fn max_concurrency() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

/// The stored concurrency, else the runner's default (half the cores), within 1..=max: what the
/// window and `heimdex index` both run with unless told otherwise.
pub async fn concurrency(pool: &SqlitePool) -> Result<u32> {
    let default = crate::pipeline::runner::default_concurrency() as u32;
    let n = get(pool, keys::CONCURRENCY)
        .await?
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(default);
    Ok(n.clamp(1, max_concurrency()))
}

pub async fn set_concurrency(pool: &SqlitePool, n: u32) -> Result<()> {
    set(pool, keys::CONCURRENCY, &n.to_string()).await
}

pub async fn get(pool: &SqlitePool, key: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn set(pool: &SqlitePool, key: &str, value: &str) -> Result<()> {
    sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn remove(pool: &SqlitePool, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM settings WHERE key = ?")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use heimdex_core::DataPaths;

    #[tokio::test]
    async fn concurrency_round_trips_and_is_clamped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = crate::Library::open(DataPaths::under(dir.path()))
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
}
