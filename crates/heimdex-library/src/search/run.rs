//! One search: parse the query, apply the filters, run BM25 and the vector searches, fuse them by
//! reciprocal rank, and turn the fused scenes into hits.

use super::history;
use super::store::{self, SceneFilter};
use super::types::{HitScores, SearchError, SearchHit, SearchRequest, SearchResults};
use crate::Library;
use heimdex_core::VideoId;
use heimdex_embed::local::vision::{TagPolicy, EFFICIENTNET_LITE0};
use heimdex_embed::{ImageEmbedder, TextEmbedder};
use heimdex_search::{
    highlight, parse_query, reciprocal_rank_fusion, DateRange, FusedHit, RankedList, SceneKey,
    Signal, VectorKind, RRF_K,
};
use std::path::Path;
use std::time::Instant;

/// How deep each signal's list goes before fusion.
const DEPTH: usize = 100;

/// The "what is seen" score (about the probability that a scene's pictures show what the query
/// names) at which a scene counts fully in fusion; below it, in proportion. When no scene in the
/// library reaches it, the picture model does not see what the query names, and its ordering of
/// near-zero scores must not outweigh the words.
const SEEN_FULL_AT: f32 = 0.1;

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
        let seen = state.seen(pool).await?;
        let model_dir = lib.paths().model_dir.clone();
        let cache_dir = lib.paths().cache_dir.clone();
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
            // The text vector signal, and with the same query vector "what is seen, by meaning".
            let text_signal = || -> Result<Vec<RankedList>, SearchError> {
                let model = match state.text_embedder(&model_dir) {
                    Ok(Some(m)) => m,
                    Ok(None) => return Ok(Vec::new()),
                    Err(e) => {
                        tracing::warn!("text search off: {e}");
                        return Ok(Vec::new());
                    }
                };
                let v = model
                    .embed_one(&text)
                    .map_err(|e| SearchError::Embed(e.to_string()))?;
                let mut lists = vec![vector_list(
                    all,
                    VectorKind::Text,
                    model.model_id(),
                    &v,
                    candidates,
                )?];
                match state.class_vectors(&model_dir, &cache_dir) {
                    Ok(Some(cv)) => {
                        let weights = cv.weights(&v);
                        if let Ok(guard) = seen.read() {
                            if let Some(idx) = guard.as_ref() {
                                lists.push(RankedList::scaled(
                                    Signal::Seen,
                                    idx.search(&weights, DEPTH, candidates),
                                    SEEN_FULL_AT,
                                ));
                            }
                        }
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!("search by what is seen off: {e}"),
                }
                Ok(lists)
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
            for list in text_list?.into_iter().chain(image_list?) {
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
    let notices = if text.is_empty() {
        Vec::new()
    } else {
        notices(lib, &signals).await?
    };
    Ok(SearchResults {
        query_id,
        text: parsed.text,
        date_words: parsed.date_words,
        hits,
        signals,
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
        notices,
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
            let signal = signal_of(v.kind, &v.model_id);
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

/// What is missing from a typed search's answer, in words the user can act on.
async fn notices(lib: &Library, used: &[Signal]) -> Result<Vec<String>, SearchError> {
    let mut out = Vec::new();
    let model_dir = &lib.paths().model_dir;
    if !used.contains(&Signal::TextVector) {
        out.push(format!(
            "text vectors are off (all-MiniLM-L6-v2 not found in {}): matching words only; run scripts/fetch-models.sh, then heimdex index",
            model_dir.display()
        ));
    }
    let untagged = crate::visual::skipped_videos(lib.pool()).await?.len();
    if untagged > 0 {
        out.push(format!(
            "{untagged} video(s) were indexed without the picture model, so what they show is not searchable: {}",
            if heimdex_embed::VisionModel::locate(model_dir).is_some() {
                "run heimdex index to tag them".to_owned()
            } else {
                format!(
                    "run scripts/fetch-models.sh (installs {}), then heimdex index",
                    heimdex_embed::VisionModel::expected_dir(model_dir).display()
                )
            }
        ));
    }
    Ok(out)
}

/// The signal a vector index stands for: text, CLIP (typed words against pictures) or the local
/// classifier's picture vectors ("looks like").
fn signal_of(kind: VectorKind, model_id: &str) -> Signal {
    match kind {
        VectorKind::Text => Signal::TextVector,
        VectorKind::Image if model_id == EFFICIENTNET_LITE0.folder => Signal::Picture,
        VectorKind::Image => Signal::ImageVector,
    }
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
    let signal = signal_of(kind, model_id);
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
    let mut seen = std::collections::HashMap::new();
    let mut captions = std::collections::HashMap::new();
    for k in &keys {
        let tags = crate::visual::tags_for_scene(lib.pool(), &k.video, k.scene).await?;
        seen.insert(k.clone(), seen_tags(&tags, query_text));
        if let Some(c) = crate::captions::for_scene(lib.pool(), &k.video, k.scene).await? {
            captions.insert(k.clone(), c);
        }
    }
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
                    picture: score(f, Signal::Picture),
                    seen: score(f, Signal::Seen),
                },
                seen: seen.remove(&f.key).unwrap_or_default(),
                caption: captions.remove(&f.key),
            })
        })
        .collect())
}

