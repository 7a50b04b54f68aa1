//! The shapes the window shows (and the command line prints as JSON where it can): views over the
//! library's records with camelCase fields. The core enums (`Stage`, `JobState`, `VideoStatus`,
//! `Unit`) are used as they are: they derive `specta::Type` with the `specta` feature.

use heimdex_core::{JobState, Stage, VideoStatus};
use serde::Serialize;

/// One stage of one video, as the grid shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StageView {
    pub stage: Stage,
    pub state: JobState,
    pub attempts: u32,
    /// Why the stage failed, in words.
    pub error: Option<String>,
    /// 0..1 while running.
    pub progress: Option<f64>,
}

/// A video in the library grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VideoView {
    pub id: String,
    pub file_name: String,
    pub path: String,
    pub size_bytes: f64,
    pub duration_secs: f64,
    pub width: u32,
    pub height: u32,
    pub has_audio: bool,
    pub status: VideoStatus,
    /// The first failed stage's error, in words.
    pub error: Option<String>,
    pub stages: Vec<StageView>,
    /// Poster image on disk (load it through the asset protocol), once the poster stage made it.
    pub poster_path: Option<String>,
    pub imported_at_ms: f64,
}

/// A path that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportFailure {
    pub path: String,
    pub error: String,
}

/// What one import call did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    /// Ids of videos new to the library.
    pub added: Vec<String>,
    /// Ids of videos that were already there (found again, perhaps at a new path).
    pub known: Vec<String>,
    /// Files with the same bytes as a video already in the library elsewhere (not indexed twice).
    pub duplicates: Vec<DuplicateFile>,
    pub failed: Vec<ImportFailure>,
}

/// A file that is a copy of a video already in the library.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DuplicateFile {
    pub path: String,
    /// Where the video it copies is.
    pub of: String,
}

/// A model the pipeline uses and whether it is installed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ModelStatus {
    /// Folder name under the model directory.
    pub name: String,
    /// What it is for, in words.
    pub purpose: String,
    pub installed: bool,
    pub path: String,
}

/// The settings screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub data_dir: String,
    pub cache_dir: String,
    pub model_dir: String,
    /// The library folder chosen for the next start, when it differs from the open one.
    pub next_data_dir: Option<String>,
    /// The model folder chosen for the next start, when it differs.
    pub next_model_dir: Option<String>,
    /// `HEIMDEX_DATA_DIR` is set: it decides the library folder.
    pub data_dir_from_env: bool,
    /// `HEIMDEX_MODEL_DIR` is set: it decides the model folder.
    pub model_dir_from_env: bool,
    /// Whether folders can be chosen here (the app has a config folder to remember them in).
    pub can_choose_dirs: bool,
    pub models: Vec<ModelStatus>,
    /// Videos indexed at the same time.
    pub concurrency: u32,
    pub max_concurrency: u32,
    pub version: String,
}

impl VideoView {
    /// The grid's view of a library summary; `poster` is the poster file once it exists.
    pub fn from_summary(
        s: heimdex_library::VideoSummary,
        poster: Option<std::path::PathBuf>,
    ) -> Self {
        let v = s.video;
        Self {
            id: v.id.0,
            file_name: v.file_name,
            path: v.path.to_string_lossy().into_owned(),
            size_bytes: v.size_bytes as f64,
            duration_secs: v.info.duration_secs,
            width: v.info.display_width,
            height: v.info.display_height,
            has_audio: v.info.has_audio,
            status: s.status,
            error: s.error,
            stages: s
                .jobs
                .into_iter()
                .map(|j| StageView {
                    stage: j.stage,
                    state: j.state,
                    attempts: j.attempts,
                    error: j.error,
                    progress: j.progress,
                })
                .collect(),
            poster_path: poster.map(|p| p.to_string_lossy().into_owned()),
            imported_at_ms: v.imported_at_ms as f64,
        }
    }
}

impl From<heimdex_library::ImportReport> for ImportSummary {
    fn from(r: heimdex_library::ImportReport) -> Self {
        use heimdex_library::ImportOutcome;
        let mut out = ImportSummary::default();
        for v in r.videos {
            match v.outcome {
                ImportOutcome::Added => out.added.push(v.id.0),
                ImportOutcome::Moved | ImportOutcome::AlreadyPresent => out.known.push(v.id.0),
                ImportOutcome::Duplicate => {
                    out.duplicates.push(DuplicateFile {
                        path: v.path.to_string_lossy().into_owned(),
                        of: v
                            .duplicate_of
                            .as_deref()
                            .map(|p| p.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    });
                    out.known.push(v.id.0)
                }
            }
        }
        out.failed = r
            .failures
            .into_iter()
            .map(|f| ImportFailure {
                path: f.path.to_string_lossy().into_owned(),
                error: f.error,
            })
            .collect();
        out
    }
}

/// A scene of a video, for the player's scene strip.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SceneView {
    pub idx: u32,
    pub start_secs: f64,
    pub end_secs: f64,
    /// Thumbnail on disk (load it through the asset protocol).
    pub thumbnail_path: Option<String>,
    /// The scene's keyframe (up to 1280 px), shown before the video plays.
    pub keyframe_path: Option<String>,
}

/// A timed piece of the transcript.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SegmentView {
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
}

/// Everything the video page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VideoDetail {
    pub video: VideoView,
    /// Where the player streams the file from (the loopback media server); `null` when the
    /// server could not start or the file is gone.
    pub media_url: Option<String>,
    /// Why there is no `mediaUrl`, in words.
    pub media_error: Option<String>,
    pub fps: f64,
    pub scenes: Vec<SceneView>,
    pub transcript: Vec<SegmentView>,
    pub transcript_language: Option<String>,
}

