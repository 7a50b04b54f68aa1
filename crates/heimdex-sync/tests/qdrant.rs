//! The Qdrant backend against a real server: runs when `HEIMDEX_TEST_QDRANT_URL` points at one
//! (gRPC port, e.g. http://localhost:6334) and the crate is built with `--features qdrant`;
//! otherwise it says it was skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[cfg(not(feature = "qdrant"))]
#[test]
fn qdrant_suite() {
    eprintln!(
        "SKIPPED: the Qdrant suite: built without the `qdrant` feature \
         (HEIMDEX_TEST_QDRANT_URL=http://host:6334 cargo test -p heimdex-sync --features qdrant --test qdrant)"
    );
}

#[cfg(feature = "qdrant")]
mod with_qdrant {
    use heimdex_sync::ids::{scene_uuid, video_uuid};
    use heimdex_sync::qdrant::QdrantTarget;
    use heimdex_sync::{Identity, SceneDoc, SyncTarget, VideoDoc};
    use uuid::Uuid;

    use super::common::{self, vector, MODEL};

    fn video(hash: &str, scenes: Option<i32>) -> VideoDoc {
        common::video(hash, &format!("{hash}.mp4"), scenes)
    }

    /// A scene with a text and an image vector.
    fn scene(hash: &str, idx: u32, text: &str, axis: usize) -> SceneDoc {
        SceneDoc {
            image_vector: Some(("clip-vit-b-32".into(), vector(axis, 512))),
            ..common::scene(hash, idx, text, axis)
        }
    }

    async fn target() -> Option<QdrantTarget> {
        let Some(url) = std::env::var("HEIMDEX_TEST_QDRANT_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            eprintln!(
                "SKIPPED: the Qdrant suite: HEIMDEX_TEST_QDRANT_URL is not set (no Qdrant server to test against)"
            );
            return None;
        };
        let collection = format!("heimdex_test_{}", Uuid::new_v4().simple());
        Some(
            QdrantTarget::with_collection(&url, None, &collection)
                .await
                .unwrap(),
        )
    }

    #[tokio::test]
    async fn push_search_visibility_prune_and_delete() {
        let Some(t) = target().await else { return };
        let team = Uuid::new_v4();
        let alice = Identity {
            user_id: Uuid::new_v4(),
            team_id: Some(team),
        };
        let carol = Identity {
            user_id: Uuid::new_v4(),
            team_id: Some(team),
        };
        let bob = Identity {
            user_id: Uuid::new_v4(),
            team_id: None,
        };
        let scenes: Vec<SceneDoc> = (0..5)
            .map(|i| scene("qa", i, &format!("scene {i}"), i as usize))
            .collect();
        // Created on first use; pushing twice is a no-op.
        t.upsert(&alice, &[video("qa", Some(5))], &scenes)
            .await
            .unwrap();
        t.upsert(&alice, &[video("qa", Some(5))], &scenes)
            .await
            .unwrap();
        t.upsert(&bob, &[video("qb", Some(1))], &[scene("qb", 0, "bob's", 2)])
            .await
            .unwrap();
        assert_eq!(t.list_scenes(&alice, None, 100).await.unwrap().len(), 5);
        assert_eq!(
            t.list_scenes(&carol, None, 100).await.unwrap().len(),
            5,
            "the team sees it"
        );
        assert_eq!(
            t.list_scenes(&bob, None, 100).await.unwrap().len(),
            1,
            "Bob sees only his"
        );
        // Paging by id.
        let first = t.list_scenes(&alice, None, 2).await.unwrap();
        let rest = t.list_scenes(&alice, Some(first[1].id), 100).await.unwrap();
        assert_eq!(first.len() + rest.len(), 5);

        let hits = t
            .search_text(&alice, MODEL, &vector(2, 384), 3)
            .await
            .unwrap();
        assert_eq!(hits[0].scene_id, scene_uuid("qa", 2));
        assert!(hits.iter().all(|h| h.file_name != "qb.mp4"));
        assert!(t
            .search_text(&alice, "other-model", &vector(2, 384), 3)
            .await
            .unwrap()
            .is_empty());

        // Bob may not overwrite Alice's points.
        assert!(t
            .upsert(&bob, &[video("qa", None)], &[scene("qa", 1, "hijacked", 1)])
            .await
            .is_err());
        // Indexed again with fewer scenes: the extra ones go.
        t.upsert(&alice, &[video("qa", Some(3))], &scenes[..3])
            .await
            .unwrap();
        assert_eq!(t.list_scenes(&alice, None, 100).await.unwrap().len(), 3);
        t.delete_videos(&bob, &[video_uuid("qa")]).await.unwrap();
        assert_eq!(
            t.list_scenes(&alice, None, 100).await.unwrap().len(),
            3,
            "Bob's delete touched nothing"
        );
        t.delete_videos(&alice, &[video_uuid("qa")]).await.unwrap();
        assert!(t.list_scenes(&alice, None, 100).await.unwrap().is_empty());
    }
}