/// Tags shown on a hit: up to 3 classes and 3 broader words, each marked when a query word names
/// it ("cats" names "cat").
pub(crate) fn seen_tags(tags: &[crate::visual::SceneTag], query: &str) -> Vec<super::SeenTag> {
    let words = query_words(query);
    let names = |t: &crate::visual::SceneTag| {
        std::iter::once(&t.label)
            .chain(&t.names)
            .flat_map(|n| query_words(n))
            .collect::<Vec<_>>()
    };
    let mut out: Vec<super::SeenTag> = Vec::new();
    let (mut classes, mut broader) = (0, 0);
    for t in tags {
        let slot = if t.is_class() {
            &mut classes
        } else {
            &mut broader
        };
        if *slot >= 3 {
            continue;
        }
        *slot += 1;
        let own = names(t);
        out.push(super::SeenTag {
            label: t.label.clone(),
            score: t.score,
            kind: t.kind.clone(),
            matched: words.iter().any(|w| own.contains(w)),
        });
    }
    out
}

/// Lower-case words of `text` without a plural `s` and without the words every query has.
fn query_words(text: &str) -> Vec<String> {
    const STOP: [&str; 12] = [
        "a",
        "an",
        "the",
        "of",
        "on",
        "in",
        "with",
        "and",
        "some",
        "someone",
        "something",
        "is",
    ];
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
        .map(|w| {
            if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_owned()
            } else {
                w
            }
        })
        .collect()
}

