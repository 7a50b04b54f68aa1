//! The library's events, forwarded to the window as one typed event, with progress coalesced so
//! the window gets at most one update per job every [`FLUSH_EVERY`].

use heimdex_core as core;
use heimdex_core::{Stage, Unit};
use serde::Serialize;
use specta::Type;
use std::collections::HashMap;
use std::time::Duration;

/// How often coalesced progress reaches the window.
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);

/// A change in a job's life.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum JobUpdate {
    Started {
        attempt: u32,
    },
    Progress {
        done: f64,
        /// `null` while the total is unknown.
        total: Option<f64>,
        unit: Unit,
        /// Estimated seconds left.
        #[serde(rename = "etaSecs")]
        eta_secs: Option<f64>,
        message: Option<String>,
    },
    Done {
        secs: f64,
    },
    /// `retryInSecs` is set when the job will be tried again.
    Failed {
        error: String,
        #[serde(rename = "retryInSecs")]
        retry_in_secs: Option<f64>,
    },
    Cancelled,
}

impl From<core::JobUpdate> for JobUpdate {
    fn from(u: core::JobUpdate) -> Self {
        match u {
            core::JobUpdate::Started { attempt } => Self::Started { attempt },
            core::JobUpdate::Progress(p) => Self::Progress {
                done: p.done,
                total: p.total,
                unit: p.unit,
                eta_secs: p.eta_secs,
                message: p.message,
            },
            core::JobUpdate::Done { secs } => Self::Done { secs },
            core::JobUpdate::Failed {
                error,
                retry_in_secs,
            } => Self::Failed {
                error,
                retry_in_secs,
            },
            core::JobUpdate::Cancelled => Self::Cancelled,
        }
    }
}

/// Everything the library tells the window. Listen with `events.libraryEvent.listen` in the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum LibraryEvent {
    /// A video entered the library (or was found again at a new path).
    VideoImported {
        video: String,
        path: String,
        moved: bool,
    },
    /// A path could not be imported.
    ImportFailed { path: String, error: String },
    /// A video left the library.
    VideoRemoved { video: String },
    /// One job of one video changed.
    Job {
        video: String,
        name: String,
        stage: Stage,
        update: JobUpdate,
    },
    /// No runnable job is left.
    Idle,
    /// Events were missed: reload the list.
    Resync,
}

impl From<core::Event> for LibraryEvent {
    fn from(e: core::Event) -> Self {
        match e {
            core::Event::VideoImported { video, path, moved } => Self::VideoImported {
                video: video.0,
                path,
                moved,
            },
            core::Event::ImportFailed { path, error } => Self::ImportFailed { path, error },
            core::Event::VideoRemoved { video } => Self::VideoRemoved { video: video.0 },
            core::Event::Job {
                video,
                name,
                stage,
                update,
            } => Self::Job {
                video: video.0,
                name,
                stage,
                update: update.into(),
            },
            core::Event::Idle => Self::Idle,
        }
    }
}

/// Coalesces progress: the latest progress of each job waits for the next flush; any other event
/// goes out at once, after the pending progress of its job (so a job never shows progress after
/// it is done).
#[derive(Default)]
pub struct Coalescer {
    pending: HashMap<(String, Stage), LibraryEvent>,
    /// Order in which jobs first got pending progress, so flushes are stable.
    order: Vec<(String, Stage)>,
}

impl Coalescer {
    /// Takes one event; returns what must be sent now.
    pub fn push(&mut self, event: LibraryEvent) -> Vec<LibraryEvent> {
        match &event {
            LibraryEvent::Job {
                video,
                stage,
                update: JobUpdate::Progress { .. },
                ..
            } => {
                let key = (video.clone(), *stage);
                if self.pending.insert(key.clone(), event).is_none() {
                    self.order.push(key);
                }
                Vec::new()
            }
            LibraryEvent::Job { video, stage, .. } => {
                let key = (video.clone(), *stage);
                let mut out = Vec::with_capacity(2);
                if let Some(p) = self.pending.remove(&key) {
                    self.order.retain(|k| k != &key);
                    out.push(p);
                }
                out.push(event);
                out
            }
            LibraryEvent::VideoRemoved { video } => {
                let video = video.clone();
                self.order.retain(|(v, _)| v != &video);
                self.pending.retain(|(v, _), _| v != &video);
                vec![event]
            }
            _ => vec![event],
        }
    }

    /// The pending progress, oldest job first.
    pub fn flush(&mut self) -> Vec<LibraryEvent> {
        let order = std::mem::take(&mut self.order);
        order
            .into_iter()
            .filter_map(|k| self.pending.remove(&k))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(video: &str, done: f64) -> LibraryEvent {
        LibraryEvent::Job {
            video: video.into(),
            name: format!("{video}.mp4"),
            stage: Stage::Scenes,
            update: JobUpdate::Progress {
                done,
                total: Some(100.0),
                unit: Unit::Frames,
                eta_secs: None,
                message: None,
            },
        }
    }

    #[test]
    fn keeps_only_the_latest_progress_per_job() {
        let mut c = Coalescer::default();
        for i in 0..50 {
            assert!(c.push(progress("a", f64::from(i))).is_empty());
            assert!(c.push(progress("b", f64::from(i))).is_empty());
        }
        let out = c.flush();
        assert_eq!(out, vec![progress("a", 49.0), progress("b", 49.0)]);
        assert!(c.is_empty());
        assert!(c.flush().is_empty());
    }

    #[test]
    fn done_follows_its_pending_progress() {
        let mut c = Coalescer::default();
        c.push(progress("a", 10.0));
        let done = LibraryEvent::Job {
            video: "a".into(),
            name: "a.mp4".into(),
            stage: Stage::Scenes,
            update: JobUpdate::Done { secs: 1.0 },
        };
        assert_eq!(c.push(done.clone()), vec![progress("a", 10.0), done]);
        assert!(c.is_empty());
    }

    #[test]
    fn removal_drops_pending_progress() {
        let mut c = Coalescer::default();
        c.push(progress("a", 10.0));
        let removed = LibraryEvent::VideoRemoved { video: "a".into() };
        assert_eq!(c.push(removed.clone()), vec![removed]);
        assert!(c.flush().is_empty());
    }

    #[test]
    fn converts_core_events() {
        let e = core::Event::Job {
            video: core::VideoId("v1".into()),
            name: "v1.mp4".into(),
            stage: core::Stage::Poster,
            update: core::JobUpdate::Failed {
                error: "bad".into(),
                retry_in_secs: Some(2.0),
            },
        };
        let json = serde_json::to_value(LibraryEvent::from(e)).expect("serialises");
        assert_eq!(json["type"], "job");
        assert_eq!(json["stage"], "poster");
        assert_eq!(json["update"]["kind"], "failed");
        assert_eq!(json["update"]["retryInSecs"], 2.0);
    }
}
