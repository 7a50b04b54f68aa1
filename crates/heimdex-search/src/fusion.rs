//! Reciprocal-rank fusion: each ranked list gives a scene `1 / (k + rank)`; the sums order the hits.
//! Scores of different signals (BM25, cosines) are not comparable, ranks are.

use crate::SceneKey;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The usual constant of reciprocal-rank fusion (Cormack et al.).
pub const RRF_K: f64 = 60.0;

/// Where a ranked list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// FTS5 BM25 over the sidecar text.
    Bm25,
    /// Cosine of the query's text vector with the scene's sidecar-text vector.
    TextVector,
    /// Cosine of the query's CLIP text vector with the scene's keyframe vector.
    ImageVector,
    /// Cosine of a picture's vector (a query picture, or a scene's own) with the scene's picture
    /// vector from the local classifier: "looks like this".
    Picture,
    /// The query's text vector against the picture model's classes, weighted by how likely each
    /// scene's pictures show them: "what is seen, by meaning".
    Seen,
}

/// One signal's ranked list, best first, with that signal's own scores.
#[derive(Debug, Clone)]
pub struct RankedList {
    pub signal: Signal,
    pub hits: Vec<(SceneKey, f32)>,
    /// For scores that measure the same thing on one scale for every scene (probabilities): the
    /// score at which a hit counts fully. A hit counts `score / max(best, full_at)` of its rank's
    /// share, so one far below the list's best, or a whole list of weak evidence, counts for less
    /// than its rank alone says. `None`: ranks only.
    pub full_at: Option<f32>,
}

impl RankedList {
    pub fn new(signal: Signal, hits: Vec<(SceneKey, f32)>) -> Self {
        Self {
            signal,
            hits,
            full_at: None,
        }
    }

    /// A list whose scores are comparable between scenes (how likely the scene shows what the
    /// query means): each hit's reciprocal rank is scaled by its score over the list's best, or
    /// over `full_at` when the best is below it. A scene the model gives 1 % next to one it gives
    /// 70 % is not a near tie, and when no scene reaches `full_at` (the model sees nothing the
    /// query names) the whole list counts for little instead of ranking noise.
    pub fn scaled(signal: Signal, hits: Vec<(SceneKey, f32)>, full_at: f32) -> Self {
        Self {
            signal,
            hits,
            full_at: Some(full_at),
        }
    }
}

/// What one signal said about a hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalScore {
    pub signal: Signal,
    /// 1-based rank in that signal's list.
    pub rank: usize,
    /// The signal's own score (BM25 as given, cosine).
    pub score: f32,
    /// This signal's share of the fused score: `1 / (k + rank)`, times `score / best` for a
    /// [scaled](RankedList::scaled) list.
    pub contribution: f64,
}

/// A fused hit: the scene, its fused score and the breakdown by signal (in [`Signal`] order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FusedHit {
    pub key: SceneKey,
    pub score: f64,
    pub signals: Vec<SignalScore>,
}

impl FusedHit {
    /// The breakdown entry of `signal`, if that signal found the scene.
    pub fn signal(&self, signal: Signal) -> Option<&SignalScore> {
        self.signals.iter().find(|s| s.signal == signal)
    }
}

