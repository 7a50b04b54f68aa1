//! Search building blocks, pure and in memory: the vector index (exact cosine, behind a trait so an
//! ANN index can replace it), reciprocal-rank fusion of the ranked lists, query parsing (dates typed
//! in the query), the scene sidecar text, and highlights of matched words.

pub mod dot;
pub mod exact;
pub mod fusion;
pub mod highlight;
pub mod hybrid;
pub mod index;
pub mod indexes;
pub mod key;
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
pub use query::{parse_query, DateRange, ParsedQuery};
pub use sidecar::{build_sidecar, SidecarParts};
