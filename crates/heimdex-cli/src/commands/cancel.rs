//! `heimdex cancel <video>`

use crate::context::Context;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Id (or id prefix), path or file name of the video.
    pub video: String,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let video = ctx.resolve(&args.video).await?;
    let n = ctx.cancel(&video.id).await?;
    eprintln!(
        "{}: {n} stage(s) cancelled; `heimdex retry` resumes them",
        video.path.display()
    );
    Ok(ExitCode::SUCCESS)
}
