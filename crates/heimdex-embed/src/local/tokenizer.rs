//! The Hugging Face `tokenizer.json` of a local model, set up the way our embedders batch: no
//! padding (each batch is padded to its own longest input) and truncation at the model's limit.

use crate::EmbedError;
use std::path::Path;
use tokenizers::Tokenizer;

/// Loads `path`, turns its padding off and truncates inputs to `max_tokens`.
pub(crate) fn load_unpadded(path: &Path, max_tokens: usize) -> Result<Tokenizer, EmbedError> {
    let err = |e: tokenizers::Error| EmbedError::Tokenizer {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let mut tokenizer = Tokenizer::from_file(path).map_err(err)?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(tokenizers::TruncationParams {
            max_length: max_tokens,
            ..Default::default()
        }))
        .map_err(err)?;
    Ok(tokenizer)
}
