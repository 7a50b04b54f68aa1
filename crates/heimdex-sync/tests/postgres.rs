//! The Postgres + pgvector backend against a real PostgreSQL 18 with pgvector 0.8.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{pg_count, scene, vector, video, world, MODEL};
use heimdex_sync::ids::{scene_uuid, video_uuid};
use heimdex_sync::{PgTarget, SceneDoc, SyncError, SyncTarget};

async fn count(target: &PgTarget, table: &str) -> i64 {
    pg_count(target, &format!("SELECT COUNT(*) FROM {table}")).await
}

#[tokio::test]
async fn push_search_and_row_level_security() {
    let Some(w) = world().await else { return };
    let t = &w.target;
    t.upsert(
        &w.alice,
        &[video("aaa", "budget-meeting.mp4", None)],
        &[
            scene("aaa", 0, "intro", 1),
            scene("aaa", 1, "she explains the budget", 2),
        ],
    )
    .await
    .unwrap();
    t.upsert(
        &w.bob,
        &[video("bbb", "bob-private.mp4", None)],
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
        t.upsert(&w.alice, &[video("ccc", "long.mp4", None)], &scenes)
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
        .upsert(&w.alice, &[video("ddd", "d.mp4", None)], &[bad])
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
        &[video("eee", "e.mp4", None)],
        &[scene("eee", 0, "before", 0)],
    )
    .await
    .unwrap();
    w.server.kill();
    let err = t
        .upsert(&w.alice, &[], &[scene("eee", 1, "during", 1)])
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    w.server.start_again();
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

#[tokio::test]
async fn pushed_scenes_are_searchable_before_and_after_they_enter_the_index() {
    let Some(w) = world().await else { return };
    let t = &w.target;
    let scenes: Vec<SceneDoc> = (0..30)
        .map(|i| scene("fff", i, &format!("scene {i}"), i as usize))
        .collect();
    t.upsert(&w.alice, &[video("fff", "f.mp4", Some(30))], &scenes)
        .await
        .unwrap();
    assert_eq!(t.fresh_count(&w.alice).await.unwrap(), 30, "pushed fresh");
    let top = |hits: Vec<heimdex_sync::TeamHit>| hits.first().map(|h| h.scene_id);
    // Fresh scenes are found (ranked exactly), by the owner and by the team.
    for who in [&w.alice, &w.carol] {
        let hits = t.search_text(who, MODEL, &vector(7, 384), 3).await.unwrap();
        assert_eq!(top(hits), Some(scene_uuid("fff", 7)));
    }
    // Moved into the HNSW index in steps; anyone's call may do it.
    assert_eq!(t.index_fresh(&w.bob, 20).await.unwrap(), 20);
    let hits = t
        .search_text(&w.alice, MODEL, &vector(7, 384), 30)
        .await
        .unwrap();
    assert_eq!(hits.len(), 30, "indexed and fresh rows are merged");
    assert_eq!(hits[0].scene_id, scene_uuid("fff", 7));
    assert!(hits.windows(2).all(|p| p[0].similarity >= p[1].similarity));
    assert_eq!(t.index_fresh(&w.alice, 500).await.unwrap(), 10);
    assert_eq!(t.index_fresh(&w.alice, 500).await.unwrap(), 0);
    assert_eq!(t.fresh_count(&w.alice).await.unwrap(), 0);
    let hits = t
        .search_text(&w.carol, MODEL, &vector(7, 384), 3)
        .await
        .unwrap();
    assert_eq!(top(hits), Some(scene_uuid("fff", 7)));
    // An unchanged re-push stays in the index; a changed vector is fresh again.
    t.upsert(&w.alice, &[], &scenes).await.unwrap();
    assert_eq!(t.fresh_count(&w.alice).await.unwrap(), 0);
    t.upsert(&w.alice, &[], &[scene("fff", 3, "moved", 200)])
        .await
        .unwrap();
    assert_eq!(t.fresh_count(&w.alice).await.unwrap(), 1);
    let hits = t
        .search_text(&w.alice, MODEL, &vector(200, 384), 1)
        .await
        .unwrap();
    assert_eq!(top(hits), Some(scene_uuid("fff", 3)));
    // Bob sees none of it, fresh or indexed.
    assert!(t
        .search_text(&w.bob, MODEL, &vector(7, 384), 3)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn thumbnails_travel_with_their_scenes_under_row_level_security() {
    let Some(w) = world().await else { return };
    let t = &w.target;
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9];
    let mut with = scene("ggg", 0, "has a picture", 1);
    with.thumbnail_jpeg = Some(jpeg.clone());
    let without = scene("ggg", 1, "has none", 2);
    t.upsert(
        &w.alice,
        &[video("ggg", "g.mp4", Some(2))],
        &[with, without],
    )
    .await
    .unwrap();
    let ids = [scene_uuid("ggg", 0), scene_uuid("ggg", 1)];
    assert_eq!(
        t.thumbnails(&w.carol, &ids).await.unwrap(),
        vec![(ids[0], jpeg.clone())],
        "the team gets the thumbnail; scenes without one are left out"
    );
    assert!(t.thumbnails(&w.bob, &ids).await.unwrap().is_empty());
    // A re-push without it removes it.
    t.upsert(&w.alice, &[], &[scene("ggg", 0, "has a picture", 1)])
        .await
        .unwrap();
    assert!(t.thumbnails(&w.alice, &ids).await.unwrap().is_empty());
}
