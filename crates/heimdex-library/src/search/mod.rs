//! Search over the library: hybrid ranking (FTS5 BM25 over the scenes' sidecar text, text-vector
//! cosine, CLIP text-to-image cosine, fused by reciprocal rank), filters, "more like this", the
//! query log and the quality harness. The CLI, the window and team sync call these functions.

pub mod eval;
pub mod history;
pub mod run;
pub mod seen;
pub mod state;
pub mod store;
pub mod types;

pub use heimdex_search::{Signal, Span, VectorKind};
pub use run::{search, search_image, similar};
pub use state::{SearchState, StoredVector};
pub use types::{
    HitScores, QueryLogEntry, SearchError, SearchHit, SearchRequest, SearchResults, SeenTag,
    DEFAULT_LIMIT,
};

use crate::Library;
use heimdex_core::VideoId;

/// Records that the user opened a hit of logged search `query_id`.
pub async fn log_opened(
    lib: &Library,
    query_id: i64,
    video: &VideoId,
    scene: u32,
) -> Result<(), SearchError> {
    history::opened(lib.pool(), query_id, video, scene).await
}

/// The query log, newest first.
pub async fn history(lib: &Library, limit: usize) -> Result<Vec<QueryLogEntry>, SearchError> {
    history::list(lib.pool(), limit).await
}

/// Empties the query log; how many entries it had.
pub async fn clear_history(lib: &Library) -> Result<u64, SearchError> {
    history::clear(lib.pool()).await
}

/// Whether searches are logged (the `search.history` setting; on by default).
pub async fn history_enabled(lib: &Library) -> Result<bool, SearchError> {
    history::enabled(lib.pool()).await
}

/// Turns the query log on or off.
pub async fn set_history_enabled(lib: &Library, on: bool) -> Result<(), SearchError> {
    history::set_enabled(lib.pool(), on).await
}
