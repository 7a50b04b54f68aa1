//! Where model work runs: on this computer, or on an OpenAI-compatible server. The kind and base
//! URL live in the library's settings table; the API key lives only in the OS keychain (Secret
//! Service on Linux, Keychain on macOS, Credential Manager on Windows), never in a file.

use crate::error::{AppError, AppResult};
use crate::types::{ProviderKind, ProviderView};
use sqlx::SqlitePool;

const KIND_KEY: &str = "provider.kind";
const BASE_URL_KEY: &str = "provider.base_url";
/// Keychain service and account of the API key.
pub const KEYCHAIN_SERVICE: &str = "heimdex";
pub const KEYCHAIN_ACCOUNT: &str = "provider-api-key";

/// A place for one secret. The OS keychain in the app; memory in tests.
pub trait SecretStore: Send + Sync {
    fn get(&self) -> Result<Option<String>, String>;
    fn set(&self, secret: &str) -> Result<(), String>;
    fn delete(&self) -> Result<(), String>;
}

/// The OS keychain entry `heimdex` / `provider-api-key`.
pub struct KeychainSecret;

impl KeychainSecret {
    fn entry() -> Result<keyring::Entry, String> {
        keyring::Entry::new(KEYCHAIN_SERVICE, KEYCHAIN_ACCOUNT).map_err(|e| e.to_string())
    }
}

