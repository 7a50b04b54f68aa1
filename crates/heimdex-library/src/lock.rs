//! One runner per library: an exclusive lock on `runner.lock` in the data directory.
//!
//! The operating system releases the lock when the process dies (even on `kill -9`), so the next
//! process to take it knows every `running` job it finds was orphaned.

use crate::error::{LibraryError, Result};
use heimdex_core::DataPaths;
use std::fs::{File, OpenOptions, TryLockError};

/// Held while this process runs jobs for the library.
#[derive(Debug)]
pub struct RunnerLock {
    _file: File,
}

impl RunnerLock {
    /// Takes the lock, or `None` when another process (the app, another CLI) holds it.
    pub fn try_acquire(paths: &DataPaths) -> Result<Option<Self>> {
        let path = paths.runner_lock();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| LibraryError::Lock {
                path: path.display().to_string(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(source)) => Err(LibraryError::Lock {
                path: path.display().to_string(),
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_until_release() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = DataPaths::under(dir.path());
        let first = RunnerLock::try_acquire(&paths)
            .expect("lock")
            .expect("free");
        assert!(RunnerLock::try_acquire(&paths).expect("lock").is_none());
        drop(first);
        assert!(RunnerLock::try_acquire(&paths).expect("lock").is_some());
    }
}
