//! Sign-in for team sync, as the window and the CLI need it: the auth server configured in the
//! library's settings, the refresh token in the OS keychain.
//!
//! The window's Sign-in button calls [`sign_in_with_browser`] (opening the system browser with
//! its opener), shows [`heimdex_auth::Session::user`], and calls [`sign_out`]; at start-up
//! [`restore`] says who is signed in.

use crate::error::SyncError;
use heimdex_auth::{AuthClient, AuthError, KeyringStore, Session, TokenStore};
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

/// The OS keychain.
pub fn keychain() -> Arc<dyn TokenStore> {
    Arc::new(KeyringStore::default())
}

/// The PKCE sign-in for native apps: `open(url)` must open the system browser; the redirect
/// comes back to a loopback port. Waits up to 5 minutes for the user.
pub async fn sign_in_with_browser(
    pool: &SqlitePool,
    provider: &str,
    open: impl FnOnce(&str),
) -> Result<Session, SyncError> {
    let client = auth_client(pool).await?;
    Session::sign_in_with_browser(client, keychain(), provider, open)
        .await
        .map_err(auth)
}

/// Email and password sign-in.
pub async fn sign_in_with_password(
    pool: &SqlitePool,
    email: &str,
    password: &str,
) -> Result<Session, SyncError> {
    let client = auth_client(pool).await?;
    Session::sign_in_with_password(client, keychain(), email, password)
        .await
        .map_err(auth)
}

/// The session kept in the keychain, or `None` when nobody is signed in (or it expired).
pub async fn restore(pool: &SqlitePool) -> Result<Option<Session>, SyncError> {
    let client = auth_client(pool).await?;
    match Session::restore(client, keychain()).await {
        Ok(s) => Ok(s),
        Err(AuthError::SessionExpired) => Ok(None),
        Err(e) => Err(auth(e)),
    }
}

/// Signs out (revokes the session on the server, forgets the refresh token).
pub async fn sign_out(session: Session) -> Result<(), SyncError> {
    session.sign_out().await.map_err(auth)
}
