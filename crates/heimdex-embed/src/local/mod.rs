//! Models that run locally on the CPU with candle.

pub mod clip;
pub mod minilm;
mod pooling;
mod tokenizer;
pub mod vision;
mod weights;

use crate::EmbedError;

/// Opens a picture file as RGB, naming the file when it cannot be read.
pub(crate) fn open_rgb(path: &std::path::Path) -> Result<image::RgbImage, EmbedError> {
    image::open(path)
        .map(|img| img.to_rgb8())
        .map_err(|e| EmbedError::Image {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// Wraps a candle error as an inference failure.
pub(crate) fn inference(err: candle_core::Error) -> EmbedError {
    EmbedError::Inference(err.to_string())
}
