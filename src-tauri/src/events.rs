//! The library's events, forwarded to the window as they are (`heimdex_core::Event`, one typed
//! event), with progress coalesced so the window gets at most one update per job every
//! [`FLUSH_EVERY`].

use heimdex_core::{Event, JobUpdate, Stage, VideoId};
use serde::Serialize;
use specta::Type;
use std::collections::HashMap;
use std::time::Duration;

/// How often coalesced progress reaches the window.
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);

/// Everything the library tells the window: its own events, unchanged. Listen with
/// `events.libraryEvent.listen` in the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct LibraryEvent(pub Event);

/// Keeps the latest progress of each job until the next flush; other events pass at once (after
/// the pending progress of their job, so a job's `done` never precedes its last progress).
#[derive(Default)]
pub struct Coalescer {
    pending: HashMap<(VideoId, Stage), Event>,
    order: Vec<(VideoId, Stage)>,
}

impl Coalescer {
    /// Takes an event; returns what should be sent now.
    pub fn push(&mut self, event: Event) -> Vec<Event> {
        match &event {
            Event::Job {
                video,
                stage,
                update: JobUpdate::Progress(_),
                ..
            } => {
                let key = (video.clone(), *stage);
                if self.pending.insert(key.clone(), event).is_none() {
                    self.order.push(key);
                }
                Vec::new()
            }
            Event::Job { video, stage, .. } => {
                let key = (video.clone(), *stage);
                let mut out = Vec::with_capacity(2);
                if let Some(p) = self.pending.remove(&key) {
                    self.order.retain(|k| k != &key);
                    out.push(p);
                }
                out.push(event);
                out
            }
            Event::VideoRemoved { video } => {
                let video = video.clone();
                self.order.retain(|(v, _)| v != &video);
                self.pending.retain(|(v, _), _| v != &video);
                vec![event]
            }
            _ => vec![event],
        }
    }

    /// The pending progress, oldest job first.
    pub fn flush(&mut self) -> Vec<Event> {
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
    use heimdex_core::{Progress, Unit};

    fn progress(video: &str, done: f64) -> Event {
        Event::Job {
            video: VideoId(video.into()),
            name: format!("{video}.mp4"),
            stage: Stage::Scenes,
            update: JobUpdate::Progress(Progress {
                done,
                total: Some(100.0),
                unit: Unit::Frames,
                eta_secs: None,
                message: None,
            }),
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
        let done = Event::Job {
            video: VideoId("a".into()),
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
        let removed = Event::VideoRemoved {
            video: VideoId("a".into()),
        };
        assert_eq!(c.push(removed.clone()), vec![removed]);
        assert!(c.flush().is_empty());
    }

    #[test]
    fn the_window_gets_the_library_events_as_they_are() {
        let e = Event::Job {
            video: VideoId("v1".into()),
            name: "v1.mp4".into(),
            stage: Stage::Poster,
            update: JobUpdate::Failed {
                error: "bad".into(),
                retry_in_secs: Some(2.0),
            },
        };
        let json = serde_json::to_value(LibraryEvent(e.clone())).expect("serialises");
        assert_eq!(json, serde_json::to_value(&e).expect("serialises"));
        assert_eq!(json["type"], "job");
        assert_eq!(json["video"], "v1");
        assert_eq!(json["stage"], "poster");
        assert_eq!(json["update"]["kind"], "failed");
        assert_eq!(json["update"]["retry_in_secs"], 2.0);
    }
}
