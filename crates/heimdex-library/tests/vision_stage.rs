//! The vision stage end to end: a real video indexed with every default stage gets tags and picture
//! vectors per scene, its tags are searchable as words, a scene's own keyframe used as a picture
//! query finds that scene first, and without the model the stage says why, the rest of the
//! pipeline goes on, and the videos are queued again once the model is there.
//! Needs ffmpeg, the shared test data and the EfficientNet-Lite0 folder (scripts/fetch-models.sh;
//! missing: SKIPPED locally, failure in CI).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use heimdex_core::testdata::shared_data;
use heimdex_core::{DataPaths, JobState, Stage};
use heimdex_embed::testing::{require_model, test_model_dir};
use heimdex_embed::VisionModel;
use heimdex_library::pipeline::StageRunner;
use heimdex_library::search::{self, SearchRequest, Signal};
use heimdex_library::stages::vision::VisionStage;
use heimdex_library::stages::{embed::EmbedStage, poster::PosterStage, scenes::ScenesStage};
use heimdex_library::{jobs, scenes, visual, Library, Pipeline, RunOptions, Runner};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Every default stage but speech (not needed here, and slow in debug builds).
fn stages() -> Vec<Arc<dyn StageRunner>> {
    vec![
        Arc::new(PosterStage),
        Arc::new(ScenesStage::default()),
        Arc::new(VisionStage),
        Arc::new(EmbedStage::default()),
    ]
}

async fn index(lib: &Library, media: &Path) -> Pipeline {
    let p = Pipeline::new(lib.clone(), stages());
    p.import(&[media.to_path_buf()]).await.unwrap();
    run_queue(&p).await;
    p
}

async fn run_queue(p: &Pipeline) {
    let runner = Runner::acquire(p).await.unwrap().expect("lock is free");
    let opts = RunOptions {
        concurrency: 1,
        exit_when_idle: true,
        backoff_base: Duration::from_millis(20),
    };
    tokio::time::timeout(
        Duration::from_secs(600),
        runner.run(&opts, CancellationToken::new()),
    )
    .await
    .expect("queue settles")
    .unwrap();
}

#[tokio::test]
async fn scenes_get_tags_and_picture_vectors_and_are_found_by_them() {
    let Some(video) = shared_data("scenes/testvideo.mp4") else {
        return;
    };
    let Some(_) = require_model("efficientnet-lite0", VisionModel::locate(&test_model_dir()))
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut paths = DataPaths::under(tmp.path().join("data"));
    paths.model_dir = test_model_dir();
    let lib = Library::open(paths).await.unwrap();
    index(&lib, &video).await;

    let videos = heimdex_library::videos::list(lib.pool()).await.unwrap();
    let id = videos[0].id.clone();
    assert_eq!(
        jobs::state_of(lib.pool(), &id, Stage::Vision)
            .await
            .unwrap(),
        Some(JobState::Done)
    );
    let run = visual::run_of(lib.pool(), &id)
        .await
        .unwrap()
        .expect("recorded");
    assert_eq!(run.model_id.as_deref(), Some("efficientnet-lite0"));
    assert!(run.skipped.is_none());
    let scene_rows = scenes::list_for_video(lib.pool(), lib.paths(), &id)
        .await
        .unwrap();
    let tags = visual::tags_for_video(lib.pool(), &id).await.unwrap();
    let vectors = visual::vectors_for_video(lib.pool(), &id).await.unwrap();
    assert_eq!(
        vectors.len(),
        scene_rows.len(),
        "one picture vector per scene"
    );
    for (_, _, v) in &vectors {
        assert_eq!(v.len(), 1280);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "normalised: {norm}");
    }
    assert!(!tags.is_empty(), "some scene has tags");

    // A scene's best class, typed as a query, finds a scene showing it, with the tag marked.
    let (scene, scene_tags) = tags.iter().next().expect("a tagged scene");
    let best = scene_tags
        .iter()
        .find(|t| t.is_class())
        .expect("a class tag");
    let found = search::search(&lib, &SearchRequest::new(best.label.clone()))
        .await
        .unwrap();
    let hit = found
        .hits
        .iter()
        .find(|h| h.scene_idx == *scene)
        .unwrap_or_else(|| panic!("'{}' finds scene {scene}: {found:#?}", best.label));
    assert!(hit.seen.iter().any(|t| t.matched && t.label == best.label));
    assert!(found.notices.is_empty(), "{:?}", found.notices);

    // The scene's own keyframe as a picture query finds it first.
    let kf = scene_rows
        .iter()
        .find(|s| s.idx == *scene)
        .and_then(|s| s.keyframe_path.clone())
        .expect("keyframe");
    let by_picture = search::search_image(&lib, &kf, &SearchRequest::default())
        .await
        .unwrap();
    assert!(by_picture.signals.contains(&Signal::Picture));
    assert_eq!(by_picture.hits[0].scene_idx, *scene);
    assert!(by_picture.hits[0].scores.picture.unwrap_or(0.0) > 0.8);

    // "More like this" uses the picture vectors.
    let similar = search::similar(&lib, &id, *scene, 5).await.unwrap();
    assert!(similar.iter().all(|h| h.scene_idx != *scene));
    assert!(similar.iter().any(|h| h.scores.picture.is_some()));

    // A picture that cannot be read names the file.
    let bad = tmp.path().join("not-a-picture.jpg");
    std::fs::write(&bad, b"text").unwrap();
    let err = search::search_image(&lib, &bad, &SearchRequest::default())
        .await
        .expect_err("must fail");
    assert!(err.to_string().contains("not-a-picture.jpg"), "{err}");
}

#[tokio::test]
async fn without_the_model_the_rest_goes_on_and_videos_are_queued_once_it_appears() {
    let Some(video) = shared_data("scenes/testvideo.mp4") else {
        return;
    };
    let Some(model) = require_model("efficientnet-lite0", VisionModel::locate(&test_model_dir()))
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let models = tmp.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    let mut paths = DataPaths::under(tmp.path().join("data"));
    paths.model_dir = models.clone();
    let lib = Library::open(paths).await.unwrap();
    let p = index(&lib, &video).await;
    let id = heimdex_library::videos::list(lib.pool()).await.unwrap()[0]
        .id
        .clone();
    // Vision finished without looking, embed ran: the video is searchable by its words.
    for stage in [Stage::Vision, Stage::Embed] {
        assert_eq!(
            jobs::state_of(lib.pool(), &id, stage).await.unwrap(),
            Some(JobState::Done),
            "{stage}"
        );
    }
    let run = visual::run_of(lib.pool(), &id)
        .await
        .unwrap()
        .expect("recorded");
    let why = run.skipped.expect("skipped");
    assert!(
        why.contains("efficientnet-lite0") && why.contains("fetch-models"),
        "{why}"
    );
    // Search says so.
    let found = search::search(&lib, &SearchRequest::new("anything"))
        .await
        .unwrap();
    assert!(
        found.notices.iter().any(|n| n.contains("picture model")),
        "{:?}",
        found.notices
    );

    // The model appears: the next runner queues vision and embed again and tags the scenes.
    std::os::unix::fs::symlink(&model, models.join("efficientnet-lite0")).unwrap();
    run_queue(&p).await;
    let run = visual::run_of(lib.pool(), &id)
        .await
        .unwrap()
        .expect("recorded");
    assert!(run.skipped.is_none(), "{run:?}");
    assert!(!visual::vectors_for_video(lib.pool(), &id)
        .await
        .unwrap()
        .is_empty());
}
