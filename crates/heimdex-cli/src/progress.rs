//! Draws pipeline events as progress bars (on a terminal) or plain lines (in logs and pipes).

use heimdex_core::{Event, JobUpdate, Progress, Stage, Unit, VideoId};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;

pub struct ProgressView {
    multi: MultiProgress,
    bars: HashMap<(VideoId, Stage), ProgressBar>,
    plain: bool,
}

impl ProgressView {
    pub fn new() -> Self {
        let plain = !std::io::stderr().is_terminal();
        let multi = MultiProgress::with_draw_target(if plain {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr_with_hz(10)
        });
        Self {
            multi,
            bars: HashMap::new(),
            plain,
        }
    }

    /// Prints a line above the bars (names and errors in it made safe for the terminal).
    pub fn println(&self, line: &str) {
        let line = crate::term::safe(line);
        if self.plain {
            eprintln!("{line}");
        } else {
            let _ = self.multi.println(line.as_ref());
        }
    }

    pub fn handle(&mut self, event: &Event) {
        let Event::Job {
            video,
            name,
            stage,
            update,
        } = event
        else {
            return;
        };
        let key = (video.clone(), *stage);
        match update {
            JobUpdate::Started { attempt } => {
                let bar = self.multi.add(ProgressBar::new(0));
                bar.set_style(style(None));
                bar.set_prefix(format!(
                    "{:<24} {:>7}",
                    shorten(&crate::term::safe(name), 24),
                    stage.as_str()
                ));
                if *attempt > 1 {
                    bar.set_message(format!("attempt {attempt}"));
                }
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                self.bars.insert(key, bar);
            }
            JobUpdate::Progress(p) => {
                if let Some(bar) = self.bars.get(&key) {
                    update_bar(bar, p);
                }
            }
            JobUpdate::Done { secs } => {
                self.finish(&key, &format!("✓ {name} · {stage} done in {secs:.1} s"));
            }
            JobUpdate::Failed {
                error,
                retry_in_secs: Some(s),
            } => {
                self.finish(
                    &key,
                    &format!("! {name} · {stage} failed, retrying in {s:.0} s: {error}"),
                );
            }
            JobUpdate::Failed {
                error,
                retry_in_secs: None,
            } => {
                self.finish(&key, &format!("✗ {name} · {stage} failed: {error}"));
            }
            JobUpdate::Cancelled => self.finish(&key, &format!("– {name} · {stage} cancelled")),
        }
    }

    fn finish(&mut self, key: &(VideoId, Stage), line: &str) {
        if let Some(bar) = self.bars.remove(key) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        self.println(line);
    }

    pub fn clear(&mut self) {
        for (_, bar) in self.bars.drain() {
            bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

fn style(unit: Option<Unit>) -> ProgressStyle {
    let template = match unit {
        None => "{spinner} {prefix} {msg}",
        Some(Unit::Seconds) => {
            "{spinner} {prefix} [{bar:30}] {pos}/{len} s audio · ETA {eta} {msg}"
        }
        Some(Unit::Frames) => {
            "{spinner} {prefix} [{bar:30}] {pos}/{len} frames · {per_sec} · ETA {eta} {msg}"
        }
        Some(Unit::Bytes) => {
            "{spinner} {prefix} [{bar:30}] {bytes}/{total_bytes} · ETA {eta} {msg}"
        }
        Some(Unit::Items) => "{spinner} {prefix} [{bar:30}] {pos}/{len} · ETA {eta} {msg}",
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

fn update_bar(bar: &ProgressBar, p: &Progress) {
    match p.total {
        Some(total) => {
            if bar.length() != Some(total as u64) {
                bar.set_style(style(Some(p.unit)));
                bar.set_length(total as u64);
            }
            bar.set_position(p.done as u64);
        }
        None => bar.set_style(style(None)),
    }
    if let Some(m) = &p.message {
        bar.set_message(m.clone());
    }
}

fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    let head: String = name.chars().take(max - 1).collect();
    format!("{head}…")
}
