//! Where refresh tokens live: the OS keychain (macOS Keychain, Windows Credential Manager, the
//! Secret Service on Linux). Never a plain file, never a log line.

use crate::error::AuthError;
use std::collections::HashMap;
use std::sync::Mutex;

pub trait TokenStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<String>, AuthError>;
    fn set(&self, account: &str, secret: &str) -> Result<(), AuthError>;
    fn delete(&self, account: &str) -> Result<(), AuthError>;
}

/// The OS keychain, under the service name `heimdex`.
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_owned(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, AuthError> {
        keyring::Entry::new(&self.service, account).map_err(|e| AuthError::Keychain(e.to_string()))
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new("heimdex")
    }
}

impl TokenStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<String>, AuthError> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(AuthError::Keychain(e.to_string())),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), AuthError> {
        self.entry(account)?
            .set_password(secret)
            .map_err(|e| AuthError::Keychain(e.to_string()))
    }

    fn delete(&self, account: &str) -> Result<(), AuthError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(AuthError::Keychain(e.to_string())),
        }
    }
}

/// Tokens kept in memory only: for tests, and for desktops without a keychain (the user signs in
/// again next time rather than having the token written to a file).
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<String, String>>,
}

impl TokenStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<String>, AuthError> {
        Ok(self.map.lock().ok().and_then(|m| m.get(account).cloned()))
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), AuthError> {
        if let Ok(mut m) = self.map.lock() {
            m.insert(account.to_owned(), secret.to_owned());
        }
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), AuthError> {
        if let Ok(mut m) = self.map.lock() {
            m.remove(account);
        }
        Ok(())
    }
}

/// The OS keychain when it works, memory when it does not (a desktop without a Secret Service):
/// the sign-in then lasts until the app quits instead of failing, and the token is never written
/// to a file. [`FallbackStore::keychain_error`] says why the keychain was not used.
pub struct FallbackStore {
    primary: Box<dyn TokenStore>,
    memory: MemoryStore,
    /// `false`: a secret the keychain refuses is an error, not kept in memory (a command line
    /// that exits would lose it).
    keep_in_memory: bool,
    error: Mutex<Option<String>>,
}

impl FallbackStore {
    pub fn new(primary: Box<dyn TokenStore>) -> Self {
        Self {
            primary,
            memory: MemoryStore::default(),
            keep_in_memory: true,
            error: Mutex::new(None),
        }
    }

    /// Never keeps a secret in memory: reading, storing and deleting fail when the keychain
    /// does (a command line that exits would lose the secret, or report a sign-out that did not
    /// happen).
    pub fn without_memory(mut self) -> Self {
        self.keep_in_memory = false;
        self
    }

    /// The OS keychain, falling back to memory.
    pub fn keychain() -> Self {
        Self::new(Box::new(KeyringStore::default()))
    }

    /// Why the keychain could not be used (the last failure), or `None` while it works.
    pub fn keychain_error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    fn reason(e: AuthError) -> String {
        match e {
            AuthError::Keychain(r) => r,
            other => other.to_string(),
        }
    }

    /// The keychain failed and the secret is kept in memory instead.
    fn failed(&self, e: AuthError) {
        let reason = Self::reason(e);
        tracing::warn!("keychain unavailable, keeping the sign-in in memory: {reason}");
        if let Ok(mut slot) = self.error.lock() {
            *slot = Some(reason);
        }
    }

    /// The keychain failed and there is no memory to fall back on: the caller gets the error.
    fn refused(&self, e: AuthError) -> AuthError {
        let reason = Self::reason(e);
        if let Ok(mut slot) = self.error.lock() {
            *slot = Some(reason.clone());
        }
        AuthError::Keychain(reason)
    }
}

impl TokenStore for FallbackStore {
    fn get(&self, account: &str) -> Result<Option<String>, AuthError> {
        if let Some(s) = self.memory.get(account)? {
            return Ok(Some(s));
        }
        match self.primary.get(account) {
            Ok(s) => Ok(s),
            Err(e) if !self.keep_in_memory => Err(self.refused(e)),
            Err(e) => {
                self.failed(e);
                Ok(None)
            }
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), AuthError> {
        match self.primary.set(account, secret) {
            Ok(()) => self.memory.delete(account),
            Err(e) if !self.keep_in_memory => Err(self.refused(e)),
            Err(e) => {
                self.failed(e);
                self.memory.set(account, secret)
            }
        }
    }

    fn delete(&self, account: &str) -> Result<(), AuthError> {
        self.memory.delete(account)?;
        match self.primary.delete(account) {
            Ok(()) => Ok(()),
            Err(e) if !self.keep_in_memory => Err(self.refused(e)),
            Err(e) => {
                self.failed(e);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_store_round_trips_with_the_mock_keychain() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let store = KeyringStore::new("heimdex-test");
        // The mock keeps each entry object separately; a real keychain persists across entries.
        let entry = store.entry("alice").expect("entry");
        entry.set_password("r1").expect("set");
        assert_eq!(entry.get_password().expect("get"), "r1");
        assert!(matches!(store.get("nobody"), Ok(None)));
    }

    /// A keychain that is not there (no Secret Service).
    struct Broken;
    impl TokenStore for Broken {
        fn get(&self, _: &str) -> Result<Option<String>, AuthError> {
            Err(AuthError::Keychain("no secret service".into()))
        }
        fn set(&self, _: &str, _: &str) -> Result<(), AuthError> {
            Err(AuthError::Keychain("no secret service".into()))
        }
        fn delete(&self, _: &str) -> Result<(), AuthError> {
            Err(AuthError::Keychain("no secret service".into()))
        }
    }

    #[test]
    fn fallback_keeps_tokens_in_memory_when_the_keychain_fails() {
        let store = FallbackStore::new(Box::new(Broken));
        assert!(store.keychain_error().is_none());
        assert!(matches!(store.get("refresh-token"), Ok(None)));
        store.set("refresh-token", "r1").expect("kept in memory");
        assert_eq!(
            store.get("refresh-token").expect("get").as_deref(),
            Some("r1")
        );
        assert_eq!(store.keychain_error().as_deref(), Some("no secret service"));
        store.delete("refresh-token").expect("delete");
        assert!(matches!(store.get("refresh-token"), Ok(None)));
    }

    #[test]
    fn without_memory_a_refused_secret_is_an_error() {
        let store = FallbackStore::new(Box::new(Broken)).without_memory();
        assert!(matches!(
            store.set("refresh-token", "r1"),
            Err(AuthError::Keychain(r)) if r == "no secret service"
        ));
        assert!(
            matches!(store.get("refresh-token"), Err(AuthError::Keychain(_))),
            "a keychain that cannot be read is not 'nobody signed in'"
        );
        assert!(matches!(
            store.delete("refresh-token"),
            Err(AuthError::Keychain(_))
        ));
        assert_eq!(store.keychain_error().as_deref(), Some("no secret service"));
    }

    #[test]
    fn fallback_uses_the_keychain_when_it_works() {
        let store = FallbackStore::new(Box::new(MemoryStore::default()));
        store.set("refresh-token", "r1").expect("set");
        assert_eq!(
            store.get("refresh-token").expect("get").as_deref(),
            Some("r1")
        );
        assert!(store.keychain_error().is_none());
    }
}
