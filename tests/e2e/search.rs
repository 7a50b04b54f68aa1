//! Search end to end: a video with speech and a video with text drawn on it go through every stage
//! (scenes, speech, embed with OCR); `search` finds them by a spoken phrase and by the on-screen
//! words, `similar` works, the query log records the search and the opened hit, and removing a
//! video removes its hits. Needs ffmpeg, tesseract, the shared test data, Whisper tiny.en and
//! all-MiniLM-L6-v2 (scripts/install-deps.sh, scripts/fetch-models.sh; missing: SKIPPED locally,
//! failure in CI).

use heimdex_core::testdata::shared_data;
use heimdex_core::{JobState, Stage, VideoId};
use heimdex_library::search::{self, SearchRequest};
use heimdex_library::{jobs, ocr, stages, Library, Pipeline};
use heimdex_tests::media::{sign_video, speech_video};
use std::time::Duration;

async fn run_all(p: &Pipeline) {
    heimdex_tests::library::run_until_idle(p, Duration::from_secs(900)).await;
}

async fn count(lib: &Library, table: &str, video: &VideoId) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE video_id = ?"))
        .bind(video.as_str())
        .fetch_one(lib.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn search_finds_speech_and_on_screen_text() {
    let Some(speech) = shared_data("speech/jfk.wav") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let Some(paths) = heimdex_tests::library::search_paths(&tmp.path().join("data")) else {
        return;
    };
    let with_ocr = ocr::available();
    if !with_ocr {
        assert!(
            std::env::var_os("CI").is_none(),
            "tesseract is missing: run scripts/install-deps.sh"
        );
        eprintln!("SKIPPED (OCR part): tesseract is missing");
    }
    let lib = Library::open(paths).await.unwrap();
    let p = Pipeline::new(lib.clone(), stages::default_stages());
    let talk = speech_video(tmp.path(), &speech);
    let sign = sign_video(tmp.path(), "ZEPPELIN HARBOUR");
    let report = p.import(&[talk, sign]).await.unwrap();
    let id_of = |is_talk: bool| {
        report
            .videos
            .iter()
            .find(|v| v.path.ends_with("speech.mp4") == is_talk)
            .map(|v| v.id.clone())
            .expect("imported")
    };
    let (talk_id, sign_id) = (id_of(true), id_of(false));
    run_all(&p).await;
    for v in [&talk_id, &sign_id] {
        assert_eq!(
            jobs::state_of(lib.pool(), v, Stage::Embed).await.unwrap(),
            Some(JobState::Done)
        );
    }
    assert!(count(&lib, "scene_vectors", &talk_id).await >= 2);

    // A spoken phrase finds the talking video, with the words marked.
    let results = search::search(
        &lib,
        &SearchRequest::new("ask not what your country can do"),
    )
    .await
    .unwrap();
    let top = &results.hits[0];
    assert_eq!(top.video_id, talk_id, "{:#?}", results.hits);
    assert!(
        top.snippet.to_lowercase().contains("country"),
        "{}",
        top.snippet
    );
    assert!(top
        .marked_snippet("[", "]")
        .to_lowercase()
        .contains("[country]"));
    assert!(top.scores.bm25.is_some() && top.scores.text.is_some());
    assert!(top.thumbnail_path.as_ref().is_some_and(|t| t.is_file()));

    // A paraphrase (no shared word with the transcript but "country") still ranks it first.
    let para = search::search(&lib, &SearchRequest::new("patriotic speech by a president"))
        .await
        .unwrap();
    assert_eq!(para.hits[0].video_id, talk_id);

    // Filters: another video only, no speech.
    let mut req = SearchRequest::new("ask not what your country can do");
    req.video = Some(sign_id.clone());
    let only = search::search(&lib, &req).await.unwrap();
    assert!(only.hits.iter().all(|h| h.video_id == sign_id));
    let mut req = SearchRequest::new("country");
    req.has_speech = Some(false);
    let silent = search::search(&lib, &req).await.unwrap();
    assert!(silent.hits.iter().all(|h| h.video_id == sign_id));

    // On-screen text.
    if with_ocr {
        let found = search::search(&lib, &SearchRequest::new("zeppelin harbour"))
            .await
            .unwrap();
        assert_eq!(found.hits[0].video_id, sign_id, "{:#?}", found.hits);
        assert!(found.hits[0].snippet.to_uppercase().contains("ZEPPELIN"));
        assert!(found.hits[0].scores.bm25.is_some());
    }

    // More like this.
    let like = search::similar(&lib, &talk_id, top.scene_idx, 5)
        .await
        .unwrap();
    assert!(!like.is_empty());
    assert!(like
        .iter()
        .all(|h| !(h.video_id == talk_id && h.scene_idx == top.scene_idx)));

    // The query log.
    let id = results.query_id.expect("logged");
    search::log_opened(&lib, id, &talk_id, top.scene_idx)
        .await
        .unwrap();
    let log = search::history(&lib, 10).await.unwrap();
    let entry = log.iter().find(|e| e.id == id).expect("in the log");
    assert_eq!(entry.query, "ask not what your country can do");
    assert_eq!(entry.opened_video_id.as_ref(), Some(&talk_id));
    search::set_history_enabled(&lib, false).await.unwrap();
    let unlogged = search::search(&lib, &SearchRequest::new("country"))
        .await
        .unwrap();
    assert!(unlogged.query_id.is_none());
    assert_eq!(search::history(&lib, 100).await.unwrap().len(), log.len());

    // Removing a video removes its hits, rows and vectors.
    p.remove(&talk_id).await.unwrap();
    let after = search::search(
        &lib,
        &SearchRequest::new("ask not what your country can do"),
    )
    .await
    .unwrap();
    assert!(after.hits.iter().all(|h| h.video_id != talk_id));
    assert_eq!(count(&lib, "scene_vectors", &talk_id).await, 0);
    assert_eq!(count(&lib, "scene_text", &talk_id).await, 0);
}
