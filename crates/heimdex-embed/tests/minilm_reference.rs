//! Our all-MiniLM-L6-v2 vectors against sentence-transformers' (scripts/make-minilm-reference.py).
#![cfg(feature = "local")]

use heimdex_embed::testing::{require_model, test_model_dir};
use heimdex_embed::vector::cosine;
use heimdex_embed::{MiniLmEmbedder, TextEmbedder};

#[derive(serde::Deserialize)]
struct Reference {
    sentences: Vec<String>,
    vectors: Vec<Vec<f32>>,
}

fn reference() -> Reference {
    let text = include_str!("data/minilm_reference.json");
    serde_json::from_str(text).expect("reference file parses")
}

fn model() -> Option<MiniLmEmbedder> {
    let dir = require_model(
        "all-MiniLM-L6-v2",
        MiniLmEmbedder::locate(&test_model_dir()),
    )?;
    Some(MiniLmEmbedder::load(&dir).expect("model loads"))
}

#[test]
fn vectors_match_sentence_transformers() {
    let Some(model) = model() else { return };
    let reference = reference();
    let texts: Vec<&str> = reference.sentences.iter().map(String::as_str).collect();
    let ours = model.embed(&texts).expect("embedded");
    assert_eq!(ours.len(), reference.vectors.len());
    let lowest = ours
        .iter()
        .zip(&reference.vectors)
        .map(|(a, b)| cosine(a, b))
        .fold(f32::INFINITY, f32::min);
    eprintln!("lowest cosine to sentence-transformers: {lowest:.6}");
    for ((text, a), b) in texts.iter().zip(&ours).zip(&reference.vectors) {
        assert_eq!(a.len(), MiniLmEmbedder::DIM);
        let c = cosine(a, b);
        assert!(c >= 0.999, "cosine {c} < 0.999 for {text:?}");
    }
}

#[test]
fn batching_and_order_do_not_change_vectors() {
    let Some(model) = model() else { return };
    let reference = reference();
    let texts: Vec<&str> = reference.sentences.iter().map(String::as_str).collect();
    let together = model.embed(&texts).expect("embedded");
    let small_batches = MiniLmEmbedder::load(model.dir())
        .expect("loads")
        .with_batch_size(3);
    let reversed: Vec<&str> = texts.iter().rev().copied().collect();
    let apart = small_batches.embed(&reversed).expect("embedded");
    for (a, b) in together.iter().zip(apart.iter().rev()) {
        assert!(cosine(a, b) > 0.99999);
    }
    let one = model.embed_one(texts[0]).expect("embedded");
    assert!(cosine(&one, &together[0]) > 0.99999);
    let norm: f32 = one.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4);
}

#[test]
fn related_sentences_are_closer() {
    let Some(model) = model() else { return };
    let v = model
        .embed(&["a dog", "a puppy", "the stock market"])
        .expect("embedded");
    assert!(cosine(&v[0], &v[1]) > cosine(&v[0], &v[2]) + 0.2);
}
