//! Domain types shared by every Heimdex crate, the CLI and the window.
//!
//! Nothing here touches the file system beyond resolving directory names and writing a file whole
//! ([`atomic_file`]), and nothing here depends on Tauri: the same types serve the CLI, the app and the tests.

pub mod atomic_file;
pub mod export;
pub mod ids;
pub mod media;
pub mod paths;
pub mod progress;
pub mod stage;
pub mod testdata;

pub use ids::VideoId;
pub use media::{MediaInfo, Rational};
pub use paths::{DataPaths, PathsError};
pub use progress::{Event, JobUpdate, Progress, Unit};
pub use stage::{JobState, Stage, VideoStatus};
