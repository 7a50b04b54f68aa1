//! Reading a Hugging Face CLIP `config.json` into candle's [`ClipConfig`].
//!
//! Every field falls back to the ViT-B/32 value, so both the full config of
//! `openai/clip-vit-base-patch32` and a minimal one (only what differs) are accepted.

use crate::EmbedError;
use candle_transformers::models::clip::text_model::{Activation, ClipTextConfig};
use candle_transformers::models::clip::vision_model::ClipVisionConfig;
use candle_transformers::models::clip::ClipConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The parts of a Hugging Face `CLIPConfig` that shape the network.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HfClipConfig {
    #[serde(default = "d_projection")]
    pub projection_dim: usize,
    #[serde(default = "d_logit_scale")]
    pub logit_scale_init_value: f32,
    #[serde(default, alias = "text_config_dict")]
    pub text_config: HfTextConfig,
    #[serde(default, alias = "vision_config_dict")]
    pub vision_config: HfVisionConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HfTextConfig {
    #[serde(default = "d_text_hidden")]
    pub hidden_size: usize,
    #[serde(default = "d_text_intermediate")]
    pub intermediate_size: usize,
    #[serde(default = "d_text_heads")]
    pub num_attention_heads: usize,
    #[serde(default = "d_layers")]
    pub num_hidden_layers: usize,
    #[serde(default = "d_positions")]
    pub max_position_embeddings: usize,
    #[serde(default = "d_vocab")]
    pub vocab_size: usize,
    #[serde(default = "d_act")]
    pub hidden_act: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HfVisionConfig {
    #[serde(default = "d_vision_hidden")]
    pub hidden_size: usize,
    #[serde(default = "d_vision_intermediate")]
    pub intermediate_size: usize,
    #[serde(default = "d_vision_heads")]
    pub num_attention_heads: usize,
    #[serde(default = "d_layers")]
    pub num_hidden_layers: usize,
    #[serde(default = "d_image_size")]
    pub image_size: usize,
    #[serde(default = "d_patch")]
    pub patch_size: usize,
    #[serde(default = "d_channels")]
    pub num_channels: usize,
    #[serde(default = "d_act")]
    pub hidden_act: String,
}

fn d_projection() -> usize {
    512
}
fn d_logit_scale() -> f32 {
    2.6592
}
fn d_text_hidden() -> usize {
    512
}
fn d_text_intermediate() -> usize {
    2048
}
fn d_text_heads() -> usize {
    8
}
fn d_layers() -> usize {
    12
}
fn d_positions() -> usize {
    77
}
fn d_vocab() -> usize {
    49408
}
fn d_act() -> String {
    "quick_gelu".into()
}
fn d_vision_hidden() -> usize {
    768
}
fn d_vision_intermediate() -> usize {
    3072
}
fn d_vision_heads() -> usize {
    12
}
fn d_image_size() -> usize {
    224
}
fn d_patch() -> usize {
    32
}
fn d_channels() -> usize {
    3
}

impl Default for HfTextConfig {
    fn default() -> Self {
        serde_json::from_str("{}").unwrap_or_else(|_| unreachable!("all fields have defaults"))
    }
}

impl Default for HfVisionConfig {
    fn default() -> Self {
        serde_json::from_str("{}").unwrap_or_else(|_| unreachable!("all fields have defaults"))
    }
}

impl HfClipConfig {
    /// Reads `config.json`.
    pub fn read(path: &Path) -> Result<Self, EmbedError> {
        let text = std::fs::read_to_string(path).map_err(|source| EmbedError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Self = serde_json::from_str(&text).map_err(|e| EmbedError::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        config.check().map_err(|message| EmbedError::Config {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        for act in [&self.text_config.hidden_act, &self.vision_config.hidden_act] {
            if act != "quick_gelu" {
                return Err(format!(
                    "activation {act:?} is not supported (only quick_gelu, as in OpenAI's CLIP)"
                ));
            }
        }
        let v = &self.vision_config;
        if v.patch_size == 0 || !v.image_size.is_multiple_of(v.patch_size) {
            return Err(format!(
                "image_size {} is not a multiple of patch_size {}",
                v.image_size, v.patch_size
            ));
        }
        let t = &self.text_config;
        if t.num_attention_heads == 0 || !t.hidden_size.is_multiple_of(t.num_attention_heads) {
            return Err("text hidden_size is not a multiple of num_attention_heads".into());
        }
        if v.num_attention_heads == 0 || !v.hidden_size.is_multiple_of(v.num_attention_heads) {
            return Err("vision hidden_size is not a multiple of num_attention_heads".into());
        }
        Ok(())
    }

    /// candle's configuration for this network.
    pub fn to_candle(&self) -> ClipConfig {
        let t = &self.text_config;
        let v = &self.vision_config;
        ClipConfig {
            text_config: ClipTextConfig {
                vocab_size: t.vocab_size,
                embed_dim: t.hidden_size,
                activation: Activation::QuickGelu,
                intermediate_size: t.intermediate_size,
                max_position_embeddings: t.max_position_embeddings,
                pad_with: None,
                num_hidden_layers: t.num_hidden_layers,
                num_attention_heads: t.num_attention_heads,
                projection_dim: self.projection_dim,
            },
            vision_config: ClipVisionConfig {
                embed_dim: v.hidden_size,
                activation: Activation::QuickGelu,
                intermediate_size: v.intermediate_size,
                num_hidden_layers: v.num_hidden_layers,
                num_attention_heads: v.num_attention_heads,
                projection_dim: self.projection_dim,
                num_channels: v.num_channels,
                image_size: v.image_size,
                patch_size: v.patch_size,
            },
            logit_scale_init_value: self.logit_scale_init_value,
            image_size: v.image_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_vit_b32() {
        let c: HfClipConfig = serde_json::from_str("{}").expect("parse");
        let candle = c.to_candle();
        let reference = ClipConfig::vit_base_patch32();
        assert_eq!(
            candle.vision_config.embed_dim,
            reference.vision_config.embed_dim
        );
        assert_eq!(
            candle.vision_config.patch_size,
            reference.vision_config.patch_size
        );
        assert_eq!(
            candle.text_config.vocab_size,
            reference.text_config.vocab_size
        );
        assert_eq!(
            candle.text_config.embed_dim,
            reference.text_config.embed_dim
        );
        assert_eq!(candle.image_size, 224);
    }

    #[test]
    fn old_dict_names_are_read() {
        let c: HfClipConfig =
            serde_json::from_str(r#"{"text_config_dict":{"hidden_size":64},"projection_dim":32}"#)
                .expect("parse");
        assert_eq!(c.text_config.hidden_size, 64);
        assert_eq!(c.projection_dim, 32);
    }

    #[test]
    fn unsupported_activation_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("config.json");
        std::fs::write(&path, r#"{"vision_config":{"hidden_act":"gelu"}}"#).expect("write");
        let err = HfClipConfig::read(&path).expect_err("gelu is refused");
        assert!(err.to_string().contains("gelu"), "{err}");
    }
}
