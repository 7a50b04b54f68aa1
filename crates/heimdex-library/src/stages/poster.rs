//! Poster stage: one representative frame per video for the library grid.

use crate::pipeline::{StageContext, StageError, StageRunner};
use heimdex_core::{Stage, Unit};
use heimdex_media::tools::{last_error_line, run_with_timeout};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Width of the poster image in pixels.
pub const POSTER_WIDTH: u32 = 480;

pub struct PosterStage;

/// Where a video's poster is kept.
pub fn poster_path(paths: &heimdex_core::DataPaths, video: &heimdex_core::VideoId) -> PathBuf {
    paths.video_cache(video).join("poster.jpg")
}

#[async_trait::async_trait]
impl StageRunner for PosterStage {
    fn stage(&self) -> Stage {
        Stage::Poster
    }

    async fn run(&self, ctx: StageContext) -> Result<(), StageError> {
        ctx.check_cancelled()?;
        ctx.progress.update(0.0, Some(1.0), Unit::Items);
        let out = poster_path(ctx.library.paths(), &ctx.video.id);
        let input = ctx.video.path.clone();
        // A tenth of the way in skips black leaders and title fades.
        let at = (ctx.video.info.duration_secs * 0.1).clamp(0.0, 30.0);
        tokio::task::spawn_blocking(move || write_poster(&input, at, &out))
            .await
            .map_err(|e| StageError::Transient(format!("poster task failed: {e}")))??;
        ctx.progress.update(1.0, Some(1.0), Unit::Items);
        Ok(())
    }
}

fn write_poster(input: &Path, at_secs: f64, out: &Path) -> Result<(), StageError> {
    let dir = out
        .parent()
        .ok_or_else(|| StageError::Permanent("bad cache path".into()))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| StageError::Transient(format!("cannot create {}: {e}", dir.display())))?;
    let tmp = out.with_extension("jpg.part");
    // Seek first; a video shorter than that (or with one frame) falls back to its first frame.
    for seek in [at_secs, 0.0] {
        let mut cmd = heimdex_media::tools::ffmpeg();
        cmd.args([
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-ss",
            &format!("{seek:.3}"),
        ])
        .args(heimdex_media::tools::input_args(input))
        .args([
            "-frames:v",
            "1",
            "-an",
            "-vf",
            &format!("scale='min({POSTER_WIDTH},iw)':-2"),
            "-q:v",
            "4",
            "-f",
            "image2",
            "-c:v",
            "mjpeg",
        ])
        .arg(&tmp);
        let output = run_with_timeout(cmd, Duration::from_secs(120))
            .map_err(|e| StageError::Transient(e.to_string()))?;
        let wrote = std::fs::metadata(&tmp)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        if output.success && wrote {
            std::fs::rename(&tmp, out).map_err(|e| {
                StageError::Transient(format!("cannot write {}: {e}", out.display()))
            })?;
            return Ok(());
        }
        if seek == 0.0 {
            let _ = std::fs::remove_file(&tmp);
            return Err(StageError::Permanent(format!(
                "no picture could be decoded: {}",
                last_error_line(&output.stderr)
            )));
        }
    }
    Err(StageError::Permanent("no picture could be decoded".into()))
}
