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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Library;
    use heimdex_core::DataPaths;
    use heimdex_search::{ExactIndex, VectorIndex};
    use std::io::BufRead;

    const MODEL: &str = "test/minilm-shaped";
    const DIM: usize = 384;
    const SCENES: u32 = 40;
    const CHILD_ENV: &str = "HEIMDEX_TEST_KILL9_LIBRARY";
    const TEST_NAME: &str = "search::state::tests::vector_index_is_rebuilt_after_kill_9";

    /// Sentence-embedding-shaped vectors: a common direction, 50 topics, noise.
    fn vector(video: u32, scene: u32) -> Vec<f32> {
        let mut s =
            (u64::from(video) << 32 | u64::from(scene)).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut rnd = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let topic = (video * 7 + scene / 10) % 50;
        (0..DIM)
            .map(|d| {
                let common = ((d * 31 % 17) as f32 - 8.0) / 8.0;
                let h = (d as u32 + 1)
                    .wrapping_mul(topic + 3)
                    .wrapping_mul(2_654_435_761);
                let t = (h >> 16 & 0xff) as f32 / 128.0 - 1.0;
                0.8 * common + t + 0.6 * rnd()
            })
            .collect()
    }

    fn video_id(v: u32) -> VideoId {
        VideoId(format!("{v:016x}"))
    }

    /// The child: imports videos one transaction at a time, keeping the loaded index up to date as
    /// the embed stage does, and says after each commit how many videos are in; killed by the parent.
    async fn child(dir: &Path) {
        let lib = Library::open(DataPaths::under(dir)).await.expect("opens");
        let state = lib.search_state().clone();
        for v in 0.. {
            let id = video_id(v);
            sqlx::query(
                "INSERT INTO videos (id, content_hash, path, file_name, size_bytes, duration_secs, \
                 width, height, fps, rotation, video_codec, has_audio, info_json, imported_at, \
                 updated_at) VALUES (?, ?, ?, 'v.mp4', 1, 30, 64, 64, 25, 0, 'h264', 1, '{}', 0, 0)",
            )
            .bind(id.as_str())
            .bind(id.as_str())
            .bind(format!("/{}.mp4", id.as_str()))
            .execute(lib.pool())
            .await
            .expect("video row");
            let vectors: Vec<StoredVector> = (0..SCENES)
                .map(|s| StoredVector {
                    key: SceneKey::new(id.clone(), s),
                    kind: VectorKind::Text,
                    model_id: MODEL.into(),
                    vector: vector(v, s),
                })
                .collect();
            store::replace_video(lib.pool(), &id, &[], &vectors)
                .await
                .expect("stores");
            state.replace_video(&id, &vectors).await;
            if v == 10 {
                // Loaded from here on, then updated in memory (what the app does after a search).
                state.indexes(lib.pool()).await.expect("loads");
            }
            println!("committed {}", v + 1);
        }
    }

    /// kill -9 in the middle of an import: nothing of the vector index is on disk, the next open
    /// rebuilds it from `scene_vectors` and it holds exactly the committed rows (1-bit scan on, as
    /// past 20k rows; its answers checked against an exact scan of the same rows).
    #[test]
    fn vector_index_is_rebuilt_after_kill_9() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        if let Some(dir) = std::env::var_os(CHILD_ENV) {
            rt.block_on(child(Path::new(&dir)));
            return;
        }
        let tmp = tempfile::tempdir().expect("tmp");
        let exe = std::env::current_exe().expect("test binary");
        let mut proc = std::process::Command::new(exe)
            .args([TEST_NAME, "--exact", "--nocapture", "--test-threads", "1"])
            .env(CHILD_ENV, tmp.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("child starts");
        let out = proc.stdout.take().expect("stdout");
        // Past 20k rows (the 1-bit scan's threshold): 520 videos of 40 scenes.
        let mut committed = 0u32;
        for line in std::io::BufReader::new(out).lines() {
            let line = line.expect("line");
            if let Some(n) = line.strip_prefix("committed ") {
                committed = n.parse().expect("number");
                if committed >= 520 {
                    break;
                }
            }
        }
        proc.kill().expect("SIGKILL");
        proc.wait().expect("reaped");
        assert!(committed >= 520, "child stopped early at {committed}");

        rt.block_on(async {
            let lib = Library::open(DataPaths::under(tmp.path()))
                .await
                .expect("reopens");
            let rows: Vec<(String, i64, Vec<u8>)> =
                sqlx::query_as("SELECT video_id, scene_idx, vector FROM scene_vectors")
                    .fetch_all(lib.pool())
                    .await
                    .expect("rows");
            // Every committed video is whole; the one in flight is all there or not at all.
            assert!(rows.len() >= 520 * SCENES as usize);
            assert_eq!(rows.len() % SCENES as usize, 0);
            let mut exact = ExactIndex::new(MODEL, DIM);
            for (video, scene, blob) in &rows {
                let key =
                    SceneKey::new(VideoId(video.clone()), u32::try_from(*scene).expect("idx"));
                exact
                    .upsert(key, &store::blob_to_vector(blob))
                    .expect("upsert");
            }
            let slot = lib.search_state().indexes(lib.pool()).await.expect("loads");
            {
                let guard = slot.read().expect("lock");
                let indexes = guard.as_ref().expect("loaded");
                let index = indexes.get(VectorKind::Text, MODEL).expect("index");
                assert_eq!(index.len(), rows.len());
                let mut found = 0;
                let queries = 50;
                for i in 0..queries {
                    let (video, scene, blob) = &rows[i * 397 % rows.len()];
                    let key =
                        SceneKey::new(VideoId(video.clone()), u32::try_from(*scene).expect("idx"));
                    let stored = store::blob_to_vector(blob);
                    // Same vector in the index as in the database.
                    let held = index.vector(&key).expect("held");
                    let want = exact.vector(&key).expect("exact");
                    assert!(held.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6));
                    // Its own vector finds it first; a perturbed one finds what the exact scan finds.
                    let hits = index.search(&stored, 10, None).expect("search");
                    assert_eq!(hits[0].key, key);
                    let q: Vec<f32> = stored
                        .iter()
                        .enumerate()
                        .map(|(d, x)| x + 0.05 * (((d * (i + 3)) % 7) as f32 - 3.0))
                        .collect();
                    let got = index.search(&q, 10, None).expect("search");
                    let want = exact.search(&q, 10, None).expect("search");
                    found += want
                        .iter()
                        .filter(|w| got.iter().any(|g| g.key == w.key))
                        .count();
                }
                assert!(
                    found as f64 >= 0.99 * (queries * 10) as f64,
                    "recall@10 {found}/{}",
                    queries * 10
                );
            }
            lib.close().await;
        });
    }
}
