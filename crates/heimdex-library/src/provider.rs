//! Where caption work runs: nowhere (local models only) or an OpenAI-compatible server (OpenAI,
//! Ollama, vLLM, LM Studio…). The settings live in the library's `settings` table; the API key
//! never does: it lives in a [`SecretStore`] (the OS keychain in the window and the CLI) or comes
//! from `$HEIMDEX_PROVIDER_API_KEY`, and is never logged.
//!
//! The window's Provider panel and `heimdex provider` both read and write through here.

use crate::error::{LibraryError, Result};
use crate::{settings, Library};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use std::sync::{Arc, Mutex};

/// Setting keys.
pub mod keys {
    /// `local` or `openai`.
    pub const KIND: &str = "provider.kind";
    /// The server's OpenAI-compatible base URL (`https://api.openai.com/v1`).
    pub const BASE_URL: &str = "provider.base_url";
    /// The vision chat model captions come from (absent: [`super::DEFAULT_CAPTION_MODEL`]).
    pub const CAPTION_MODEL: &str = "provider.caption_model";
    /// Caption requests this library may send in all (absent or 0: no limit).
    pub const MAX_REQUESTS: &str = "captions.max_requests";
    /// Caption requests this library has sent (counted before each is sent; never decreases).
    pub const REQUESTS_MADE: &str = "captions.requests_made";
}

/// Environment variable that supplies the API key instead of the keychain (CLI, servers, tests).
pub const API_KEY_ENV: &str = "HEIMDEX_PROVIDER_API_KEY";
/// Keychain service and account of the API key.
pub const KEYCHAIN_SERVICE: &str = "heimdex";
pub const KEYCHAIN_ACCOUNT: &str = "provider-api-key";
/// The caption model when none is set (OpenAI's; an Ollama server needs e.g. `llava`).
pub const DEFAULT_CAPTION_MODEL: &str = "gpt-4o-mini";

/// Where model work runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Models on this computer only: no captions.
    Local,
    /// An OpenAI-compatible server.
    OpenAi,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Local => "local",
            ProviderKind::OpenAi => "openai",
        }
    }
}

/// The provider settings as stored (no key in here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    pub base_url: Option<String>,
    /// The caption model set by the user; `None`: [`DEFAULT_CAPTION_MODEL`].
    pub caption_model: Option<String>,
    /// Caption requests this library may send in all; 0: no limit.
    pub max_requests: u64,
}

impl ProviderSettings {
    pub async fn load(pool: &SqlitePool) -> Result<Self> {
        let kind = match settings::get(pool, keys::KIND).await?.as_deref() {
            Some("openai") => ProviderKind::OpenAi,
            _ => ProviderKind::Local,
        };
        let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        Ok(Self {
            kind,
            base_url: nonempty(settings::get(pool, keys::BASE_URL).await?),
            caption_model: nonempty(settings::get(pool, keys::CAPTION_MODEL).await?),
            max_requests: settings::get(pool, keys::MAX_REQUESTS)
                .await?
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0),
        })
    }

    /// The server captions are asked from, when one is set.
    pub fn caption_server(&self) -> Option<&str> {
        match self.kind {
            ProviderKind::OpenAi => self.base_url.as_deref(),
            ProviderKind::Local => None,
        }
    }

    /// The caption model in effect.
    pub fn caption_model(&self) -> &str {
        self.caption_model
            .as_deref()
            .unwrap_or(DEFAULT_CAPTION_MODEL)
    }
}

/// Caption requests this library has sent so far.
pub async fn requests_made(pool: &SqlitePool) -> Result<u64> {
    Ok(settings::get(pool, keys::REQUESTS_MADE)
        .await?
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0))
}

