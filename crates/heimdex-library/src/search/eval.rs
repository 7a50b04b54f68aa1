//! The quality harness: queries with the scene they should find, scored as Recall@1, Recall@5 and
//! mean reciprocal rank (over the first 10 hits).

use super::types::{SearchError, SearchHit, SearchRequest};
use crate::Library;
use serde::{Deserialize, Serialize};

/// Hits looked at per query.
pub const EVAL_DEPTH: usize = 10;

/// One line of a `queries.jsonl` file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalQuery {
    pub query: String,
    /// File name (or id) of the video that should be found.
    pub video: String,
    /// A moment (seconds) inside the scene that should be found.
    pub time: f64,
    /// Free label ("exact", "paraphrase"), reported per kind.
    #[serde(default)]
    pub kind: Option<String>,
}

/// Where one query's expected scene came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalOutcome {
    pub query: EvalQuery,
    /// 1-based rank of the first right hit, `None` when not in the first [`EVAL_DEPTH`].
    pub rank: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub queries: usize,
    pub recall_at_1: f64,
    pub recall_at_5: f64,
    pub mrr: f64,
    pub outcomes: Vec<EvalOutcome>,
}

/// Reads a JSON-lines file of [`EvalQuery`] (blank lines and `#` comments skipped).
pub fn parse_queries(text: &str) -> Result<Vec<EvalQuery>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// Whether `hit` is the scene `q` expects.
pub fn is_match(q: &EvalQuery, hit: &SearchHit) -> bool {
    (hit.file_name == q.video || hit.video_id.as_str() == q.video)
        && hit.start_secs <= q.time
        && q.time < hit.end_secs.max(hit.start_secs + 0.001)
}

/// Scores ranks as Recall@1, Recall@5 and MRR.
pub fn score(outcomes: Vec<EvalOutcome>) -> EvalReport {
    let n = outcomes.len().max(1) as f64;
    let within = |k: usize| {
        outcomes
            .iter()
            .filter(|o| o.rank.is_some_and(|r| r <= k))
            .count()
    };
    let mrr = outcomes
        .iter()
        .filter_map(|o| o.rank)
        .map(|r| 1.0 / r as f64)
        // Not `sum()`: an empty float sum is -0.0, printed "MRR -0.000".
        .fold(0.0, |a, b| a + b)
        / n;
    EvalReport {
        queries: outcomes.len(),
        recall_at_1: within(1) as f64 / n,
        recall_at_5: within(5) as f64 / n,
        mrr,
        outcomes,
    }
}

/// Runs every query (not logged) and scores the ranks.
pub async fn evaluate(lib: &Library, queries: &[EvalQuery]) -> Result<EvalReport, SearchError> {
    let mut outcomes = Vec::with_capacity(queries.len());
    for q in queries {
        let req = SearchRequest {
            limit: EVAL_DEPTH,
            record: false,
            ..SearchRequest::new(q.query.clone())
        };
        let results = super::search(lib, &req).await?;
        let rank = results
            .hits
            .iter()
            .position(|h| is_match(q, h))
            .map(|i| i + 1);
        outcomes.push(EvalOutcome {
            query: q.clone(),
            rank,
        });
    }
    Ok(score(outcomes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(rank: Option<usize>) -> EvalOutcome {
        EvalOutcome {
            query: EvalQuery {
                query: "q".into(),
                video: "v.mp4".into(),
                time: 1.0,
                kind: None,
            },
            rank,
        }
    }

    #[test]
    fn recall_and_mrr() {
        let r = score(vec![
            outcome(Some(1)),
            outcome(Some(3)),
            outcome(None),
            outcome(Some(6)),
        ]);
        assert_eq!(r.queries, 4);
        assert!((r.recall_at_1 - 0.25).abs() < 1e-9);
        assert!((r.recall_at_5 - 0.5).abs() < 1e-9);
        let mrr = (1.0 + 1.0 / 3.0 + 1.0 / 6.0) / 4.0;
        assert!((r.mrr - mrr).abs() < 1e-9);
    }

    #[test]
    fn parses_jsonl_with_comments() {
        let q = parse_queries(
            "# comment\n{\"query\":\"ask not\",\"video\":\"jfk.mp4\",\"time\":3.5,\"kind\":\"exact\"}\n\n",
        )
        .expect("parses");
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].kind.as_deref(), Some("exact"));
        assert!(parse_queries("{bad").is_err());
    }
}
