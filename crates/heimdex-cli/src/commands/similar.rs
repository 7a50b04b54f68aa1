//! `heimdex similar <video> <scene>`: "more like this", scenes nearest to a scene's own vectors.

use crate::context::Context;
use anyhow::Result;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Id (or id prefix), path or file name of the video.
    pub video: String,
    /// Scene number (as `heimdex scenes` or `heimdex search` print it).
    pub scene: u32,
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
    /// Print JSON instead of a list.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let video = ctx.resolve(&args.video).await?;
    let hits =
        heimdex_app::search::similar_hits(ctx.library(), &video.id, args.scene, args.limit).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&hits)?);
    } else {
        super::search::print_hits(&hits);
    }
    Ok(ExitCode::SUCCESS)
}
