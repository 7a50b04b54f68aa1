//! EfficientNet-Lite0 on candle against an independent numpy forward pass
//! (scripts/vision/reference_forward.py) of the same weights, on a synthetic input and on real
//! photographs' expected classes. Needs the model folder (scripts/fetch-models.sh; missing:
//! SKIPPED locally, failure in CI).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use heimdex_embed::local::vision::{TagKind, TagPolicy, IMAGE_SIZE};
use heimdex_embed::testing::{require_model, test_model_dir};
use heimdex_embed::VisionModel;

fn model() -> Option<VisionModel> {
    let dir = require_model("efficientnet-lite0", VisionModel::locate(&test_model_dir()))?;
    Some(VisionModel::load(&dir).expect("loads"))
}

/// x[c, h, w] = sin(0.05 h (c + 1) + 0.031 w), given channels last.
fn synthetic() -> Vec<f32> {
    let n = IMAGE_SIZE;
    let mut out = vec![0f32; n * n * 3];
    for h in 0..n {
        for w in 0..n {
            for c in 0..3 {
                out[(h * n + w) * 3 + c] =
                    (0.05 * h as f64 * (c + 1) as f64 + 0.031 * w as f64).sin() as f32;
            }
        }
    }
    out
}

#[test]
fn matches_the_numpy_reference_on_a_synthetic_input() {
    let Some(m) = model() else { return };
    let (feature, logits) = m.raw_outputs(&synthetic()).unwrap();
    assert_eq!(feature.len(), 1280);
    assert_eq!(logits.len(), 1000);
    let sum: f32 = feature.iter().sum();
    let norm: f32 = feature.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((sum - 197.158).abs() < 0.05, "feature sum {sum}");
    assert!((norm - 20.7569).abs() < 0.01, "feature norm {norm}");
    assert!(
        (feature[3] - 0.064_441_2).abs() < 1e-3,
        "feature[3] {}",
        feature[3]
    );
    let mut order: Vec<usize> = (0..1000).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
    assert_eq!(&order[..5], &[767, 696, 418, 769, 772]);
    for (i, want) in [
        (767, 9.13825f32),
        (696, 8.40723),
        (418, 8.39043),
        (769, 5.86702),
    ] {
        assert!(
            (logits[i] - want).abs() < 2e-3,
            "logit {i}: {} vs {want}",
            logits[i]
        );
    }
}

#[test]
fn labels_carry_wordnet_hypernyms() {
    let Some(m) = model() else { return };
    assert_eq!(m.labels().len(), 1000);
    let tabby = m.labels().class(281).expect("class 281");
    assert_eq!(tabby.name, "tabby cat");
    assert!(tabby.hypernyms.iter().any(|h| h == "cat"));
    // An image the model is sure is class 281 is tagged "tabby cat", then "cat" and "animal".
    let mut probs = vec![0.0f32; 1000];
    probs[281] = 0.9;
    probs[285] = 0.1;
    let tags = m.labels().tags(&probs, &TagPolicy::default());
    assert_eq!(tags[0].label, "tabby cat");
    assert_eq!(tags[0].kind, TagKind::Class);
    for word in ["cat", "animal"] {
        let t = tags.iter().find(|t| t.label == word).expect(word);
        assert_eq!(t.kind, TagKind::Hypernym);
        assert!(
            t.score < tags[0].score,
            "a broader word is weighted below the class"
        );
    }
}

#[test]
fn a_damaged_weight_file_names_itself_and_the_fix() {
    let Some(m) = model() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("efficientnet-lite0");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(m.dir().join("labels.json"), dir.join("labels.json")).unwrap();
    std::fs::write(
        dir.join("model.safetensors"),
        b"\x10\x00\x00\x00\x00\x00\x00\x00{}",
    )
    .unwrap();
    let err = VisionModel::load(&dir)
        .err()
        .expect("must fail")
        .to_string();
    assert!(err.contains("model.safetensors"), "{err}");
    assert!(err.contains("fetch-models"), "{err}");
}
