//! The scenes stage through the real pipeline: rows, pictures, idempotence, bad input.

use heimdex_core::{JobState, Stage};
use heimdex_library::pipeline::progress::ProgressReporter;
use heimdex_library::stages::scenes::ScenesStage;
use heimdex_library::{
    jobs, scenes, videos, Pipeline, RunOptions, Runner, StageContext, StageRunner,
};
use heimdex_tests::library::{pipeline, temp_library};
use heimdex_tests::media;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

async fn run_all(p: &Pipeline) {
    let runner = Runner::acquire(p).await.unwrap().expect("lock is free");
    let opts = RunOptions {
        concurrency: 2,
        exit_when_idle: true,
        backoff_base: Duration::from_millis(20),
    };
    tokio::time::timeout(
        Duration::from_secs(120),
        runner.run(&opts, CancellationToken::new()),
    )
    .await
    .expect("queue settles")
    .unwrap();
}

/// Test pattern for 2 s, then colour bars for 2 s: one hard cut at frame 50.
fn two_shots(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("two.mp4");
    let graph = "testsrc2=s=640x360:r=25:d=2[a];smptebars=s=640x360:r=25:d=2[b];[a][b]concat=n=2:v=1,format=yuv420p[v]";
    media::ffmpeg(&[
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        out.to_str().unwrap(),
    ]);
    out
}

#[tokio::test]
async fn scenes_stage_stores_scenes_and_pictures() {
    let (dir, lib) = temp_library().await;
    let p = pipeline(&lib, heimdex_library::stages::default_stages());
    let file = two_shots(dir.path());
    let v = p.import(&[file]).await.unwrap().videos[0].id.clone();
    run_all(&p).await;
    assert_eq!(
        jobs::state_of(lib.pool(), &v, Stage::Scenes).await.unwrap(),
        Some(JobState::Done)
    );
    let list = scenes::list_for_video(lib.pool(), lib.paths(), &v)
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!((list[0].start_frame, list[0].end_frame), (0, 50));
    assert_eq!((list[1].start_frame, list[1].end_frame), (50, 100));
    assert!((list[1].start_secs - 2.0).abs() < 0.01);
    for s in &list {
        assert!(s.keyframe_path.as_ref().unwrap().exists());
        assert!(s.thumbnail_path.as_ref().unwrap().exists());
        assert!(s.sharpness.unwrap() > 0.0);
        let kf = s.keyframe_frame.unwrap();
        assert!(kf >= s.start_frame && kf < s.end_frame);
    }

    // Running the stage again replaces rows and files (idempotent).
    let video = videos::get(lib.pool(), &v).await.unwrap().unwrap();
    let (tx, _rx) = tokio::sync::broadcast::channel(64);
    let ctx = StageContext {
        library: lib.clone(),
        video: video.clone(),
        progress: ProgressReporter::new(v.clone(), video.file_name.clone(), Stage::Scenes, tx),
        cancel: CancellationToken::new(),
        attempt: 2,
    };
    ScenesStage::default().run(ctx.clone()).await.unwrap();
    let again = scenes::list_for_video(lib.pool(), lib.paths(), &v)
        .await
        .unwrap();
    assert_eq!(again, list);
    let files = std::fs::read_dir(lib.paths().video_cache(&v).join("scenes"))
        .unwrap()
        .count();
    assert_eq!(
        files, 4,
        "two keyframes and two thumbnails, nothing left over"
    );

    // A cancelled run changes nothing.
    ctx.cancel.cancel();
    let r = ScenesStage::default().run(ctx).await;
    assert!(matches!(r, Err(heimdex_library::StageError::Cancelled)));
    assert_eq!(
        scenes::list_for_video(lib.pool(), lib.paths(), &v)
            .await
            .unwrap(),
        list
    );

    // Removing the video drops its scenes.
    assert!(p.remove(&v).await.unwrap());
    assert_eq!(scenes::count_for_video(lib.pool(), &v).await.unwrap(), 0);
}

#[tokio::test]
async fn truncated_video_still_gets_scenes() {
    let (dir, lib) = temp_library().await;
    let p = pipeline(&lib, vec![Arc::new(ScenesStage::default())]);
    let cut = media::truncated_copy(dir.path(), "cut.mp4");
    let report = p.import(&[cut]).await.unwrap();
    let Some(v) = report.videos.first().map(|v| v.id.clone()) else {
        return; // the importer refused the damaged file: nothing to run
    };
    run_all(&p).await;
    let state = jobs::state_of(lib.pool(), &v, Stage::Scenes).await.unwrap();
    assert!(
        matches!(state, Some(JobState::Done) | Some(JobState::Failed)),
        "{state:?}"
    );
    if state == Some(JobState::Done) {
        assert!(scenes::count_for_video(lib.pool(), &v).await.unwrap() >= 1);
    }
}
