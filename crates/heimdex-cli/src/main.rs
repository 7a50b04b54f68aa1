//! `heimdex`: the command-line face of Heimdex Desktop. Every command calls the same library
//! functions as the window.

mod commands;
mod context;
mod progress;
mod term;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "heimdex",
    version,
    about = "Turn a pile of video files into a searchable archive of scenes"
)]
struct Cli {
    /// Library folder (default: $HEIMDEX_DATA_DIR, else the platform's app-data folder).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add video files or folders (recursively) to the library and queue them for indexing.
    Import(commands::import::Args),
    /// Import, then run every indexing stage and wait, with progress bars.
    Index(commands::index::Args),
    /// List the videos in the library with their status.
    Videos(commands::videos::Args),
    /// Summary of the library: videos, jobs, failures.
    Status(commands::status::Args),
    /// Queue a video's failed or cancelled stages again and run them.
    Retry(commands::retry::Args),
    /// Stop indexing a video (its finished stages are kept).
    Cancel(commands::cancel::Args),
    /// Remove a video from the library (the file itself is not touched).
    Remove(commands::remove::Args),
    /// Sign in to the team backend (Supabase-compatible): browser (PKCE) or email + password.
    Login(commands::login::LoginArgs),
    /// Sign out and revoke the session.
    Logout,
    /// Show who is signed in.
    Whoami,
    /// Print a video's scene cuts (frames, timecodes): stored ones, or detected now for a file.
    Scenes(commands::scenes::Args),
    /// Print or export a video's transcript (text, --srt, --vtt or --json).
    Transcript(commands::transcript::Args),
    /// Team sync: setup, status, push, pull, off.
    Sync(commands::sync::Args),
    /// Captions from an OpenAI-compatible vision model: show, set, off.
    Provider(commands::provider::Args),
    /// Search the library's scenes: spoken words, on-screen text, pictures, dates.
    Search(commands::search::Args),
    /// Scenes like a given scene ("more like this").
    Similar(commands::similar::Args),
    /// The local log of searches (`--off` to stop logging, `--clear` to delete it).
    History(commands::history::Args),
    /// Search quality over a JSON-lines file of queries: Recall@1, Recall@5, MRR.
    Eval(commands::eval::Args),
    /// Check ffmpeg, the models, the library, free disk space and the provider; say what to do.
    Doctor(commands::doctor::Args),
    /// Check the library after a crash: database integrity and that the search rows and jobs
    /// agree with the scenes (`--repair` makes them again).
    Check(commands::check::Args),
}

/// The picture model's per-layer buffers are tens of MB each; the system allocator hands them back
/// to the OS and faults them in again on every batch (about a third of the vision stage's time),
/// mimalloc keeps them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Before any thread starts (it may set an environment variable).
    heimdex_app::prepare_process();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HEIMDEX_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        if let Command::Doctor(a) = cli.command {
            return commands::doctor::run(cli.data_dir.as_deref(), a).await;
        }
        let ctx = context::Context::open(cli.data_dir.as_deref()).await?;
        match cli.command {
            Command::Import(a) => commands::import::run(&ctx, a).await,
            Command::Index(a) => commands::index::run(&ctx, a).await,
            Command::Videos(a) => commands::videos::run(&ctx, a).await,
            Command::Status(a) => commands::status::run(&ctx, a).await,
            Command::Retry(a) => commands::retry::run(&ctx, a).await,
            Command::Cancel(a) => commands::cancel::run(&ctx, a).await,
            Command::Remove(a) => commands::remove::run(&ctx, a).await,
            Command::Login(a) => commands::login::login(&ctx, a).await,
            Command::Logout => commands::login::logout(&ctx).await,
            Command::Whoami => commands::login::whoami(&ctx).await,
            Command::Scenes(a) => commands::scenes::run(&ctx, a).await,
            Command::Transcript(a) => commands::transcript::run(&ctx, a).await,
            Command::Sync(a) => commands::sync::run(&ctx, a).await,
            Command::Provider(a) => commands::provider::run(&ctx, a).await,
            Command::Search(a) => commands::search::run(&ctx, a).await,
            Command::Similar(a) => commands::similar::run(&ctx, a).await,
            Command::History(a) => commands::history::run(&ctx, a).await,
            Command::Eval(a) => commands::eval::run(&ctx, a).await,
            Command::Check(a) => commands::check::run(&ctx, a).await,
            Command::Doctor(_) => unreachable!("handled before the library is opened"),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            // The error may name a file: no control characters from its name reach the terminal.
            eprintln!("error: {}", term::safe(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}
