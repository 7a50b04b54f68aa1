//! The text embedder contract.

use crate::EmbedError;

/// Turns texts into vectors that can be compared by cosine (every vector is L2 normalised).
pub trait TextEmbedder: Send + Sync {
    /// Stable name of the model, stored next to every vector so that vectors of different models
    /// are never compared (e.g. `sentence-transformers/all-MiniLM-L6-v2`).
    fn model_id(&self) -> &str;

    /// Number of dimensions of every vector.
    fn dim(&self) -> usize;

    /// One vector per text, in the same order.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError>;

    /// The vector of one text (a query).
    fn embed_one(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        self.embed(&[text])?
            .pop()
            .ok_or_else(|| EmbedError::Inference("no vector returned for one text".into()))
    }
}
