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
