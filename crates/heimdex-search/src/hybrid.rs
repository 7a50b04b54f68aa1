//! One hybrid query over the in-memory indexes: the text-vector and image-vector searches (run side
//! by side on two threads), fused with the BM25 list by reciprocal rank.

use crate::fusion::{reciprocal_rank_fusion, FusedHit, RankedList, Signal, RRF_K};
use crate::index::{Candidates, IndexError, VectorHit};
use crate::indexes::{VectorIndexes, VectorKind};

/// A query vector and the model that made it.
#[derive(Debug, Clone, Copy)]
pub struct QueryVector<'a> {
    pub model_id: &'a str,
    pub vector: &'a [f32],
}

/// Everything one hybrid search needs; absent signals are skipped.
#[derive(Debug, Clone, Copy)]
pub struct HybridQuery<'a> {
    /// Sidecar-text vector of the query (text embedder).
    pub text: Option<QueryVector<'a>>,
    /// CLIP text-tower vector of the query, compared with keyframe vectors.
    pub image: Option<QueryVector<'a>>,
    /// BM25 hits from FTS5, best first (already limited to the candidates).
    pub bm25: Option<&'a RankedList>,
    /// Scenes allowed by the filters; `None` allows all.
    pub candidates: Option<&'a Candidates>,
    /// How deep each signal's list goes before fusion.
    pub depth: usize,
    /// How many fused hits to return.
    pub limit: usize,
}

/// Runs the vector searches and fuses them with BM25.
pub fn hybrid_search(
    indexes: &VectorIndexes,
    q: &HybridQuery<'_>,
) -> Result<Vec<FusedHit>, IndexError> {
    let run =
        |kind: VectorKind, v: Option<QueryVector<'_>>| -> Result<Vec<VectorHit>, IndexError> {
            match v {
                Some(v) => indexes.search(kind, v.model_id, v.vector, q.depth, q.candidates),
                None => Ok(Vec::new()),
            }
        };
    let (text_hits, image_hits) = if q.text.is_some() && q.image.is_some() {
        std::thread::scope(|s| {
            let image = s.spawn(|| run(VectorKind::Image, q.image));
            let text = run(VectorKind::Text, q.text);
            let image = image
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (text, image)
        })
    } else {
        (
            run(VectorKind::Text, q.text),
            run(VectorKind::Image, q.image),
        )
    };
    let mut lists = Vec::with_capacity(3);
    if let Some(bm25) = q.bm25 {
        lists.push(bm25.clone());
    }
    for (signal, hits) in [
        (Signal::TextVector, text_hits?),
        (Signal::ImageVector, image_hits?),
    ] {
        if !hits.is_empty() {
            lists.push(RankedList::new(
                signal,
                hits.into_iter().map(|h| (h.key, h.score)).collect(),
            ));
        }
    }
    Ok(reciprocal_rank_fusion(&lists, RRF_K, q.limit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SceneKey;
    use heimdex_core::VideoId;

    fn key(s: u32) -> SceneKey {
        SceneKey::new(VideoId("v".into()), s)
    }

    #[test]
    fn fuses_all_three_signals() {
        let mut idx = VectorIndexes::new();
        for s in 0..4u32 {
            let t = [1.0, s as f32 * 0.3];
            let i = [s as f32 * 0.3, 1.0, 0.0];
            idx.upsert(VectorKind::Text, "minilm", key(s), &t)
                .expect("ok");
            idx.upsert(VectorKind::Image, "clip", key(s), &i)
                .expect("ok");
        }
        let bm25 = RankedList::new(Signal::Bm25, vec![(key(3), 7.5), (key(1), 2.0)]);
        let q = HybridQuery {
            text: Some(QueryVector {
                model_id: "minilm",
                vector: &[1.0, 0.0],
            }),
            image: Some(QueryVector {
                model_id: "clip",
                vector: &[1.0, 0.0, 0.0],
            }),
            bm25: Some(&bm25),
            candidates: None,
            depth: 10,
            limit: 3,
        };
        let hits = hybrid_search(&idx, &q).expect("search");
        assert_eq!(hits.len(), 3);
        // Scene 3 is first by BM25 and by image; scene 0 first by text only.
        assert_eq!(hits[0].key, key(3));
        assert_eq!(hits[0].signals.len(), 3);
        let image = hits[0].signal(Signal::ImageVector).expect("image signal");
        assert_eq!(image.rank, 1);
    }

    #[test]
    fn missing_signals_and_filters() {
        let mut idx = VectorIndexes::new();
        for s in 0..3u32 {
            idx.upsert(VectorKind::Text, "m", key(s), &[1.0, s as f32])
                .expect("ok");
        }
        let only: Candidates = [key(2)].into_iter().collect();
        let q = HybridQuery {
            text: Some(QueryVector {
                model_id: "m",
                vector: &[1.0, 0.0],
            }),
            image: None,
            bm25: None,
            candidates: Some(&only),
            depth: 10,
            limit: 10,
        };
        let hits = hybrid_search(&idx, &q).expect("search");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].key, key(2));
        assert!(hits[0].signal(Signal::TextVector).is_some());
    }
}
