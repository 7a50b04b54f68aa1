//! The vision stage: what each scene shows. Its keyframe and the extra pictures of a long scene
//! (all written by the scenes stage's one decode pass) go through EfficientNet-Lite0 in batches;
//! each scene gets tags (its likeliest ImageNet classes and their broader WordNet words, best score
//! over its pictures) and one picture vector (the mean of its pictures' features). The embed stage
//! then puts the tags in the scene's searchable text and the vector in the search index.
//!
//! Without the model (not fetched, or its files damaged) the stage records why and finishes, so
//! the rest of the pipeline goes on; [`requeue_skipped`] queues those videos again once the model
//! is there.

use crate::pipeline::{StageContext, StageError, StageRunner};
use crate::visual::{self, SceneTag, SceneVisual};
use crate::{jobs, scenes, Library};
use heimdex_core::{Stage, Unit, VideoId};
use heimdex_embed::local::vision::{merge_tags, top_classes, Tag, TagPolicy, BATCH, TOP_CLASSES};
use heimdex_embed::VisionModel;
use std::path::PathBuf;

/// Pictures looked at per scene at most: its keyframe and extra pictures spread along a long scene
/// (the scenes stage saves one per 10 s).
pub const MAX_PICTURES_PER_SCENE: usize = 5;

#[derive(Debug, Default)]
pub struct VisionStage;

/// What the pictures of one scene gave, while they are read.
#[derive(Default)]
struct PerScene {
    idx: u32,
    tags: Vec<Vec<Tag>>,
    /// Sum of the pictures' normalised vectors.
    sum: Vec<f32>,
    /// Each class's best probability over the pictures.
    probs: Vec<f32>,
    pictures: u32,
}

/// The command that installs the model, for messages.
pub const FETCH_HINT: &str = "run scripts/fetch-models.sh";

#[async_trait::async_trait]
impl StageRunner for VisionStage {
    fn stage(&self) -> Stage {
        Stage::Vision
    }

