//! The image embedder contract: images (keyframes) and query texts in one vector space.

use crate::EmbedError;
use std::path::PathBuf;

/// Turns images, and texts that describe images, into vectors of one space (L2 normalised), so that
/// a typed query can be compared with keyframes by cosine.
pub trait ImageEmbedder: Send + Sync {
    /// Stable name of the model, stored next to every vector.
    fn model_id(&self) -> &str;

    /// Number of dimensions of every vector.
    fn dim(&self) -> usize;

    /// One vector per image file, in the same order.
    fn embed_images(&self, paths: &[PathBuf]) -> Result<Vec<Vec<f32>>, EmbedError>;

    /// The vector of a query text, comparable with the image vectors.
    fn embed_query_text(&self, text: &str) -> Result<Vec<f32>, EmbedError>;
}