impl SecretStore for KeychainSecret {
    fn get(&self) -> Result<Option<String>, String> {
        match Self::entry()?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
    fn set(&self, secret: &str) -> Result<(), String> {
        Self::entry()?
            .set_password(secret)
            .map_err(|e| e.to_string())
    }
    fn delete(&self) -> Result<(), String> {
        match Self::entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

fn db(e: heimdex_library::LibraryError) -> AppError {
    AppError::Database {
        reason: e.to_string(),
    }
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| e.to_string())?
}

/// The stored provider settings and whether a key is in the keychain.
pub async fn get(
    pool: &SqlitePool,
    secrets: std::sync::Arc<dyn SecretStore>,
) -> AppResult<ProviderView> {
    use heimdex_library::settings as s;
    let kind = match s::get(pool, KIND_KEY).await.map_err(db)?.as_deref() {
        Some("openai") => ProviderKind::OpenAi,
        _ => ProviderKind::Local,
    };
    let base_url = s::get(pool, BASE_URL_KEY).await.map_err(db)?;
    let (has_key, keychain_error) = match run_blocking(move || secrets.get()).await {
        Ok(k) => (k.is_some_and(|k| !k.is_empty()), None),
        Err(e) => (false, Some(e)),
    };
    Ok(ProviderView {
        kind,
        base_url,
        has_key,
        keychain_error,
    })
}

/// Checks an OpenAI-compatible base URL: `http(s)://host[:port][/path]`, no spaces.
pub fn check_base_url(url: &str) -> Result<String, String> {
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

/// Saves the provider. `api_key`: `None` keeps the stored key, `Some("")` deletes it, any other
/// value replaces it (in the keychain).
pub async fn set(
    pool: &SqlitePool,
    secrets: std::sync::Arc<dyn SecretStore>,
    kind: ProviderKind,
    base_url: Option<String>,
    api_key: Option<String>,
) -> AppResult<ProviderView> {
    use heimdex_library::settings as s;
    let base_url = match base_url.filter(|u| !u.trim().is_empty()) {
        Some(u) => Some(
            check_base_url(&u).map_err(|reason| AppError::InvalidSetting {
                name: "base URL".into(),
                value: u.clone(),
                reason,
            })?,
        ),
        None if kind == ProviderKind::OpenAi => {
            return Err(AppError::InvalidSetting {
                name: "base URL".into(),
                value: "empty".into(),
                reason: "an OpenAI-compatible provider needs its server address".into(),
            })
        }
        None => None,
    };
    if let Some(key) = api_key {
        let store = secrets.clone();
        run_blocking(move || {
            if key.trim().is_empty() {
                store.delete()
            } else {
                store.set(key.trim())
            }
        })
        .await
        .map_err(|reason| AppError::Keychain { reason })?;
    }
    let kind_text = match kind {
        ProviderKind::Local => "local",
        ProviderKind::OpenAi => "openai",
    };
    s::set(pool, KIND_KEY, kind_text).await.map_err(db)?;
    match &base_url {
        Some(u) => s::set(pool, BASE_URL_KEY, u).await.map_err(db)?,
        None => s::remove(pool, BASE_URL_KEY).await.map_err(db)?,
    }
    get(pool, secrets).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct MemorySecret(Mutex<Option<String>>);

    impl SecretStore for MemorySecret {
        fn get(&self) -> Result<Option<String>, String> {
            Ok(self.0.lock().map_err(|e| e.to_string())?.clone())
        }
        fn set(&self, secret: &str) -> Result<(), String> {
            *self.0.lock().map_err(|e| e.to_string())? = Some(secret.to_owned());
            Ok(())
        }
        fn delete(&self) -> Result<(), String> {
            *self.0.lock().map_err(|e| e.to_string())? = None;
            Ok(())
        }
    }

    struct BrokenKeychain;
    impl SecretStore for BrokenKeychain {
        fn get(&self) -> Result<Option<String>, String> {
            Err("no Secret Service on the session bus".into())
        }
        fn set(&self, _: &str) -> Result<(), String> {
            Err("no Secret Service on the session bus".into())
        }
        fn delete(&self) -> Result<(), String> {
            Err("no Secret Service on the session bus".into())
        }
    }

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

    #[tokio::test]
    async fn the_key_goes_to_the_keychain_and_nowhere_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = heimdex_library::Library::open(heimdex_core::DataPaths::under(dir.path()))
            .await
            .expect("opens");
        let pool = lib.pool();
        let secrets = Arc::new(MemorySecret::default());
        let v = get(pool, secrets.clone()).await.expect("reads");
        assert_eq!(v.kind, ProviderKind::Local);
        assert!(!v.has_key);

        let v = set(
            pool,
            secrets.clone(),
            ProviderKind::OpenAi,
            Some("https://llm.example/v1/".into()),
            Some("sk-secret-123".into()),
        )
        .await
        .expect("saves");
        assert_eq!(v.kind, ProviderKind::OpenAi);
        assert_eq!(v.base_url.as_deref(), Some("https://llm.example/v1"));
        assert!(v.has_key);
        assert_eq!(
            secrets.get().expect("get").as_deref(),
            Some("sk-secret-123")
        );
        let stored: Vec<String> = sqlx::query_scalar("SELECT value FROM settings")
            .fetch_all(pool)
            .await
            .expect("settings");
        assert!(
            stored.iter().all(|v| !v.contains("sk-secret")),
            "{stored:?}"
        );
        drop(lib);
        for entry in walkdir(dir.path()) {
            let bytes = std::fs::read(&entry).expect("read");
            let needle = b"sk-secret-123";
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "the key was written to {}",
                entry.display()
            );
        }

        // Keep the key when none is given; delete it with an empty one.
        let lib = heimdex_library::Library::open(heimdex_core::DataPaths::under(dir.path()))
            .await
            .expect("opens");
        let pool = lib.pool();
        let v = set(
            pool,
            secrets.clone(),
            ProviderKind::OpenAi,
            Some("http://localhost:11434/v1".into()),
            None,
        )
        .await
        .expect("saves");
        assert!(v.has_key);
        let v = set(
            pool,
            secrets.clone(),
            ProviderKind::Local,
            None,
            Some(String::new()),
        )
        .await
        .expect("saves");
        assert!(!v.has_key);
        assert_eq!(v.base_url, None);
    }

    fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walkdir(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[tokio::test]
    async fn a_missing_keychain_is_reported_not_bypassed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = heimdex_library::Library::open(heimdex_core::DataPaths::under(dir.path()))
            .await
            .expect("opens");
        let v = get(lib.pool(), Arc::new(BrokenKeychain))
            .await
            .expect("reads");
        assert!(v.keychain_error.is_some());
        let e = set(
            lib.pool(),
            Arc::new(BrokenKeychain),
            ProviderKind::OpenAi,
            Some("https://x.example".into()),
            Some("k".into()),
        )
        .await
        .expect_err("cannot save the key");
        assert!(matches!(e, AppError::Keychain { .. }));
    }

    #[tokio::test]
    async fn openai_needs_a_url() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = heimdex_library::Library::open(heimdex_core::DataPaths::under(dir.path()))
            .await
            .expect("opens");
        let e = set(
            lib.pool(),
            Arc::new(MemorySecret::default()),
            ProviderKind::OpenAi,
            None,
            None,
        )
        .await
        .expect_err("no url");
        assert!(matches!(e, AppError::InvalidSetting { .. }));
    }
}
