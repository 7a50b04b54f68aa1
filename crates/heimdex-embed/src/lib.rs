//! Embedders for search: text (sidecar text and queries) and images (keyframes).
//!
//! The traits [`TextEmbedder`] and [`ImageEmbedder`] are what the rest of Heimdex uses. The `local`
//! feature (on by default) adds models that run on the CPU with candle:
//! [`MiniLmEmbedder`] (all-MiniLM-L6-v2, 384 dimensions) and [`ClipEmbedder`] (CLIP ViT-B/32,
//! images and query text in one 512-dimension space). Every vector they return is L2 normalised,
//! so a dot product is a cosine.

pub mod error;
pub mod image_embedder;
pub mod locate;
pub mod testing;
pub mod text_embedder;
pub mod vector;

#[cfg(feature = "local")]
pub mod local;

pub use error::EmbedError;
pub use image_embedder::ImageEmbedder;
pub use text_embedder::TextEmbedder;

#[cfg(feature = "local")]
pub use local::clip::ClipEmbedder;
#[cfg(feature = "local")]
pub use local::minilm::MiniLmEmbedder;
#[cfg(feature = "local")]
pub use local::vision::VisionModel;
