//! "What is seen, by meaning": a typed query against every class the picture model knows, not only
//! the few shown as a scene's tags. Each class has phrases (each of its names alone, and "tabby cat,
//! domestic cat, cat, feline, animal") embedded once with the text model; a query's text vector is
//! compared with all of them,
//! the classes it means get weights, and a scene scores the probability its pictures give those
//! classes. "a red motorbike" then reaches "moped" and "motor scooter" scenes, and a class the model
//! saw at 5 % still counts a little.

use heimdex_core::VideoId;
use heimdex_search::SceneKey;
use std::collections::HashMap;
use std::path::Path;

/// Classes within this cosine of the query's best class count; their weight falls off as
/// `exp((cos - best) / TEMPERATURE)`.
const WINDOW: f32 = 0.12;
const TEMPERATURE: f32 = 0.04;
/// A query that matches no class better than this means nothing the picture model knows.
const MIN_BEST: f32 = 0.3;

/// The text vectors of the picture model's classes, for one pair of models: several phrases per
/// class (see `Labels::class_phrases`); a class is as near a query as its nearest phrase.
pub struct ClassVectors {
    dim: usize,
    /// The class of each phrase vector.
    owners: Vec<u16>,
    /// `phrases x dim`, L2 normalised.
    vectors: Vec<f32>,
}

impl ClassVectors {
    /// `owners[i]` is the class of the `i`-th vector of `vectors` (`owners.len() x dim`).
    pub fn new(dim: usize, owners: Vec<u16>, vectors: Vec<f32>) -> Self {
        Self {
            dim,
            owners,
            vectors,
        }
    }

    /// How many phrase vectors.
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The classes `query` (a text vector) means, with weights in 0..=1.
    pub fn weights(&self, query: &[f32]) -> Vec<(u16, f32)> {
        if query.len() != self.dim || self.dim == 0 {
            return Vec::new();
        }
        let classes = self
            .owners
            .iter()
            .map(|&c| usize::from(c) + 1)
            .max()
            .unwrap_or(0);
        let mut cos = vec![f32::MIN; classes];
        for (v, &c) in self.vectors.chunks_exact(self.dim).zip(&self.owners) {
            let s: f32 = v.iter().zip(query).map(|(a, b)| a * b).sum();
            let slot = &mut cos[usize::from(c)];
            *slot = slot.max(s);
        }
        let best = cos.iter().copied().fold(f32::MIN, f32::max);
        if best < MIN_BEST {
            return Vec::new();
        }
        cos.iter()
            .enumerate()
            .filter(|(_, &c)| c >= best - WINDOW)
            .filter_map(|(i, &c)| {
                u16::try_from(i)
                    .ok()
                    .map(|i| (i, ((c - best) / TEMPERATURE).exp()))
            })
            .collect()
    }

    /// Reads vectors saved by [`ClassVectors::save`] under `key`; `None` when absent or stale.
    pub fn load(path: &Path, key: &[u8; 32]) -> Option<Self> {
        let bytes = std::fs::read(path).ok()?;
        if bytes.len() < 40 || &bytes[..32] != key {
            return None;
        }
        let word = |at: usize| -> Option<usize> {
            Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize)
        };
        let dim = word(32)?;
        let count = word(36)?;
        let owners_end = 40 + count * 2;
        let owners: Vec<u16> = bytes
            .get(40..owners_end)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let vectors = crate::search::store::blob_to_vector(bytes.get(owners_end..)?);
        (dim > 0 && vectors.len() == count * dim).then(|| Self::new(dim, owners, vectors))
    }

    /// Saves the vectors with `key` (a hash of the labels and the text model), atomically.
    pub fn save(&self, path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut bytes = key.to_vec();
        bytes.extend((self.dim as u32).to_le_bytes());
        bytes.extend((self.owners.len() as u32).to_le_bytes());
        bytes.extend(self.owners.iter().flat_map(|c| c.to_le_bytes()));
        bytes.extend(crate::search::store::vector_to_blob(&self.vectors));
        heimdex_core::atomic_file::write_cache(path, &bytes)
    }
}

/// The likeliest classes of every scene, in memory.
#[derive(Default)]
pub struct SeenIndex {
    scenes: HashMap<SceneKey, Vec<(u16, f32)>>,
}

impl SeenIndex {
    pub fn insert(&mut self, key: SceneKey, classes: Vec<(u16, f32)>) {
        self.scenes.insert(key, classes);
    }

    pub fn remove_video(&mut self, video: &VideoId) {
        self.scenes.retain(|k, _| &k.video != video);
    }

    /// Scenes by how much their pictures show the weighted classes, best first, at most `depth`.
    pub fn search(
        &self,
        weights: &[(u16, f32)],
        depth: usize,
        candidates: Option<&heimdex_search::Candidates>,
    ) -> Vec<(SceneKey, f32)> {
        if weights.is_empty() {
            return Vec::new();
        }
        let w: HashMap<u16, f32> = weights.iter().copied().collect();
        let mut hits: Vec<(SceneKey, f32)> = self
            .scenes
            .iter()
            .filter(|(k, _)| candidates.is_none_or(|c| c.contains(*k)))
            .filter_map(|(k, classes)| {
                let s: f32 = classes
                    .iter()
                    .filter_map(|(c, p)| w.get(c).map(|wc| wc * p))
                    .sum();
                (s > 1e-3).then(|| (k.clone(), s))
            })
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        hits.truncate(depth);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: u32) -> SceneKey {
        SceneKey::new(VideoId("v".into()), s)
    }

    #[test]
    fn a_query_weights_the_classes_it_means_and_scenes_score_their_probability() {
        // Three classes in 2-d: "cat" along x, "kitten" close to it, "car" along y; "car" has a
        // second phrase, and a class is as near as its nearest phrase.
        let s = std::f32::consts::FRAC_1_SQRT_2;
        let cv = ClassVectors::new(
            2,
            vec![0, 1, 2, 2],
            vec![1.0, 0.0, 0.995, 0.0998, 0.0, 1.0, -s, s],
        );
        let w = cv.weights(&[1.0, 0.0]);
        assert_eq!(w.iter().map(|x| x.0).collect::<Vec<_>>(), vec![0, 1]);
        assert!((w[0].1 - 1.0).abs() < 1e-6 && w[1].1 < 1.0);
        // A query far from every class means nothing.
        assert!(cv.weights(&[-s, -s]).is_empty());

        let mut idx = SeenIndex::default();
        idx.insert(key(0), vec![(0, 0.2), (2, 0.7)]);
        idx.insert(key(1), vec![(1, 0.6)]);
        idx.insert(key(2), vec![(2, 0.9)]);
        let hits = idx.search(&w, 10, None);
        assert_eq!(
            hits.iter().map(|h| h.0.scene).collect::<Vec<_>>(),
            vec![1, 0]
        );
        idx.remove_video(&VideoId("v".into()));
        assert!(idx.search(&w, 10, None).is_empty());
    }

    #[test]
    fn saved_vectors_come_back_only_under_their_key() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("c.bin");
        let cv = ClassVectors::new(2, vec![0, 0, 1], vec![1.0, 0.0, 0.6, 0.8, 0.0, 1.0]);
        cv.save(&path, &[7; 32]).expect("saves");
        let back = ClassVectors::load(&path, &[7; 32]).expect("loads");
        assert_eq!(back.len(), 3);
        assert_eq!(back.owners, vec![0, 0, 1]);
        assert!(ClassVectors::load(&path, &[8; 32]).is_none());
    }
}
