//! One search: parse the query, apply the filters, run BM25 and the vector searches, fuse them by
//! reciprocal rank, and turn the fused scenes into hits.

use super::history;
use super::store::{self, SceneFilter};
use super::types::{HitScores, SearchError, SearchHit, SearchRequest, SearchResults};
use crate::Library;
use heimdex_core::VideoId;
use heimdex_embed::{ImageEmbedder, TextEmbedder};
use heimdex_search::{
    highlight, parse_query, reciprocal_rank_fusion, DateRange, FusedHit, RankedList, SceneKey,
    Signal, VectorKind, RRF_K,
};
use std::time::Instant;

/// How deep each signal's list goes before fusion.
const DEPTH: usize = 100;

/// Runs `req` over the library.
pub async fn search(lib: &Library, req: &SearchRequest) -> Result<SearchResults, SearchError> {
    let started = Instant::now();
    let today = time::OffsetDateTime::now_utc().date();
    let parsed = parse_query(&req.query, today);
    let filter = filter_of(req, parsed.dates)?;
    let pool = lib.pool();
    let candidates = if filter.is_empty() {
        None
    } else {
        Some(store::candidates(pool, &filter).await?)
    };
    let limit = req.limit.max(1);
    let text = parsed.text.trim().to_owned();
    let mut signals = Vec::new();
    let mut fused: Vec<FusedHit> = Vec::new();
    if !text.is_empty() {
        // BM25 from SQLite while nothing else runs; the vector signals follow on blocking threads.
        let bm25 = match store::fts_query(&text) {
            Some(fts) => store::bm25(pool, &fts, DEPTH, candidates.as_ref()).await?,
            None => Vec::new(),
        };
        signals.push(Signal::Bm25);
        let state = lib.search_state().clone();
        let indexes = state.indexes(pool).await?;
        let model_dir = lib.paths().model_dir.clone();
        let text = text.clone();
        let (fused_hits, used) = tokio::task::spawn_blocking(move || {
            let guard = indexes
                .read()
                .map_err(|_| SearchError::Embed("vector index lock poisoned".into()))?;
            let empty = heimdex_search::VectorIndexes::new();
            let all = guard.as_ref().unwrap_or(&empty);
            let candidates = candidates.as_ref();
            // Each vector signal embeds the query and searches its index on its own thread, so the
            // query latency is the slower of the two, not their sum.
            let text_signal = || -> Result<Option<RankedList>, SearchError> {
                let model = match state.text_embedder(&model_dir) {
                    Ok(Some(m)) => m,
                    Ok(None) => return Ok(None),
                    Err(e) => {
                        tracing::warn!("text search off: {e}");
                        return Ok(None);
                    }
                };
                let v = model
                    .embed_one(&text)
                    .map_err(|e| SearchError::Embed(e.to_string()))?;
                vector_list(all, VectorKind::Text, model.model_id(), &v, candidates).map(Some)
            };
            let image_signal = || -> Result<Option<RankedList>, SearchError> {
                let model = match state.image_embedder(&model_dir) {
                    Ok(Some(m)) => m,
                    Ok(None) => return Ok(None),
                    Err(e) => {
                        tracing::warn!("visual search off: {e}");
                        return Ok(None);
                    }
                };
                let v = model
                    .embed_query_text(&text)
                    .map_err(|e| SearchError::Embed(e.to_string()))?;
                vector_list(all, VectorKind::Image, model.model_id(), &v, candidates).map(Some)
            };
            let (text_list, image_list) = std::thread::scope(|scope| {
                let image = scope.spawn(image_signal);
                let text = text_signal();
                let image = image
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (text, image)
            });
            let mut lists = vec![RankedList::new(Signal::Bm25, bm25)];
            let mut used = Vec::new();
            for list in [text_list?, image_list?].into_iter().flatten() {
                used.push(list.signal);
                lists.push(list);
            }
            Ok::<_, SearchError>((reciprocal_rank_fusion(&lists, RRF_K, limit), used))
        })
        .await
        .map_err(|e| SearchError::Embed(format!("search task failed: {e}")))??;
        signals.extend(used);
        fused = fused_hits;
    } else if let Some(c) = &candidates {
        // Only filters ("july 2023"): every allowed scene, in time order.
        let mut keys: Vec<&SceneKey> = c.iter().collect();
        keys.sort();
        fused = keys
            .into_iter()
            .take(limit)
            .map(|k| FusedHit {
                key: k.clone(),
                score: 0.0,
                signals: Vec::new(),
            })
            .collect();
    }
    let hits = to_hits(lib, &fused, &text).await?;
    let query_id = if req.record && history::enabled(pool).await? {
        Some(history::record(pool, &req.query, hits.len()).await?)
    } else {
        None
    };
    Ok(SearchResults {
        query_id,
        text: parsed.text,
        date_words: parsed.date_words,
        hits,
        signals,
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// "More like this": the scenes nearest to `(video, scene)` by each of its stored vectors, fused.
pub async fn similar(
    lib: &Library,
    video: &VideoId,
    scene: u32,
    limit: usize,
) -> Result<Vec<SearchHit>, SearchError> {
    let key = SceneKey::new(video.clone(), scene);
    let vectors = store::scene_vectors(lib.pool(), &key).await?;
    if vectors.is_empty() {
        return Err(SearchError::SceneNotFound {
            video: video.clone(),
            scene,
        });
    }
    let indexes = lib.search_state().indexes(lib.pool()).await?;
    let limit = limit.max(1);
    let fused = tokio::task::spawn_blocking(move || {
        let guard = indexes
            .read()
            .map_err(|_| SearchError::Embed("vector index lock poisoned".into()))?;
        let Some(all) = guard.as_ref() else {
            return Ok(Vec::new());
        };
        let mut lists = Vec::new();
        for v in &vectors {
            let hits = all
                .search(v.kind, &v.model_id, &v.vector, DEPTH + 1, None)
                .map_err(|e| SearchError::Embed(e.to_string()))?;
            let signal = match v.kind {
                VectorKind::Text => Signal::TextVector,
                VectorKind::Image => Signal::ImageVector,
            };
            lists.push(RankedList::new(
                signal,
                hits.into_iter()
                    .filter(|h| h.key != key)
                    .map(|h| (h.key, h.score))
                    .collect(),
            ));
        }
        Ok::<_, SearchError>(reciprocal_rank_fusion(&lists, RRF_K, limit))
    })
    .await
    .map_err(|e| SearchError::Embed(format!("search task failed: {e}")))??;
    to_hits(lib, &fused, "").await
}

/// One vector signal's ranked list.
fn vector_list(
    all: &heimdex_search::VectorIndexes,
    kind: VectorKind,
    model_id: &str,
    query: &[f32],
    candidates: Option<&heimdex_search::Candidates>,
) -> Result<RankedList, SearchError> {
    let hits = all
        .search(kind, model_id, query, DEPTH, candidates)
        .map_err(|e| SearchError::Embed(e.to_string()))?;
    let signal = match kind {
        VectorKind::Text => Signal::TextVector,
        VectorKind::Image => Signal::ImageVector,
    };
    Ok(RankedList::new(
        signal,
        hits.into_iter().map(|h| (h.key, h.score)).collect(),
    ))
}

/// The filters of `req`, with the dates typed in the query.
fn filter_of(req: &SearchRequest, typed: Option<DateRange>) -> Result<SceneFilter, SearchError> {
    let day = |s: &str| -> Result<String, SearchError> {
        let bad = || SearchError::BadDate(s.to_owned());
        let range = parse_query(s.trim(), time::OffsetDateTime::now_utc().date())
            .dates
            .ok_or_else(bad)?;
        let d = range.start.ok_or_else(bad)?;
        Ok(iso(d))
    };
    let mut from = req.after.as_deref().map(day).transpose()?;
    let mut until = req.before.as_deref().map(day).transpose()?;
    if let Some(r) = typed {
        if let Some(s) = r.start.map(iso) {
            from = Some(from.map_or(s.clone(), |f| f.max(s)));
        }
        if let Some(e) = r.end.map(iso) {
            until = Some(until.map_or(e.clone(), |u| u.min(e)));
        }
    }
    Ok(SceneFilter {
        video: req.video.clone(),
        from_date: from,
        until_date: until,
        min_duration_secs: req.min_duration_secs,
        max_duration_secs: req.max_duration_secs,
        has_speech: req.has_speech,
    })
}

fn iso(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Fused scenes as hits, in the same order (scenes deleted meanwhile are left out).
async fn to_hits(
    lib: &Library,
    fused: &[FusedHit],
    query_text: &str,
) -> Result<Vec<SearchHit>, SearchError> {
    let keys: Vec<SceneKey> = fused.iter().map(|f| f.key.clone()).collect();
    let rows = store::hit_rows(lib.pool(), lib.paths(), &keys).await?;
    let score = |f: &FusedHit, s: Signal| f.signal(s).map(|x| x.score);
    Ok(fused
        .iter()
        .filter_map(|f| {
            let row = rows.get(&f.key)?;
            Some(SearchHit {
                video_id: f.key.video.clone(),
                file_name: row.file_name.clone(),
                path: row.path.clone(),
                scene_idx: f.key.scene,
                start_secs: row.start_secs,
                end_secs: row.end_secs,
                thumbnail_path: row.thumbnail_path.clone(),
                keyframe_path: row.keyframe_path.clone(),
                video_date: row.video_date.clone(),
                highlights: highlight(&row.snippet, query_text),
                snippet: row.snippet.clone(),
                scores: HitScores {
                    fused: f.score,
                    bm25: score(f, Signal::Bm25),
                    text: score(f, Signal::TextVector),
                    image: score(f, Signal::ImageVector),
                },
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_dates_narrow_the_flags() {
        let mut req = SearchRequest::new("beach");
        req.after = Some("2023-01-01".into());
        req.before = Some("2024".into());
        let typed = parse_query("july 2023", time::macros::date!(2025 - 01 - 01)).dates;
        let f = filter_of(&req, typed).expect("dates parse");
        assert_eq!(f.from_date.as_deref(), Some("2023-07-01"));
        assert_eq!(f.until_date.as_deref(), Some("2023-08-01"));
        req.after = Some("soon".into());
        assert!(matches!(
            filter_of(&req, None),
            Err(SearchError::BadDate(_))
        ));
    }
}
