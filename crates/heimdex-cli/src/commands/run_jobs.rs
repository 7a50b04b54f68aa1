//! Runs the queue until the given videos are settled, drawing progress; shared by `index` and `retry`.

use crate::context::Context;
use crate::progress::ProgressView;
use heimdex_core::VideoId;
use heimdex_library::{jobs, RunOptions, Runner};
use std::io::Write;
use std::path::Path;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub async fn run_until_settled(
    ctx: &Context,
    videos: &[VideoId],
    concurrency: Option<usize>,
    progress_log: Option<&Path>,
) -> anyhow::Result<()> {
    let mut view = ProgressView::new();
    let mut log = match progress_log {
        Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p).map_err(
            |e| anyhow::anyhow!("cannot write the progress log {}: {e}", p.display()),
        )?)),
        None => None,
    };
    let Some(runner) = Runner::acquire(&ctx.pipeline).await? else {
        view.println(
            "Another Heimdex process (the app or a CLI) is indexing this library; waiting for it…",
        );
        while !jobs::all_settled(ctx.library().pool(), videos).await? {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        return Ok(());
    };
    let mut events = ctx.library().subscribe();
    let shutdown = CancellationToken::new();
    let chosen = heimdex_library::settings::concurrency(ctx.library().pool()).await? as usize;
    let opts = RunOptions {
        concurrency: concurrency.unwrap_or(chosen),
        exit_when_idle: true,
        ..RunOptions::default()
    };
    let run = runner.run(&opts, shutdown.clone());
    tokio::pin!(run);
    let mut interrupted = false;
    let result = loop {
        tokio::select! {
            r = &mut run => break r,
            e = events.recv() => match e {
                Ok(event) => {
                    if let Some(w) = log.as_mut() {
                        write_log_line(w, &event);
                    }
                    view.handle(&event);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {}
            },
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                view.println("Stopping… unfinished work stays queued; run `heimdex index` again to resume.");
                shutdown.cancel();
            }
        }
    };
    while let Ok(event) = events.try_recv() {
        if let Some(w) = log.as_mut() {
            write_log_line(w, &event);
        }
        view.handle(&event);
    }
    if let Some(w) = log.as_mut() {
        let _ = w.flush();
    }
    view.clear();
    result?;
    Ok(())
}

/// One pipeline event as a JSON line with the wall-clock time it was seen (`t_ms`, Unix ms), for
/// `heimdex index --progress-log` (the benchmark reads the ETAs from it).
fn write_log_line(w: &mut impl Write, event: &heimdex_core::Event) {
    let t_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let line = serde_json::json!({ "t_ms": t_ms, "event": event });
    let _ = writeln!(w, "{line}");
}
