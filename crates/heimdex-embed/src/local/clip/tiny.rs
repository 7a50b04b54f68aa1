//! A tiny CLIP with random weights, written in the same layout as the real one (Hugging Face
//! tensor names, `config.json`, `tokenizer.json`), so that the loading and embedding code can be
//! tested without the 600 MB model.

use super::config::{HfClipConfig, HfTextConfig, HfVisionConfig};
use crate::EmbedError;
use candle_core::{DType, Device};
use candle_nn::{VarBuilder, VarMap};
use candle_transformers::models::clip::ClipModel;
use std::collections::HashMap;
use std::path::Path;
use tokenizers::models::wordlevel::WordLevel;
use tokenizers::normalizers::Lowercase;
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::Tokenizer;

/// Words of the tiny vocabulary (ids in this order; then the unknown, start and end tokens).
pub const TINY_WORDS: &[&str] = &[
    "a", "photo", "of", "dog", "cat", "beach", "sunset", "city", "street", "night", "red", "car",
];

/// The tiny network's configuration.
pub fn tiny_config() -> HfClipConfig {
    HfClipConfig {
        projection_dim: 16,
        logit_scale_init_value: 2.6592,
        text_config: HfTextConfig {
            hidden_size: 32,
            intermediate_size: 64,
            num_attention_heads: 4,
            num_hidden_layers: 2,
            max_position_embeddings: 16,
            vocab_size: TINY_WORDS.len() + 3,
            hidden_act: "quick_gelu".into(),
        },
        vision_config: HfVisionConfig {
            hidden_size: 32,
            intermediate_size: 64,
            num_attention_heads: 4,
            num_hidden_layers: 2,
            image_size: 32,
            patch_size: 8,
            num_channels: 3,
            hidden_act: "quick_gelu".into(),
        },
    }
}

fn err(dir: &Path, message: impl ToString) -> EmbedError {
    EmbedError::Weights {
        path: dir.to_path_buf(),
        message: message.to_string(),
    }
}

/// Writes the tiny CLIP (`config.json`, `tokenizer.json`, `model.safetensors` with random
/// weights) into `dir`.
pub fn write_tiny_clip(dir: &Path) -> Result<(), EmbedError> {
    write_random_clip(dir, &tiny_config())
}

