//! Models that run locally on the CPU with candle.

pub mod clip;
pub mod minilm;
mod pooling;
mod tokenizer;
pub mod vision;
mod weights;

use crate::EmbedError;

/// Wraps a candle error as an inference failure.
pub(crate) fn inference(err: candle_core::Error) -> EmbedError {
    EmbedError::Inference(err.to_string())
}
