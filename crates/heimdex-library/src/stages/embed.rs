//! Embed stage: each scene's sidecar text (transcript words, on-screen text, file name, date) goes
//! into the BM25 index and through all-MiniLM-L6-v2; keyframes go through CLIP when real CLIP
//! weights are installed. Without the MiniLM model the scenes are still searchable by BM25 (a
//! warning, not a failed video); fetch the model and re-index to add vectors.

use crate::pipeline::{StageContext, StageError, StageRunner};
use crate::search::store::{self, SceneTextRow};
use crate::search::StoredVector;
use crate::{ocr, scenes, settings, transcripts, visual};
use heimdex_core::{Stage, Unit};
use heimdex_embed::{ImageEmbedder, TextEmbedder};
use heimdex_search::{build_sidecar, SceneKey, SidecarParts, VectorKind};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Sidecar texts per forward pass (also how often progress and cancellation are checked).
const TEXT_BATCH: usize = 32;
/// Keyframes per forward pass.
const IMAGE_BATCH: usize = 8;

#[derive(Default)]
pub struct EmbedStage {
    /// Whether Tesseract is installed (asked once).
    tesseract: OnceLock<bool>,
}

/// One scene's inputs.
struct SceneInput {
    idx: u32,
    transcript: String,
    /// What the vision stage saw, as words.
    visual: String,
    /// The caption stage's sentence about the keyframe.
    caption: Option<String>,
    keyframe: Option<PathBuf>,
}

#[async_trait::async_trait]
impl StageRunner for EmbedStage {
    fn stage(&self) -> Stage {
        Stage::Embed
    }

