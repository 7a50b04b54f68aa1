//! Errors of the library crate.

use heimdex_core::VideoId;

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("could not create the data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the library folder {path} cannot be written ({source}): choose a writable folder \
         (--data-dir or $HEIMDEX_DATA_DIR, or Settings in the window), or make it writable"
    )]
    ReadOnly {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the library database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the library database could not be migrated: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("no video matches '{0}' (use an id from `heimdex videos`, a path or a file name)")]
    VideoNotFound(String),
    #[error("'{selector}' matches {count} videos; use the id from `heimdex videos`")]
    Ambiguous { selector: String, count: usize },
    #[error("stored metadata of video {0} is unreadable: {1}")]
    CorruptRow(VideoId, String),
    #[error("the runner lock {path} could not be opened: {source}")]
    Lock {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = LibraryError> = std::result::Result<T, E>;
