//! Per-job progress: throttled events with an ETA, and the latest value for the database.
//!
//! The ETA a job reports is the time left for its whole video when the runner gave the reporter
//! the video's [`VideoEta`] (stages of one video run at the same time, so one stage's own rate
//! says little about when the video is indexed); otherwise the job's own, from its rate so far.

use super::eta::VideoEta;
use heimdex_core::{Event, JobUpdate, Progress, Stage, Unit, VideoId};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Events for one job are sent at most this often (the last one always goes out).
const MIN_INTERVAL: Duration = Duration::from_millis(100);

struct State {
    started: Instant,
    last_sent: Option<Instant>,
    latest: Option<Progress>,
}

/// Reports how far a job is. Cheap to clone, usable from blocking threads.
#[derive(Clone)]
pub struct ProgressReporter {
    video: VideoId,
    name: String,
    stage: Stage,
    events: broadcast::Sender<Event>,
    state: Arc<Mutex<State>>,
    video_eta: Option<Arc<VideoEta>>,
}

impl ProgressReporter {
    pub fn new(
        video: VideoId,
        name: String,
        stage: Stage,
        events: broadcast::Sender<Event>,
    ) -> Self {
        Self {
            video,
            name,
            stage,
            events,
            state: Arc::new(Mutex::new(State {
                started: Instant::now(),
                last_sent: None,
                latest: None,
            })),
            video_eta: None,
        }
    }

    /// Reports the time left for the whole video from `eta`, which this job keeps informed.
    pub fn with_video_eta(mut self, eta: Arc<VideoEta>) -> Self {
        if let Ok(s) = self.state.lock() {
            eta.started(self.stage, s.started);
        }
        self.video_eta = Some(eta);
        self
    }

    /// `done` of `total` units; the ETA comes from the average rate since the job started.
    pub fn update(&self, done: f64, total: Option<f64>, unit: Unit) {
        self.send(done, total, unit, None, false);
    }

    /// Like [`update`](Self::update) with a short note ("loading model").
    pub fn update_with_message(&self, done: f64, total: Option<f64>, unit: Unit, message: &str) {
        self.send(done, total, unit, Some(message.to_owned()), true);
    }

    /// Marks the start of the measured work (after model loading, say) so the ETA ignores set-up.
    pub fn restart_clock(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.started = Instant::now();
            // The video's estimate keeps the first start of a job that already did some work
            // (the embed stage reads the text after its on-screen text pass).
            let fresh = s.latest.as_ref().is_none_or(|p| p.done <= 0.0);
            if let (Some(eta), true) = (&self.video_eta, fresh) {
                eta.started(self.stage, s.started);
            }
        }
    }

    /// Fraction done of the latest report, for the database.
    pub fn latest_fraction(&self) -> Option<f64> {
        self.state
            .lock()
            .ok()
            .and_then(|s| s.latest.as_ref().and_then(Progress::fraction))
    }

    fn send(
        &self,
        done: f64,
        total: Option<f64>,
        unit: Unit,
        message: Option<String>,
        force: bool,
    ) {
        let Ok(mut s) = self.state.lock() else { return };
        let now = Instant::now();
        let elapsed = now.duration_since(s.started).as_secs_f64();
        let eta_secs = match (&self.video_eta, total) {
            (Some(eta), Some(t)) => {
                if t > 0.0 {
                    eta.progress(self.stage, (done / t).clamp(0.0, 1.0));
                }
                Some(eta.secs_left())
            }
            (Some(eta), None) => Some(eta.secs_left()),
            (None, Some(t)) if done > 0.0 && t >= done && elapsed > 0.2 => {
                Some(elapsed * (t - done) / done)
            }
            _ => None,
        };
        let progress = Progress {
            done,
            total,
            unit,
            eta_secs,
            message,
        };
        let finished = total.is_some_and(|t| done >= t);
        let due = s
            .last_sent
            .is_none_or(|t| now.duration_since(t) >= MIN_INTERVAL);
        s.latest = Some(progress.clone());
        if due || force || finished {
            s.last_sent = Some(now);
            let _ = self.events.send(Event::Job {
                video: self.video.clone(),
                name: self.name.clone(),
                stage: self.stage,
                update: JobUpdate::Progress(progress),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_but_sends_the_last() {
        let (tx, mut rx) = broadcast::channel(64);
        let p = ProgressReporter::new(VideoId("v".into()), "v.mp4".into(), Stage::Scenes, tx);
        for i in 0..=1000 {
            p.update(f64::from(i), Some(1000.0), Unit::Frames);
        }
        let mut got = Vec::new();
        while let Ok(e) = rx.try_recv() {
            got.push(e);
        }
        assert!(got.len() < 10, "sent {} events", got.len());
        let Some(Event::Job {
            update: JobUpdate::Progress(last),
            ..
        }) = got.last()
        else {
            panic!("no progress event")
        };
        assert_eq!(last.done, 1000.0);
        assert_eq!(p.latest_fraction(), Some(1.0));
    }
}
