//! One file per subcommand.

pub mod cancel;
pub mod import;
pub mod index;
pub mod login;
pub mod remove;
pub mod retry;
pub mod run_jobs;
pub mod scenes;
pub mod status;
pub mod sync;
pub mod transcript;
pub mod videos;
