//! Opening the SQLite database: WAL, busy timeout, foreign keys, migrations.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

/// Migrations in `migrations/local`, compiled into the binary and applied on open.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/local");

/// Opens (creating if needed) the library database at `path` and brings its schema up to date.
pub async fn open_pool(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How a file's path is kept in a TEXT column: as it is when it is UTF-8, else (a name in another
/// encoding, e.g. from an old camera or a Windows share) its raw bytes, base64 after [`RAW_PATH`],
/// so the file can still be opened. A lossy string would name a file that does not exist.
pub fn path_to_db(path: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use base64::Engine as _;
        use std::os::unix::ffi::OsStrExt as _;
        match path.to_str() {
            Some(s) if !s.starts_with(RAW_PATH) => s.to_owned(),
            _ => format!(
                "{RAW_PATH}{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(path.as_os_str().as_bytes())
            ),
        }
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned()
    }
}

/// The path kept by [`path_to_db`].
pub fn path_from_db(text: &str) -> std::path::PathBuf {
    #[cfg(unix)]
    if let Some(b64) = text.strip_prefix(RAW_PATH) {
        use base64::Engine as _;
        use std::os::unix::ffi::OsStrExt as _;
        if let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64) {
            return std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&bytes));
        }
    }
    std::path::PathBuf::from(text)
}

/// Marks a path kept as raw bytes (no real path starts with it: paths kept are absolute).
const RAW_PATH: &str = "raw-path:";

#[cfg(test)]
mod path_tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn paths_come_back_byte_for_byte() {
        for p in ["/videos/a b.mp4", "/vidéos/été.mov", "raw-path:odd"] {
            assert_eq!(path_from_db(&path_to_db(Path::new(p))), Path::new(p));
        }
        assert_eq!(path_to_db(Path::new("/v/a.mp4")), "/v/a.mp4");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt as _;
            let odd = Path::new(std::ffi::OsStr::from_bytes(b"/v/bad\xff\xfe.mp4"));
            let kept = path_to_db(odd);
            assert!(kept.starts_with(RAW_PATH));
            assert_eq!(path_from_db(&kept), odd);
        }
    }
}
