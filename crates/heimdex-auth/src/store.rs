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
}
