//! Team sync: the local outbox, the documents pushed to a shared backend, the `SyncTarget` trait
//! with its Postgres + pgvector and Qdrant implementations, pull, and team search merged with
//! local hits.
//!
//! - `outbox.rs`: the queue (`migrations/local/0005_outbox.sql`; triggers fill it).
//! - `local_docs.rs`: documents built from the library at push time.
//! - `drain.rs`: batched, idempotent pushes with retries and exponential back-off.
//! - `config.rs`: which backend (settings) and its secret (keychain).
//! - `connect.rs`: the configured backend and the signed-in identity.
//! - `pull.rs`: the team's scenes into the local `team_scenes` table.
//! - `merge.rs`: team hits merged with local hits.
//! - `dims.rs`: vector sizes checked before anything is sent.
//! - `postgres.rs`, `qdrant.rs` (feature `qdrant`): the backends.

pub mod account;
pub mod browser;
pub mod config;
pub mod connect;
pub mod dims;
pub mod doc;
pub mod drain;
pub mod error;
pub mod ids;
pub mod local_docs;
pub mod merge;
pub mod outbox;
pub mod postgres;
pub mod pull;
#[cfg(feature = "qdrant")]
pub mod qdrant;
pub mod setup;
pub mod target;

pub use config::{Backend, PushState, SyncConfig};
pub use doc::{Identity, SceneDoc, TeamScene, VideoDoc};
pub use drain::{Drainer, Round};
pub use error::SyncError;
pub use postgres::PgTarget;
pub use target::{SyncTarget, TeamFilter, TeamHit};
