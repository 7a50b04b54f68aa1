//! The local library: a SQLite store in WAL mode, import, the durable job queue and the pipeline
//! runner. The CLI and the window call the same functions.

pub mod captions;
pub mod check;
pub mod db;
pub mod doctor;
pub mod error;
pub mod folders;
pub mod hash;
pub mod import;
pub mod jobs;
pub mod library;
pub mod lock;
pub mod models;
pub mod ocr;
pub mod pipeline;
pub mod provider;
pub mod scenes;
pub mod search;
pub mod settings;
pub mod stages;
pub mod transcripts;
pub mod videos;
pub mod visual;

pub use error::{LibraryError, Result};
pub use import::{ImportFailure, ImportOutcome, ImportReport, ImportedVideo};
pub use library::Library;
pub use pipeline::{Pipeline, RunOptions, Runner, StageContext, StageError, StageRunner};
pub use videos::{JobSummary, VideoRecord, VideoSummary};