/// Fuses `lists` with constant `k` and returns the best `limit` hits. A scene listed twice in one
/// list counts once, at its best rank. Ties: more signals first, then scene order (stable output).
pub fn reciprocal_rank_fusion(lists: &[RankedList], k: f64, limit: usize) -> Vec<FusedHit> {
    let mut by_key: HashMap<&SceneKey, FusedHit> = HashMap::new();
    for list in lists {
        let best = list.hits.iter().map(|(_, s)| *s).fold(0.0f32, f32::max);
        let full = list.full_at.map(|f| best.max(f));
        for (i, (key, score)) in list.hits.iter().enumerate() {
            let hit = by_key.entry(key).or_insert_with(|| FusedHit {
                key: key.clone(),
                score: 0.0,
                signals: Vec::new(),
            });
            if hit.signal(list.signal).is_some() {
                continue;
            }
            let rank = i + 1;
            let share = match full {
                Some(full) if full > 0.0 => f64::from((score / full).clamp(0.0, 1.0)),
                _ => 1.0,
            };
            let contribution = share / (k + rank as f64);
            hit.score += contribution;
            hit.signals.push(SignalScore {
                signal: list.signal,
                rank,
                score: *score,
                contribution,
            });
        }
    }
    let mut hits: Vec<FusedHit> = by_key.into_values().collect();
    for h in &mut hits {
        h.signals.sort_by_key(|s| s.signal);
    }
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.signals.len().cmp(&a.signals.len()))
            .then(a.key.cmp(&b.key))
    });
    hits.truncate(limit);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use heimdex_core::VideoId;

    fn key(s: u32) -> SceneKey {
        SceneKey::new(VideoId("v".into()), s)
    }

    fn list(signal: Signal, scenes: &[u32]) -> RankedList {
        RankedList::new(
            signal,
            scenes
                .iter()
                .enumerate()
                .map(|(i, &s)| (key(s), 1.0 - i as f32 * 0.1))
                .collect(),
        )
    }

    #[test]
    fn agreement_beats_a_single_first_place() {
        let lists = [
            list(Signal::Bm25, &[1, 2, 3]),
            list(Signal::TextVector, &[2, 3, 1]),
            list(Signal::ImageVector, &[2, 9]),
        ];
        let fused = reciprocal_rank_fusion(&lists, RRF_K, 10);
        assert_eq!(fused[0].key, key(2));
        let expected = 1.0 / 62.0 + 1.0 / 61.0 + 1.0 / 61.0;
        assert!((fused[0].score - expected).abs() < 1e-12);
        let bm25 = fused[0].signal(Signal::Bm25).expect("bm25 found it");
        assert_eq!(bm25.rank, 2);
        assert!((bm25.score - 0.9).abs() < 1e-6);
        assert_eq!(fused[0].signals.len(), 3);
        // scene 9 is only in one list, at rank 2: last.
        assert_eq!(fused.last().map(|h| h.key.clone()), Some(key(9)));
        assert_eq!(fused.len(), 4);
    }

    #[test]
    fn limit_and_duplicates() {
        let lists = [list(Signal::Bm25, &[1, 1, 2])];
        let fused = reciprocal_rank_fusion(&lists, RRF_K, 1);
        assert_eq!(fused.len(), 1);
        assert_eq!(fused[0].signals.len(), 1);
        assert!(reciprocal_rank_fusion(&[], RRF_K, 5).is_empty());
    }

    #[test]
    fn a_scaled_list_counts_a_weak_hit_for_less_than_its_rank() {
        // The text list puts scene 2 first and scene 1 third, the seen list scene 1 at 0.70 and
        // scene 2 at 0.01: by rank alone scene 2 wins, by how much the picture shows it, 1 does.
        let text = list(Signal::TextVector, &[2, 3, 1]);
        let seen = |scaled: bool| {
            let hits = vec![(key(1), 0.70), (key(2), 0.01)];
            if scaled {
                RankedList::scaled(Signal::Seen, hits, 0.2)
            } else {
                RankedList::new(Signal::Seen, hits)
            }
        };
        let by_rank = reciprocal_rank_fusion(&[text.clone(), seen(false)], RRF_K, 10);
        assert_eq!(by_rank[0].key, key(2));
        let scaled = reciprocal_rank_fusion(&[text, seen(true)], RRF_K, 10);
        assert_eq!(scaled[0].key, key(1));
        assert_eq!(scaled[1].key, key(2));
        let weak = scaled[1].signal(Signal::Seen).expect("seen found it");
        assert!((weak.contribution - (0.01 / 0.70) / 62.0).abs() < 1e-9);
    }

    #[test]
    fn a_list_of_weak_evidence_counts_for_little_whatever_its_ranks() {
        // Nothing in the library shows what the query names (best 0.3 %): the seen list's first
        // place must not outweigh a text match, as it would if scaled by its own best alone.
        let text = list(Signal::TextVector, &[2, 1]);
        let seen = RankedList::scaled(Signal::Seen, vec![(key(1), 0.003), (key(2), 0.001)], 0.2);
        let fused = reciprocal_rank_fusion(&[text, seen], RRF_K, 10);
        assert_eq!(fused[0].key, key(2));
        let weak = fused[1].signal(Signal::Seen).expect("seen found it");
        assert!((weak.contribution - (0.003 / 0.2) / 61.0).abs() < 1e-9);
    }

    #[test]
    fn ties_are_broken_deterministically() {
        let lists = [list(Signal::Bm25, &[5]), list(Signal::TextVector, &[4])];
        let fused = reciprocal_rank_fusion(&lists, RRF_K, 10);
        assert_eq!(fused[0].key, key(4));
        assert_eq!(fused[1].key, key(5));
    }
}
