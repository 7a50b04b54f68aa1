//! The vector index contract: exact ([`crate::ExactIndex`]) or a 1-bit scan with exact re-ranking
//! ([`crate::QuantIndex`], what [`crate::VectorIndexes`] creates).

use crate::SceneKey;
use heimdex_core::VideoId;
use std::collections::HashSet;

/// Scenes a search may return (from the other filters: video, dates, duration, speech).
pub type Candidates = HashSet<SceneKey>;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IndexError {
    #[error("vector for {key} has {got} dimensions, the {model} index holds {expected}")]
    WrongDim {
        key: String,
        model: String,
        expected: usize,
        got: usize,
    },
    #[error("query has {got} dimensions, the {model} index holds {expected}")]
    WrongQueryDim {
        model: String,
        expected: usize,
        got: usize,
    },
    #[error("vector for {key} contains NaN or infinity")]
    NotFinite { key: String },
}

/// One scene found by a vector search, with its cosine similarity to the query.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorHit {
    pub key: SceneKey,
    pub score: f32,
}

/// Vectors of ONE model, one per scene; cosine search over them.
pub trait VectorIndex: Send + Sync {
    /// The model whose vectors this index holds.
    fn model_id(&self) -> &str;

    /// Dimensions of every vector.
    fn dim(&self) -> usize;

    /// Number of scenes held.
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds or replaces the vector of `key` (normalised on the way in).
    fn upsert(&mut self, key: SceneKey, vector: &[f32]) -> Result<(), IndexError>;

    /// Removes `key`; whether it was there.
    fn remove(&mut self, key: &SceneKey) -> bool;

    /// Removes every scene of `video` (re-indexed or deleted); how many were removed.
    fn remove_video(&mut self, video: &VideoId) -> usize;

    /// The stored (normalised) vector of `key`, for "more like this".
    fn vector(&self, key: &SceneKey) -> Option<&[f32]>;

    /// The `k` scenes most similar to `query`, best first, limited to `filter` when given.
    fn search(
        &self,
        query: &[f32],
        k: usize,
        filter: Option<&Candidates>,
    ) -> Result<Vec<VectorHit>, IndexError>;
}
