//! Which team backend this library syncs with, kept in the library's `settings` table. Passwords
//! and API keys never go there: they live in the OS keychain (or come from the environment).

use crate::error::SyncError;
use heimdex_auth::TokenStore;
use heimdex_library::settings;
use sqlx::SqlitePool;
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Setting keys. `sync.backend` being present is what makes the outbox triggers queue rows.
pub mod keys {
    pub const BACKEND: &str = "sync.backend";
    pub const URL: &str = "sync.url";
    pub const TEAM: &str = "sync.team_id";
    pub const TEXT_MODEL: &str = "sync.text_model";
    pub const LAST_PUSH_MS: &str = "sync.last_push_ms";
    pub const LAST_ERROR: &str = "sync.last_error";
    pub const LAST_ERROR_MS: &str = "sync.last_error_ms";
    pub const LAST_PULL_MS: &str = "sync.last_pull_ms";
}

/// Keychain account of the backend's password (Postgres) or API key (Qdrant).
pub const SECRET_ACCOUNT: &str = "sync-secret";
/// Environment variable that supplies the secret instead of the keychain (servers, CI).
pub const SECRET_ENV: &str = "HEIMDEX_SYNC_SECRET";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Qdrant,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "postgres",
            Backend::Qdrant => "qdrant",
        })
    }
}

impl FromStr for Backend {
    type Err = SyncError;
    fn from_str(s: &str) -> Result<Self, SyncError> {
        match s {
            "postgres" | "postgresql" | "supabase" => Ok(Backend::Postgres),
            "qdrant" => Ok(Backend::Qdrant),
            other => Err(SyncError::Config(format!(
                "unknown backend {other:?} (use postgres or qdrant)"
            ))),
        }
    }
}

/// The configured backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    pub backend: Backend,
    /// Without a password: `postgres://user@host:5432/db` or `http://host:6334`.
    pub url: String,
    /// The team new rows are shared with (`None`: private to the user).
    pub team_id: Option<Uuid>,
    /// Which text model's vectors to push when scenes have several of the backend's size.
    pub text_model: Option<String>,
}

fn local(e: heimdex_library::LibraryError) -> SyncError {
    SyncError::Local(e.to_string())
}

/// Splits the password out of a URL: `(url without it, password)`.
pub fn split_secret(url: &str) -> Result<(String, Option<String>), SyncError> {
    let mut parsed = url::Url::parse(url)
        .map_err(|e| SyncError::Config(format!("the backend URL {url:?} is not valid: {e}")))?;
    let password = parsed.password().map(str::to_owned);
    if password.is_some() {
        parsed
            .set_password(None)
            .map_err(|()| SyncError::Config(format!("cannot remove the password from {url:?}")))?;
    }
    Ok((parsed.to_string(), password))
}

impl SyncConfig {
    /// The configuration, or `None` when team sync is off.
    pub async fn load(pool: &SqlitePool) -> Result<Option<Self>, SyncError> {
        let Some(backend) = settings::get(pool, keys::BACKEND).await.map_err(local)? else {
            return Ok(None);
        };
        let url = settings::get(pool, keys::URL)
            .await
            .map_err(local)?
            .unwrap_or_default();
        let team_id = match settings::get(pool, keys::TEAM).await.map_err(local)? {
            Some(t) => Some(Uuid::parse_str(&t).map_err(|_| {
                SyncError::Config(format!("the team id {t:?} in the settings is not a UUID"))
            })?),
            None => None,
        };
        Ok(Some(Self {
            backend: backend.parse()?,
            url,
            team_id,
            text_model: settings::get(pool, keys::TEXT_MODEL).await.map_err(local)?,
        }))
    }