/// A piece of a hit's snippet; `hit` pieces are the matched words.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// How each signal scored a hit (absent when that signal did not find it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HitScoresView {
    pub fused: f64,
    /// Words matched (BM25; higher is better).
    pub bm25: Option<f64>,
    /// Meaning matched (cosine of text vectors).
    pub text: Option<f64>,
    /// Picture matched (cosine of CLIP vectors).
    pub image: Option<f64>,
    /// Looks like the query picture or scene (cosine of the local classifier's picture vectors).
    pub picture: Option<f64>,
}

/// A word for what a scene shows (the vision stage's tags).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SeenTagView {
    pub label: String,
    pub score: f64,
    /// "class", "hypernym" or "caption".
    pub kind: String,
    /// The query named it.
    pub matched: bool,
}

/// One scene found by a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SearchHitView {
    pub video_id: String,
    pub file_name: String,
    pub path: String,
    pub scene_idx: u32,
    pub start_secs: f64,
    pub end_secs: f64,
    pub thumbnail_path: Option<String>,
    pub video_date: Option<String>,
    /// The scene's words, split at the matched ones.
    pub snippet: Vec<SnippetPart>,
    pub scores: HitScoresView,
    /// What the scene shows, best first.
    pub seen: Vec<SeenTagView>,
    /// The caption model's sentence about the scene's keyframe, when it has one.
    pub caption: Option<String>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SearchResultsView {
    /// Pass to `logOpened` when a hit is opened (`null` when the query was not logged).
    pub query_id: Option<f64>,
    /// The query without its date words.
    pub text: String,
    /// The date words the query was filtered by, e.g. "july 2023".
    pub date_words: Option<String>,
    pub hits: Vec<SearchHitView>,
    /// The signals that ran: "bm25", "text_vector", "image_vector", "picture".
    pub signals: Vec<String>,
    pub took_ms: f64,
    /// What is missing from this answer and how to fix it (a model not installed, …).
    pub notices: Vec<String>,
}

/// A scene in a list to export (a search's hits, as the window shows them).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExportClip {
    pub video_id: String,
    pub file_name: String,
    pub path: String,
    pub scene_idx: u32,
    pub start_secs: f64,
    pub end_secs: f64,
    pub snippet: String,
    pub score: Option<f64>,
}

/// Subtitle formats for a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum TranscriptFormat {
    Srt,
    Vtt,
}

/// Formats for a result list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ListFormat {
    Csv,
    Edl,
}

/// Where model work runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ProviderKind {
    /// Models on this computer.
    Local,
    /// An OpenAI-compatible server (OpenAI, a local llama.cpp / vLLM / Ollama server, …).
    OpenAi,
}

/// The provider settings as the window sees them; the API key itself never leaves the keychain.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProviderView {
    pub kind: ProviderKind,
    pub base_url: Option<String>,
    /// Whether an API key is stored in the OS keychain.
    pub has_key: bool,
    /// Why the keychain cannot be used, when it cannot (then keys cannot be saved).
    pub keychain_error: Option<String>,
    /// The vision model that captions keyframes (`null`: the default one).
    pub caption_model: Option<String>,
    /// The caption model used when none is set.
    pub default_caption_model: String,
    /// Caption requests this library may send in all (0: no limit).
    pub max_requests: u32,
    /// Caption requests this library has sent.
    pub requests_made: u32,
}

/// The signed-in user of team sync.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TeamUserView {
    pub id: String,
    pub email: Option<String>,
}

/// Sign-in and team sync as the Team panel shows them. No token or secret is ever in here.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TeamView {
    /// The Supabase-compatible sign-in server, when one is set.
    pub server_url: Option<String>,
    /// Whether its public anon key is set.
    pub has_anon_key: bool,
    /// Who is signed in.
    pub user: Option<TeamUserView>,
    /// Why the OS keychain cannot keep the sign-in (it then lasts until the app quits).
    pub keychain_error: Option<String>,
    /// The team backend (`postgres postgres://user@host/db`), when team sync is set up.
    pub backend: Option<String>,
    /// Whether scenes are being pushed in the background.
    pub syncing: bool,
    /// Scenes and deletions waiting to be pushed, and those the backend refused.
    pub pending: u32,
    pub failed: u32,
    /// When the last push succeeded (ms since the Unix epoch).
    pub last_push_ms: Option<f64>,
    /// The last push failure, until a push succeeds.
    pub last_error: Option<String>,
    /// A browser sign-in is waiting for the user.
    pub signing_in: bool,
}

/// A folder that can be chosen in Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum FolderKind {
    /// The library: database, cache of thumbnails and keyframes.
    Library,
    /// The model files.
    Models,
}

/// Where a team search hit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum HitOrigin {
    /// In this library only.
    Local,
    /// In the team's backend only (another member's video, or not pushed from here).
    Team,
    /// Here and in the team's backend.
    Both,
}

/// One scene of a team search: local hits and the team's fused, marked where each was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TeamHitView {
    pub origin: HitOrigin,
    /// The video here, when the scene is one of this library's hits (the player can open it).
    pub video_id: Option<String>,
    pub file_name: String,
    pub scene_index: u32,
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
    pub score: f64,
}

/// A team search's answer; `notice` says why the team's scenes are missing, when they are.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TeamResultsView {
    pub hits: Vec<TeamHitView>,
    pub notice: Option<String>,
}