    async fn run(&self, ctx: StageContext) -> Result<(), StageError> {
        ctx.check_cancelled()?;
        let pool = ctx.library.pool().clone();
        let video = ctx.video.clone();
        let scene_rows = scenes::list_for_video(&pool, ctx.library.paths(), &video.id).await?;
        // Speech may have finished before the scenes pass: its segments get their scenes now.
        transcripts::reassign_scenes(&pool, &video.id).await?;
        let mut spoken: HashMap<i64, String> = transcripts::scene_texts(&pool, &video.id)
            .await?
            .into_iter()
            .map(|t| (t.scene_idx, t.text))
            .collect();
        let mut seen = visual::tags_for_video(&pool, &video.id).await?;
        let picture_vectors = visual::vectors_for_video(&pool, &video.id).await?;
        let mut captioned = crate::captions::texts_for_video(&pool, &video.id).await?;
        let inputs: Vec<SceneInput> = scene_rows
            .iter()
            .map(|s| SceneInput {
                idx: s.idx,
                transcript: spoken.remove(&i64::from(s.idx)).unwrap_or_default(),
                visual: seen
                    .remove(&s.idx)
                    .map(|t| visual::sidecar_words(&t))
                    .unwrap_or_default(),
                caption: captioned.remove(&s.idx),
                keyframe: s.keyframe_path.clone().filter(|p| p.is_file()),
            })
            .collect();
        let date = store::video_date(&pool, &video.id)
            .await?
            .and_then(|d| parse_day(&d));
        let ocr_on = settings::get(&pool, ocr::OCR_SETTING).await?.as_deref() != Some("off")
            && *self.tesseract.get_or_init(ocr::available);

        let state = ctx.library.search_state().clone();
        let model_dir = ctx.library.paths().model_dir.clone();
        // Items: each picture Tesseract reads for on-screen text (repeated keyframes are read
        // once: their number is known once they are compared), each scene's text, and each
        // keyframe's picture vector when a picture model (CLIP) is installed. The bar only counts
        // work that will run, so that it moves evenly to its end.
        let with_keyframe = if heimdex_embed::ClipEmbedder::available(&model_dir) {
            inputs.iter().filter(|s| s.keyframe.is_some()).count()
        } else {
            0
        };
        let after_ocr = (inputs.len() + with_keyframe) as f64;
        // The first guess counts every keyframe for OCR; the blocking task below knows how many
        // Tesseract reads and hands back the total it counted to.
        let guess = after_ocr + if ocr_on { inputs.len() as f64 } else { 0.0 };
        ctx.progress
            .update_with_message(0.0, Some(guess), Unit::Items, "loading search model");
        let progress = ctx.progress.clone();
        let cancel = ctx.cancel.clone();
        let file_name = video.file_name.clone();
        let key_video = video.id.clone();
        let (texts, vectors, total) = tokio::task::spawn_blocking(move || {
            let mut total = guess;
            let cancelled = || {
                if cancel.is_cancelled() {
                    Err(StageError::Cancelled)
                } else {
                    Ok(())
                }
            };
            let mut done = 0.0;
            // On-screen text: a keyframe that repeats an earlier one is read once, the others by
            // one Tesseract process per core.
            let mut ocr_text: Vec<String> = vec![String::new(); inputs.len()];
            if ocr_on {
                let images: Vec<Option<PathBuf>> =
                    inputs.iter().map(|s| s.keyframe.clone()).collect();
                let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
                let to_read = std::sync::atomic::AtomicUsize::new(0);
                ocr_text = ocr::read_texts(&images, workers, &|read, n| {
                    to_read.store(n, std::sync::atomic::Ordering::Relaxed);
                    progress.update(read as f64, Some(n as f64 + after_ocr), Unit::Items);
                    !cancel.is_cancelled()
                });
                cancelled()?;
                done = to_read.into_inner() as f64;
                total = done + after_ocr;
            }
            let texts: Vec<SceneTextRow> = inputs
                .iter()
                .zip(&ocr_text)
                .map(|(s, o)| {
                    let parts = SidecarParts {
                        transcript: s.transcript.split_whitespace().collect(),
                        caption: s.caption.as_deref(),
                        visual: Some(s.visual.as_str()),
                        ocr: Some(o.as_str()),
                        file_name: Some(&file_name),
                        date,
                    };
                    SceneTextRow {
                        scene_idx: s.idx,
                        snippet: if s.transcript.trim().is_empty() {
                            o.clone()
                        } else {
                            s.transcript.trim().to_owned()
                        },
                        sidecar: build_sidecar(&parts),
                    }
                })
                .collect();
            let key = |idx: u32| SceneKey::new(key_video.clone(), idx);
            // The vision stage's picture vectors go into the index with the text ones.
            let mut vectors: Vec<StoredVector> = picture_vectors
                .into_iter()
                .map(|(idx, model_id, vector)| StoredVector {
                    key: key(idx),
                    kind: VectorKind::Image,
                    model_id,
                    vector,
                })
                .collect();
            match state.text_embedder(&model_dir) {
                Ok(Some(model)) => {
                    progress.restart_clock();
                    for batch in texts.chunks(TEXT_BATCH) {
                        cancelled()?;
                        let refs: Vec<&str> = batch.iter().map(|t| t.sidecar.as_str()).collect();
                        let out = model
                            .embed(&refs)
                            .map_err(|e| StageError::Transient(e.to_string()))?;
                        for (t, v) in batch.iter().zip(out) {
                            vectors.push(StoredVector {
                                key: key(t.scene_idx),
                                kind: VectorKind::Text,
                                model_id: model.model_id().to_owned(),
                                vector: v,
                            });
                        }
                        done += batch.len() as f64;
                        progress.update(done, Some(total), Unit::Items);
                    }
                }
                Ok(None) => {
                    tracing::warn!(
                        "text vectors skipped: all-MiniLM-L6-v2 not found in {} (run scripts/fetch-models.sh); scenes are searchable by their words only",
                        model_dir.display()
                    );
                    done += texts.len() as f64;
                    progress.update(done, Some(total), Unit::Items);
                }
                Err(e) => return Err(StageError::Transient(e.to_string())),
            }
            match state.image_embedder(&model_dir) {
                Ok(Some(model)) => {
                    let with_kf: Vec<(u32, PathBuf)> = inputs
                        .iter()
                        .filter_map(|s| s.keyframe.clone().map(|k| (s.idx, k)))
                        .collect();
                    for batch in with_kf.chunks(IMAGE_BATCH) {
                        cancelled()?;
                        let paths: Vec<PathBuf> = batch.iter().map(|(_, p)| p.clone()).collect();
                        let out = model
                            .embed_images(&paths)
                            .map_err(|e| StageError::Transient(e.to_string()))?;
                        for ((idx, _), v) in batch.iter().zip(out) {
                            vectors.push(StoredVector {
                                key: key(*idx),
                                kind: VectorKind::Image,
                                model_id: model.model_id().to_owned(),
                                vector: v,
                            });
                        }
                        done += batch.len() as f64;
                        progress.update(done, Some(total), Unit::Items);
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!("image vectors skipped: {e}"),
            }
            Ok::<_, StageError>((texts, vectors, total))
        })
        .await
        .map_err(|e| StageError::Transient(format!("embed task failed: {e}")))??;
        ctx.check_cancelled()?;
        store::replace_video(&pool, &video.id, &texts, &vectors).await?;
        ctx.library
            .search_state()
            .replace_video(&video.id, &vectors)
            .await;
        let classes = visual::classes(&pool, Some(&video.id))
            .await?
            .into_iter()
            .map(|(_, scene, _, c)| (scene, c))
            .collect();
        ctx.library
            .search_state()
            .replace_seen(&video.id, classes)
            .await;
        ctx.progress.update(total, Some(total), Unit::Items);
        Ok(())
    }
}

/// `YYYY-MM-DD` as a date.
fn parse_day(s: &str) -> Option<time::Date> {
    let mut it = s.splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse() {
        assert_eq!(
            parse_day("2023-07-14"),
            time::Date::from_calendar_date(2023, time::Month::July, 14).ok()
        );
        assert_eq!(parse_day("2023-13-01"), None);
        assert_eq!(parse_day("soon"), None);
    }
}
