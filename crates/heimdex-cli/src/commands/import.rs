//! `heimdex import <paths…>`

use crate::context::Context;
use heimdex_library::{ImportOutcome, ImportReport};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Video files or folders (searched recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let report = ctx.import(&args.paths).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(exit_code(&report))
}

/// Non-zero only when nothing could be imported.
pub fn exit_code(report: &ImportReport) -> ExitCode {
    if report.videos.is_empty() && !report.failures.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

pub fn print_report(report: &ImportReport) {
    let count = |o: ImportOutcome| report.videos.iter().filter(|v| v.outcome == o).count();
    for v in &report.videos {
        let what = match (v.outcome, &v.duplicate_of, &v.replaced) {
            (ImportOutcome::Duplicate, Some(of), _) => {
                format!("duplicate of {}, not indexed twice", crate::term::path(of))
            }
            (ImportOutcome::Duplicate, None, _) => "duplicate, not indexed twice".into(),
            (ImportOutcome::Added, _, Some(old)) => {
                format!("added; replaces {old}, a different file that was at this path")
            }
            (ImportOutcome::Added, _, None) => "added".into(),
            (ImportOutcome::Moved, ..) => "moved".into(),
            (ImportOutcome::AlreadyPresent, ..) => "already in library".into(),
        };
        println!("{}  {}  ({what})", v.id, crate::term::path(&v.path));
    }
    for f in &report.failures {
        eprintln!("error: {}", crate::term::shown(f));
    }
    let mut summary = format!(
        "{} added, {} moved, {} already in library, {} duplicates, {} failed",
        count(ImportOutcome::Added),
        count(ImportOutcome::Moved),
        count(ImportOutcome::AlreadyPresent),
        count(ImportOutcome::Duplicate),
        report.failures.len()
    );
    if report.skipped_non_video > 0 {
        summary.push_str(&format!(
            ", {} non-video files skipped",
            report.skipped_non_video
        ));
    }
    eprintln!("{summary}");
}
