//! Search for both shells: the library's hybrid search ([`run`], [`run_picture`],
//! [`similar_hits`], which the command line prints), and the same results as the window's view
//! types (snippets split at the matched words, so the UI never handles byte offsets).

use crate::error::{AppError, AppResult};
use crate::views::{HitScoresView, SearchHitView, SearchResultsView, SeenTagView, SnippetPart};
use heimdex_core::VideoId;
use heimdex_library::search::{self as lib_search, SearchError, Signal};
pub use heimdex_library::search::{
    SearchHit, SearchRequest, SearchResults, SeenTag, DEFAULT_LIMIT,
};
use heimdex_library::Library;
use std::path::Path;

/// Most hits a search returns to the window.
pub const MAX_LIMIT: u32 = 100;

fn search_error(e: SearchError) -> AppError {
    AppError::Search {
        reason: e.to_string(),
    }
}

fn signal_name(s: &Signal) -> String {
    match s {
        Signal::Bm25 => "bm25",
        Signal::TextVector => "text_vector",
        Signal::ImageVector => "image_vector",
        Signal::Picture => "picture",
        Signal::Seen => "seen",
    }
    .to_owned()
}

/// A library hit as the window shows it.
pub fn hit_view(h: SearchHit) -> SearchHitView {
    let spans: Vec<(usize, usize)> = h.highlights.iter().map(|s| (s.start, s.end)).collect();
    SearchHitView {
        video_id: h.video_id.0,
        file_name: h.file_name,
        path: h.path.to_string_lossy().into_owned(),
        scene_idx: h.scene_idx,
        start_secs: h.start_secs,
        end_secs: h.end_secs,
        thumbnail_path: h
            .thumbnail_path
            .filter(|p| p.is_file())
            .map(|p| p.to_string_lossy().into_owned()),
        video_date: h.video_date,
        snippet: split_snippet(&h.snippet, &spans),
        scores: HitScoresView {
            fused: h.scores.fused,
            bm25: h.scores.bm25.map(f64::from),
            text: h.scores.text.map(f64::from),
            image: h.scores.image.map(f64::from),
            picture: h.scores.picture.map(f64::from),
        },
        seen: h
            .seen
            .into_iter()
            .map(|t| SeenTagView {
                label: t.label,
                score: f64::from(t.score),
                kind: t.kind,
                matched: t.matched,
            })
            .collect(),
        caption: h.caption,
    }
}

fn results_view(r: SearchResults) -> SearchResultsView {
    SearchResultsView {
        query_id: r.query_id.map(|id| id as f64),
        text: r.text,
        date_words: r.date_words,
        hits: r.hits.into_iter().map(hit_view).collect(),
        signals: r.signals.iter().map(signal_name).collect(),
        took_ms: r.took_ms,
        notices: r.notices,
    }
}

/// Searches the library with every filter of `req`: words, meaning and pictures, dates typed in
/// the query as a filter.
pub async fn run(lib: &Library, req: &SearchRequest) -> AppResult<SearchResults> {
    lib_search::search(lib, req).await.map_err(search_error)
}

/// Scenes that look like the picture at `path` (a photo dropped on the window, `--image`).
pub async fn run_picture(
    lib: &Library,
    path: &Path,
    req: &SearchRequest,
) -> AppResult<SearchResults> {
    lib_search::search_image(lib, path, req)
        .await
        .map_err(search_error)
}

/// Scenes like one scene ("more like this").
pub async fn similar_hits(
    lib: &Library,
    video: &VideoId,
    scene_idx: u32,
    limit: usize,
) -> AppResult<Vec<SearchHit>> {
    lib_search::similar(lib, video, scene_idx, limit)
        .await
        .map_err(search_error)
}

/// [`run_picture`] for the window.
pub async fn search_image(lib: &Library, path: &str, limit: u32) -> AppResult<SearchResultsView> {
    let mut req = SearchRequest::new("");
    req.limit = limit.clamp(1, MAX_LIMIT) as usize;
    Ok(results_view(run_picture(lib, Path::new(path), &req).await?))
}

/// [`run`] for the window: the query and a limit.
pub async fn search(lib: &Library, query: &str, limit: u32) -> AppResult<SearchResultsView> {
    if query.trim().is_empty() {
        return Ok(SearchResultsView {
            query_id: None,
            text: String::new(),
            date_words: None,
            hits: Vec::new(),
            signals: Vec::new(),
            took_ms: 0.0,
            notices: Vec::new(),
        });
    }
    let mut req = SearchRequest::new(query.trim());
    req.limit = limit.clamp(1, MAX_LIMIT) as usize;
    Ok(results_view(run(lib, &req).await?))
}

/// [`similar_hits`] for the window.
pub async fn similar(
    lib: &Library,
    video_id: &str,
    scene_idx: u32,
    limit: u32,
) -> AppResult<Vec<SearchHitView>> {
    let video = VideoId(video_id.to_owned());
    let hits = similar_hits(lib, &video, scene_idx, limit.clamp(1, MAX_LIMIT) as usize).await?;
    Ok(hits.into_iter().map(hit_view).collect())
}

/// Records that a hit of a logged query was opened.
pub async fn log_opened(
    lib: &Library,
    query_id: i64,
    video_id: &str,
    scene_idx: u32,
) -> AppResult<()> {
    lib_search::log_opened(lib, query_id, &VideoId(video_id.to_owned()), scene_idx)
        .await
        .map_err(search_error)
}
/// `snippet` cut into plain and matched parts; `spans` are byte ranges (any order, may overlap or
/// fall outside the text or inside a character: such ends are moved to a character boundary).
pub fn split_snippet(snippet: &str, spans: &[(usize, usize)]) -> Vec<SnippetPart> {
    let boundary = |mut i: usize| {
        i = i.min(snippet.len());
        while !snippet.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let mut spans: Vec<(usize, usize)> = spans
        .iter()
        .map(|&(a, b)| (boundary(a), boundary(b)))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort_unstable();
    let mut parts = Vec::new();
    let mut at = 0;
    for (a, b) in spans {
        let a = a.max(at);
        if b <= a {
            continue;
        }
        if a > at {
            parts.push(SnippetPart {
                text: snippet[at..a].to_owned(),
                hit: false,
            });
        }
        parts.push(SnippetPart {
            text: snippet[a..b].to_owned(),
            hit: true,
        });
        at = b;
    }
    if at < snippet.len() {
        parts.push(SnippetPart {
            text: snippet[at..].to_owned(),
            hit: false,
        });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(parts: &[SnippetPart]) -> String {
        parts
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn splits_at_matched_words() {
        let s = "the quick brown fox";
        assert_eq!(
            render(&split_snippet(s, &[(4, 9), (16, 19)])),
            "the [quick] brown [fox]"
        );
        assert_eq!(render(&split_snippet(s, &[])), s);
        assert_eq!(
            render(&split_snippet(s, &[(0, 3)])),
            "[the] quick brown fox"
        );
    }

    #[test]
    fn survives_odd_spans() {
        let s = "café au lait";
        // Overlapping, unsorted, past the end, inside the two-byte é.
        let parts = split_snippet(s, &[(9, 100), (0, 4), (2, 5), (6, 6)]);
        assert_eq!(render(&parts), "[caf][é] au [lait]");
        assert_eq!(parts.iter().map(|p| p.text.as_str()).collect::<String>(), s);
        assert!(split_snippet("", &[(0, 3)]).is_empty());
    }
}
