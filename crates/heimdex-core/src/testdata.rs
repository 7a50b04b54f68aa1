//! Locating the shared test media (`../shared/data` beside the repository).
//!
//! Tests that need it call [`shared_data`]: it returns the path when the media is there, panics with
//! a clear message when `CI` is set and it is missing, and otherwise prints that the test is skipped.

use std::path::{Path, PathBuf};

/// Environment variable that overrides where the shared media lives.
pub const SHARED_DATA_ENV: &str = "HEIMDEX_SHARED_DATA";

/// Root of the shared media: `$HEIMDEX_SHARED_DATA`, else `../shared/data` from the workspace root.
pub fn shared_data_root() -> PathBuf {
    if let Some(dir) = std::env::var_os(SHARED_DATA_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    workspace_root().join("..").join("shared").join("data")
}

/// The workspace root: the first folder holding `Cargo.lock` above the running test's package.
///
/// The package folder is read at run time (cargo and nextest set `CARGO_MANIFEST_DIR` for tests):
/// the one compiled in names wherever the build cache was first filled, which for a cache shared
/// between clones may be another clone.
pub fn workspace_root() -> PathBuf {
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..");
    let Some(start) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        return compiled;
    };
    start
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .map_or(compiled, Path::to_path_buf)
}

/// `relative` under the shared media, or `None` (after saying so) when it is absent outside CI.
///
/// # Panics
/// When `CI` is set and the file is missing: CI must run every test.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = shared_data_root().join(relative);
    if path.exists() {
        return Some(path);
    }
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    assert!(
        !ci,
        "test media {} is missing: CI must have ../shared/data beside the repository (or set {SHARED_DATA_ENV})",
        path.display()
    );
    eprintln!(
        "SKIPPED: test media {} is missing (set {SHARED_DATA_ENV})",
        path.display()
    );
    None
}
