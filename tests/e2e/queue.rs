//! The durable job queue: order, retries with back-off, permanent failures, cancel, resume.

use heimdex_core::{Event, JobState, JobUpdate, Stage, VideoStatus};
use heimdex_library::{jobs, videos, Pipeline, RunOptions, Runner};
use heimdex_tests::events::EventLog;
use heimdex_tests::{library::*, media};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

fn fast() -> RunOptions {
    RunOptions {
        concurrency: 2,
        exit_when_idle: true,
        backoff_base: Duration::from_millis(20),
    }
}

async fn run_all(p: &Pipeline) {
    let runner = Runner::acquire(p).await.unwrap().expect("lock is free");
    tokio::time::timeout(
        Duration::from_secs(60),
        runner.run(&fast(), CancellationToken::new()),
    )
    .await
    .expect("queue settles")
    .unwrap();
}

async fn one_video(dir: &std::path::Path, p: &Pipeline) -> heimdex_core::VideoId {
    let v = media::video(dir, "v.mp4", 1.0, 160, 120, false);
    p.import(&[v]).await.unwrap().videos[0].id.clone()
}

async fn state(p: &Pipeline, v: &heimdex_core::VideoId, s: Stage) -> JobState {
    jobs::state_of(p.library().pool(), v, s)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn stages_run_in_order_with_progress_and_only_once() {
    let (dir, lib) = temp_library().await;
    let (a, b) = (FakeStage::ok(Stage::Poster), FakeStage::ok(Stage::Scenes));
    let p = pipeline(&lib, vec![b.clone(), a.clone()]);
    let log = EventLog::collect(lib.subscribe());
    let v = one_video(dir.path(), &p).await;
    run_all(&p).await;
    assert_eq!((a.runs(), b.runs()), (1, 1));
    assert_eq!(state(&p, &v, Stage::Scenes).await, JobState::Done);

    // Running again (and importing again) does nothing new: stages are done.
    let again = media::video(dir.path(), "v.mp4", 1.0, 160, 120, false);
    p.import(&[again]).await.unwrap();
    run_all(&p).await;
    assert_eq!((a.runs(), b.runs()), (1, 1));

    tokio::time::sleep(Duration::from_millis(50)).await;
    let events = log.snapshot();
    let stages_started: Vec<Stage> = events
        .iter()
        .filter_map(|e| match e {
            Event::Job {
                stage,
                update: JobUpdate::Started { .. },
                ..
            } => Some(*stage),
            _ => None,
        })
        .collect();
    assert_eq!(stages_started, [Stage::Poster, Stage::Scenes]);
    assert!(events.iter().any(|e| matches!(e, Event::Job { update: JobUpdate::Progress(pr), .. } if pr.total == Some(10.0))));
    assert!(events.iter().any(|e| matches!(e, Event::Idle)));
}

#[tokio::test]
async fn transient_failures_are_retried_with_back_off() {
    let (dir, lib) = temp_library().await;
    let flaky = FakeStage::flaky(Stage::Poster, 2);
    let p = pipeline(&lib, vec![flaky.clone()]);
    let log = EventLog::collect(lib.subscribe());
    let v = one_video(dir.path(), &p).await;
    run_all(&p).await;
    assert_eq!(flaky.runs(), 3);
    assert_eq!(state(&p, &v, Stage::Poster).await, JobState::Done);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let retries: Vec<f64> = log
        .snapshot()
        .iter()
        .filter_map(|e| match e {
            Event::Job {
                update:
                    JobUpdate::Failed {
                        retry_in_secs: Some(s),
                        ..
                    },
                ..
            } => Some(*s),
            _ => None,
        })
        .collect();
    assert_eq!(retries, [0.02, 0.08], "back-off grows 4x per attempt");
}

#[tokio::test]
async fn failures_stop_after_the_attempt_limit_and_retry_resets_them() {
    let (dir, lib) = temp_library().await;
    // Vision depends on the scenes (see `jobs::dependencies`).
    let flaky = FakeStage::flaky(Stage::Scenes, 4);
    let later = FakeStage::ok(Stage::Vision);
    let p = pipeline(&lib, vec![flaky.clone(), later.clone()]);
    let v = one_video(dir.path(), &p).await;
    run_all(&p).await;
    assert_eq!(flaky.runs(), 3, "three attempts, then failed");
    assert_eq!(
        later.runs(),
        0,
        "a stage does not run after one it depends on failed"
    );
    // ... and is not left queued for ever: it says why it did not run, and the queue settles.
    assert_eq!(state(&p, &v, Stage::Vision).await, JobState::Failed);
    let counts = jobs::counts(lib.pool()).await.unwrap();
    assert!(
        !counts.iter().any(|(s, n)| *s == JobState::Queued && *n > 0),
        "{counts:?}"
    );
    let summary = videos::list_summaries(lib.pool()).await.unwrap().remove(0);
    assert_eq!(summary.status, VideoStatus::Failed);
    assert_eq!(summary.error.as_deref(), Some("scenes: flaky failure 3"));
    let later_error: Option<String> =
        sqlx::query_scalar("SELECT error FROM jobs WHERE stage = 'vision'")
            .fetch_one(lib.pool())
            .await
            .unwrap();
    assert_eq!(
        later_error.as_deref(),
        Some("not run: the scenes stage failed")
    );

    // A retry starts a fresh attempt count: fails once more (run 4), then succeeds (run 5).
    assert_eq!(
        p.retry(&v).await.unwrap(),
        2,
        "the failed stage and the one behind it"
    );
    run_all(&p).await;
    assert_eq!(flaky.runs(), 5);
    assert_eq!(state(&p, &v, Stage::Scenes).await, JobState::Done);
    assert_eq!(later.runs(), 1);
    let summary = videos::list_summaries(lib.pool()).await.unwrap().remove(0);
    assert_eq!(summary.status, VideoStatus::Ready);
}

#[tokio::test]
async fn independent_stages_of_one_video_run_at_the_same_time() {
    let (dir, lib) = temp_library().await;
    // Scenes and speech do not depend on each other: with one video at a time they still overlap.
    let scenes = FakeStage::slow(Stage::Scenes, Duration::from_millis(600));
    let speech = FakeStage::slow(Stage::Speech, Duration::from_millis(600));
    let vision = FakeStage::ok(Stage::Vision);
    let p = pipeline(&lib, vec![scenes.clone(), speech.clone(), vision.clone()]);
    let log = EventLog::collect(lib.subscribe());
    let v = one_video(dir.path(), &p).await;
    let runner = Runner::acquire(&p).await.unwrap().expect("lock is free");
    let opts = RunOptions {
        concurrency: 1,
        ..fast()
    };
    tokio::time::timeout(
        Duration::from_secs(60),
        runner.run(&opts, CancellationToken::new()),
    )
    .await
    .expect("queue settles")
    .unwrap();
    assert_eq!((scenes.runs(), speech.runs(), vision.runs()), (1, 1, 1));
    assert_eq!(state(&p, &v, Stage::Vision).await, JobState::Done);
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Both started before either finished; vision started after the scenes were done.
    let order: Vec<(Stage, bool)> = log
        .snapshot()
        .iter()
        .filter_map(|e| match e {
            Event::Job {
                stage,
                update: JobUpdate::Started { .. },
                ..
            } => Some((*stage, true)),
            Event::Job {
                stage,
                update: JobUpdate::Done { .. },
                ..
            } => Some((*stage, false)),
            _ => None,
        })
        .collect();
    assert_eq!(&order[..2], [(Stage::Scenes, true), (Stage::Speech, true)]);
    let scenes_done = order.iter().position(|x| *x == (Stage::Scenes, false));
    let vision_started = order.iter().position(|x| *x == (Stage::Vision, true));
    assert!(scenes_done < vision_started, "{order:?}");
}

#[tokio::test]
async fn permanent_failures_are_not_retried() {
    let (dir, lib) = temp_library().await;
    let broken = FakeStage::broken(Stage::Poster);
    let p = pipeline(&lib, vec![broken.clone()]);
    one_video(dir.path(), &p).await;
    run_all(&p).await;
    assert_eq!(broken.runs(), 1);
    let summary = videos::list_summaries(lib.pool()).await.unwrap().remove(0);
    assert_eq!(summary.status, VideoStatus::Failed);
    assert_eq!(
        summary.error.as_deref(),
        Some("poster: v.mp4 cannot be read")
    );
}

#[tokio::test]
async fn cancel_stops_a_running_job_and_retry_resumes() {
    let (dir, lib) = temp_library().await;
    let slow = FakeStage::slow(Stage::Poster, Duration::from_secs(3));
    let p = pipeline(&lib, vec![slow.clone()]);
    let v = one_video(dir.path(), &p).await;
    let runner = Runner::acquire(&p).await.unwrap().unwrap();
    let p2 = p.clone();
    let v2 = v.clone();
    let canceller = tokio::spawn(async move {
        while jobs::state_of(p2.library().pool(), &v2, Stage::Poster)
            .await
            .unwrap()
            != Some(JobState::Running)
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        p2.cancel(&v2).await.unwrap()
    });
    let started = std::time::Instant::now();
    runner.run(&fast(), CancellationToken::new()).await.unwrap();
    assert_eq!(canceller.await.unwrap(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the running job stopped early"
    );
    assert_eq!(state(&p, &v, Stage::Poster).await, JobState::Cancelled);
    drop(runner);

    p.retry(&v).await.unwrap();
    run_all(&p).await;
    assert_eq!(state(&p, &v, Stage::Poster).await, JobState::Done);
}

#[tokio::test]
async fn one_runner_per_library_and_orphans_resume() {
    let (dir, lib) = temp_library().await;
    let stage = FakeStage::ok(Stage::Poster);
    let p = pipeline(&lib, vec![stage.clone()]);
    let v = one_video(dir.path(), &p).await;

    // A process that died while running the job leaves the row 'running'.
    jobs::claim_next(lib.pool())
        .await
        .unwrap()
        .expect("claimable");
    assert_eq!(state(&p, &v, Stage::Poster).await, JobState::Running);

    let first = Runner::acquire(&p).await.unwrap().expect("free");
    assert!(
        Runner::acquire(&p).await.unwrap().is_none(),
        "a second runner is refused"
    );
    assert_eq!(
        state(&p, &v, Stage::Poster).await,
        JobState::Queued,
        "orphan queued again"
    );
    first.run(&fast(), CancellationToken::new()).await.unwrap();
    assert_eq!(stage.runs(), 1);
    assert_eq!(state(&p, &v, Stage::Poster).await, JobState::Done);
}

#[tokio::test]
async fn removing_a_video_drops_its_rows_and_cache() {
    let (dir, lib) = temp_library().await;
    let p = pipeline(
        &lib,
        vec![Arc::new(heimdex_library::stages::poster::PosterStage)],
    );
    let v = one_video(dir.path(), &p).await;
    run_all(&p).await;
    let poster = heimdex_library::stages::poster::poster_path(lib.paths(), &v);
    assert!(poster.exists(), "poster written");
    assert!(p.remove(&v).await.unwrap());
    assert!(videos::get(lib.pool(), &v).await.unwrap().is_none());
    assert!(jobs::state_of(lib.pool(), &v, Stage::Poster)
        .await
        .unwrap()
        .is_none());
    assert!(!poster.exists());
    assert!(
        dir.path().join("v.mp4").exists(),
        "the video file itself stays"
    );
}
