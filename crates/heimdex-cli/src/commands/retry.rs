//! `heimdex retry <video>`

use crate::commands::run_jobs::run_until_settled;
use crate::context::Context;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Id (or id prefix), path or file name of the video.
    pub video: String,
    /// Only queue the work; do not run it now.
    #[arg(long)]
    pub no_run: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let video = ctx.resolve(&args.video).await?;
    let n = ctx.retry(&video.id).await?;
    eprintln!("{}: {n} stage(s) queued again", video.path.display());
    if !args.no_run {
        run_until_settled(ctx, std::slice::from_ref(&video.id), None, None).await?;
    }
    Ok(ExitCode::SUCCESS)
}
