//! `heimdex videos [--json]`

use crate::context::Context;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON: `{"videos": [...], "failures": [...]}`.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let listing = ctx.listing().await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&listing)?);
        return Ok(ExitCode::SUCCESS);
    }
    let (list, failures) = (listing.videos, listing.failures);
    if list.is_empty() && failures.is_empty() {
        println!("The library is empty. Add videos with `heimdex index <folder>`.");
    }
    for s in &list {
        let info = &s.video.info;
        println!(
            "{}  {:<9} {:>8}  {:>9}  {}",
            s.video.id,
            s.status.as_str(),
            timecode(info.duration_secs),
            format!("{}x{}", info.display_width, info.display_height),
            crate::term::path(&s.video.path)
        );
        if let Some(e) = &s.error {
            println!("    error: {}", crate::term::safe(e));
        }
    }
    for f in &failures {
        println!(
            "{:<16}  {:<9} {:>8}  {:>9}  {}",
            "-",
            "error",
            "",
            "",
            crate::term::path(&f.path)
        );
        println!("    error: {}", crate::term::safe(&f.error));
    }
    Ok(ExitCode::SUCCESS)
}

/// `h:mm:ss` or `m:ss`.
pub fn timecode(secs: f64) -> String {
    let total = secs.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}
