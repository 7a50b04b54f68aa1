//! Where model work runs: on this computer, or on an OpenAI-compatible server that captions the
//! scenes' keyframes (the caption stage). The settings live in the library's settings table
//! (`heimdex_library::provider`); `heimdex provider` and the window's Provider panel both go
//! through [`status`] and [`save`]; the API key lives only in the OS
//! keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows), never in a
//! file.

use crate::error::{AppError, AppResult};
use crate::views::{ProviderKind, ProviderView};
use heimdex_library::provider::{self as lib, ProviderSettingsError};
pub use heimdex_library::provider::{
    check_base_url, ProviderSettings, ProviderStatus, ProviderUpdate, SecretStore, API_KEY_ENV,
    DEFAULT_CAPTION_MODEL, KEYCHAIN_ACCOUNT, KEYCHAIN_SERVICE,
};
use heimdex_library::Library;
use sqlx::SqlitePool;
use std::sync::Arc;

/// The provider's API key in the OS keychain (`heimdex` / `provider-api-key`), through the one
/// token store (`heimdex_auth::KeyringStore`).
pub struct KeychainSecret(heimdex_auth::KeyringStore);

impl Default for KeychainSecret {
    fn default() -> Self {
        Self(heimdex_auth::KeyringStore::new(KEYCHAIN_SERVICE))
    }
}

impl SecretStore for KeychainSecret {
    fn get(&self) -> Result<Option<String>, String> {
        use heimdex_auth::TokenStore as _;
        self.0.get(KEYCHAIN_ACCOUNT).map_err(|e| e.to_string())
    }
    fn set(&self, secret: &str) -> Result<(), String> {
        use heimdex_auth::TokenStore as _;
        self.0
            .set(KEYCHAIN_ACCOUNT, secret)
            .map_err(|e| e.to_string())
    }
    fn delete(&self) -> Result<(), String> {
        use heimdex_auth::TokenStore as _;
        self.0.delete(KEYCHAIN_ACCOUNT).map_err(|e| e.to_string())
    }
}

fn settings_error(e: ProviderSettingsError) -> AppError {
    match e {
        ProviderSettingsError::Invalid {
            name,
            value,
            reason,
        } => AppError::InvalidSetting {
            name: name.into(),
            value,
            reason,
        },
        ProviderSettingsError::Keychain(reason) => AppError::Keychain { reason },
        ProviderSettingsError::Library(e) => e.into(),
    }
}

fn view(s: ProviderStatus) -> ProviderView {
    ProviderView {
        kind: match s.settings.kind {
            lib::ProviderKind::Local => ProviderKind::Local,
            lib::ProviderKind::OpenAi => ProviderKind::OpenAi,
        },
        base_url: s.settings.base_url,
        has_key: s.has_key,
        keychain_error: s.keychain_error,
        caption_model: s.settings.caption_model,
        default_caption_model: lib::DEFAULT_CAPTION_MODEL.to_owned(),
        max_requests: u32::try_from(s.settings.max_requests).unwrap_or(u32::MAX),
        requests_made: u32::try_from(s.requests_made).unwrap_or(u32::MAX),
    }
}

/// The stored provider settings, whether a key is in the keychain and what was sent so far.
pub async fn status(pool: &SqlitePool, secrets: Arc<dyn SecretStore>) -> AppResult<ProviderStatus> {
    Ok(lib::status(pool, secrets).await?)
}

/// The provider settings as stored (no keychain access).
pub async fn stored(pool: &SqlitePool) -> AppResult<ProviderSettings> {
    Ok(ProviderSettings::load(pool).await?)
}

/// Saves the provider settings (the key to the keychain) and queues the caption jobs again.
pub async fn save(
    library: &Library,
    secrets: Arc<dyn SecretStore>,
    update: ProviderUpdate,
) -> AppResult<ProviderStatus> {
    lib::save(library, secrets, update)
        .await
        .map_err(settings_error)
}

/// [`status`] as the window's view.
pub async fn get(pool: &SqlitePool, secrets: Arc<dyn SecretStore>) -> AppResult<ProviderView> {
    status(pool, secrets).await.map(view)
}

/// Saves the provider and queues the caption jobs again. `api_key`: `None` keeps the stored key,
/// `Some("")` deletes it, any other value replaces it (in the keychain). `caption_model` and
/// `max_requests`: `None` keeps them, `Some("")` / `Some(0)` go back to the default model / no
/// limit.
pub async fn set(
    library: &Library,
    secrets: Arc<dyn SecretStore>,
    kind: ProviderKind,
    base_url: Option<String>,
    api_key: Option<String>,
    caption_model: Option<String>,
    max_requests: Option<u32>,
) -> AppResult<ProviderView> {
    let update = ProviderUpdate {
        kind: match kind {
            ProviderKind::Local => lib::ProviderKind::Local,
            ProviderKind::OpenAi => lib::ProviderKind::OpenAi,
        },
        base_url,
        api_key,
        caption_model,
        max_requests: max_requests.map(u64::from),
    };
    save(library, secrets, update).await.map(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use heimdex_library::provider::MemorySecretStore as MemorySecret;

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
            &lib,
            secrets.clone(),
            ProviderKind::OpenAi,
            Some("https://llm.example/v1/".into()),
            Some("sk-secret-123".into()),
            Some("llava".into()),
            Some(50),
        )
        .await
        .expect("saves");
        assert_eq!(v.kind, ProviderKind::OpenAi);
        assert_eq!(v.base_url.as_deref(), Some("https://llm.example/v1"));
        assert!(v.has_key);
        assert_eq!(v.caption_model.as_deref(), Some("llava"));
        assert_eq!(v.max_requests, 50);
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
        let v = set(
            &lib,
            secrets.clone(),
            ProviderKind::OpenAi,
            Some("http://localhost:11434/v1".into()),
            None,
            None,
            None,
        )
        .await
        .expect("saves");
        assert!(v.has_key);
        assert_eq!(v.caption_model.as_deref(), Some("llava"), "kept");
        let v = set(
            &lib,
            secrets.clone(),
            ProviderKind::Local,
            None,
            Some(String::new()),
            Some(String::new()),
            Some(0),
        )
        .await
        .expect("saves");
        assert!(!v.has_key);
        assert_eq!(v.base_url, None);
        assert_eq!(v.caption_model, None);
        assert_eq!(v.max_requests, 0);
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
            &lib,
            Arc::new(BrokenKeychain),
            ProviderKind::OpenAi,
            Some("https://x.example".into()),
            Some("k".into()),
            None,
            None,
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
            &lib,
            Arc::new(MemorySecret::default()),
            ProviderKind::OpenAi,
            None,
            None,
            None,
            None,
        )
        .await
        .expect_err("no url");
        assert!(matches!(e, AppError::InvalidSetting { .. }));
    }
}
