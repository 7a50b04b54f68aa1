//! Runs the queue until the given videos are settled, drawing progress; shared by `index` and `retry`.

use crate::context::Context;
use crate::progress::ProgressView;
use heimdex_core::VideoId;
use heimdex_library::{jobs, RunOptions, Runner};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub async fn run_until_settled(
    ctx: &Context,
    videos: &[VideoId],
    concurrency: Option<usize>,
) -> anyhow::Result<()> {
    let mut view = ProgressView::new();
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
                Ok(event) => view.handle(&event),
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
        view.handle(&event);
    }
    view.clear();
    result?;
    Ok(())
}
