//! Pipeline stages and the states of their jobs.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One step of the indexing pipeline. A video's stages run in this order; each is idempotent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Stage {
    /// A poster frame for the library grid.
    Poster,
    /// Scene cuts, keyframes and thumbnails from one decode pass.
    Scenes,
    /// Speech to text, aligned to scenes.
    Speech,
    /// What each scene shows: tags and a picture vector from its keyframes.
    Vision,
    /// Sidecar text and vectors for search.
    Embed,
    /// Keyframe captions from an OpenAI-compatible vision model, when a provider is set. Last, so
    /// that a provider that is down, over quota or refusing the key never holds up local indexing;
    /// new captions queue the embed stage again.
    Caption,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Poster,
        Stage::Scenes,
        Stage::Speech,
        Stage::Vision,
        Stage::Embed,
        Stage::Caption,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Poster => "poster",
            Stage::Scenes => "scenes",
            Stage::Speech => "speech",
            Stage::Vision => "vision",
            Stage::Embed => "embed",
            Stage::Caption => "caption",
        }
    }

    /// Position in the pipeline (the order stages are listed and claimed in); which stages must be
    /// done before a stage runs is `heimdex_library::jobs::dependencies`.
    pub fn order(self) -> i64 {
        self as i64
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown stage '{0}'")]
pub struct UnknownStage(pub String);

impl FromStr for Stage {
    type Err = UnknownStage;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownStage(s.to_owned()))
    }
}

/// State of one (video, stage) job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Done, failed or cancelled: nothing more happens without a retry.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }
}

impl FromStr for JobState {
    type Err = UnknownStage;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            "cancelled" => JobState::Cancelled,
            other => return Err(UnknownStage(other.to_owned())),
        })
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A video's overall status, derived from its jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum VideoStatus {
    /// Waiting for a worker.
    Queued,
    /// A stage is running.
    Indexing,
    /// Every stage is done.
    Ready,
    /// A stage failed after its retries; the error says why.
    Failed,
    /// The user cancelled indexing.
    Cancelled,
}

impl VideoStatus {
    /// Status from the states of a video's jobs: failure wins, then cancel, running, queued.
    pub fn from_jobs(states: impl IntoIterator<Item = JobState>) -> Self {
        let (mut failed, mut cancelled, mut running, mut queued) = (false, false, false, false);
        for s in states {
            match s {
                JobState::Failed => failed = true,
                JobState::Cancelled => cancelled = true,
                JobState::Running => running = true,
                JobState::Queued => queued = true,
                JobState::Done => {}
            }
        }
        if failed {
            VideoStatus::Failed
        } else if cancelled {
            VideoStatus::Cancelled
        } else if running {
            VideoStatus::Indexing
        } else if queued {
            VideoStatus::Queued
        } else {
            VideoStatus::Ready
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VideoStatus::Queued => "queued",
            VideoStatus::Indexing => "indexing",
            VideoStatus::Ready => "ready",
            VideoStatus::Failed => "failed",
            VideoStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for VideoStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_round_trips() {
        for s in Stage::ALL {
            assert_eq!(s.as_str().parse::<Stage>().expect("parses"), s);
        }
        assert!("nope".parse::<Stage>().is_err());
    }

    #[test]
    fn status_from_jobs() {
        use JobState::*;
        assert_eq!(VideoStatus::from_jobs([Done, Done]), VideoStatus::Ready);
        assert_eq!(
            VideoStatus::from_jobs([Done, Running, Queued]),
            VideoStatus::Indexing
        );
        assert_eq!(
            VideoStatus::from_jobs([Done, Failed, Queued]),
            VideoStatus::Failed
        );
        assert_eq!(
            VideoStatus::from_jobs([Cancelled, Queued]),
            VideoStatus::Cancelled
        );
        assert_eq!(VideoStatus::from_jobs([Queued]), VideoStatus::Queued);
    }
}
