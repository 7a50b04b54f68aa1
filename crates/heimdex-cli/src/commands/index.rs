//! `heimdex index <paths…>`: import, then run every stage and wait.

use crate::commands::import::{exit_code, print_report};
use crate::commands::run_jobs::run_until_settled;
use crate::context::Context;
use heimdex_core::VideoStatus;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Video files or folders; with none, only the queued work of the library runs.
    pub paths: Vec<PathBuf>,
    /// Videos indexed at once (default: the number set in the window's Settings, else half the
    /// cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Writes every progress event as a JSON line with its time to this file (for benchmarks:
    /// the ETAs the app reported).
    #[arg(long, value_name = "FILE", hide = true)]
    pub progress_log: Option<PathBuf>,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let report = ctx.import(&args.paths).await?;
    if !args.paths.is_empty() {
        print_report(&report);
    }
    let ids: Vec<_> = report.videos.iter().map(|v| v.id.clone()).collect();
    run_until_settled(ctx, &ids, args.jobs, args.progress_log.as_deref()).await?;

    let summaries = ctx.listing().await?.videos;
    let mine: Vec<_> = summaries
        .iter()
        .filter(|s| args.paths.is_empty() || ids.contains(&s.video.id))
        .collect();
    let ready = mine
        .iter()
        .filter(|s| s.status == VideoStatus::Ready)
        .count();
    let failed: Vec<_> = mine
        .iter()
        .filter(|s| s.status == VideoStatus::Failed)
        .collect();
    for s in &failed {
        eprintln!(
            "error: {}: {}",
            s.video.path.display(),
            s.error.as_deref().unwrap_or("failed")
        );
    }
    eprintln!(
        "{ready} of {} videos indexed, {} failed",
        mine.len(),
        failed.len()
    );
    Ok(if args.paths.is_empty() {
        ExitCode::SUCCESS
    } else {
        exit_code(&report)
    })
}
