//! Progress as data: the events the pipeline publishes and the CLI and window draw.

use crate::{Stage, VideoId};
use serde::{Deserialize, Serialize};

/// What a progress count measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Unit {
    Frames,
    Seconds,
    Bytes,
    Items,
}

/// How far one job is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Progress {
    pub done: f64,
    /// `None` while the total is unknown (an indeterminate bar).
    pub total: Option<f64>,
    pub unit: Unit,
    /// Estimated seconds left, from the rate so far.
    pub eta_secs: Option<f64>,
    /// A short note ("decoding", "loading model").
    pub message: Option<String>,
}

impl Progress {
    /// Fraction done in 0..=1 when the total is known.
    pub fn fraction(&self) -> Option<f64> {
        self.total
            .filter(|t| *t > 0.0)
            .map(|t| (self.done / t).clamp(0.0, 1.0))
    }
}

/// A change in a job's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum JobUpdate {
    Started {
        attempt: u32,
    },
    Progress(Progress),
    Done {
        secs: f64,
    },
    /// Failed this attempt; `retry_in_secs` is set when it will be tried again.
    Failed {
        error: String,
        retry_in_secs: Option<f64>,
    },
    Cancelled,
}

/// Everything the pipeline tells its observers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Event {
    /// A video entered the library (or was found again at a new path).
    VideoImported {
        video: VideoId,
        path: String,
        moved: bool,
    },
    /// A path could not be imported.
    ImportFailed { path: String, error: String },
    /// A video left the library.
    VideoRemoved { video: VideoId },
    /// One job of one video changed.
    Job {
        video: VideoId,
        name: String,
        stage: Stage,
        update: JobUpdate,
    },
    /// No runnable job is left.
    Idle,
    /// Events were missed (a listener fell behind the library): reload what is shown. Sent by a
    /// shell to its own view, never by the library.
    Resync,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_is_clamped_and_optional() {
        let mut p = Progress {
            done: 5.0,
            total: Some(10.0),
            unit: Unit::Frames,
            eta_secs: None,
            message: None,
        };
        assert_eq!(p.fraction(), Some(0.5));
        p.done = 12.0;
        assert_eq!(p.fraction(), Some(1.0));
        p.total = None;
        assert_eq!(p.fraction(), None);
    }

    #[test]
    fn events_serialise_with_tags() {
        let e = Event::Job {
            video: VideoId("ab".into()),
            name: "a.mp4".into(),
            stage: Stage::Scenes,
            update: JobUpdate::Started { attempt: 1 },
        };
        let json = serde_json::to_string(&e).expect("serialises");
        assert!(json.contains(r#""type":"job""#), "{json}");
        assert!(json.contains(r#""kind":"started""#), "{json}");
    }
}
