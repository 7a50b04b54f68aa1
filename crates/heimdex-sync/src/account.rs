//! The sign-in server configured in the library's settings, and the session kept in a token
//! store. Signing in and out is the app layer's `Team` (`heimdex_app::team`), for both shells.

use crate::error::SyncError;
use heimdex_auth::{AuthClient, AuthError, Session, TokenStore};
use heimdex_library::settings::{self, keys};
use sqlx::SqlitePool;
use std::sync::Arc;

fn auth(e: AuthError) -> SyncError {
    SyncError::Auth(e.to_string())
}

/// The auth server configured in the settings (`auth.url`, `auth.anon_key`).
pub async fn auth_client(pool: &SqlitePool) -> Result<AuthClient, SyncError> {
    let get = |k| settings::get(pool, k);
    let url = get(keys::AUTH_URL).await?.ok_or_else(|| {
        SyncError::Config(
            "no sign-in server configured: pass --url (your Supabase project URL) to \
             `heimdex login`, or set it in the window's Team panel"
                .into(),
        )
    })?;
    let anon = get(keys::AUTH_ANON_KEY).await?.unwrap_or_default();
    AuthClient::new(&url, &anon).map_err(auth)
}

/// Saves the auth server's URL and public anon key (not secrets).
pub async fn configure(pool: &SqlitePool, url: &str, anon_key: &str) -> Result<(), SyncError> {
    settings::set(pool, keys::AUTH_URL, url).await?;
    settings::set(pool, keys::AUTH_ANON_KEY, anon_key).await?;
    Ok(())
}

/// The session kept in `store`, or `None` when nobody is signed in (or it expired).
pub async fn restore(
    pool: &SqlitePool,
    store: Arc<dyn TokenStore>,
) -> Result<Option<Session>, SyncError> {
    let client = auth_client(pool).await?;
    match Session::restore(client, store).await {
        Ok(s) => Ok(s),
        Err(AuthError::SessionExpired) => Ok(None),
        Err(e) => Err(auth(e)),
    }
}