/// Counts one caption request before it is sent, unless the library's limit is reached (then
/// `false`, and nothing is counted). Atomic across tasks and processes; a request counted and then
/// not sent (a crash in between) errs on the side of the limit.
pub async fn reserve_request(pool: &SqlitePool) -> Result<bool> {
    // One statement: SQLite takes the write lock before reading, so two tasks or processes cannot
    // both take the last request.
    let done = sqlx::query(
        "INSERT INTO settings (key, value) \
         SELECT ?1, CAST(COALESCE((SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?1), 0) + 1 AS TEXT) \
         WHERE COALESCE((SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?2), 0) <= 0 \
            OR COALESCE((SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?1), 0) \
               < (SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(keys::REQUESTS_MADE)
    .bind(keys::MAX_REQUESTS)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A place for the API key. The OS keychain in the window and the CLI (their crates implement it:
/// this crate stays free of the keychain's system libraries); memory in tests.
pub trait SecretStore: Send + Sync {
    fn get(&self) -> std::result::Result<Option<String>, String>;
    fn set(&self, secret: &str) -> std::result::Result<(), String>;
    fn delete(&self) -> std::result::Result<(), String>;
}

/// No store: the key comes from `$HEIMDEX_PROVIDER_API_KEY` or there is none.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSecretStore;

impl SecretStore for NoSecretStore {
    fn get(&self) -> std::result::Result<Option<String>, String> {
        Ok(None)
    }
    fn set(&self, _: &str) -> std::result::Result<(), String> {
        Err(format!(
            "no keychain here: set ${API_KEY_ENV} to give the API key"
        ))
    }
    fn delete(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

/// A key kept in memory only (tests).
#[derive(Default)]
pub struct MemorySecretStore(Mutex<Option<String>>);

impl SecretStore for MemorySecretStore {
    fn get(&self) -> std::result::Result<Option<String>, String> {
        Ok(self.0.lock().map_err(|e| e.to_string())?.clone())
    }
    fn set(&self, secret: &str) -> std::result::Result<(), String> {
        *self.0.lock().map_err(|e| e.to_string())? = Some(secret.to_owned());
        Ok(())
    }
    fn delete(&self) -> std::result::Result<(), String> {
        *self.0.lock().map_err(|e| e.to_string())? = None;
        Ok(())
    }
}

/// The API key: `$HEIMDEX_PROVIDER_API_KEY` when set, else the store's. Blocking (the keychain).
pub fn api_key(store: &dyn SecretStore) -> std::result::Result<Option<String>, String> {
    if let Some(k) = std::env::var_os(API_KEY_ENV).filter(|v| !v.is_empty()) {
        return Ok(Some(k.to_string_lossy().trim().to_owned()));
    }
    Ok(store.get()?.filter(|k| !k.trim().is_empty()))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, String> + Send + 'static,
) -> std::result::Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| e.to_string())?
}

/// The settings, whether a key is stored, and how many requests were sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderStatus {
    pub settings: ProviderSettings,
    /// A key is in the store (the keychain).
    pub has_key: bool,
    /// `$HEIMDEX_PROVIDER_API_KEY` is set (it wins over the store).
    pub key_from_env: bool,
    /// Why the store cannot be used, when it cannot (then no key can be saved).
    pub keychain_error: Option<String>,
    pub requests_made: u64,
}

pub async fn status(pool: &SqlitePool, secrets: Arc<dyn SecretStore>) -> Result<ProviderStatus> {
    let settings = ProviderSettings::load(pool).await?;
    let (has_key, keychain_error) = match blocking(move || secrets.get()).await {
        Ok(k) => (k.is_some_and(|k| !k.trim().is_empty()), None),
        Err(e) => (false, Some(e)),
    };
    Ok(ProviderStatus {
        settings,
        has_key,
        key_from_env: std::env::var_os(API_KEY_ENV).is_some_and(|v| !v.is_empty()),
        keychain_error,
        requests_made: requests_made(pool).await?,
    })
}

/// A change to the provider settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderUpdate {
    pub kind: ProviderKind,
    /// Required for [`ProviderKind::OpenAi`]; `None` with `Local` forgets the stored one.
    pub base_url: Option<String>,
    /// `None` keeps the stored key, `Some("")` deletes it, any other value replaces it.
    pub api_key: Option<String>,
    /// `None` keeps the stored model, `Some("")` goes back to [`DEFAULT_CAPTION_MODEL`].
    pub caption_model: Option<String>,
    /// `None` keeps the stored limit, `Some(0)` removes it.
    pub max_requests: Option<u64>,
}

impl ProviderUpdate {
    /// Only the kind and server; the key, model and limit stay as they are.
    pub fn new(kind: ProviderKind, base_url: Option<String>) -> Self {
        Self {
            kind,
            base_url,
            api_key: None,
            caption_model: None,
            max_requests: None,
        }
    }
}

/// Why provider settings could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum ProviderSettingsError {
    #[error("the {name} '{value}' cannot be used: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("the system keychain cannot keep the API key: {0}")]
    Keychain(String),
    #[error(transparent)]
    Library(#[from] LibraryError),
}

impl From<sqlx::Error> for ProviderSettingsError {
    fn from(e: sqlx::Error) -> Self {
        Self::Library(e.into())
    }
}

/// Checks an OpenAI-compatible base URL: `http(s)://host[:port][/path]`, no spaces. Returns it
/// without trailing slashes.
pub fn check_base_url(url: &str) -> std::result::Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("it must start with http:// or https://")?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err("it names no server".into());
    }
    if url.chars().any(char::is_whitespace) {
        return Err("it must not contain spaces".into());
    }
    Ok(url.to_owned())
}