    /// Saves the configuration (turning the outbox on). The URL must carry no password: keep it
    /// in the keychain with [`store_secret`].
    pub async fn save(&self, pool: &SqlitePool) -> Result<(), SyncError> {
        let (url, password) = split_secret(&self.url)?;
        if password.is_some() {
            return Err(SyncError::Config(
                "the URL holds a password; it belongs in the keychain, not the settings".into(),
            ));
        }
        settings::set(pool, keys::URL, &url).await.map_err(local)?;
        match self.team_id {
            Some(t) => settings::set(pool, keys::TEAM, &t.to_string()).await,
            None => settings::remove(pool, keys::TEAM).await,
        }
        .map_err(local)?;
        match &self.text_model {
            Some(m) => settings::set(pool, keys::TEXT_MODEL, m).await,
            None => settings::remove(pool, keys::TEXT_MODEL).await,
        }
        .map_err(local)?;
        settings::set(pool, keys::BACKEND, &self.backend.to_string())
            .await
            .map_err(local)?;
        Ok(())
    }

    /// Turns team sync off and forgets the queue.
    pub async fn disable(pool: &SqlitePool) -> Result<(), SyncError> {
        for k in [keys::BACKEND, keys::URL, keys::TEAM, keys::TEXT_MODEL] {
            settings::remove(pool, k).await.map_err(local)?;
        }
        crate::outbox::clear(pool).await
    }
}

/// Keeps the backend's password or API key in `store` (the keychain).
pub fn store_secret(store: &dyn TokenStore, secret: &str) -> Result<(), SyncError> {
    store
        .set(SECRET_ACCOUNT, secret)
        .map_err(|e| SyncError::Config(e.to_string()))
}

/// The backend's secret: `$HEIMDEX_SYNC_SECRET`, else the keychain, else none.
pub fn load_secret(store: &dyn TokenStore) -> Option<String> {
    if let Some(s) = std::env::var_os(SECRET_ENV).filter(|v| !v.is_empty()) {
        return Some(s.to_string_lossy().into_owned());
    }
    store.get(SECRET_ACCOUNT).ok().flatten()
}

/// Push bookkeeping shown by `heimdex sync status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PushState {
    pub last_push_ms: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_ms: Option<i64>,
    pub last_pull_ms: Option<i64>,
}

impl PushState {
    pub async fn load(pool: &SqlitePool) -> Result<Self, SyncError> {
        let num = |v: Option<String>| v.and_then(|s| s.parse().ok());
        Ok(Self {
            last_push_ms: num(settings::get(pool, keys::LAST_PUSH_MS)
                .await
                .map_err(local)?),
            last_error: settings::get(pool, keys::LAST_ERROR).await.map_err(local)?,
            last_error_ms: num(settings::get(pool, keys::LAST_ERROR_MS)
                .await
                .map_err(local)?),
            last_pull_ms: num(settings::get(pool, keys::LAST_PULL_MS)
                .await
                .map_err(local)?),
        })
    }

    pub(crate) async fn record_push(pool: &SqlitePool) -> Result<(), SyncError> {
        let now = heimdex_library::db::now_ms().to_string();
        settings::set(pool, keys::LAST_PUSH_MS, &now)
            .await
            .map_err(local)?;
        settings::remove(pool, keys::LAST_ERROR)
            .await
            .map_err(local)?;
        Ok(())
    }

    pub(crate) async fn record_error(pool: &SqlitePool, error: &str) -> Result<(), SyncError> {
        let now = heimdex_library::db::now_ms().to_string();
        settings::set(pool, keys::LAST_ERROR, error)
            .await
            .map_err(local)?;
        settings::set(pool, keys::LAST_ERROR_MS, &now)
            .await
            .map_err(local)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_split_out_of_urls() {
        let (url, pw) =
            split_secret("postgres://app:s3cret@db.example.com:5432/heimdex").expect("parses");
        assert_eq!(url, "postgres://app@db.example.com:5432/heimdex");
        assert_eq!(pw.as_deref(), Some("s3cret"));
        let (url, pw) = split_secret("http://localhost:6334").expect("parses");
        assert_eq!(url, "http://localhost:6334/");
        assert!(pw.is_none());
        assert!(split_secret("not a url").is_err());
    }

    #[test]
    fn backends_parse() {
        assert_eq!(
            "supabase".parse::<Backend>().expect("known"),
            Backend::Postgres
        );
        assert_eq!("qdrant".parse::<Backend>().expect("known"), Backend::Qdrant);
        assert!("mysql".parse::<Backend>().is_err());
    }
}
