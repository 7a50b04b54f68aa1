//! Opening safetensors weights without copying them into memory.

use crate::EmbedError;
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use std::path::Path;

/// Memory-maps `path` (a safetensors file) as f32 weights on `device`.
#[allow(unsafe_code)]
pub(crate) fn mmap_safetensors(
    path: &Path,
    device: &Device,
) -> Result<VarBuilder<'static>, EmbedError> {
    if !path.is_file() {
        return Err(EmbedError::Weights {
            path: path.to_path_buf(),
            message: "file not found".into(),
        });
    }
    // SAFETY: the mapping is read-only and the model files are never rewritten in place while
    // Heimdex runs (scripts/fetch-models.sh unpacks to a new folder); a file changed under a live
    // mapping is the documented caveat of candle's mmap loader.
    unsafe { VarBuilder::from_mmaped_safetensors(&[path], DType::F32, device) }.map_err(|e| {
        EmbedError::Weights {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })
}
