//! Errors of the sync crate.

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot reach the team database: {0}")]
    Connect(String),
    #[error("the team database refused the request: {0}")]
    Database(sqlx::Error),
    #[error("the team database schema could not be applied: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("team sync is not set up: {0}")]
    Config(String),
    #[error("sign-in: {0}")]
    Auth(String),
    #[error("the local library: {0}")]
    Local(String),
    #[error("the Qdrant server refused the request: {0}")]
    Qdrant(String),
    #[error("cannot reach the Qdrant server: {0}")]
    QdrantUnreachable(String),
    /// The backend refused the credentials for everything (a wrong key, another team's key):
    /// nothing is pushed and nothing is set aside until the key is fixed.
    #[error("{0}")]
    AccessDenied(String),
    #[error("vector of {got} dimensions where the backend stores {want} ({what})")]
    Dimension {
        what: &'static str,
        got: usize,
        want: usize,
    },
}

impl SyncError {
    /// True when trying again later can help (network, server restart), false for refusals.
    pub fn is_retryable(&self) -> bool {
        match self {
            // Kept queued: no row is at fault when the key is.
            SyncError::Connect(_)
            | SyncError::QdrantUnreachable(_)
            | SyncError::AccessDenied(_) => true,
            SyncError::Database(e) => {
                matches!(
                    e,
                    sqlx::Error::Io(_)
                        | sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::Tls(_)
                ) || e.as_database_error().is_some_and(|d| {
                    // 57P01 admin shutdown, 57P03 cannot connect now, 08xxx connection exceptions
                    d.code()
                        .is_some_and(|c| c.starts_with("57P") || c.starts_with("08"))
                })
            }
            _ => false,
        }
    }
}

/// A lost or unavailable connection is said as such (and retried), not as a refusal.
impl From<sqlx::Error> for SyncError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Io(io) => {
                SyncError::Connect(format!("the connection was lost ({io}); try again"))
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                SyncError::Connect(format!("no connection to the team database ({e})"))
            }
            other => SyncError::Database(other),
        }
    }
}

impl From<heimdex_library::LibraryError> for SyncError {
    fn from(e: heimdex_library::LibraryError) -> Self {
        SyncError::Local(e.to_string())
    }
}
