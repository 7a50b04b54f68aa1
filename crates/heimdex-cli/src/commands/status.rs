//! `heimdex status`

use crate::context::Context;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let s = ctx.status().await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Library: {}", s.data_dir.display());
    println!(
        "Videos:  {} ({} ready, {} indexing, {} queued, {} failed, {} cancelled)",
        s.videos, s.ready, s.indexing, s.queued, s.failed, s.cancelled
    );
    let stages: Vec<_> = s.stages.iter().map(|s| s.as_str()).collect();
    println!("Stages:  {}", stages.join(" → "));
    let jobs_line: Vec<_> = s.jobs.iter().map(|(st, n)| format!("{n} {st}")).collect();
    println!(
        "Jobs:    {}",
        if jobs_line.is_empty() {
            "none".into()
        } else {
            jobs_line.join(", ")
        }
    );
    for j in &s.running {
        let pct = j
            .progress
            .map(|p| format!(" {:.0}%", p * 100.0))
            .unwrap_or_default();
        println!(
            "  running: {} · {}{pct}",
            crate::term::safe(&j.file_name),
            j.stage
        );
    }
    for f in &s.failed_videos {
        println!(
            "  failed:  {}: {}",
            crate::term::path(&f.path),
            crate::term::safe(&f.error)
        );
    }
    for f in &s.import_failures {
        println!("  not imported: {}", crate::term::shown(f));
    }
    println!("Models:  {}", s.model_dir.display());
    for m in &s.models {
        match &m.found {
            Some(p) => println!("  found:   {:<22} {} ({})", m.name, m.purpose, p.display()),
            None => println!("  missing: {:<22} {}: {}", m.name, m.purpose, m.fix()),
        }
    }
    if s.indexed_without_pictures > 0 {
        println!(
            "  {} video(s) were indexed without the picture model: what they show is not searchable until `heimdex index` runs with it",
            s.indexed_without_pictures
        );
    }
    Ok(ExitCode::SUCCESS)
}
