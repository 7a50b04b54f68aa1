//! What a search takes and returns (shared by the CLI, the window and team sync).

use heimdex_core::VideoId;
use heimdex_search::{Signal, Span};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Hits returned when the request does not say.
pub const DEFAULT_LIMIT: usize = 20;

/// What to look for, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    /// What the user typed. Dates in it ("july 2023", "2023-07-14", "last year", "before 2020")
    /// become a date filter.
    pub query: String,
    pub limit: usize,
    /// Only scenes of this video.
    pub video: Option<VideoId>,
    /// Videos recorded on or after this day (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`).
    pub after: Option<String>,
    /// Videos recorded before this day (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`).
    pub before: Option<String>,
    /// Videos at least this long.
    pub min_duration_secs: Option<f64>,
    /// Videos at most this long.
    pub max_duration_secs: Option<f64>,
    /// Scenes with speech (`true`) or without (`false`).
    pub has_speech: Option<bool>,
    /// Write the query to the local log (unless the user turned the log off).
    pub record: bool,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            query: String::new(),
            limit: DEFAULT_LIMIT,
            video: None,
            after: None,
            before: None,
            min_duration_secs: None,
            max_duration_secs: None,
            has_speech: None,
            record: true,
        }
    }
}

impl SearchRequest {
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            ..Self::default()
        }
    }
}

/// The score of each signal that found a hit, and the fused score that ranks it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HitScores {
    /// Reciprocal-rank fusion (k = 60) of the signals below.
    pub fused: f64,
    /// FTS5 BM25 over the sidecar text (higher is better).
    pub bm25: Option<f32>,
    /// Cosine of the query's text vector with the scene's sidecar vector.
    pub text: Option<f32>,
    /// Cosine of the query's CLIP vector with the keyframe's (only with CLIP weights installed).
    pub image: Option<f32>,
    /// Cosine of a picture's vector with the scene's (a picture query, "more like this").
    #[serde(default)]
    pub picture: Option<f32>,
    /// How likely the scene's pictures show what the query means (the picture model's classes).
    #[serde(default)]
    pub seen: Option<f32>,
}

/// One scene found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub video_id: VideoId,
    pub file_name: String,
    /// The video file.
    pub path: PathBuf,
    pub scene_idx: u32,
    pub start_secs: f64,
    pub end_secs: f64,
    pub thumbnail_path: Option<PathBuf>,
    pub keyframe_path: Option<PathBuf>,
    /// Recording date (else file date), `YYYY-MM-DD`.
    pub video_date: Option<String>,
    /// The scene's transcript words, else its on-screen text.
    pub snippet: String,
    /// Byte ranges of `snippet` that match query words.
    pub highlights: Vec<Span>,
    pub scores: HitScores,
    /// What the scene shows (the vision stage's tags), best first: its classes, then broader words.
    #[serde(default)]
    pub seen: Vec<SeenTag>,
    /// The caption stage's sentence about the scene's keyframe, when it has one.
    #[serde(default)]
    pub caption: Option<String>,
}

/// A word for what a hit's scene shows, and whether the query named it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeenTag {
    pub label: String,
    pub score: f32,
    /// `class`, `hypernym` or `caption`.
    pub kind: String,
    /// A query word is this label (or one of its other names).
    pub matched: bool,
}

impl SearchHit {
    /// `snippet` with matched words wrapped in `open` and `close` (e.g. `[` `]`, `<b>` `</b>`).
    pub fn marked_snippet(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.snippet.len() + 8 * self.highlights.len());
        let mut at = 0;
        for s in &self.highlights {
            if s.start < at || s.end > self.snippet.len() {
                continue;
            }
            out.push_str(&self.snippet[at..s.start]);
            out.push_str(open);
            out.push_str(&self.snippet[s.start..s.end]);
            out.push_str(close);
            at = s.end;
        }
        out.push_str(&self.snippet[at..]);
        out
    }
}

/// The answer to one search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Id in the query log (for [`super::log_opened`]); `None` when not recorded.
    pub query_id: Option<i64>,
    /// The query without its date words.
    pub text: String,
    /// The words read as a date filter ("july 2023"), if any.
    pub date_words: Option<String>,
    /// Best first.
    pub hits: Vec<SearchHit>,
    /// The signals that ran.
    pub signals: Vec<Signal>,
    pub took_ms: f64,
    /// What the user should know about this answer: a signal that could not run (its model is
    /// missing, with the command that installs it), videos indexed without a model.
    #[serde(default)]
    pub notices: Vec<String>,
}

/// One logged search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryLogEntry {
    pub id: i64,
    pub query: String,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub result_count: i64,
    pub opened_video_id: Option<VideoId>,
    pub opened_scene_idx: Option<u32>,
}

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Library(#[from] crate::LibraryError),
    #[error("the search index failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("'{0}' is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)")]
    BadDate(String),
    #[error("scene {scene} of video {video} is not in the search index (is the video indexed?)")]
    SceneNotFound { video: VideoId, scene: u32 },
    #[error("the search model failed: {0}")]
    Embed(String),
    #[error("{0}")]
    PictureQuery(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_snippet_wraps_matches() {
        let hit = SearchHit {
            video_id: VideoId("v".into()),
            file_name: "a.mp4".into(),
            path: "a.mp4".into(),
            scene_idx: 0,
            start_secs: 0.0,
            end_secs: 1.0,
            thumbnail_path: None,
            keyframe_path: None,
            video_date: None,
            snippet: "ask not what your country can do".into(),
            highlights: heimdex_search::highlight("ask not what your country can do", "country"),
            scores: HitScores::default(),
            seen: Vec::new(),
            caption: None,
        };
        assert_eq!(
            hit.marked_snippet("[", "]"),
            "ask not what your [country] can do"
        );
    }

    #[test]
    fn request_json_fills_defaults() {
        let r: SearchRequest = serde_json::from_str(r#"{"query":"dog"}"#).expect("parses");
        assert_eq!(r.limit, DEFAULT_LIMIT);
        assert!(r.record);
    }
}
