//! The outbox end to end: triggers queue indexed scenes and deletions, the drainer pushes them to
//! a real PostgreSQL 18 + pgvector (batched, idempotent), survives a server killed mid-push, sets
//! refused rows aside, and pull brings back what row-level security lets a user see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{enable_sync, fake_video, finish_jobs, pending, pg_count, world};
use heimdex_library::Pipeline;
use heimdex_sync::ids::{scene_uuid, video_uuid};
use heimdex_sync::{outbox, pull, Drainer, Identity, SyncTarget};
use heimdex_tests::library::{run_until_idle, temp_library};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

#[tokio::test]
async fn triggers_queue_finished_videos_and_removals_only_when_sync_is_on() {
    let (_d, lib) = temp_library().await;
    fake_video(&lib, "aaaaaaaaaaaaaaaa0000", 3, true).await;
    assert_eq!(pending(&lib).await, 0, "sync off: nothing is queued");
    enable_sync(&lib, "postgres://nobody@127.0.0.1:1/x").await;
    assert_eq!(
        outbox::enqueue_indexed(lib.pool()).await.unwrap(),
        3,
        "backfill"
    );
    assert_eq!(
        outbox::enqueue_indexed(lib.pool()).await.unwrap(),
        0,
        "backfill is idempotent"
    );

    let v = fake_video(&lib, "bbbbbbbbbbbbbbbb0000", 4, false).await;
    sqlx::query("UPDATE jobs SET state = 'done' WHERE video_id = ? AND stage = 'poster'")
        .bind(v.as_str())
        .execute(lib.pool())
        .await
        .unwrap();
    assert_eq!(pending(&lib).await, 3, "a half-indexed video is not queued");
    finish_jobs(&lib, &v).await;
    assert_eq!(pending(&lib).await, 7, "the last job queues every scene");
    // Indexed again: replaced, not duplicated.
    sqlx::query("UPDATE jobs SET state = 'done' WHERE video_id = ?")
        .bind(v.as_str())
        .execute(lib.pool())
        .await
        .unwrap();
    assert_eq!(pending(&lib).await, 7);

    heimdex_library::videos::delete(lib.pool(), &v)
        .await
        .unwrap();
    let rows = outbox::next_batch(lib.pool(), 100).await.unwrap();
    assert_eq!(
        rows.len(),
        4,
        "the video's scenes are dropped, one delete is queued"
    );
    assert_eq!(rows.last().unwrap().op, outbox::Op::DeleteVideo);
}

