//! The application layer: what the command line (`heimdex`) and the desktop window both do,
//! written once. The shells are adapters: each CLI subcommand and each Tauri command turns its
//! arguments into a call here and the answer into text or a view.
//!
//! - [`App`]: opening the library (with the folders chosen in Settings), the views of videos and
//!   settings, import, cancel, retry, remove, the listing and the status report ([`status`]); in the window also the background runner, the
//!   player's media server and the team session.
//! - [`search`], [`exports`], [`provider`], [`team`], [`team_search`]: search as views,
//!   SRT/VTT/CSV/EDL files, the caption provider's settings, sign-in and team sync, team search
//!   (local and team hits merged and marked).
//! - [`error::AppError`]: the one typed, serialisable error at the boundary.
//!
//! No Tauri here; with the `specta` feature the views derive `specta::Type` for the window's
//! TypeScript bindings.

pub mod app;
pub mod error;
pub mod exports;
pub mod media_server;
pub mod provider;
pub mod runner;
pub mod search;
pub mod settings;
pub mod status;
pub mod team;
pub mod team_search;
pub mod views;

pub use app::App;
pub use error::{AppError, AppResult};
/// For both binaries' `main`, before any thread starts.
pub use heimdex_speech::prepare_process;
