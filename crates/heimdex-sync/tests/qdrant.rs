//! The Qdrant backend against a real Qdrant server (built from its source by
//! `scripts/qdrant-server.sh build`; SKIPPED with that command when the binary is missing):
//! push, search, visibility, prune and delete; isolation between teams enforced by the server
//! (JWT keys scoped to a team's collection); parity with the PostgreSQL backend on the same data;
//! a server killed mid-push loses and duplicates nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[cfg(not(feature = "qdrant"))]
#[test]
fn qdrant_suite() {
    eprintln!("SKIPPED: the Qdrant suite: heimdex-sync built without its `qdrant` feature");
}

#[cfg(feature = "qdrant")]
mod with_qdrant {
    use heimdex_sync::ids::{scene_uuid, video_uuid};
    use heimdex_sync::qdrant::{collection_name, QdrantTarget, PREFIX};
    use heimdex_sync::{Drainer, Identity, SceneDoc, SyncTarget, TeamFilter, VideoDoc};

    /// Days of 2024 (seconds since the epoch at midnight UTC).
    const JAN: f64 = 1_704_844_800.0; // 2024-01-10
    const FEB: f64 = 1_706_745_600.0; // 2024-02-01
    const MAR: f64 = 1_709_596_800.0; // 2024-03-05
    const APR: f64 = 1_711_929_600.0; // 2024-04-01
    const JUN: f64 = 1_717_200_000.0; // 2024-06-01
    use heimdex_tests::library::temp_library;
    use heimdex_tests::qdrant::QdrantServer;
    use qdrant_client::qdrant::CountPointsBuilder;
    use std::collections::HashSet;
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    use tokio_util::sync::CancellationToken;
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

    fn member(team: Option<Uuid>) -> Identity {
        Identity {
            user_id: Uuid::new_v4(),
            team_id: team,
        }
    }

    /// The server's own key: may create collections.
    async fn admin(q: &QdrantServer) -> QdrantTarget {
        QdrantTarget::connect(&q.url(), Some(&q.api_key))
            .await
            .unwrap()
    }