/// Writes a CLIP of any shape with random weights and the tiny tokenizer into `dir` (the
/// benchmark uses the ViT-B/32 shape to time the real amount of work without the real weights).
/// The text vocabulary must have room for the tiny tokenizer: `vocab_size >= TINY_WORDS.len() + 3`.
pub fn write_random_clip(dir: &Path, config: &HfClipConfig) -> Result<(), EmbedError> {
    if config.text_config.vocab_size < TINY_WORDS.len() + 3 {
        return Err(err(dir, "vocab_size is too small for the tiny tokenizer"));
    }
    std::fs::create_dir_all(dir).map_err(|source| EmbedError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let config_json = serde_json::to_string_pretty(config).map_err(|e| err(dir, e))?;
    let config_path = dir.join("config.json");
    std::fs::write(&config_path, config_json).map_err(|source| EmbedError::Io {
        path: config_path,
        source,
    })?;

    // Random weights under the names candle (and Hugging Face) use.
    let varmap = VarMap::new();
    // Plain parameters that candle only reads when present (it makes them up otherwise).
    varmap
        .get(
            config.vision_config.hidden_size,
            "vision_model.embeddings.class_embedding",
            candle_nn::Init::Randn {
                mean: 0.0,
                stdev: 1.0,
            },
            DType::F32,
            &Device::Cpu,
        )
        .map_err(|e| err(dir, e))?;
    varmap
        .get(
            (),
            "logit_scale",
            candle_nn::Init::Const(f64::from(config.logit_scale_init_value)),
            DType::F32,
            &Device::Cpu,
        )
        .map_err(|e| err(dir, e))?;
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    ClipModel::new(vb, &config.to_candle()).map_err(|e| err(dir, e))?;
    varmap
        .save(dir.join("model.safetensors"))
        .map_err(|e| err(dir, e))?;

    write_tiny_tokenizer(&dir.join("tokenizer.json"))
}

/// A word-level tokenizer over [`TINY_WORDS`] that frames each text with CLIP's start and end
/// tokens; the end token has the highest id, as in CLIP (the text tower reads its position).
fn write_tiny_tokenizer(path: &Path) -> Result<(), EmbedError> {
    let tok_err = |e: tokenizers::Error| EmbedError::Tokenizer {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let n = u32::try_from(TINY_WORDS.len()).unwrap_or(u32::MAX);
    let mut vocab: HashMap<String, u32> = TINY_WORDS
        .iter()
        .zip(0u32..)
        .map(|(w, i)| ((*w).to_string(), i))
        .collect();
    vocab.insert("<unk>".into(), n);
    vocab.insert("<|startoftext|>".into(), n + 1);
    vocab.insert("<|endoftext|>".into(), n + 2);
    let model = WordLevel::builder()
        .vocab(vocab.into_iter().collect())
        .unk_token("<unk>".into())
        .build()
        .map_err(tok_err)?;
    let mut tokenizer = Tokenizer::new(model);
    tokenizer.with_normalizer(Some(Lowercase));
    tokenizer.with_pre_tokenizer(Some(Whitespace {}));
    let template = TemplateProcessing::builder()
        .try_single("<|startoftext|> $A <|endoftext|>")
        .map_err(|e| EmbedError::Tokenizer {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?
        .special_tokens(vec![
            ("<|startoftext|>".to_string(), n + 1),
            ("<|endoftext|>".to_string(), n + 2),
        ])
        .build()
        .map_err(|e| EmbedError::Tokenizer {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    tokenizer.with_post_processor(Some(template));
    tokenizer.save(path, true).map_err(tok_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::clip::ClipEmbedder;
    use crate::ImageEmbedder;
    use std::path::PathBuf;

    fn tiny_model() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("clip-vit-base-patch32");
        write_tiny_clip(&dir).expect("tiny clip written");
        (tmp, dir)
    }

    fn write_image(path: &Path, color: [u8; 3]) {
        let mut img = image::RgbImage::from_pixel(48, 40, image::Rgb(color));
        for x in 0..10 {
            img.put_pixel(x, x, image::Rgb([0, 0, 0]));
        }
        img.save(path).expect("image saved");
    }

    fn norm(v: &[f32]) -> f32 {
        v.iter().map(|x| x * x).sum::<f32>().sqrt()
    }

    #[test]
    fn weights_carry_hugging_face_names() {
        let (_tmp, dir) = tiny_model();
        let tensors = candle_core::safetensors::load(dir.join("model.safetensors"), &Device::Cpu)
            .expect("safetensors readable");
        for name in [
            "text_model.embeddings.token_embedding.weight",
            "text_model.embeddings.position_embedding.weight",
            "text_model.encoder.layers.0.self_attn.q_proj.weight",
            "text_model.final_layer_norm.weight",
            "vision_model.embeddings.class_embedding",
            "vision_model.embeddings.patch_embedding.weight",
            "vision_model.pre_layrnorm.weight",
            "vision_model.post_layernorm.weight",
            "visual_projection.weight",
            "text_projection.weight",
            "logit_scale",
        ] {
            assert!(tensors.contains_key(name), "missing tensor {name}");
        }
    }

    #[test]
    fn tiny_clip_loads_and_embeds_images_and_text() {
        let (tmp, dir) = tiny_model();
        let model_dir = tmp.path();
        assert!(ClipEmbedder::available(model_dir));
        let clip = ClipEmbedder::from_model_dir(model_dir).expect("tiny clip loads");
        assert_eq!(clip.dim(), 16);
        assert_eq!(clip.model_id(), "openai/clip-vit-base-patch32");
        assert_eq!(clip.image_size(), 32);

        let red = dir.join("red.png");
        let blue = dir.join("blue.jpg");
        write_image(&red, [220, 30, 30]);
        write_image(&blue, [30, 30, 220]);
        let images = clip
            .embed_images(&[red.clone(), blue.clone(), red.clone()])
            .expect("images embedded");
        assert_eq!(images.len(), 3);
        for v in &images {
            assert_eq!(v.len(), 16);
            assert!((norm(v) - 1.0).abs() < 1e-4);
        }
        // Deterministic, and a batch gives the same vector as a single image.
        assert_eq!(images[0], images[2]);
        // A second load of the same files gives the same vectors.
        let reloaded = ClipEmbedder::load(&dir).expect("loads again");
        let again = reloaded.embed_images(&[red]).expect("embedded again");
        for (a, b) in again[0].iter().zip(&images[0]) {
            assert!((a - b).abs() < 1e-5);
        }
        assert_ne!(images[0], images[1]);

        let text = clip
            .embed_query_text("a photo of a dog on the beach")
            .expect("text embedded");
        assert_eq!(text.len(), 16);
        assert!((norm(&text) - 1.0).abs() < 1e-4);
        let text2 = reloaded
            .embed_query_text("a photo of a dog on the beach")
            .expect("text embedded");
        for (a, b) in text.iter().zip(&text2) {
            assert!((a - b).abs() < 1e-5);
        }
        let other = clip.embed_query_text("red car at night").expect("embedded");
        assert_ne!(text, other);
    }

    #[test]
    fn absent_weights_mean_no_visual_search() {
        let tmp = tempfile::tempdir().expect("tempdir");
        assert!(!ClipEmbedder::available(tmp.path()) || ClipEmbedder::locate(tmp.path()).is_some());
        let err = match ClipEmbedder::from_model_dir(tmp.path()) {
            Err(e) => e,
            Ok(_) => {
                eprintln!("a CLIP model exists in the Hugging Face cache; skipping");
                return;
            }
        };
        assert!(err.to_string().contains("fetch-models"), "{err}");
    }
}
