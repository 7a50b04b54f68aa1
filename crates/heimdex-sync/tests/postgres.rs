//! The Postgres + pgvector backend against a real PostgreSQL 18 with pgvector 0.8.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use heimdex_sync::ids::{scene_uuid, video_uuid};
use heimdex_sync::{Identity, PgTarget, SceneDoc, SyncError, SyncTarget, VideoDoc};
use heimdex_tests::pg::PgServer;
use uuid::Uuid;

const MODEL: &str = "all-MiniLM-L6-v2";

/// A unit vector pointing mostly along axis `axis`.
fn vector(axis: usize, dim: usize) -> Vec<f32> {
    let mut v = vec![0.01_f32; dim];
    v[axis % dim] = 1.0;
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

fn video(hash: &str, name: &str) -> VideoDoc {
    VideoDoc {
        id: video_uuid(hash),
        content_hash: hash.into(),
        file_name: name.into(),
        duration_secs: 60.0,
        width: Some(1280),
        height: Some(720),
        scene_count: None,
    }
}

fn scene(hash: &str, idx: u32, text: &str, axis: usize) -> SceneDoc {
    SceneDoc {
        id: scene_uuid(hash, idx),
        video_id: video_uuid(hash),
        scene_index: idx as i32,
        start_secs: f64::from(idx) * 10.0,
        end_secs: f64::from(idx) * 10.0 + 10.0,
        combined_text: text.into(),
        transcript: text.into(),
        thumbnail_ref: None,
        text_vector: Some((MODEL.into(), vector(axis, 384))),
        image_vector: None,
    }
}

struct World {
    _server: PgServer,
    target: PgTarget,
    alice: Identity,
    bob: Identity,
    carol: Identity,
}

async fn world() -> Option<World> {
    let server = PgServer::start()?;
    let target = PgTarget::connect(&server.url()).await.unwrap();
    target.apply_schema().await.unwrap();
    target.apply_schema().await.unwrap(); // idempotent
    let (a, b, c, team) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    for u in [a, b, c] {
        sqlx::query("INSERT INTO user_profiles (id) VALUES ($1)")
            .bind(u)
            .execute(target.pool())
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO teams (id, name) VALUES ($1, 'editors')")
        .bind(team)
        .execute(target.pool())
        .await
        .unwrap();
    for u in [a, c] {
        sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
            .bind(team)
            .bind(u)
            .execute(target.pool())
            .await
            .unwrap();
    }
    Some(World {
        _server: server,
        target,
        alice: Identity {
            user_id: a,
            team_id: Some(team),
        },
        bob: Identity {
            user_id: b,
            team_id: None,
        },
        carol: Identity {
            user_id: c,
            team_id: Some(team),
        },
    })
}

async fn count(target: &PgTarget, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(target.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn push_search_and_row_level_security() {
    let Some(w) = world().await else { return };
    let t = &w.target;
    t.upsert(
        &w.alice,
        &[video("aaa", "budget-meeting.mp4")],
        &[
            scene("aaa", 0, "intro", 1),
            scene("aaa", 1, "she explains the budget", 2),
        ],
    )
    .await
    .unwrap();
    t.upsert(
        &w.bob,
        &[video("bbb", "bob-private.mp4")],
        &[scene("bbb", 0, "bob's secret plans", 2)],
    )
    .await
    .unwrap();

    // Alice's nearest scene to axis 2 is her own budget scene; Bob's scene is invisible to her.
    let hits = t
        .search_text(&w.alice, MODEL, &vector(2, 384), 10)
        .await
        .unwrap();
    assert_eq!(hits[0].combined_text, "she explains the budget");
    assert!((hits[0].similarity - 1.0).abs() < 1e-4);
    assert!(
        hits.iter().all(|h| h.file_name != "bob-private.mp4"),
        "{hits:?}"
    );
    // Carol is on Alice's team: she sees the team's scenes.
    let carol = t
        .search_text(&w.carol, MODEL, &vector(2, 384), 10)
        .await
        .unwrap();
    assert_eq!(carol.len(), 2);
    // Bob sees only his own.
    let bob = t
        .search_text(&w.bob, MODEL, &vector(2, 384), 10)
        .await
        .unwrap();
    assert_eq!(bob.len(), 1);
    assert_eq!(bob[0].file_name, "bob-private.mp4");
    // Another model's vectors never answer this model's query.
    assert!(t
        .search_text(&w.alice, "other-model", &vector(2, 384), 10)
        .await
        .unwrap()
        .is_empty());

    // Bob cannot overwrite or delete Alice's rows.
    let stolen = t
        .upsert(&w.bob, &[], &[scene("aaa", 1, "hijacked", 2)])
        .await;
    assert!(
        stolen.is_err(),
        "RLS refuses writes to another owner's scene"
    );
    t.delete_videos(&w.bob, &[video_uuid("aaa")]).await.unwrap();
    assert_eq!(
        count(t, "video_scenes").await,
        3,
        "Bob's delete touched nothing of Alice's"
    );
}

#[tokio::test]
async fn upserts_are_idempotent_and_deletes_propagate() {
    let Some(w) = world().await else { return };
    let t = &w.target;
    let scenes: Vec<SceneDoc> = (0..50)
        .map(|i| scene("ccc", i, &format!("scene {i}"), i as usize))
        .collect();
    for _ in 0..3 {
        t.upsert(&w.alice, &[video("ccc", "long.mp4")], &scenes)
            .await
            .unwrap();
    }
    assert_eq!(count(t, "video_scenes").await, 50);
    assert_eq!(count(t, "videos").await, 1);
    // A changed scene replaces the old row.
    t.upsert(&w.alice, &[], &[scene("ccc", 3, "renamed", 3)])
        .await
        .unwrap();
    let text: String = sqlx::query_scalar("SELECT combined_text FROM video_scenes WHERE id = $1")
        .bind(scene_uuid("ccc", 3))
        .fetch_one(t.pool())
        .await
        .unwrap();
    assert_eq!(text, "renamed");
    t.delete_videos(&w.alice, &[video_uuid("ccc")])
        .await
        .unwrap();
    assert_eq!(count(t, "video_scenes").await, 0);
}

#[tokio::test]
async fn wrong_dimensions_are_refused_before_sending() {
    let Some(w) = world().await else { return };
    let mut bad = scene("ddd", 0, "x", 0);
    bad.text_vector = Some((MODEL.into(), vec![0.1; 12]));
    let err = w
        .target
        .upsert(&w.alice, &[video("ddd", "d.mp4")], &[bad])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::Dimension {
                got: 12,
                want: 384,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_killed_server_is_a_retryable_error_and_nothing_is_lost() {
    let Some(w) = world().await else { return };
    let t = &w.target;
    t.upsert(
        &w.alice,
        &[video("eee", "e.mp4")],
        &[scene("eee", 0, "before", 0)],
    )
    .await
    .unwrap();
    w._server.kill();
    let err = t
        .upsert(&w.alice, &[], &[scene("eee", 1, "during", 1)])
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    w._server.start_again();
    // The pool reconnects; the same push goes through once the server is back.
    let mut ok = false;
    for _ in 0..20 {
        if t.upsert(&w.alice, &[], &[scene("eee", 1, "during", 1)])
            .await
            .is_ok()
        {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(ok, "push succeeds after the restart");
    assert_eq!(count(t, "video_scenes").await, 2);
}
