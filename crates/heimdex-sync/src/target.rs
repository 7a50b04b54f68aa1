//! One trait for every team backend.

use crate::doc::{Identity, SceneDoc, TeamScene, VideoDoc};
use crate::error::SyncError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a team search may be narrowed to (all `None`: everything the user may see).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamFilter {
    /// One video.
    pub video: Option<Uuid>,
    /// Scenes pushed by this user.
    pub owner: Option<Uuid>,
    /// Videos of this day or later / before this day (seconds since the epoch, see
    /// [`VideoDoc::created_at`](crate::doc::VideoDoc::created_at)).
    pub from: Option<f64>,
    pub until: Option<f64>,
}

impl TeamFilter {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A scene found in the team backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamHit {
    pub scene_id: Uuid,
    pub video_id: Uuid,
    pub file_name: String,
    pub scene_index: i32,
    pub start_secs: f64,
    pub end_secs: f64,
    pub combined_text: String,
    pub similarity: f64,
}

#[async_trait::async_trait]
pub trait SyncTarget: Send + Sync {
    /// `postgres` or `qdrant`, for status lines.
    fn kind(&self) -> &'static str;
    /// Dimensions the backend stores for (text, image) vectors; other vectors are not pushed.
    fn dims(&self) -> (usize, usize);
    /// Inserts or replaces videos and their scenes (idempotent: keyed by the stable ids).
    async fn upsert(
        &self,
        who: &Identity,
        videos: &[VideoDoc],
        scenes: &[SceneDoc],
    ) -> Result<(), SyncError>;
    /// Deletes videos (and their scenes) by id.
    async fn delete_videos(&self, who: &Identity, videos: &[Uuid]) -> Result<(), SyncError>;
    /// Nearest scenes to a text vector of `model`, among those `who` may see.
    async fn search_text(
        &self,
        who: &Identity,
        model: &str,
        vector: &[f32],
        limit: usize,
    ) -> Result<Vec<TeamHit>, SyncError> {
        self.search_filtered(who, model, vector, limit, &TeamFilter::default())
            .await
    }
    /// As [`search_text`](Self::search_text), among the scenes `filter` lets through.
    async fn search_filtered(
        &self,
        who: &Identity,
        model: &str,
        vector: &[f32],
        limit: usize,
        filter: &TeamFilter,
    ) -> Result<Vec<TeamHit>, SyncError>;
    /// Scenes `who` may see, ordered by id, after `after` (keyset paging), at most `limit`.
    async fn list_scenes(
        &self,
        who: &Identity,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<TeamScene>, SyncError>;
    /// The thumbnails (JPEG bytes) of those of `scenes` that `who` may see and that have one.
    async fn thumbnails(
        &self,
        who: &Identity,
        scenes: &[Uuid],
    ) -> Result<Vec<(Uuid, Vec<u8>)>, SyncError>;
    /// Moves up to `max` pushed scenes that are not in the backend's vector index yet (searched
    /// exactly meanwhile) into it; returns how many it moved. Backends that index on their own
    /// (Qdrant) have nothing to do.
    async fn index_fresh(&self, _who: &Identity, _max: usize) -> Result<u64, SyncError> {
        Ok(0)
    }
    /// How many pushed scenes wait for the vector index.
    async fn fresh_count(&self, _who: &Identity) -> Result<u64, SyncError> {
        Ok(0)
    }
}
