//! Team sync: the documents pushed to a shared backend, the `SyncTarget` trait, and its
//! Postgres + pgvector implementation (Qdrant behind the same trait).

pub mod doc;
pub mod error;
pub mod ids;
pub mod postgres;
pub mod target;

pub use doc::{Identity, SceneDoc, VideoDoc};
pub use error::SyncError;
pub use postgres::PgTarget;
pub use target::{SyncTarget, TeamHit};