#[tokio::test]
async fn a_real_indexed_video_syncs_and_its_removal_propagates() {
    let Some(file) = heimdex_core::testdata::shared_data("scenes/testvideo.mp4") else {
        return;
    };
    let Some(w) = world().await else { return };
    let (_d, lib) = temp_library().await;
    enable_sync(&lib, &w.server.url()).await;
    let p = Pipeline::new(lib.clone(), heimdex_library::stages::default_stages());
    let video = p.import(&[file]).await.unwrap().videos[0].id.clone();
    run_until_idle(&p, Duration::from_secs(300)).await;
    let local = heimdex_library::scenes::list_for_video(lib.pool(), lib.paths(), &video)
        .await
        .unwrap();
    assert!(local.len() >= 2, "testvideo.mp4 has several scenes");
    assert_eq!(
        pending(&lib).await,
        local.len() as u64,
        "every scene is queued"
    );

    let target: Arc<dyn SyncTarget> = Arc::new(w.target.clone());
    let drainer = Drainer::new(lib.clone(), target.clone(), w.alice.clone());
    let pushed = drainer.drain(|_, _| {}).await.unwrap();
    assert_eq!(pushed.scenes, local.len() as u64);
    assert_eq!(pending(&lib).await, 0);

    let record = heimdex_library::videos::get(lib.pool(), &video)
        .await
        .unwrap()
        .unwrap();
    let texts = heimdex_library::transcripts::scene_texts(lib.pool(), &video)
        .await
        .unwrap();
    let team = w.target.list_scenes(&w.alice, None, 1000).await.unwrap();
    assert_eq!(team.len(), local.len());
    for (s, t) in local.iter().zip({
        let mut t = team.clone();
        t.sort_by_key(|x| x.scene_index);
        t
    }) {
        assert_eq!(t.id, scene_uuid(&record.content_hash, s.idx));
        assert_eq!(t.video_id, video_uuid(&record.content_hash));
        assert_eq!(t.file_name, "testvideo.mp4");
        assert!((t.start_secs - s.start_secs).abs() < 1e-9);
        assert!((t.end_secs - s.end_secs).abs() < 1e-9);
        let said = texts
            .iter()
            .find(|x| x.scene_idx == i64::from(s.idx))
            .map(|x| x.text.clone());
        // The search text (sidecar, once the embed stage ran) holds what was said.
        assert!(t.combined_text.contains(said.unwrap_or_default().trim()));
    }

    // Pushing everything again changes nothing (idempotent).
    outbox::enqueue_indexed(lib.pool()).await.unwrap();
    drainer.drain(|_, _| {}).await.unwrap();
    assert_eq!(
        pg_count(&w.target, "SELECT COUNT(*) FROM video_scenes").await,
        local.len() as i64
    );

    // Pull: Alice's library learns the team's scenes and that it holds the file.
    let got = pull::pull(lib.pool(), target.as_ref(), &w.alice, |_| {})
        .await
        .unwrap();
    assert_eq!(
        (got.scenes, got.videos, got.videos_here),
        (local.len() as u64, 1, 1)
    );

    // Removing the video locally removes it from the team backend.
    p.remove(&video).await.unwrap();
    drainer.drain(|_, _| {}).await.unwrap();
    assert_eq!(
        pg_count(&w.target, "SELECT COUNT(*) FROM video_scenes").await,
        0
    );
    assert_eq!(pg_count(&w.target, "SELECT COUNT(*) FROM videos").await, 0);
}

