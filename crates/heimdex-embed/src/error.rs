//! Errors of the embedders, worded for the person who has to fix them.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("model {model} not found in {searched}: run scripts/fetch-models.sh (or set HEIMDEX_MODEL_DIR)")]
    ModelMissing { model: String, searched: String },

    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("model configuration {} is not valid: {message}", path.display())]
    Config { path: PathBuf, message: String },

    #[error("tokenizer {} cannot be used: {message}", path.display())]
    Tokenizer { path: PathBuf, message: String },

    #[error("model weights {} cannot be loaded: {message}", path.display())]
    Weights { path: PathBuf, message: String },

    #[error("image {} cannot be read: {message}", path.display())]
    Image { path: PathBuf, message: String },

    #[error("the model failed while computing embeddings: {0}")]
    Inference(String),
}
