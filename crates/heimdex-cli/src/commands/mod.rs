//! One file per subcommand.

pub mod cancel;
pub mod import;
pub mod index;
pub mod remove;
pub mod retry;
pub mod run_jobs;
pub mod status;
pub mod transcript;
pub mod videos;