    async fn points(t: &QdrantTarget, who: &Identity) -> u64 {
        t.client()
            .count(CountPointsBuilder::new(t.collection(who)).exact(true))
            .await
            .unwrap()
            .result
            .map(|r| r.count)
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn push_search_visibility_prune_and_delete() {
        let Some(q) = QdrantServer::start() else {
            return;
        };
        let t = admin(&q).await;
        let team = Some(Uuid::new_v4());
        let (alice, carol, bob) = (member(team), member(team), member(None));
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
        assert_eq!(points(&t, &alice).await, 5, "the second push added nothing");
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

        // Carol, on the same team, may not overwrite Alice's points.
        let err = t
            .upsert(
                &carol,
                &[video("qa", None)],
                &[scene("qa", 1, "hijacked", 1)],
            )
            .await
            .expect_err("another member's scene");
        assert!(err.to_string().contains("belongs to another user"), "{err}");
        // Indexed again with fewer scenes: the extra ones go.
        t.upsert(&alice, &[video("qa", Some(3))], &scenes[..3])
            .await
            .unwrap();
        assert_eq!(t.list_scenes(&alice, None, 100).await.unwrap().len(), 3);
        t.delete_videos(&carol, &[video_uuid("qa")]).await.unwrap();
        assert_eq!(
            t.list_scenes(&alice, None, 100).await.unwrap().len(),
            3,
            "Carol's delete touched nothing of Alice's"
        );
        t.delete_videos(&alice, &[video_uuid("qa")]).await.unwrap();
        assert!(t.list_scenes(&alice, None, 100).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_team_key_reaches_its_own_collection_only() {
        let Some(q) = QdrantServer::start() else {
            return;
        };
        let (team_a, team_b) = (Some(Uuid::new_v4()), Some(Uuid::new_v4()));
        let (alice, dave) = (member(team_a), member(team_b));
        // The server's owner creates both teams' collections (`heimdex sync setup` with the API key).
        let root = admin(&q).await;
        root.upsert(&alice, &[video("ta", Some(1))], &[scene("ta", 0, "a", 1)])
            .await
            .unwrap();
        root.upsert(&dave, &[video("tb", Some(1))], &[scene("tb", 0, "b", 1)])
            .await
            .unwrap();
        let a_key = q.key_for(&[&collection_name(PREFIX, &alice)]);
        let a = QdrantTarget::connect(&q.url(), Some(&a_key)).await.unwrap();
        // Team A's key works for team A.
        a.upsert(&alice, &[video("ta", Some(2))], &[scene("ta", 1, "a2", 2)])
            .await
            .unwrap();
        assert_eq!(a.list_scenes(&alice, None, 10).await.unwrap().len(), 2);
        assert_eq!(
            a.search_text(&alice, MODEL, &vector(1, 384), 5)
                .await
                .unwrap()
                .len(),
            2
        );
        // ...and nothing of team B's, whatever identity the client claims: the server refuses.
        let err = a
            .list_scenes(&dave, None, 10)
            .await
            .expect_err("team B's collection");
        assert!(
            err.to_string().contains("may not use the collection"),
            "{err}"
        );
        assert!(a
            .search_text(&dave, MODEL, &vector(1, 384), 5)
            .await
            .is_err());
        assert!(a.delete_videos(&dave, &[video_uuid("tb")]).await.is_err());
        assert!(a
            .upsert(&dave, &[video("tb", Some(1))], &[scene("tb", 0, "x", 3)])
            .await
            .is_err());
        assert_eq!(root.list_scenes(&dave, None, 10).await.unwrap().len(), 1);
        assert_eq!(
            root.list_scenes(&dave, None, 10).await.unwrap()[0].combined_text,
            "b",
            "team B's scene is untouched"
        );
        // A team key cannot create a collection (a new team needs the owner once), and says so.
        let eve = member(Some(Uuid::new_v4()));
        let err = a
            .list_scenes(&eve, None, 10)
            .await
            .expect_err("no collection, no right");
        assert!(err.to_string().contains("sync setup --qdrant"), "{err}");
        // A wrong key is refused outright.
        let bad = QdrantTarget::connect(&q.url(), Some("not-the-key"))
            .await
            .unwrap();
        assert!(bad.list_scenes(&alice, None, 10).await.is_err());
    }

    /// A deterministic pseudo-random unit vector (xorshift), clustered around `centres` centres.
    fn noisy(seed: u64, centres: u64, dim: usize) -> Vec<f32> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f32 / (1u64 << 53) as f32 - 0.5
        };
        let c = seed % centres;
        let mut v: Vec<f32> = (0..dim).map(|_| next() * 0.6).collect();
        v[(c as usize * 7) % dim] += 1.0;
        v[(c as usize * 13 + 5) % dim] += 0.7;
        let n = v.iter().map(|a| a * a).sum::<f32>().sqrt();
        v.iter().map(|a| a / n).collect()
    }

    /// `n` scenes of video `hash`, recorded on `day` (seconds since the epoch).
    fn many(hash: &str, n: u32, seed: u64, day: f64) -> (VideoDoc, Vec<SceneDoc>) {
        let scenes = (0..n)
            .map(|i| SceneDoc {
                text_vector: Some((MODEL.into(), noisy(seed + u64::from(i), 40, 384))),
                ..common::scene(hash, i, &format!("{hash} scene {i}"), 0)
            })
            .collect();
        let v = VideoDoc {
            created_at: Some(day),
            ..video(hash, Some(n as i32))
        };
        (v, scenes)
    }

    async fn ids(t: &dyn SyncTarget, who: &Identity) -> HashSet<Uuid> {
        let mut all = HashSet::new();
        let mut after = None;
        loop {
            let page = t.list_scenes(who, after, 200).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            all.extend(page.iter().map(|s| s.id));
        }
        all
    }

    /// Mean share of the Postgres top 10 that Qdrant also returns, over `queries`; every hit of
    /// both must be in `allowed` (the scenes the filter lets through).
    async fn overlap<'a>(
        pg: &'a dyn SyncTarget,
        qd: &'a dyn SyncTarget,
        who: &'a Identity,
        queries: u64,
        filter: &'a TeamFilter,
        allowed: &'a HashSet<Uuid>,
    ) -> f64 {
        let mut sum = 0.0;
        for k in 0..queries {
            let top10 = |t: &'a dyn SyncTarget| async move {
                t.search_filtered(who, MODEL, &noisy(1_000_000 + k, 40, 384), 10, filter)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|h| h.scene_id)
                    .collect::<HashSet<Uuid>>()
            };
            let (a, b) = (top10(pg).await, top10(qd).await);
            assert!(
                a.len() == 10.min(allowed.len()),
                "a full answer: {} hits",
                a.len()
            );
            assert!(
                a.is_subset(allowed) && b.is_subset(allowed),
                "only scenes the filter lets through ({filter:?})"
            );
            assert_eq!(a.len(), b.len(), "both answer with as many hits");
            sum += a.intersection(&b).count() as f64 / a.len().max(1) as f64;
        }
        sum / queries as f64
    }

    #[tokio::test]
    async fn the_same_pushes_give_the_same_answers_as_postgres() {
        let Some(q) = QdrantServer::start() else {
            return;
        };
        let Some(w) = common::world().await else {
            return;
        };
        let pg: Arc<dyn SyncTarget> = Arc::new(w.target.clone());
        let qd: Arc<dyn SyncTarget> = Arc::new(admin(&q).await);
        // Alice and Carol share a team; Bob is alone. 1500 scenes in all.
        let pushes = [
            (&w.alice, many("pa", 600, 1, JAN)),
            (&w.carol, many("pc", 400, 5000, MAR)),
            (&w.bob, many("pb", 500, 9000, JUN)),
        ];
        for _ in 0..2 {
            // The second round is the same outbox pushed again: nothing may change.
            for (who, (v, scenes)) in &pushes {
                for chunk in scenes.chunks(250) {
                    pg.upsert(who, std::slice::from_ref(v), chunk)
                        .await
                        .unwrap();
                    qd.upsert(who, std::slice::from_ref(v), chunk)
                        .await
                        .unwrap();
                }
            }
        }
        pg.index_fresh(&w.alice, usize::MAX).await.unwrap();
        pg.index_fresh(&w.bob, usize::MAX).await.unwrap();
        for who in [&w.alice, &w.carol, &w.bob] {
            let (a, b) = (ids(pg.as_ref(), who).await, ids(qd.as_ref(), who).await);
            assert_eq!(a, b, "the same scenes are visible");
        }
        assert_eq!(ids(qd.as_ref(), &w.alice).await.len(), 1000);
        assert_eq!(ids(qd.as_ref(), &w.bob).await.len(), 500);
        let all = TeamFilter::default();
        for who in [&w.alice, &w.bob] {
            let seen = ids(qd.as_ref(), who).await;
            let o = overlap(pg.as_ref(), qd.as_ref(), who, 40, &all, &seen).await;
            eprintln!("top-10 overlap with Postgres: {o:.3}");
            assert!(o >= 0.95, "top-10 overlap {o:.3}");
        }
        // Narrowed to one video, one member's scenes, a span of days: the same answers.
        let of =
            |hash: &str, n: u32| -> HashSet<Uuid> { (0..n).map(|i| scene_uuid(hash, i)).collect() };
        let cases = [
            (
                TeamFilter {
                    video: Some(video_uuid("pc")),
                    ..all.clone()
                },
                of("pc", 400),
            ),
            (
                TeamFilter {
                    owner: Some(w.alice.user_id),
                    ..all.clone()
                },
                of("pa", 600),
            ),
            (
                TeamFilter {
                    from: Some(FEB),
                    ..all.clone()
                },
                of("pc", 400),
            ),
            (
                TeamFilter {
                    until: Some(FEB),
                    ..all.clone()
                },
                of("pa", 600),
            ),
            (
                TeamFilter {
                    from: Some(FEB),
                    until: Some(APR),
                    owner: Some(w.carol.user_id),
                    ..all.clone()
                },
                of("pc", 400),
            ),
            (
                TeamFilter {
                    video: Some(video_uuid("pb")),
                    ..all.clone()
                },
                HashSet::new(),
            ),
        ];
        for (filter, allowed) in &cases {
            let o = overlap(pg.as_ref(), qd.as_ref(), &w.carol, 10, filter, allowed).await;
            eprintln!("top-10 overlap with Postgres, {filter:?}: {o:.3}");
            assert!(
                o >= 0.95 || allowed.is_empty(),
                "top-10 overlap {o:.3} with {filter:?}"
            );
        }
        // Indexed again with fewer scenes, then a video deleted: both backends follow.
        let (v, scenes) = &pushes[0].1;
        let shorter = VideoDoc {
            scene_count: Some(100),
            ..v.clone()
        };
        for t in [&pg, &qd] {
            t.upsert(&w.alice, std::slice::from_ref(&shorter), &scenes[..100])
                .await
                .unwrap();
            t.delete_videos(&w.carol, &[video_uuid("pc")])
                .await
                .unwrap();
        }
        for who in [&w.alice, &w.carol, &w.bob] {
            let (a, b) = (ids(pg.as_ref(), who).await, ids(qd.as_ref(), who).await);
            assert_eq!(a, b, "the same scenes after re-indexing and deleting");
        }
        assert_eq!(ids(qd.as_ref(), &w.carol).await.len(), 100);
        let seen = ids(qd.as_ref(), &w.carol).await;
        let o = overlap(pg.as_ref(), qd.as_ref(), &w.carol, 40, &all, &seen).await;
        assert!(o >= 0.95, "top-10 overlap after changes {o:.3}");
    }

    #[tokio::test]
    async fn a_server_killed_mid_push_loses_nothing_and_duplicates_nothing() {
        let Some(q) = QdrantServer::start() else {
            return;
        };
        let target = Arc::new(admin(&q).await);
        let (_d, lib) = temp_library().await;
        common::enable_sync(&lib, &q.url()).await;
        let hashes = [
            "k1kkkkkkkkkkkkkk0000",
            "k2kkkkkkkkkkkkkk0000",
            "k3kkkkkkkkkkkkkk0000",
            "k4kkkkkkkkkkkkkk0000",
        ];
        for h in hashes {
            common::fake_video(&lib, h, 600, true).await;
        }
        assert_eq!(common::pending(&lib).await, 2400);
        let alice = member(Some(Uuid::new_v4()));
        let cancel = CancellationToken::new();
        let task = Drainer::new(lib.clone(), target.clone(), alice.clone())
            .with_batch(40)
            .spawn(cancel.clone());
        // Kill the server as soon as the first batches are in, while most rows still wait.
        let deadline = Instant::now() + Duration::from_secs(60);
        while target
            .list_scenes(&alice, None, 1)
            .await
            .map_or(true, |s| s.is_empty())
        {
            assert!(Instant::now() < deadline, "the first batch never arrived");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        q.kill();
        let left_at_kill = common::pending(&lib).await;
        assert!(
            left_at_kill > 0,
            "the kill came before the outbox was empty"
        );
        common::wait_for_push_error(&lib).await;
        q.start_again();
        common::wait_drained(&lib).await;
        cancel.cancel();
        task.await.unwrap();
        eprintln!(
            "killed with {left_at_kill} of 2400 rows still queued; all drained after the restart"
        );
        assert_eq!(points(&target, &alice).await, 2400, "0 lost, 0 duplicated");
        let expected: HashSet<Uuid> = hashes
            .iter()
            .flat_map(|h| (0..600).map(move |i| scene_uuid(h, i)))
            .collect();
        assert_eq!(ids(target.as_ref(), &alice).await, expected);
        let state = heimdex_sync::PushState::load(lib.pool()).await.unwrap();
        assert!(state.last_error.is_none() && state.last_push_ms.is_some());
    }
}
