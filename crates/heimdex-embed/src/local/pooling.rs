//! Sentence vectors from token vectors: mean over the real (unmasked) tokens, then L2 norm.

use candle_core::{DType, Result, Tensor, D};

/// `hidden`: (batch, seq, dim); `mask`: (batch, seq) of 0/1. Returns (batch, dim), L2 normalised.
pub(crate) fn mean_pool_normalized(hidden: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?;
    let mean = summed.broadcast_div(&counts)?;
    l2_normalize_rows(&mean)
}

/// Each row of a (batch, dim) tensor scaled to unit length.
pub(crate) fn l2_normalize_rows(v: &Tensor) -> Result<Tensor> {
    let norm = v
        .sqr()?
        .sum_keepdim(D::Minus1)?
        .sqrt()?
        .clamp(1e-12f32, f32::MAX)?;
    v.broadcast_div(&norm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn padding_does_not_change_the_mean() {
        let dev = Device::Cpu;
        // one sequence: tokens [1,0] and [3,0] are real, the third is padding.
        let hidden = Tensor::new(&[[[1f32, 0.0], [3.0, 0.0], [100.0, 100.0]]], &dev).expect("t");
        let mask = Tensor::new(&[[1u32, 1, 0]], &dev).expect("t");
        let v = mean_pool_normalized(&hidden, &mask)
            .expect("pool")
            .to_vec2::<f32>()
            .expect("vec");
        assert!((v[0][0] - 1.0).abs() < 1e-6 && v[0][1].abs() < 1e-6);
    }
}
