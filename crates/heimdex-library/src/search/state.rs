//! The search state of one open library, shared by every clone of it: the embedders (loaded on
//! first use) and the in-memory vector indexes (loaded lazily from `scene_vectors`, then kept up to
//! date by the embed stage and by removals).

use super::store;
use heimdex_core::VideoId;
use heimdex_embed::{ClipEmbedder, EmbedError, MiniLmEmbedder, VisionModel};
use heimdex_search::{SceneKey, VectorIndexes, VectorKind};
use sqlx::SqlitePool;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

/// A vector of one scene, ready for the index.
#[derive(Debug, Clone)]
pub struct StoredVector {
    pub key: SceneKey,
    pub kind: VectorKind,
    pub model_id: String,
    pub vector: Vec<f32>,
}

#[derive(Default)]
pub struct SearchState {
    text_model: Mutex<Option<Arc<MiniLmEmbedder>>>,
    image_model: Mutex<Option<Arc<ClipEmbedder>>>,
    vision_model: Mutex<Option<Arc<VisionModel>>>,
    /// `None` until the first search loads them.
    indexes: Arc<RwLock<Option<VectorIndexes>>>,
    /// Held while the indexes load, and by updates, so none is lost between the read and the swap.
    load: tokio::sync::Mutex<()>,
}

impl SearchState {
    /// all-MiniLM-L6-v2, loaded on first use; `None` when it is not installed. Blocking.
    pub fn text_embedder(
        &self,
        model_dir: &Path,
    ) -> Result<Option<Arc<MiniLmEmbedder>>, EmbedError> {
        let mut slot = self
            .text_model
            .lock()
            .map_err(|_| EmbedError::Inference("text model lock poisoned".into()))?;
        if let Some(m) = slot.as_ref() {
            return Ok(Some(m.clone()));
        }
        if MiniLmEmbedder::locate(model_dir).is_none() {
            return Ok(None);
        }
        let model = Arc::new(MiniLmEmbedder::from_model_dir(model_dir)?);
        *slot = Some(model.clone());
        Ok(Some(model))
    }

    /// CLIP, loaded on first use; `None` unless real CLIP weights are in the model directory.
    /// Blocking.
    pub fn image_embedder(
        &self,
        model_dir: &Path,
    ) -> Result<Option<Arc<ClipEmbedder>>, EmbedError> {
        let mut slot = self
            .image_model
            .lock()
            .map_err(|_| EmbedError::Inference("image model lock poisoned".into()))?;
        if let Some(m) = slot.as_ref() {
            return Ok(Some(m.clone()));
        }
        if !ClipEmbedder::available(model_dir) {
            return Ok(None);
        }
        let model = Arc::new(ClipEmbedder::from_model_dir(model_dir)?);
        *slot = Some(model.clone());
        Ok(Some(model))
    }

    /// EfficientNet-Lite0 with its labels (tags and picture vectors), loaded on first use; `None`
    /// when it is not installed. Blocking.
    pub fn vision_model(&self, model_dir: &Path) -> Result<Option<Arc<VisionModel>>, EmbedError> {
        let mut slot = self
            .vision_model
            .lock()
            .map_err(|_| EmbedError::Inference("vision model lock poisoned".into()))?;
        if let Some(m) = slot.as_ref() {
            return Ok(Some(m.clone()));
        }
        if VisionModel::locate(model_dir).is_none() {
            return Ok(None);
        }
        let model = Arc::new(VisionModel::from_model_dir(model_dir)?);
        *slot = Some(model.clone());
        Ok(Some(model))
    }

    /// The indexes, loading them from the database on first use.
    pub async fn indexes(
        &self,
        pool: &SqlitePool,
    ) -> Result<Arc<RwLock<Option<VectorIndexes>>>, sqlx::Error> {
        if self.is_loaded() {
            return Ok(self.indexes.clone());
        }
        let _guard = self.load.lock().await;
        if !self.is_loaded() {
            let loaded = store::load_indexes(pool).await?;
            if let Ok(mut slot) = self.indexes.write() {
                *slot = Some(loaded);
            }
        }
        Ok(self.indexes.clone())
    }

    fn is_loaded(&self) -> bool {
        self.indexes.read().map(|s| s.is_some()).unwrap_or(false)
    }

    /// Replaces the vectors of `video` (after the embed stage committed them). Does nothing while
    /// the indexes are not loaded: the first search reads them from the database.
    pub async fn replace_video(&self, video: &VideoId, vectors: &[StoredVector]) {
        let _guard = self.load.lock().await;
        let Ok(mut slot) = self.indexes.write() else {
            return;
        };
        if let Some(indexes) = slot.as_mut() {
            indexes.remove_video(video);
            for v in vectors {
                if let Err(e) = indexes.upsert(v.kind, &v.model_id, v.key.clone(), &v.vector) {
                    tracing::warn!("vector of {} not indexed: {e}", v.key);
                }
            }
        }
    }

    /// Drops every vector of a removed video.
    pub async fn remove_video(&self, video: &VideoId) {
        self.replace_video(video, &[]).await;
    }
}
