//! `heimdex history`: the local log of searches; `--off` / `--on` / `--clear`.

use crate::context::Context;
use anyhow::Result;
use heimdex_library::search;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many searches to show, newest first.
    #[arg(long, short = 'n', default_value_t = 50)]
    pub limit: usize,
    /// Print JSON instead of a list.
    #[arg(long)]
    pub json: bool,
    /// Stop logging searches.
    #[arg(long, conflicts_with = "on")]
    pub off: bool,
    /// Log searches again (the default).
    #[arg(long)]
    pub on: bool,
    /// Delete the whole log.
    #[arg(long)]
    pub clear: bool,
}

pub async fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let lib = ctx.library();
    if args.off || args.on {
        search::set_history_enabled(lib, args.on).await?;
        eprintln!("search history is {}", if args.on { "on" } else { "off" });
    }
    if args.clear {
        let n = search::clear_history(lib).await?;
        eprintln!("deleted {n} logged searches");
    }
    if args.off || args.on || args.clear {
        return Ok(ExitCode::SUCCESS);
    }
    let entries = search::history(lib, args.limit).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    if !search::history_enabled(lib).await? {
        eprintln!("search history is off (turn it on with `heimdex history --on`)");
    }
    for e in &entries {
        let when = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.at_ms) * 1_000_000)
            .map(|t| {
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute()
                )
            })
            .unwrap_or_default();
        let opened = match (&e.opened_video_id, e.opened_scene_idx) {
            (Some(v), Some(s)) => format!("  opened {v} scene {s}"),
            _ => String::new(),
        };
        println!(
            "{when} UTC  {:>3} hits  {}{opened}",
            e.result_count, e.query
        );
    }
    Ok(ExitCode::SUCCESS)
}
