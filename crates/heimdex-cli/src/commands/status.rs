//! `heimdex status`

use crate::context::Context;
use heimdex_core::VideoStatus;
use heimdex_library::{import, jobs, videos};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let pool = ctx.library().pool();
    let list = videos::list_summaries(pool).await?;
    let failures = import::failures(pool).await?;
    let job_counts = jobs::counts(pool).await?;
    let count = |st: VideoStatus| list.iter().filter(|s| s.status == st).count();
    let models = heimdex_library::models::report(ctx.library().paths());
    let untagged = heimdex_library::visual::skipped_videos(pool).await?.len();
    if args.json {
        let out = serde_json::json!({
            "data_dir": ctx.library().paths().data_dir,
            "videos": list.len(),
            "ready": count(VideoStatus::Ready),
            "indexing": count(VideoStatus::Indexing),
            "queued": count(VideoStatus::Queued),
            "failed": count(VideoStatus::Failed),
            "cancelled": count(VideoStatus::Cancelled),
            "jobs": job_counts.iter().map(|(s, n)| (s.as_str(), *n)).collect::<std::collections::BTreeMap<_, _>>(),
            "stages": ctx.pipeline.stages(),
            "import_failures": failures,
            "model_dir": ctx.library().paths().model_dir,
            "models": models,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Library: {}", ctx.library().paths().data_dir.display());
    println!(
        "Videos:  {} ({} ready, {} indexing, {} queued, {} failed, {} cancelled)",
        list.len(),
        count(VideoStatus::Ready),
        count(VideoStatus::Indexing),
        count(VideoStatus::Queued),
        count(VideoStatus::Failed),
        count(VideoStatus::Cancelled)
    );
    let stages: Vec<_> = ctx.pipeline.stages().iter().map(|s| s.as_str()).collect();
    println!("Stages:  {}", stages.join(" → "));
    let jobs_line: Vec<_> = job_counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    println!(
        "Jobs:    {}",
        if jobs_line.is_empty() {
            "none".into()
        } else {
            jobs_line.join(", ")
        }
    );
    for s in list.iter().filter(|s| s.status == VideoStatus::Indexing) {
        for j in s
            .jobs
            .iter()
            .filter(|j| j.state == heimdex_core::JobState::Running)
        {
            let pct = j
                .progress
                .map(|p| format!(" {:.0}%", p * 100.0))
                .unwrap_or_default();
            println!(
                "  running: {} · {}{pct}",
                crate::term::safe(&s.video.file_name),
                j.stage
            );
        }
    }
    for s in list.iter().filter(|s| s.status == VideoStatus::Failed) {
        println!(
            "  failed:  {}: {}",
            crate::term::path(&s.video.path),
            crate::term::safe(s.error.as_deref().unwrap_or("unknown error"))
        );
    }
    for f in &failures {
        println!("  not imported: {}", crate::term::shown(f));
    }
    println!("Models:  {}", ctx.library().paths().model_dir.display());
    for m in &models {
        match &m.found {
            Some(p) => println!("  found:   {:<22} {} ({})", m.name, m.purpose, p.display()),
            None => println!("  missing: {:<22} {}: {}", m.name, m.purpose, m.fix()),
        }
    }
    if untagged > 0 {
        println!(
            "  {untagged} video(s) were indexed without the picture model: what they show is not searchable until `heimdex index` runs with it"
        );
    }
    Ok(ExitCode::SUCCESS)
}
