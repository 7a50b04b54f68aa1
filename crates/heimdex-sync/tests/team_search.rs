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

/// What local search answers for a query, in team ids.
struct Local {
    /// Its top hit (hybrid: BM25, text vectors, pictures, fused by rank).
    top: uuid::Uuid,
    /// Its hit with the best text-vector cosine (what team search ranks by), and that cosine.
    best_text: (uuid::Uuid, f32),
    /// The query text it embedded (dates taken out).
    text: String,
}

async fn local_search(lib: &Library, query: &str) -> Local {
    let results = search::search(lib, &SearchRequest::new(query))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for h in &results.hits {
        let hash = videos::get(lib.pool(), &h.video_id)
            .await
            .unwrap()
            .unwrap()
            .content_hash;
        ids.push((scene_uuid(&hash, h.scene_idx), h.scores.text));
    }
    let top = ids.first().expect("local search finds something").0;
    let best_text = ids
        .iter()
        .filter_map(|(id, c)| c.map(|c| (*id, c)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("a text-vector hit");
    Local {
        top,
        best_text,
        text: results.text,
    }
}

/// CTranslate2 turns its MKL backend (the int8 GEMM the speech stage asks for) off on CPUs that
/// are not Intel's unless `CT2_USE_MKL=1`, read once when the library loads: without it, this
/// test runs itself again in a child process that has it (it is about sync, not that choice).
fn rerun_with_mkl(name: &str) -> bool {
    if std::env::var_os("CT2_USE_MKL").is_some() {
        return false;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("CT2_USE_MKL", "1")
        .status()
        .unwrap();
    assert!(status.success(), "{name} failed (with CT2_USE_MKL=1)");
    true
}

#[tokio::test]
async fn team_search_finds_the_same_top_scene_as_local_search() {
    if rerun_with_mkl("team_search_finds_the_same_top_scene_as_local_search") {
        return;
    }
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
    let unfinished: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT stage, state, error FROM jobs WHERE state != 'done'")
            .fetch_all(lib.pool())
            .await
            .unwrap();
    assert!(unfinished.is_empty(), "every stage ran: {unfinished:?}");

    // Alice pushes (shared with her team); Carol, on the team, searches.
    let target: Arc<dyn SyncTarget> = Arc::new(w.target.clone());
    let drainer = Drainer::new(lib.clone(), target.clone(), w.alice.clone());
    let pushed = drainer.drain(|_, _| {}).await.unwrap();
    let local_scenes = pg_count(&w.target, "SELECT COUNT(*) FROM video_scenes").await;
    assert_eq!(pushed.scenes, local_scenes as u64, "{pushed:?}");
    assert!(
        local_scenes >= 3,
        "two shots with speech, one sign: {local_scenes} scenes"
    );
    assert_eq!(
        pg_count(
            &w.target,
            "SELECT COUNT(*) FROM video_scenes WHERE text_embedding IS NOT NULL"
        )
        .await,
        local_scenes,
        "every scene carries its MiniLM vector"
    );

    // (query, whether local search's top hit is the best text match too: a spoken phrase and
    // on-screen words are; for a paraphrase, BM25 on file names may put another scene first).
    let mut queries = vec![
        ("ask not what your country can do", true),
        ("patriotic speech by a president", false),
    ];
    if ocr::available() {
        queries.push(("zeppelin harbour", true));
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
        for (q, same_top) in &queries {
            let local = local_search(&lib, q).await;
            let vector = embedder.embed_one(&local.text).unwrap();
            let team = target
                .search_text(&w.carol, &model, &vector, 5)
                .await
                .unwrap();
            let (best, cosine) = local.best_text;
            assert_eq!(
                team.first().map(|h| h.scene_id),
                Some(best),
                "{q:?} (indexed: {indexed}): team {team:#?}"
            );
            assert!(
                (team[0].similarity - f64::from(cosine)).abs() < 1e-4,
                "{q:?}: the same vectors give the same cosine ({} vs {cosine})",
                team[0].similarity
            );
            if *same_top {
                assert_eq!(local.top, best, "{q:?}: local search's top hit");
                assert_eq!(team[0].scene_id, local.top);
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
