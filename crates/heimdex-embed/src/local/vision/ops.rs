//! The two kernels candle lacks in a fast form for this network, as candle custom ops on
//! channels-last activations (`[pixels, channels]`, contiguous f32): a depthwise convolution with
//! TensorFlow "SAME" padding, and a per-channel bias with an optional ReLU6. The 1x1 convolutions
//! are plain matrix products (candle's `matmul`).
//!
//! candle's own grouped `conv2d` runs one small convolution per group (up to 1152 here), which is
//! slower than the whole rest of the network; channels-last also lets the 1x1 convolutions of a
//! batch run as one large matrix product.

use candle_core::{CpuStorage, CustomOp1, InplaceOp1, Layout, Shape};
use rayon::prelude::*;

/// Output size and padding before the first pixel for TensorFlow "SAME" padding
/// (`ceil(input / stride)` outputs; the odd pixel of padding goes after the input).
pub(crate) fn same_padding(input: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = input.div_ceil(stride);
    let total = ((out.saturating_sub(1)) * stride + kernel).saturating_sub(input);
    (out, total / 2)
}

fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout) -> candle_core::Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else {
        candle_core::bail!("expected f32 activations")
    };
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("expected contiguous activations")
    };
    Ok(&data[start..end])
}

#[inline]
fn relu6(v: f32) -> f32 {
    v.clamp(0.0, 6.0)
}

/// `x + bias[c]`, then ReLU6 when `relu6`, over `[pixels, channels]`, in place (the product it
/// follows is a fresh tensor: no copy, no new pages).
pub(crate) struct BiasAct<'a> {
    pub bias: &'a [f32],
    pub relu6: bool,
}

impl InplaceOp1 for BiasAct<'_> {
    fn name(&self) -> &'static str {
        "bias-relu6"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        let c = self.bias.len();
        let (_, cols) = layout.shape().dims2()?;
        if cols != c || c == 0 {
            candle_core::bail!("bias of {c} channels for activations of {cols}")
        }
        let CpuStorage::F32(data) = storage else {
            candle_core::bail!("expected f32 activations")
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("expected contiguous activations")
        };
        data[start..end].par_chunks_mut(c * 64).for_each(|rows| {
            for px in rows.chunks_exact_mut(c) {
                for (v, b) in px.iter_mut().zip(self.bias) {
                    *v += b;
                }
                if self.relu6 {
                    px.iter_mut().for_each(|v| *v = relu6(*v));
                }
            }
        });
        Ok(())
    }
}

/// Depthwise k x k convolution with stride, "SAME" padding, bias and ReLU6 over `n` images of
/// `h x w` pixels, channels last. `weight` is `[k * k, channels]` (tap-major), the batch norm
/// already folded in.
pub(crate) struct Depthwise<'a> {
    pub weight: &'a [f32],
    pub bias: &'a [f32],
    pub kernel: usize,
    pub stride: usize,
    pub n: usize,
    pub h: usize,
    pub w: usize,
}

impl Depthwise<'_> {
    pub(crate) fn out_size(&self) -> (usize, usize) {
        (
            same_padding(self.h, self.kernel, self.stride).0,
            same_padding(self.w, self.kernel, self.stride).0,
        )
    }
}

impl CustomOp1 for Depthwise<'_> {
    fn name(&self) -> &'static str {
        "depthwise-same-relu6"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let src = contiguous_f32(storage, layout)?;
        let c = self.bias.len();
        let (k, s, h, w) = (self.kernel, self.stride, self.h, self.w);
        let (pixels, cols) = layout.shape().dims2()?;
        if cols != c || pixels != self.n * h * w || self.weight.len() != k * k * c {
            candle_core::bail!("depthwise shapes disagree")
        }
        let (oh, pad_top) = same_padding(h, k, s);
        let (ow, pad_left) = same_padding(w, k, s);
        let mut out = vec![0f32; self.n * oh * ow * c];
        // One output row of one image per task.
        out.par_chunks_mut(ow * c)
            .enumerate()
            .for_each(|(row, dst)| {
                let (img, oy) = (row / oh, row % oh);
                for px in dst.chunks_exact_mut(c) {
                    px.copy_from_slice(self.bias);
                }
                for ky in 0..k {
                    let Some(iy) = (oy * s + ky).checked_sub(pad_top).filter(|&y| y < h) else {
                        continue;
                    };
                    let src_row = &src[(img * h + iy) * w * c..(img * h + iy + 1) * w * c];
                    for kx in 0..k {
                        let taps = &self.weight[(ky * k + kx) * c..(ky * k + kx + 1) * c];
                        for (ox, px) in dst.chunks_exact_mut(c).enumerate() {
                            let Some(ix) = (ox * s + kx).checked_sub(pad_left).filter(|&x| x < w)
                            else {
                                continue;
                            };
                            let inp = &src_row[ix * c..(ix + 1) * c];
                            for ((o, i), t) in px.iter_mut().zip(inp).zip(taps) {
                                *o += i * t;
                            }
                        }
                    }
                }
                dst.iter_mut().for_each(|v| *v = relu6(*v));
            });
        Ok((CpuStorage::F32(out), Shape::from((self.n * oh * ow, c))))
    }
}

