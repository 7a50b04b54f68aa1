//! The library handle: the database, the directories and the event bus.

use crate::db::open_pool;
use crate::error::{LibraryError, Result};
use crate::search::SearchState;
use heimdex_core::{DataPaths, Event};
use sqlx::SqlitePool;
use std::sync::Arc;
use tokio::sync::{broadcast, Notify};

/// One open library. Cheap to clone; every clone shares the pool and the event bus.
#[derive(Clone)]
pub struct Library {
    pool: SqlitePool,
    paths: DataPaths,
    events: broadcast::Sender<Event>,
    work_added: Arc<Notify>,
    search: Arc<SearchState>,
}

impl Library {
    /// Opens the library in `paths.data_dir`, creating the directories and the database and
    /// applying migrations.
    pub async fn open(paths: DataPaths) -> Result<Self> {
        for dir in [&paths.data_dir, &paths.cache_dir] {
            std::fs::create_dir_all(dir).map_err(|source| LibraryError::DataDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        writable(&paths.data_dir)?;
        let pool = open_pool(&paths.database()).await?;
        let (events, _) = broadcast::channel(4096);
        Ok(Self {
            pool,
            paths,
            events,
            work_added: Arc::new(Notify::new()),
            search: Arc::new(SearchState::default()),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn paths(&self) -> &DataPaths {
        &self.paths
    }

    /// The search state of this library (embedders, in-memory vector indexes), shared by clones.
    pub fn search_state(&self) -> &Arc<SearchState> {
        &self.search
    }

    /// Every event from now on: imports, job progress, idle.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    pub(crate) fn events(&self) -> &broadcast::Sender<Event> {
        &self.events
    }

    pub(crate) fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// Wakes a runner in this process after jobs were queued.
    pub(crate) fn notify_work(&self) {
        self.work_added.notify_waiters();
    }

    pub(crate) fn work_added(&self) -> &Notify {
        &self.work_added
    }

    /// Closes the pool, waiting for queries in flight.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Fails with [`LibraryError::ReadOnly`] when nothing can be written in `dir`, so a read-only
/// library says so at the start, not as a database error in the middle of indexing.
fn writable(dir: &std::path::Path) -> Result<()> {
    let probe = dir.join(format!(".heimdex-write-check-{}", std::process::id()));
    let written = std::fs::write(&probe, b"");
    let _ = std::fs::remove_file(&probe);
    written.map_err(|source| LibraryError::ReadOnly {
        path: dir.display().to_string(),
        source,
    })
}
