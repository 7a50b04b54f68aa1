//! Search for the window: the library's hybrid search turned into view types (snippets split at
//! the matched words, so the UI never handles byte offsets).

use crate::error::{AppError, AppResult};
use crate::types::{SearchHitView, SearchResultsView, SnippetPart};
use heimdex_library::Library;

/// Most hits a search returns to the window.
pub const MAX_LIMIT: u32 = 100;

/// Searches the library. Until the library's search lands this says so as an error.
pub async fn search(_lib: &Library, query: &str, _limit: u32) -> AppResult<SearchResultsView> {
    if query.trim().is_empty() {
        return Ok(SearchResultsView {
            query_id: None,
            text: String::new(),
            date_words: None,
            hits: Vec::new(),
            signals: Vec::new(),
            took_ms: 0.0,
        });
    }
    Err(AppError::Search {
        reason: "scene search is not part of this build yet".into(),
    })
}

/// Scenes like one scene ("more like this").
pub async fn similar(
    _lib: &Library,
    _video_id: &str,
    _scene_idx: u32,
    _limit: u32,
) -> AppResult<Vec<SearchHitView>> {
    Err(AppError::Search {
        reason: "scene search is not part of this build yet".into(),
    })
}

/// Records that a hit of a logged query was opened.
pub async fn log_opened(
    _lib: &Library,
    _query_id: i64,
    _video_id: &str,
    _scene_idx: u32,
) -> AppResult<()> {
    Ok(())
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
