//! Errors that cross into the window: typed, serialisable, and naming the file or video they are
//! about. The UI turns each variant into a sentence (`ui/src/lib/errors.ts`).

use serde::Serialize;

/// Why a command failed. Serialised as `{ "type": "VideoNotFound", "data": { "id": "…" } }`.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", content = "data")]
pub enum AppError {
    /// The library is still being opened at start-up.
    #[error("the library is still opening")]
    Starting,
    /// The library could not be opened (bad data directory, broken database).
    #[error("the library at {path} could not be opened: {reason}")]
    LibraryUnavailable { path: String, reason: String },
    /// No video has this id (it may have been removed meanwhile).
    #[error("no video with id {id} is in the library")]
    VideoNotFound { id: String },
    /// A path given to import does not exist or cannot be read.
    #[error("{path} cannot be imported: {reason}")]
    Import { path: String, reason: String },
    /// The library database failed.
    #[error("the library database failed: {reason}")]
    Database { reason: String },
    /// Another failure of the library (a folder that cannot be written, a stored row that cannot
    /// be read, a runner lock); `reason` is a whole sentence naming the file and the fix.
    #[error("{reason}")]
    Library { reason: String },
    /// A setting was given a value it cannot take.
    #[error("the setting {name} cannot be {value}: {reason}")]
    InvalidSetting {
        name: String,
        value: String,
        reason: String,
    },
    /// Search failed (or is not available in this build).
    #[error("the search failed: {reason}")]
    Search { reason: String },
    /// A file could not be written (an export).
    #[error("{path} could not be written: {reason}")]
    Export { path: String, reason: String },
    /// Signing in to the team server failed (wrong password, server unreachable, cancelled).
    #[error("the sign-in failed: {reason}")]
    SignIn { reason: String },
    /// Team sync could not run (backend unreachable or refusing, not set up).
    #[error("team sync failed: {reason}")]
    Sync { reason: String },
    /// The OS keychain refused to store or read a secret.
    #[error("the system keychain could not be used: {reason}")]
    Keychain { reason: String },
}

pub type AppResult<T> = Result<T, AppError>;

/// One conversion of a library error into the window's error, for every command (`?`).
impl From<heimdex_library::LibraryError> for AppError {
    fn from(e: heimdex_library::LibraryError) -> Self {
        match e {
            heimdex_library::LibraryError::VideoNotFound(id) => AppError::VideoNotFound { id },
            heimdex_library::LibraryError::Database(e) => AppError::Database {
                reason: e.to_string(),
            },
            other => AppError::Library {
                reason: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_type_and_data() {
        let e = AppError::VideoNotFound { id: "abc".into() };
        let json = serde_json::to_string(&e).expect("serialises");
        assert_eq!(json, r#"{"type":"VideoNotFound","data":{"id":"abc"}}"#);
        let json = serde_json::to_string(&AppError::Starting).expect("serialises");
        assert_eq!(json, r#"{"type":"Starting"}"#);
    }

    #[test]
    fn messages_name_the_subject() {
        let e = AppError::Import {
            path: "/v/a.mp4".into(),
            reason: "not a video".into(),
        };
        assert_eq!(e.to_string(), "/v/a.mp4 cannot be imported: not a video");
    }
}
