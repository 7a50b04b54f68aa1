//! Temporary libraries and fake stages for driving the queue.

use heimdex_core::{DataPaths, Stage, Unit, VideoId};
use heimdex_library::{Library, Pipeline, StageContext, StageError, StageRunner};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A library in a fresh temporary folder (removed when the guard drops).
pub async fn temp_library() -> (tempfile::TempDir, Library) {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(DataPaths::under(dir.path().join("data")))
        .await
        .unwrap();
    (dir, lib)
}

pub fn pipeline(lib: &Library, stages: Vec<Arc<dyn StageRunner>>) -> Pipeline {
    Pipeline::new(lib.clone(), stages)
}

/// A stage that counts its runs, reports progress, and fails (transiently) its first `fail_times`
/// runs; with `permanent`, every run fails permanently.
pub struct FakeStage {
    pub stage: Stage,
    pub runs: AtomicU32,
    pub fail_times: u32,
    pub permanent: bool,
    pub work: Duration,
}

impl FakeStage {
    pub fn ok(stage: Stage) -> Arc<Self> {
        Arc::new(Self {
            stage,
            runs: AtomicU32::new(0),
            fail_times: 0,
            permanent: false,
            work: Duration::ZERO,
        })
    }
    pub fn flaky(stage: Stage, fail_times: u32) -> Arc<Self> {
        Arc::new(Self {
            stage,
            runs: AtomicU32::new(0),
            fail_times,
            permanent: false,
            work: Duration::ZERO,
        })
    }
    pub fn broken(stage: Stage) -> Arc<Self> {
        Arc::new(Self {
            stage,
            runs: AtomicU32::new(0),
            fail_times: u32::MAX,
            permanent: true,
            work: Duration::ZERO,
        })
    }
    pub fn slow(stage: Stage, work: Duration) -> Arc<Self> {
        Arc::new(Self {
            stage,
            runs: AtomicU32::new(0),
            fail_times: 0,
            permanent: false,
            work,
        })
    }
    pub fn runs(&self) -> u32 {
        self.runs.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl StageRunner for FakeStage {
    fn stage(&self) -> Stage {
        self.stage
    }

    async fn run(&self, ctx: StageContext) -> Result<(), StageError> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        let steps = 10;
        for i in 0..steps {
            ctx.check_cancelled()?;
            ctx.progress
                .update(f64::from(i), Some(f64::from(steps)), Unit::Items);
            tokio::time::sleep(self.work / steps).await;
        }
        ctx.progress
            .update(f64::from(steps), Some(f64::from(steps)), Unit::Items);
        if self.permanent {
            return Err(StageError::Permanent(format!(
                "{} cannot be read",
                ctx.video.file_name
            )));
        }
        if n <= self.fail_times {
            return Err(StageError::Transient(format!("flaky failure {n}")));
        }
        Ok(())
    }
}

/// Runs the queued jobs of `p` (one at a time) until none is left, failing after `limit`.
pub async fn run_until_idle(p: &Pipeline, limit: Duration) {
    let runner = heimdex_library::Runner::acquire(p)
        .await
        .unwrap()
        .expect("the runner lock is free");
    let opts = heimdex_library::RunOptions {
        concurrency: 1,
        exit_when_idle: true,
        backoff_base: Duration::from_millis(20),
    };
    tokio::time::timeout(
        limit,
        runner.run(&opts, tokio_util::sync::CancellationToken::new()),
    )
    .await
    .expect("the queue settles in time")
    .unwrap();
}

/// Paths under `root` for a library that runs the real search stages: Whisper tiny.en (chosen
/// through `HEIMDEX_SPEECH_MODEL`) and all-MiniLM-L6-v2 from the model folder. `None` (SKIPPED
/// printed) when a model is missing outside CI; in CI that fails.
pub fn search_paths(root: &std::path::Path) -> Option<DataPaths> {
    use heimdex_embed::testing::{require_model, test_model_dir};
    use heimdex_embed::MiniLmEmbedder;
    let whisper = heimdex_speech::model_dir::test_model("whisper-tiny.en")?;
    require_model(
        "all-MiniLM-L6-v2",
        MiniLmEmbedder::locate(&test_model_dir()),
    )?;
    std::env::set_var(
        heimdex_library::stages::speech::SPEECH_MODEL_ENV,
        "whisper-tiny.en",
    );
    let mut paths = DataPaths::under(root.to_path_buf());
    paths.model_dir = whisper.parent()?.to_path_buf();
    if MiniLmEmbedder::locate(&paths.model_dir).is_none() {
        paths.model_dir = test_model_dir();
    }
    Some(paths)
}

/// A video with `n` scenes written straight into the tables (fast; no media needed).
pub async fn fake_video(lib: &Library, hash: &str, n: u32, done: bool) -> VideoId {
    let id = VideoId::from_content_hash(hash);
    let info = serde_json::json!({
        "container": "mp4", "duration_secs": f64::from(n) * 2.0, "start_secs": 0.0, "width": 640,
        "height": 360, "sample_aspect": {"num": 1, "den": 1}, "display_aspect": {"num": 16, "den": 9},
        "display_width": 640, "display_height": 360, "rotation": 0, "fps": 25.0,
        "base_frame_rate": {"num": 25, "den": 1}, "variable_frame_rate": false, "frame_count": null,
        "video_codec": "h264", "pixel_format": null, "has_audio": false, "audio_codec": null,
        "audio_sample_rate": null, "audio_channels": null, "creation_time": null, "bit_rate": null
    });
    sqlx::query(
        "INSERT INTO videos (id, content_hash, path, file_name, size_bytes, duration_secs, width, height, fps, \
         rotation, video_codec, has_audio, info_json, imported_at, updated_at) \
         VALUES (?, ?, ?, ?, 1, ?, 640, 360, 25, 0, 'h264', 0, ?, 0, 0)",
    )
    .bind(id.as_str())
    .bind(hash)
    .bind(format!("/videos/{hash}.mp4"))
    .bind(format!("{hash}.mp4"))
    .bind(f64::from(n) * 2.0)
    .bind(info.to_string())
    .execute(lib.pool())
    .await
    .unwrap();
    for i in 0..n {
        sqlx::query(
            "INSERT INTO scenes (video_id, idx, start_frame, end_frame, start_secs, end_secs) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.as_str())
        .bind(i64::from(i))
        .bind(i64::from(i) * 50)
        .bind(i64::from(i + 1) * 50)
        .bind(f64::from(i) * 2.0)
        .bind(f64::from(i + 1) * 2.0)
        .execute(lib.pool())
        .await
        .unwrap();
    }
    for (order, stage) in ["poster", "scenes"].iter().enumerate() {
        sqlx::query(
            "INSERT INTO jobs (video_id, stage, stage_order, state, created_at, updated_at) VALUES (?, ?, ?, 'queued', 0, 0)",
        )
        .bind(id.as_str())
        .bind(stage)
        .bind(order as i64)
        .execute(lib.pool())
        .await
        .unwrap();
    }
    if done {
        finish_jobs(lib, &id).await;
    }
    id
}

pub async fn finish_jobs(lib: &Library, id: &VideoId) {
    for stage in ["poster", "scenes"] {
        sqlx::query("UPDATE jobs SET state = 'done' WHERE video_id = ? AND stage = ?")
            .bind(id.as_str())
            .bind(stage)
            .execute(lib.pool())
            .await
            .unwrap();
    }
}
