//! The search state of one open library, shared by every clone of it: the embedders (loaded on
//! first use) and the in-memory vector indexes (loaded lazily from `scene_vectors`, then kept up to
//! date by the embed stage and by removals).

use super::seen::{ClassVectors, SeenIndex};
use super::store;
use heimdex_core::VideoId;
use heimdex_embed::{ClipEmbedder, EmbedError, MiniLmEmbedder, VisionModel};
use heimdex_search::{SceneKey, VectorIndexes, VectorKind};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
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
    class_vectors: Mutex<Option<Arc<ClassVectors>>>,
    /// The likeliest classes of every scene; `None` until the first search loads them.
    seen: Arc<RwLock<Option<SeenIndex>>>,
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

    /// The text vectors of the picture model's classes (for "what is seen, by meaning"), computed
    /// once with the text model and kept in `cache_dir`; `None` unless both models are installed.
    /// Blocking; the first call without a saved copy embeds about 2500 short phrases (a few seconds).
    pub fn class_vectors(
        &self,
        model_dir: &Path,
        cache_dir: &Path,
    ) -> Result<Option<Arc<ClassVectors>>, EmbedError> {
        if let Some(cv) = self
            .class_vectors
            .lock()
            .map_err(|_| EmbedError::Inference("class vector lock poisoned".into()))?
            .as_ref()
        {
            return Ok(Some(cv.clone()));
        }
        let (Some(text), Some(vision)) = (
            self.text_embedder(model_dir)?,
            self.vision_model(model_dir)?,
        ) else {
            return Ok(None);
        };
        use heimdex_embed::TextEmbedder;
        let phrases = vision.labels().class_phrases();
        let mut hasher = blake3::Hasher::new();
        hasher.update(text.model_id().as_bytes());
        hasher.update(vision.model_id().as_bytes());
        for (c, t) in &phrases {
            hasher.update(&c.to_le_bytes());
            hasher.update(t.as_bytes());
            hasher.update(b"\n");
        }
        let hash = hasher.finalize();
        let key: [u8; 32] = *hash.as_bytes();
        // Beside the picture model, so that every library on the machine shares them (they depend
        // on the two models only); in the library's cache where the model folder is read-only.
        let name = format!("class-vectors-{}.bin", &hash.to_hex()[..16]);
        let places: Vec<PathBuf> = VisionModel::locate(model_dir)
            .map(|d| d.join(&name))
            .into_iter()
            .chain(std::iter::once(cache_dir.join("vision").join(&name)))
            .collect();
        let cv = match places.iter().find_map(|p| ClassVectors::load(p, &key)) {
            Some(cv) => cv,
            None => {
                let refs: Vec<&str> = phrases.iter().map(|(_, t)| t.as_str()).collect();
                let mut vectors = Vec::with_capacity(refs.len() * text.dim());
                for chunk in refs.chunks(256) {
                    vectors.extend(text.embed(chunk)?.into_iter().flatten());
                }
                let owners = phrases.iter().map(|(c, _)| *c).collect();
                let cv = ClassVectors::new(text.dim(), owners, vectors);
                let mut errors = Vec::new();
                let saved = places.iter().any(|p| match cv.save(p, &key) {
                    Ok(()) => true,
                    Err(e) => {
                        errors.push(format!("{}: {e}", p.display()));
                        false
                    }
                });
                if !saved {
                    tracing::warn!("class vectors not saved: {}", errors.join("; "));
                }
                cv
            }
        };
        let cv = Arc::new(cv);
        if let Ok(mut slot) = self.class_vectors.lock() {
            *slot = Some(cv.clone());
        }
        Ok(Some(cv))
    }

    /// The scenes' likeliest classes, loading them from the database on first use.
    pub async fn seen(
        &self,
        pool: &SqlitePool,
    ) -> Result<Arc<RwLock<Option<SeenIndex>>>, crate::LibraryError> {
        let loaded = self.seen.read().map(|s| s.is_some()).unwrap_or(false);
        if !loaded {
            let _guard = self.load.lock().await;
            if !self.seen.read().map(|s| s.is_some()).unwrap_or(false) {
                let mut idx = SeenIndex::default();
                for (video, scene, _, classes) in crate::visual::classes(pool, None).await? {
                    idx.insert(heimdex_search::SceneKey::new(video, scene), classes);
                }
                if let Ok(mut slot) = self.seen.write() {
                    *slot = Some(idx);
                }
            }
        }
        Ok(self.seen.clone())
    }

    /// Replaces the classes of `video`'s scenes (after the embed stage). Does nothing before the
    /// first search loads them.
    pub async fn replace_seen(&self, video: &VideoId, scenes: Vec<(u32, Vec<(u16, f32)>)>) {
        let _guard = self.load.lock().await;
        if let Ok(mut slot) = self.seen.write() {
            if let Some(idx) = slot.as_mut() {
                idx.remove_video(video);
                for (scene, classes) in scenes {
                    idx.insert(heimdex_search::SceneKey::new(video.clone(), scene), classes);
                }
            }
        }
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
        self.replace_seen(video, Vec::new()).await;
    }
}
