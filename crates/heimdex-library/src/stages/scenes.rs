//! The scenes stage: one decode pass per video finds the scene cuts (PySceneDetect's content
//! detector), picks each scene's sharpest usable keyframe, and saves keyframes and thumbnails in the
//! video's cache folder under `scenes/`.

use crate::pipeline::{StageContext, StageError, StageRunner};
use heimdex_core::{Stage, Unit};
use heimdex_media::scenes::analyze::KeyframeOptions;
use heimdex_media::scenes::{analyze, AnalyzeOptions, DetectorKind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Folder (inside the video's cache folder) that holds the scene pictures.
pub const SCENES_DIR: &str = "scenes";

#[derive(Debug, Clone, Default)]
pub struct ScenesStage {
    pub detector: DetectorKind,
}

#[async_trait::async_trait]
impl StageRunner for ScenesStage {
    fn stage(&self) -> Stage {
        Stage::Scenes
    }

    async fn run(&self, ctx: StageContext) -> Result<(), StageError> {
        ctx.check_cancelled()?;
        let cache_dir = ctx.library.paths().cache_dir.clone();
        let video_dir = ctx.library.paths().video_cache(&ctx.video.id);
        let final_dir = video_dir.join(SCENES_DIR);
        let work_dir = video_dir.join(format!("{SCENES_DIR}.tmp"));
        remove_dir(&work_dir)?;
        std::fs::create_dir_all(&work_dir).map_err(|e| {
            StageError::Transient(format!("could not create {}: {e}", work_dir.display()))
        })?;

        // The token is async; the decode loop polls a flag.
        let flag = Arc::new(AtomicBool::new(false));
        let bridge = {
            let flag = flag.clone();
            let token = ctx.cancel.clone();
            tokio::spawn(async move {
                token.cancelled().await;
                flag.store(true, Ordering::Relaxed);
            })
        };
        let opts = AnalyzeOptions {
            detector: self.detector,
            keyframes: Some(KeyframeOptions::new(&work_dir)),
            ..Default::default()
        };
        let path = ctx.video.path.clone();
        let info = ctx.video.info.clone();
        let progress = ctx.progress.clone();
        let task_flag = flag.clone();
        let result = tokio::task::spawn_blocking(move || {
            analyze(&path, Some(&info), &opts, &task_flag, &mut |done, total| {
                progress.update(done as f64, Some(total as f64), Unit::Frames);
            })
        })
        .await;
        bridge.abort();
        let analysis = match result {
            Ok(Ok(a)) => a,
            Ok(Err(e)) => {
                let _ = remove_dir(&work_dir);
                if ctx.cancel.is_cancelled() {
                    return Err(StageError::Cancelled);
                }
                let msg = format!("{}: {e}", ctx.video.path.display());
                return Err(if e.is_permanent() {
                    StageError::Permanent(msg)
                } else {
                    StageError::Transient(msg)
                });
            }
            Err(e) => {
                let _ = remove_dir(&work_dir);
                return Err(StageError::Transient(format!(
                    "scene detection stopped: {e}"
                )));
            }
        };
        ctx.check_cancelled()?;
        let total = analysis.frames as f64;
        ctx.progress.update(total, Some(total), Unit::Frames);

        // Swap the new pictures in, then replace the rows in one transaction.
        let old_dir = video_dir.join(format!("{SCENES_DIR}.old"));
        remove_dir(&old_dir)?;
        if final_dir.exists() {
            std::fs::rename(&final_dir, &old_dir).map_err(|e| io_err(&final_dir, &e))?;
        }
        std::fs::rename(&work_dir, &final_dir).map_err(|e| io_err(&work_dir, &e))?;
        crate::scenes::replace_for_video(
            ctx.library.pool(),
            &ctx.video.id,
            &cache_dir,
            &work_dir,
            &final_dir,
            &analysis,
        )
        .await?;
        let _ = remove_dir(&old_dir);
        Ok(())
    }
}

fn io_err(path: &Path, e: &std::io::Error) -> StageError {
    StageError::Transient(format!("{}: {e}", path.display()))
}

fn remove_dir(dir: &Path) -> Result<(), StageError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(dir, &e)),
    }
}
