//! `heimdex remove <video>`

use crate::context::Context;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Id (or id prefix), path or file name of the video.
    pub video: String,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let video = ctx.resolve(&args.video).await?;
    ctx.remove(&video.id).await?;
    eprintln!(
        "removed {} from the library (the file was not touched)",
        video.path.display()
    );
    Ok(ExitCode::SUCCESS)
}