    async fn run(&self, ctx: StageContext) -> Result<(), StageError> {
        ctx.check_cancelled()?;
        let pool = ctx.library.pool().clone();
        let video = ctx.video.clone();
        let model_dir = ctx.library.paths().model_dir.clone();
        let state = ctx.library.search_state().clone();
        let model = {
            let dir = model_dir.clone();
            tokio::task::spawn_blocking(move || state.vision_model(&dir))
                .await
                .map_err(|e| StageError::Transient(format!("vision model task failed: {e}")))?
        };
        let model = match model {
            Ok(Some(m)) => m,
            Ok(None) => {
                let why = format!(
                    "the picture model is not installed ({} not found): {FETCH_HINT}",
                    VisionModel::expected_dir(&model_dir).display()
                );
                tracing::warn!("{}: scenes not tagged: {why}", video.file_name);
                visual::record_skipped(&pool, &video.id, &why).await?;
                return Ok(());
            }
            Err(e) => {
                let why = format!("the picture model cannot be loaded: {e}; {FETCH_HINT}");
                tracing::warn!("{}: scenes not tagged: {why}", video.file_name);
                visual::record_skipped(&pool, &video.id, &why).await?;
                return Ok(());
            }
        };

        let scene_rows = scenes::list_for_video(&pool, ctx.library.paths(), &video.id).await?;
        // (scene index, picture) in scene order.
        let mut pictures: Vec<(u32, PathBuf)> = Vec::new();
        for s in &scene_rows {
            let samples: Vec<PathBuf> = s
                .samples
                .iter()
                .map(|x| x.path.clone())
                .filter(|p| p.is_file())
                .collect();
            let keyframe = s.keyframe_path.clone().filter(|p| p.is_file());
            for p in keyframe
                .into_iter()
                .chain(spread(samples, MAX_PICTURES_PER_SCENE - 1))
            {
                pictures.push((s.idx, p));
            }
        }
        let total = pictures.len() as f64;
        ctx.progress
            .update_with_message(0.0, Some(total), Unit::Items, "looking at the pictures");
        let progress = ctx.progress.clone();
        let cancel = ctx.cancel.clone();
        let scene_ids: Vec<u32> = scene_rows.iter().map(|s| s.idx).collect();
        let file_name = video.file_name.clone();
        let m = model.clone();
        let found = tokio::task::spawn_blocking(move || {
            let policy = TagPolicy::default();
            let mut per_scene: Vec<PerScene> = scene_ids
                .iter()
                .map(|&i| PerScene {
                    idx: i,
                    ..Default::default()
                })
                .collect();
            let mut done = 0usize;
            progress.restart_clock();
            for chunk in pictures.chunks(BATCH) {
                if cancel.is_cancelled() {
                    return Err(StageError::Cancelled);
                }
                let paths: Vec<PathBuf> = chunk.iter().map(|(_, p)| p.clone()).collect();
                for ((idx, path), result) in chunk.iter().zip(m.analyze_files(&paths)) {
                    match result {
                        Ok(a) => {
                            let Some(slot) = per_scene.iter_mut().find(|s| s.idx == *idx) else {
                                continue;
                            };
                            slot.tags.push(m.tags(&a, &policy));
                            if slot.sum.is_empty() {
                                slot.sum = vec![0.0; a.vector.len()];
                                slot.probs = vec![0.0; a.probs.len()];
                            }
                            for (acc, v) in slot.sum.iter_mut().zip(&a.vector) {
                                *acc += v;
                            }
                            for (acc, p) in slot.probs.iter_mut().zip(&a.probs) {
                                *acc = acc.max(*p);
                            }
                            slot.pictures += 1;
                        }
                        Err(e) => {
                            tracing::warn!("{file_name}: picture {} skipped: {e}", path.display())
                        }
                    }
                }
                done += chunk.len();
                progress.update(done as f64, Some(total), Unit::Items);
            }
            let labels = m.labels();
            Ok(per_scene
                .into_iter()
                .map(
                    |PerScene {
                         idx,
                         tags,
                         mut sum,
                         probs,
                         pictures,
                     }| {
                        let classes = top_classes(&probs, TOP_CLASSES);
                        let vector = (pictures > 0).then(|| {
                            heimdex_embed::vector::l2_normalize(&mut sum);
                            sum
                        });
                        let tags = merge_tags(&tags)
                            .into_iter()
                            .map(|t| SceneTag {
                                names: if t.kind == heimdex_embed::local::vision::TagKind::Class {
                                    labels
                                        .names_of(&t.label)
                                        .into_iter()
                                        .filter(|n| n != &t.label)
                                        .collect()
                                } else {
                                    Vec::new()
                                },
                                label: t.label,
                                score: t.score,
                                kind: t.kind.as_str().to_owned(),
                            })
                            .collect();
                        SceneVisual {
                            scene_idx: idx,
                            tags,
                            vector,
                            pictures,
                            classes,
                        }
                    },
                )
                .collect::<Vec<_>>())
        })
        .await
        .map_err(|e| StageError::Transient(format!("vision task failed: {e}")))??;
        ctx.check_cancelled()?;
        visual::replace_for_video(&pool, &video.id, model.model_id(), &found).await?;
        // The classes' text vectors, once, so the first search need not make them.
        let state = ctx.library.search_state().clone();
        let cache_dir = ctx.library.paths().cache_dir.clone();
        let _ = tokio::task::spawn_blocking(move || {
            if let Err(e) = state.class_vectors(&model_dir, &cache_dir) {
                tracing::warn!("search by what is seen off: {e}");
            }
        })
        .await;
        ctx.progress.update(total, Some(total), Unit::Items);
        Ok(())
    }
}

/// At most `n` of `items`, spread evenly from the first (a long scene is looked at along its
/// whole length, not only at its start).
fn spread<T>(items: Vec<T>, n: usize) -> Vec<T> {
    let len = items.len();
    if len <= n {
        return items;
    }
    let keep: Vec<usize> = (0..n).map(|i| i * len / n).collect();
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, x)| x)
        .collect()
}

/// Queues the vision and embed stages again for videos the vision stage skipped, once the model
/// is installed. Returns how many videos were queued.
pub async fn requeue_skipped(library: &Library) -> crate::error::Result<usize> {
    let pool = library.pool();
    let skipped = visual::skipped_videos(pool).await?;
    if skipped.is_empty() || VisionModel::locate(&library.paths().model_dir).is_none() {
        return Ok(0);
    }
    for video in &skipped {
        requeue(pool, video).await?;
    }
    tracing::info!(
        videos = skipped.len(),
        "the picture model is installed now: tagging the videos indexed without it"
    );
    library.notify_work();
    Ok(skipped.len())
}

async fn requeue(pool: &sqlx::SqlitePool, video: &VideoId) -> crate::error::Result<()> {
    jobs::requeue_stages(pool, video, &[Stage::Vision, Stage::Embed]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_scenes_are_sampled_along_their_length() {
        assert_eq!(spread((0..3).collect(), 5), vec![0, 1, 2]);
        assert_eq!(spread((0..9).collect(), 3), vec![0, 3, 6]);
        assert_eq!(spread((0..4).collect::<Vec<u32>>(), 0), Vec::<u32>::new());
    }
}