fn check_model(model: &str) -> std::result::Result<String, ProviderSettingsError> {
    let m = model.trim();
    if m.chars().any(|c| c.is_whitespace() || c.is_control()) || m.len() > 200 {
        return Err(ProviderSettingsError::Invalid {
            name: "caption model",
            value: model.to_owned(),
            reason: "a model name has no spaces (for example gpt-4o-mini or llava)".into(),
        });
    }
    Ok(m.to_owned())
}

/// Saves the provider settings (the key in `secrets`, nothing secret in the library) and queues
/// captions again: with a server set, every video's caption job (scenes already captioned by the
/// same model are skipped, so this costs nothing for them); without one, the caption jobs that
/// failed (they then finish at once).
pub async fn save(
    library: &Library,
    secrets: Arc<dyn SecretStore>,
    update: ProviderUpdate,
) -> std::result::Result<ProviderStatus, ProviderSettingsError> {
    let pool = library.pool();
    let base_url = match update.base_url.filter(|u| !u.trim().is_empty()) {
        Some(u) => Some(
            check_base_url(&u).map_err(|reason| ProviderSettingsError::Invalid {
                name: "base URL",
                value: u.clone(),
                reason,
            })?,
        ),
        None if update.kind == ProviderKind::OpenAi => {
            return Err(ProviderSettingsError::Invalid {
                name: "base URL",
                value: "empty".into(),
                reason: "an OpenAI-compatible provider needs its server address".into(),
            })
        }
        None => None,
    };
    let model = update
        .caption_model
        .as_deref()
        .map(check_model)
        .transpose()?;
    if let Some(key) = update.api_key {
        let store = secrets.clone();
        blocking(move || {
            if key.trim().is_empty() {
                store.delete()
            } else {
                store.set(key.trim())
            }
        })
        .await
        .map_err(ProviderSettingsError::Keychain)?;
    }
    settings::set(pool, keys::KIND, update.kind.as_str()).await?;
    match &base_url {
        Some(u) => settings::set(pool, keys::BASE_URL, u).await?,
        None => settings::remove(pool, keys::BASE_URL).await?,
    }
    match model.as_deref() {
        Some("") => settings::remove(pool, keys::CAPTION_MODEL).await?,
        Some(m) => settings::set(pool, keys::CAPTION_MODEL, m).await?,
        None => {}
    }
    match update.max_requests {
        Some(0) => settings::remove(pool, keys::MAX_REQUESTS).await?,
        Some(n) => settings::set(pool, keys::MAX_REQUESTS, &n.to_string()).await?,
        None => {}
    }
    let status = status(pool, secrets).await?;
    let queued =
        crate::captions::requeue(library, status.settings.caption_server().is_some()).await?;
    if queued > 0 {
        tracing::info!(videos = queued, "provider saved: caption jobs queued");
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            check_base_url(" https://api.openai.com/v1/ ").as_deref(),
            Ok("https://api.openai.com/v1")
        );
        assert!(check_base_url("http://127.0.0.1:8080").is_ok());
        assert!(check_base_url("ftp://x").is_err());
        assert!(check_base_url("https://").is_err());
        assert!(check_base_url("https://a b").is_err());
    }

    #[test]
    fn model_names_are_checked() {
        assert_eq!(
            check_model(" llava:13b ").ok().as_deref(),
            Some("llava:13b")
        );
        assert!(check_model("gpt 4o").is_err());
    }
}