/// Patches of a 3 x 3 stride-2 "SAME" convolution over `n` channels-last images (`[n, h, w, 3]`):
/// `[n * oh * ow, 27]`, columns in (ky, kx, channel) order; zeros where the kernel leaves the image.
pub(crate) fn stem_patches(
    pixels: &[f32],
    n: usize,
    h: usize,
    w: usize,
) -> (Vec<f32>, usize, usize) {
    const K: usize = 3;
    const S: usize = 2;
    const C: usize = 3;
    let (oh, pad_top) = same_padding(h, K, S);
    let (ow, pad_left) = same_padding(w, K, S);
    let mut out = vec![0f32; n * oh * ow * K * K * C];
    out.par_chunks_mut(ow * K * K * C)
        .enumerate()
        .for_each(|(row, dst)| {
            let (img, oy) = (row / oh, row % oh);
            for (ox, patch) in dst.chunks_exact_mut(K * K * C).enumerate() {
                for ky in 0..K {
                    let Some(iy) = (oy * S + ky).checked_sub(pad_top).filter(|&y| y < h) else {
                        continue;
                    };
                    for kx in 0..K {
                        let Some(ix) = (ox * S + kx).checked_sub(pad_left).filter(|&x| x < w)
                        else {
                            continue;
                        };
                        let at = ((img * h + iy) * w + ix) * C;
                        let to = (ky * K + kx) * C;
                        patch[to..to + C].copy_from_slice(&pixels[at..at + C]);
                    }
                }
            }
        });
    (out, oh, ow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    #[test]
    fn same_padding_matches_tensorflow() {
        // 224 -> 112 with k3 s2: one pixel of padding, after the input.
        assert_eq!(same_padding(224, 3, 2), (112, 0));
        // 112 -> 56 with k5 s2: 3 pixels, 1 before and 2 after.
        assert_eq!(same_padding(112, 5, 2), (56, 1));
        // Stride 1 keeps the size: (k - 1) / 2 before.
        assert_eq!(same_padding(14, 5, 1), (14, 2));
        assert_eq!(same_padding(7, 3, 1), (7, 1));
    }

    /// The depthwise op against a direct loop over NCHW, with asymmetric padding.
    #[test]
    fn depthwise_matches_a_direct_convolution() {
        let (n, h, w, c, k, s) = (2usize, 7usize, 6usize, 3usize, 3usize, 2usize);
        let x: Vec<f32> = (0..n * h * w * c)
            .map(|i| ((i * 37 % 11) as f32) - 5.0)
            .collect();
        let weight: Vec<f32> = (0..k * k * c)
            .map(|i| ((i * 7 % 5) as f32) * 0.1 - 0.2)
            .collect();
        let bias = vec![0.5f32, -0.25, 0.0];
        let op = Depthwise {
            weight: &weight,
            bias: &bias,
            kernel: k,
            stride: s,
            n,
            h,
            w,
        };
        let t = Tensor::from_vec(x.clone(), (n * h * w, c), &Device::Cpu).expect("tensor");
        let got: Vec<f32> = t
            .apply_op1_no_bwd(&op)
            .expect("op")
            .flatten_all()
            .expect("flat")
            .to_vec1()
            .expect("vec");
        let (oh, pt) = same_padding(h, k, s);
        let (ow, pl) = same_padding(w, k, s);
        for img in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for ch in 0..c {
                        let mut acc = bias[ch];
                        for ky in 0..k {
                            for kx in 0..k {
                                let iy = (oy * s + ky) as isize - pt as isize;
                                let ix = (ox * s + kx) as isize - pl as isize;
                                if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                    continue;
                                }
                                let v = x[((img * h + iy as usize) * w + ix as usize) * c + ch];
                                acc += v * weight[(ky * k + kx) * c + ch];
                            }
                        }
                        let want = acc.clamp(0.0, 6.0);
                        let at = ((img * oh + oy) * ow + ox) * c + ch;
                        assert!(
                            (got[at] - want).abs() < 1e-5,
                            "at {at}: {} vs {want}",
                            got[at]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn bias_act_clamps() {
        let t = Tensor::from_vec(vec![-1f32, 2.0, 7.0, 3.0], (2, 2), &Device::Cpu).expect("t");
        let bias = [1.0f32, 0.5];
        t.inplace_op1(&BiasAct {
            bias: &bias,
            relu6: true,
        })
        .expect("op");
        let got: Vec<f32> = t.flatten_all().expect("flat").to_vec1().expect("vec");
        assert_eq!(got, vec![0.0, 2.5, 6.0, 3.5]);
    }

    #[test]
    fn stem_patches_put_zeros_outside() {
        // One 4x4 image of ones: the last row and column of patches fall off the bottom right.
        let px = vec![1f32; 4 * 4 * 3];
        let (p, oh, ow) = stem_patches(&px, 1, 4, 4);
        assert_eq!((oh, ow), (2, 2));
        let last = &p[3 * 27..4 * 27];
        // ky = 2 or kx = 2 is outside for the bottom-right output (rows 2..=4 of a 4-row image).
        assert_eq!(last.iter().filter(|&&v| v == 0.0).count(), 5 * 3);
    }
}
