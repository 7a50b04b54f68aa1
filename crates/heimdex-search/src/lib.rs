//! Search building blocks, pure and in memory: the vector indexes (exact cosine, and a 1-bit scan
//! with exact re-ranking for large ones, behind one trait), reciprocal-rank fusion of the ranked
//! lists, query parsing (dates typed in the query), the scene sidecar text, and highlights of
//! matched words.

pub mod dot;
pub mod exact;
pub mod fusion;
pub mod highlight;
pub mod hybrid;
pub mod index;
pub mod indexes;
pub mod key;
pub mod quant;
pub mod query;
pub mod sidecar;
pub mod topk;

pub use exact::ExactIndex;
pub use fusion::{reciprocal_rank_fusion, FusedHit, RankedList, Signal, SignalScore, RRF_K};
pub use highlight::{highlight, Span};
pub use hybrid::{hybrid_search, HybridQuery, QueryVector};
pub use index::{Candidates, IndexError, VectorHit, VectorIndex};
pub use indexes::{VectorIndexes, VectorKind};
pub use key::SceneKey;
pub use quant::QuantIndex;
pub use query::{parse_query, DateRange, ParsedQuery};
pub use sidecar::{build_sidecar, SidecarParts};
