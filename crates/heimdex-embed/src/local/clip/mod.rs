//! CLIP (Hugging Face `openai/clip-vit-base-patch32` layout) on candle: keyframes through the
//! vision tower, queries through the text tower, both projected into one space and L2 normalised.

pub mod config;
pub mod preprocess;
pub mod tiny;

use super::{inference, pooling, tokenizer, weights};
use crate::locate::{self, CLIP_VIT_B32};
use crate::{EmbedError, ImageEmbedder};
use candle_core::{Device, Tensor};
use candle_transformers::models::clip::ClipModel;
use config::HfClipConfig;
use std::path::{Path, PathBuf};
use tokenizers::Tokenizer;

/// Images per forward pass.
const IMAGE_BATCH: usize = 8;

/// A CLIP model loaded from a folder with `config.json`, `tokenizer.json` and `model.safetensors`.
pub struct ClipEmbedder {
    model: ClipModel,
    tokenizer: Tokenizer,
    device: Device,
    image_size: usize,
    max_tokens: usize,
    dim: usize,
    model_id: String,
}

impl ClipEmbedder {
    /// Whether real CLIP weights are in the model directory (visual search switches on then).
    pub fn available(model_dir: &Path) -> bool {
        Self::locate(model_dir).is_some()
    }

    /// The CLIP folder, if it is anywhere Heimdex looks.
    pub fn locate(model_dir: &Path) -> Option<PathBuf> {
        locate::locate(model_dir, &CLIP_VIT_B32)
    }

    /// Finds the CLIP folder and loads it.
    pub fn from_model_dir(model_dir: &Path) -> Result<Self, EmbedError> {
        let dir = Self::locate(model_dir).ok_or_else(|| EmbedError::ModelMissing {
            model: CLIP_VIT_B32.hf_repo.into(),
            searched: format!(
                "{} and the Hugging Face cache",
                model_dir.join(CLIP_VIT_B32.folder).display()
            ),
        })?;
        Self::load(&dir)
    }

    /// Loads CLIP from `dir`. The model id is `openai/<folder name>`.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let config = HfClipConfig::read(&dir.join("config.json"))?;
        let candle_config = config.to_candle();
        let max_tokens = config.text_config.max_position_embeddings;
        let tokenizer = tokenizer::load_unpadded(&dir.join("tokenizer.json"), max_tokens)?;
        let device = Device::Cpu;
        let weights_path = dir.join("model.safetensors");
        let vb = weights::mmap_safetensors(&weights_path, &device)?;
        let model = ClipModel::new(vb, &candle_config).map_err(|e| EmbedError::Weights {
            path: weights_path,
            message: e.to_string(),
        })?;
        let folder = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| CLIP_VIT_B32.folder.into());
        // Hugging Face cache snapshots are named by commit: use the repository name then.
        let model_id = if dir.components().any(|c| {
            c.as_os_str()
                .to_string_lossy()
                .starts_with("models--openai--")
        }) {
            CLIP_VIT_B32.hf_repo.to_string()
        } else {
            format!("openai/{folder}")
        };
        Ok(Self {
            model,
            tokenizer,
            device,
            image_size: config.vision_config.image_size,
            max_tokens,
            dim: config.projection_dim,
            model_id,
        })
    }

    /// Side of the square image the vision tower takes.
    pub fn image_size(&self) -> usize {
        self.image_size
    }

    fn embed_pixels(&self, pixels: Vec<f32>, count: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        let s = self.image_size;
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let input = Tensor::from_vec(pixels, (count, 3, s, s), &self.device)?;
            let features = self.model.get_image_features(&input)?;
            pooling::l2_normalize_rows(&features)?.to_vec2::<f32>()
        };
        run().map_err(inference)
    }
}

impl ImageEmbedder for ClipEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed_images(&self, paths: &[PathBuf]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut out = Vec::with_capacity(paths.len());
        for chunk in paths.chunks(IMAGE_BATCH) {
            let mut pixels = Vec::with_capacity(chunk.len() * 3 * self.image_size.pow(2));
            for path in chunk {
                pixels.extend(preprocess::load_image(path, self.image_size)?);
            }
            out.extend(self.embed_pixels(pixels, chunk.len())?);
        }
        Ok(out)
    }

    fn embed_query_text(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| EmbedError::Inference(format!("tokenizing failed: {e}")))?;
        let mut ids = enc.get_ids().to_vec();
        ids.truncate(self.max_tokens);
        if ids.is_empty() {
            return Err(EmbedError::Inference("the query has no tokens".into()));
        }
        let run = || -> candle_core::Result<Vec<f32>> {
            let len = ids.len();
            let input = Tensor::from_vec(ids, (1, len), &self.device)?;
            let features = self.model.get_text_features(&input)?;
            let mut rows = pooling::l2_normalize_rows(&features)?.to_vec2::<f32>()?;
            Ok(rows.pop().unwrap_or_default())
        };
        run().map_err(inference)
    }
}
