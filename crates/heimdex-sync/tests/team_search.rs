//! Team search against local search on a real indexed library: a video with speech and a video
//! with words on screen go through every stage (scenes, Whisper tiny.en, OCR, all-MiniLM-L6-v2),
//! the outbox pushes them to a real PostgreSQL + pgvector, and a teammate's team search finds the
//! same top scene as the owner's local search, with the same cosine, both while the pushed scenes
//! are fresh (ranked exactly) and once they are in the HNSW index. The teammate, who lacks the
//! files, pulls the scenes' thumbnails byte for byte. Needs ffmpeg, the shared test data, the
//! models and PostgreSQL (SKIPPED without them outside CI); OCR only for the on-screen query.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{enable_sync, pg_count, world};
use heimdex_core::testdata::shared_data;
use heimdex_embed::{MiniLmEmbedder, TextEmbedder};
use heimdex_library::search::{self, SearchRequest};
use heimdex_library::{ocr, stages, videos, Library, Pipeline};
use heimdex_sync::ids::scene_uuid;
use heimdex_sync::{pull, Drainer, SyncTarget};
use heimdex_tests::library::{run_until_idle, search_paths, temp_library};
use heimdex_tests::media::{sign_video, speech_video};
use std::sync::Arc;
use std::time::Duration;

/// Local search's top hit for `query`: its team scene id, its text cosine, and the query text
/// local search embedded (dates taken out).
async fn local_top(lib: &Library, query: &str) -> (uuid::Uuid, Option<f32>, String) {
    let results = search::search(lib, &SearchRequest::new(query))
        .await
        .unwrap();
    let top = results.hits.first().expect("local search finds something");
    let hash = videos::get(lib.pool(), &top.video_id)
        .await
        .unwrap()
        .unwrap()
        .content_hash;
    (
        scene_uuid(&hash, top.scene_idx),
        top.scores.text,
        results.text.clone(),
    )
}

#[tokio::test]
async fn team_search_finds_the_same_top_scene_as_local_search() {
    let Some(speech) = shared_data("speech/jfk.wav") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let Some(paths) = search_paths(&tmp.path().join("alice")) else {
        return;
    };
    let Some(w) = world().await else { return };
    let embedder = MiniLmEmbedder::from_model_dir(&paths.model_dir).unwrap();
    let lib = Library::open(paths).await.unwrap();
    enable_sync(&lib, &w.server.url()).await;
    let p = Pipeline::new(lib.clone(), stages::default_stages());
    let talk = speech_video(tmp.path(), &speech);
    let sign = sign_video(tmp.path(), "ZEPPELIN HARBOUR");
    p.import(&[talk, sign]).await.unwrap();
    run_until_idle(&p, Duration::from_secs(900)).await;

    // Alice pushes (shared with her team); Carol, on the team, searches.
    let target: Arc<dyn SyncTarget> = Arc::new(w.target.clone());
    let drainer = Drainer::new(lib.clone(), target.clone(), w.alice.clone());
    let pushed = drainer.drain(|_, _| {}).await.unwrap();
    let local_scenes = pg_count(&w.target, "SELECT COUNT(*) FROM video_scenes").await;
    assert!(pushed.scenes >= 3 && pushed.scenes == local_scenes as u64);
    assert_eq!(
        pg_count(
            &w.target,
            "SELECT COUNT(*) FROM video_scenes WHERE text_embedding IS NOT NULL"
        )
        .await,
        local_scenes,
        "every scene carries its MiniLM vector"
    );

    let mut queries = vec![
        "ask not what your country can do",
        "patriotic speech by a president",
    ];
    if ocr::available() {
        queries.push("zeppelin harbour");
    } else {
        eprintln!("SKIPPED (on-screen query): tesseract is missing");
    }
    let model = embedder.model_id().to_owned();
    for indexed in [false, true] {
        if indexed {
            let moved = drainer.index_backlog(|| false, |_| {}).await.unwrap();
            assert_eq!(moved, local_scenes as u64);
            assert_eq!(target.fresh_count(&w.carol).await.unwrap(), 0);
        } else {
            assert_eq!(
                target.fresh_count(&w.carol).await.unwrap(),
                local_scenes as u64,
                "pushed scenes wait for the index, searchable"
            );
        }
        for q in &queries {
            let (top, cosine, text) = local_top(&lib, q).await;
            let vector = embedder.embed_one(&text).unwrap();
            let team = target
                .search_text(&w.carol, &model, &vector, 5)
                .await
                .unwrap();
            assert_eq!(
                team.first().map(|h| h.scene_id),
                Some(top),
                "{q:?} (indexed: {indexed}): team {team:#?}"
            );
            if let Some(c) = cosine {
                assert!(
                    (team[0].similarity - f64::from(c)).abs() < 1e-4,
                    "{q:?}: the same vectors give the same cosine ({} vs {c})",
                    team[0].similarity
                );
            }
        }
    }

    // Carol lacks the files: pull brings the scenes and their thumbnails, byte for byte.
    let (_dc, carol_lib) = temp_library().await;
    let fetched = pull_all(&carol_lib, target.as_ref(), &w.carol).await;
    let with_thumbnail = pg_count(
        &w.target,
        "SELECT COUNT(*) FROM video_scenes WHERE thumbnail_jpeg IS NOT NULL",
    )
    .await;
    assert!(with_thumbnail >= 3, "the scenes' thumbnails were pushed");
    assert_eq!(fetched, with_thumbnail as u64);
    let mut compared = 0;
    for v in videos::list(lib.pool()).await.unwrap() {
        let scenes = heimdex_library::scenes::list_for_video(lib.pool(), lib.paths(), &v.id)
            .await
            .unwrap();
        for s in scenes {
            let Some(local) = s.thumbnail_path.filter(|t| t.is_file()) else {
                continue;
            };
            let id = scene_uuid(&v.content_hash, s.idx);
            let pulled = pull::thumbnail_path(carol_lib.paths(), id);
            assert_eq!(
                std::fs::read(&pulled).unwrap(),
                std::fs::read(&local).unwrap()
            );
            compared += 1;
        }
    }
    assert_eq!(compared, with_thumbnail);
    let again = pull_all(&carol_lib, target.as_ref(), &w.carol).await;
    assert_eq!(again, 0, "a second pull fetches nothing new");
    // Bob is not on the team: nothing. Alice holds the files: no copies of her own thumbnails.
    let (_db, bob_lib) = temp_library().await;
    assert_eq!(pull_all(&bob_lib, target.as_ref(), &w.bob).await, 0);
    assert_eq!(pull_all(&lib, target.as_ref(), &w.alice).await, 0);
}

/// `sync pull` as the CLI runs it: the scene list, then the thumbnails; how many were fetched.
async fn pull_all(lib: &Library, target: &dyn SyncTarget, who: &heimdex_sync::Identity) -> u64 {
    pull::pull(lib.pool(), target, who, |_| {}).await.unwrap();
    pull::pull_thumbnails(lib, target, who).await.unwrap()
}
