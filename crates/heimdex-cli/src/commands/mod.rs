//! One file per subcommand.

pub mod cancel;
pub mod check;
pub mod doctor;
pub mod eval;
pub mod history;
pub mod import;
pub mod index;
pub mod login;
pub mod provider;
pub mod remove;
pub mod retry;
pub mod run_jobs;
pub mod scenes;
pub mod search;
pub mod similar;
pub mod status;
pub mod sync;
pub mod team_search;
pub mod transcript;
pub mod videos;