#[tokio::test]
async fn private_scenes_stay_private_and_team_scenes_reach_the_team() {
    let Some(w) = world().await else { return };
    let target: Arc<dyn SyncTarget> = Arc::new(w.target.clone());
    let (_d, lib) = temp_library().await;
    enable_sync(&lib, &w.server.url()).await;
    fake_video(&lib, "cccccccccccccccc0000", 5, true).await;
    outbox::enqueue_indexed(lib.pool()).await.unwrap();
    // Alice pushes privately (no team).
    let private = Identity {
        team_id: None,
        ..w.alice.clone()
    };
    Drainer::new(lib.clone(), target.clone(), private)
        .drain(|_, _| {})
        .await
        .unwrap();
    let (_d2, other) = temp_library().await;
    for who in [&w.bob, &w.carol] {
        let got = pull::pull(other.pool(), target.as_ref(), who, |_| {})
            .await
            .unwrap();
        assert_eq!(got.scenes, 0, "nobody else sees Alice's private scenes");
    }
    // Shared with her team: Carol sees them, Bob still does not.
    outbox::enqueue_indexed(lib.pool()).await.unwrap();
    Drainer::new(lib.clone(), target.clone(), w.alice.clone())
        .drain(|_, _| {})
        .await
        .unwrap();
    assert_eq!(
        pull::pull(other.pool(), target.as_ref(), &w.carol, |_| {})
            .await
            .unwrap()
            .scenes,
        5
    );
    assert_eq!(
        pull::pull(other.pool(), target.as_ref(), &w.bob, |_| {})
            .await
            .unwrap()
            .scenes,
        0
    );
    assert!(target
        .list_scenes(&w.bob, None, 100)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_server_killed_mid_push_loses_nothing_and_duplicates_nothing() {
    let Some(w) = world().await else { return };
    let target: Arc<dyn SyncTarget> = Arc::new(w.target.clone());
    let (_d, lib) = temp_library().await;
    enable_sync(&lib, &w.server.url()).await;
    let hashes = [
        "d1dddddddddddddd0000",
        "d2dddddddddddddd0000",
        "d3dddddddddddddd0000",
        "d4dddddddddddddd0000",
    ];
    for h in hashes {
        fake_video(&lib, h, 600, true).await;
    }
    assert_eq!(pending(&lib).await, 2400);
    let cancel = CancellationToken::new();
    let task = Drainer::new(lib.clone(), target, w.alice.clone())
        .with_batch(40)
        .spawn(cancel.clone());
    // Kill the server as soon as the first batches are in, while most rows still wait.
    let deadline = Instant::now() + Duration::from_secs(60);
    while pg_count(&w.target, "SELECT COUNT(*) FROM video_scenes").await == 0 {
        assert!(Instant::now() < deadline, "the first batch never arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    w.server.kill();
    let left_at_kill = pending(&lib).await;
    assert!(
        left_at_kill > 0,
        "the kill came before the outbox was empty"
    );
    // The drainer keeps failing (and backing off) while the server is down; nothing is dropped.
    common::wait_for_push_error(&lib).await;
    w.server.start_again();
    common::wait_drained(&lib).await;
    cancel.cancel();
    task.await.unwrap();
    let t = &w.target;
    assert_eq!(pg_count(t, "SELECT COUNT(*) FROM video_scenes").await, 2400);
    assert_eq!(
        pg_count(
            t,
            "SELECT COUNT(DISTINCT (video_id, scene_index)) FROM video_scenes"
        )
        .await,
        2400
    );
    assert_eq!(pg_count(t, "SELECT COUNT(*) FROM videos").await, 4);
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM video_scenes")
        .fetch_all(t.pool())
        .await
        .unwrap();
    let expected: std::collections::HashSet<Uuid> = hashes
        .iter()
        .flat_map(|h| (0..600).map(move |i| scene_uuid(h, i)))
        .collect();
    assert_eq!(
        ids.into_iter().collect::<std::collections::HashSet<_>>(),
        expected
    );
    let state = heimdex_sync::PushState::load(lib.pool()).await.unwrap();
    assert!(state.last_error.is_none() && state.last_push_ms.is_some());
}

#[tokio::test]
async fn rows_the_backend_refuses_are_set_aside_without_blocking_the_rest() {
    let Some(w) = world().await else { return };
    let target: Arc<dyn SyncTarget> = Arc::new(w.target.clone());
    // Alice already shared a file; Bob has the same file (same ids) and one of his own.
    let (_da, alice_lib) = temp_library().await;
    enable_sync(&alice_lib, &w.server.url()).await;
    fake_video(&alice_lib, "eeeeeeeeeeeeeeee0000", 2, true).await;
    outbox::enqueue_indexed(alice_lib.pool()).await.unwrap();
    Drainer::new(alice_lib.clone(), target.clone(), w.alice.clone())
        .drain(|_, _| {})
        .await
        .unwrap();

    let (_db, bob_lib) = temp_library().await;
    enable_sync(&bob_lib, &w.server.url()).await;
    fake_video(&bob_lib, "eeeeeeeeeeeeeeee0000", 2, true).await;
    fake_video(&bob_lib, "ffffffffffffffff0000", 3, true).await;
    outbox::enqueue_indexed(bob_lib.pool()).await.unwrap();
    let round = Drainer::new(bob_lib.clone(), target.clone(), w.bob.clone())
        .drain(|_, _| {})
        .await
        .unwrap();
    assert_eq!(round.scenes, 3, "Bob's own video went through");
    assert_eq!(round.refused, 2, "Alice's rows are not Bob's to overwrite");
    let counts = outbox::counts(bob_lib.pool()).await.unwrap();
    assert_eq!((counts.pending, counts.failed), (0, 2));
    let why = outbox::failures(bob_lib.pool()).await.unwrap();
    assert!(why[0].0.contains("row-level security"), "{why:?}");
    assert_eq!(
        pg_count(&w.target, "SELECT COUNT(*) FROM video_scenes").await,
        5
    );
}

/// What the proxy of [`cutting_proxy`] counts and obeys.
#[derive(Default)]
struct Wire {
    /// Cut connections once `sent` reaches `budget`.
    cut: std::sync::atomic::AtomicBool,
    sent: std::sync::atomic::AtomicUsize,
    budget: std::sync::atomic::AtomicUsize,
}

/// A loopback TCP proxy to `upstream` that counts the bytes the server sends and, while `cut` is
/// set, closes every connection once they reach `budget` (and refuses new ones): a network that
/// drops in the middle of a pull.
async fn cutting_proxy(upstream: u16) -> (u16, Arc<Wire>) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let wire = Arc::new(Wire::default());
    let shared = wire.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let w = shared.clone();
            tokio::spawn(async move {
                let over = |total: usize| {
                    w.cut.load(Ordering::SeqCst) && total >= w.budget.load(Ordering::SeqCst)
                };
                if over(w.sent.load(Ordering::SeqCst)) {
                    return;
                }
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                let mut buf = vec![0u8; 8192];
                loop {
                    let n = match sr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if over(w.sent.fetch_add(n, Ordering::SeqCst) + n) {
                        break;
                    }
                    if cw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    (port, wire)
}

#[tokio::test]
async fn a_connection_cut_mid_pull_keeps_the_last_copy_and_the_next_pull_completes() {
    let Some(w) = world().await else { return };
    let target: Arc<dyn SyncTarget> = Arc::new(w.target.clone());
    let (_d, lib) = temp_library().await;
    enable_sync(&lib, &w.server.url()).await;
    let push = || async {
        outbox::enqueue_indexed(lib.pool()).await.unwrap();
        Drainer::new(lib.clone(), target.clone(), w.alice.clone())
            .drain(|_, _| {})
            .await
            .unwrap();
    };
    fake_video(&lib, "dddddddddddddddd0000", 5, true).await;
    push().await;
    let (_d2, other) = temp_library().await;
    let first = pull::pull(other.pool(), target.as_ref(), &w.carol, |_| {})
        .await
        .unwrap();
    assert_eq!(first.scenes, 5);
    // The team grows past one page of a pull.
    fake_video(&lib, "eeeeeeeeeeeeeeee0000", 4500, true).await;
    push().await;

    // How many bytes a whole pull takes on the wire (pulled into a third library).
    use std::sync::atomic::Ordering;
    let (port, wire) = cutting_proxy(w.server.port).await;
    let url = w
        .server
        .url()
        .replace(&format!(":{}/", w.server.port), &format!(":{port}/"));
    let (_d3, third) = temp_library().await;
    let measured: Arc<dyn SyncTarget> =
        Arc::new(heimdex_sync::PgTarget::connect(&url).await.unwrap());
    pull::pull(third.pool(), measured.as_ref(), &w.carol, |_| {})
        .await
        .unwrap();
    drop(measured);
    let whole = wire.sent.swap(0, Ordering::SeqCst);
    // Through a network that drops at 60 % of that: the pull fails, and the copy from before
    // stays whole (not part of the new one).
    wire.budget.store(whole * 6 / 10, Ordering::SeqCst);
    wire.cut.store(true, Ordering::SeqCst);
    let flaky: Arc<dyn SyncTarget> = Arc::new(heimdex_sync::PgTarget::connect(&url).await.unwrap());
    let mut pages = 0;
    let cut_short = pull::pull(other.pool(), flaky.as_ref(), &w.carol, |_| pages += 1).await;
    let why = cut_short
        .as_ref()
        .err()
        .map(|e| (e.to_string(), e.is_retryable()));
    assert!(
        why.as_ref()
            .is_some_and(|(text, retry)| text.contains("connection was lost") && *retry),
        "{why:?}"
    );
    assert!(pages >= 1, "cut in the middle, after {pages} page(s)");
    println!(
        "a pull is {whole} bytes; cut after {pages} page(s): {:?}",
        cut_short.err()
    );
    assert_eq!(pull::summary(other.pool()).await.unwrap().scenes, 5);
    // The network is back: the next pull brings everything.
    wire.cut.store(false, Ordering::SeqCst);
    let flaky: Arc<dyn SyncTarget> = Arc::new(heimdex_sync::PgTarget::connect(&url).await.unwrap());
    let again = pull::pull(other.pool(), flaky.as_ref(), &w.carol, |_| {})
        .await
        .unwrap();
    assert_eq!(again.scenes, 4505);
    assert_eq!(pull::summary(other.pool()).await.unwrap().scenes, 4505);
}
