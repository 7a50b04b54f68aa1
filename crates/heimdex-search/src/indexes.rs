//! All vector indexes of a library: one per (kind, model), so vectors of different models are never
//! compared with each other.

use crate::index::{Candidates, IndexError, VectorHit, VectorIndex};
use crate::quant::QuantIndex;
use crate::SceneKey;
use heimdex_core::VideoId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a vector was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VectorKind {
    /// The scene's sidecar text (text embedder).
    Text,
    /// The scene's keyframe (image embedder).
    Image,
}

impl VectorKind {
    /// The name stored in the database (`text`, `image`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
        }
    }
}

/// Indexes by kind and model id.
#[derive(Default)]
pub struct VectorIndexes {
    indexes: BTreeMap<(VectorKind, String), Box<dyn VectorIndex>>,
}

impl VectorIndexes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores the vector of `key` in the (kind, model) index, creating its index on first use
    /// (a [`QuantIndex`]: exact below 20k vectors, a 1-bit scan with exact re-ranking above).
    pub fn upsert(
        &mut self,
        kind: VectorKind,
        model_id: &str,
        key: SceneKey,
        vector: &[f32],
    ) -> Result<(), IndexError> {
        self.indexes
            .entry((kind, model_id.to_string()))
            .or_insert_with(|| Box::new(QuantIndex::new(model_id, vector.len())))
            .upsert(key, vector)
    }

    /// Puts a ready index (e.g. an ANN index) in place for its model.
    pub fn insert_index(&mut self, kind: VectorKind, index: Box<dyn VectorIndex>) {
        self.indexes
            .insert((kind, index.model_id().to_string()), index);
    }

    pub fn get(&self, kind: VectorKind, model_id: &str) -> Option<&dyn VectorIndex> {
        self.indexes
            .get(&(kind, model_id.to_string()))
            .map(|b| b.as_ref())
    }

    /// Drops every vector of `video` in every index.
    pub fn remove_video(&mut self, video: &VideoId) -> usize {
        self.indexes
            .values_mut()
            .map(|idx| idx.remove_video(video))
            .sum()
    }

    /// Search in the index of `model_id` only; no index for it means no hits.
    pub fn search(
        &self,
        kind: VectorKind,
        model_id: &str,
        query: &[f32],
        k: usize,
        filter: Option<&Candidates>,
    ) -> Result<Vec<VectorHit>, IndexError> {
        match self.get(kind, model_id) {
            Some(idx) => idx.search(query, k, filter),
            None => Ok(Vec::new()),
        }
    }

    /// "More like this": the scenes nearest to `key`'s own vector (without `key` itself).
    pub fn similar(
        &self,
        kind: VectorKind,
        model_id: &str,
        key: &SceneKey,
        k: usize,
        filter: Option<&Candidates>,
    ) -> Result<Vec<VectorHit>, IndexError> {
        let Some(idx) = self.get(kind, model_id) else {
            return Ok(Vec::new());
        };
        let Some(query) = idx.vector(key) else {
            return Ok(Vec::new());
        };
        let mut hits = idx.search(query, k + 1, filter)?;
        hits.retain(|h| &h.key != key);
        hits.truncate(k);
        Ok(hits)
    }

    /// (kind, model id, count) of every index.
    pub fn summary(&self) -> Vec<(VectorKind, String, usize)> {
        self.indexes
            .iter()
            .map(|((kind, model), idx)| (*kind, model.clone(), idx.len()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: u32) -> SceneKey {
        SceneKey::new(VideoId("v".into()), s)
    }

    #[test]
    fn models_are_never_mixed() {
        let mut all = VectorIndexes::new();
        all.upsert(VectorKind::Text, "minilm", key(0), &[1.0, 0.0])
            .expect("ok");
        all.upsert(VectorKind::Text, "other", key(1), &[1.0, 0.0, 0.0])
            .expect("ok");
        all.upsert(VectorKind::Image, "clip", key(2), &[1.0, 0.0])
            .expect("ok");
        let hits = all
            .search(VectorKind::Text, "minilm", &[1.0, 0.0], 10, None)
            .expect("search");
        assert_eq!(
            hits.iter().map(|h| h.key.scene).collect::<Vec<_>>(),
            vec![0]
        );
        assert!(all
            .search(VectorKind::Text, "unknown", &[1.0, 0.0], 10, None)
            .expect("search")
            .is_empty());
        // A vector of the wrong size for its model is refused, not mixed in.
        assert!(all
            .upsert(VectorKind::Text, "minilm", key(3), &[1.0, 0.0, 0.0])
            .is_err());
        assert_eq!(all.summary().len(), 3);
        assert_eq!(all.remove_video(&VideoId("v".into())), 3);
    }

    #[test]
    fn more_like_this_skips_the_scene_itself() {
        let mut all = VectorIndexes::new();
        for (i, v) in [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]].iter().enumerate() {
            all.upsert(VectorKind::Image, "clip", key(i as u32), v)
                .expect("ok");
        }
        let hits = all
            .similar(VectorKind::Image, "clip", &key(0), 1, None)
            .expect("similar");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].key, key(1));
    }
}