/// Scenes that look like the picture at `picture`: its picture vector against the scenes' (the
/// main signal), and the words for what it shows (its tags) through BM25 and the text vectors;
/// fused by reciprocal rank. The filters of `req` apply; its query text is ignored.
pub async fn search_image(
    lib: &Library,
    picture: &Path,
    req: &SearchRequest,
) -> Result<SearchResults, SearchError> {
    let started = Instant::now();
    let filter = filter_of(req, None)?;
    let pool = lib.pool();
    let candidates = if filter.is_empty() {
        None
    } else {
        Some(store::candidates(pool, &filter).await?)
    };
    let state = lib.search_state().clone();
    let model_dir = lib.paths().model_dir.clone();
    let path = picture.to_path_buf();
    let analysed = tokio::task::spawn_blocking(move || {
        let model = match state.vision_model(&model_dir) {
            Ok(Some(m)) => m,
            Ok(None) => {
                return Err(SearchError::PictureQuery(format!(
                    "searching by picture needs the picture model ({} not found): run scripts/fetch-models.sh",
                    heimdex_embed::VisionModel::expected_dir(&model_dir).display()
                )))
            }
            Err(e) => return Err(SearchError::PictureQuery(e.to_string())),
        };
        let analysis = model
            .analyze_files(std::slice::from_ref(&path))
            .pop()
            .ok_or_else(|| SearchError::PictureQuery("no answer from the picture model".into()))?
            .map_err(|e| SearchError::PictureQuery(e.to_string()))?;
        let tags: Vec<crate::visual::SceneTag> = model
            .tags(&analysis, &TagPolicy::default())
            .into_iter()
            .map(|t| crate::visual::SceneTag {
                label: t.label,
                score: t.score,
                kind: t.kind.as_str().to_owned(),
                names: Vec::new(),
            })
            .collect();
        Ok((analysis.vector, tags, model.model_id().to_owned()))
    })
    .await
    .map_err(|e| SearchError::Embed(format!("picture task failed: {e}")))??;
    let (vector, tags, model_id) = analysed;
    let words = crate::visual::sidecar_words(&tags);
    let bm25 = match store::fts_query(&words) {
        Some(fts) => store::bm25(pool, &fts, DEPTH, candidates.as_ref()).await?,
        None => Vec::new(),
    };
    let indexes = lib.search_state().indexes(pool).await?;
    let state = lib.search_state().clone();
    let model_dir = lib.paths().model_dir.clone();
    let limit = req.limit.max(1);
    let text = words.clone();
    let (fused, used) = tokio::task::spawn_blocking(move || {
        let guard = indexes
            .read()
            .map_err(|_| SearchError::Embed("vector index lock poisoned".into()))?;
        let empty = heimdex_search::VectorIndexes::new();
        let all = guard.as_ref().unwrap_or(&empty);
        let mut lists = vec![vector_list(
            all,
            VectorKind::Image,
            &model_id,
            &vector,
            candidates.as_ref(),
        )?];
        if !bm25.is_empty() {
            lists.push(RankedList::new(Signal::Bm25, bm25));
        }
        if !text.is_empty() {
            if let Ok(Some(m)) = state.text_embedder(&model_dir) {
                let v = m
                    .embed_one(&text)
                    .map_err(|e| SearchError::Embed(e.to_string()))?;
                lists.push(vector_list(
                    all,
                    VectorKind::Text,
                    m.model_id(),
                    &v,
                    candidates.as_ref(),
                )?);
            }
        }
        let used: Vec<Signal> = lists.iter().map(|l| l.signal).collect();
        Ok::<_, SearchError>((reciprocal_rank_fusion(&lists, RRF_K, limit), used))
    })
    .await
    .map_err(|e| SearchError::Embed(format!("search task failed: {e}")))??;
    let hits = to_hits(lib, &fused, &words).await?;
    Ok(SearchResults {
        query_id: None,
        text: words,
        date_words: None,
        hits,
        signals: used,
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
        notices: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_tags_mark_what_the_query_names() {
        let tag = |l: &str, kind: &str| crate::visual::SceneTag {
            label: l.into(),
            score: 0.5,
            kind: kind.into(),
            names: Vec::new(),
        };
        let tags = vec![
            tag("tabby cat", "class"),
            tag("Egyptian cat", "class"),
            tag("tiger cat", "class"),
            tag("lynx", "class"),
            tag("cat", "hypernym"),
            tag("feline", "hypernym"),
            tag("animal", "hypernym"),
            tag("organism", "hypernym"),
        ];
        let seen = seen_tags(&tags, "some cats");
        let labels: Vec<&str> = seen.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "tabby cat",
                "Egyptian cat",
                "tiger cat",
                "cat",
                "feline",
                "animal"
            ]
        );
        let matched: Vec<&str> = seen
            .iter()
            .filter(|t| t.matched)
            .map(|t| t.label.as_str())
            .collect();
        assert_eq!(
            matched,
            vec!["tabby cat", "Egyptian cat", "tiger cat", "cat"]
        );
        assert!(seen_tags(&tags, "a dog").iter().all(|t| !t.matched));
    }

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
