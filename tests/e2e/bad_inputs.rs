//! The bad-input corpus (scripts/make-bad-inputs.py: 58 kinds, 2000 junk files, hostile names,
//! special files, files changed between import and indexing) imported as one folder beside a
//! video indexed before, with the real poster and scene stages: each entry gets the outcome its
//! kind calls for, nothing hangs, nothing indexed before is lost. Needs ffmpeg and python3.

use heimdex_core::{testdata::workspace_root, VideoStatus};
use heimdex_library::stages::{poster::PosterStage, scenes::ScenesStage};
use heimdex_library::{videos, ImportOutcome, ImportReport};
use heimdex_tests::library::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn entry_path(files: &Path, e: &Value) -> PathBuf {
    #[cfg(unix)]
    if let Some(hex) = e["name_hex"].as_str() {
        use std::os::unix::ffi::OsStrExt as _;
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        return files.join(std::ffi::OsStr::from_bytes(&bytes));
    }
    files.join(e["name"].as_str().unwrap())
}

#[tokio::test]
async fn every_kind_of_bad_input_gets_its_outcome_and_nothing_is_lost() {
    let started = Instant::now();
    let (dir, lib) = temp_library().await;
    let corpus = dir.path().join("corpus");
    let made = std::process::Command::new("python3")
        .arg(workspace_root().join("scripts/make-bad-inputs.py"))
        .arg(&corpus)
        .output()
        .expect("python3 runs");
    assert!(
        made.status.success(),
        "make-bad-inputs.py: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let manifest: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(corpus.join("manifest.json")).unwrap())
            .unwrap();
    let files = corpus.join("files");
    let p = pipeline(
        &lib,
        vec![Arc::new(PosterStage), Arc::new(ScenesStage::default())],
    );
    let scene_count = |id: heimdex_core::VideoId| {
        let pool = lib.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM scenes WHERE video_id = ?")
                .bind(id.0)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };

    // Indexed before the bad folder comes.
    let good = files.join("good.mp4");
    let before = p.import(std::slice::from_ref(&good)).await.unwrap();
    let good_id = before.videos[0].id.clone();
    run_until_idle(&p, Duration::from_secs(60)).await;
    let good_scenes = scene_count(good_id.clone()).await;
    assert!(good_scenes >= 2, "good.mp4 has a cut: {good_scenes} scenes");

    let import_started = Instant::now();
    let report: ImportReport = tokio::time::timeout(
        Duration::from_secs(150),
        p.import(std::slice::from_ref(&files)),
    )
    .await
    .expect("the import of the whole corpus ends")
    .unwrap();
    let import_secs = import_started.elapsed().as_secs_f64();

    // Changed between import and indexing.
    let src = |e: &Value, k: &str| corpus.join(e[k].as_str().unwrap());
    for e in manifest.iter().filter(|e| e["expect"] == "mutation") {
        let path = entry_path(&files, e);
        match e["kind"].as_str().unwrap() {
            "deleted-after-import" => std::fs::remove_file(&path).unwrap(),
            "replaced-after-import" => {
                std::fs::copy(src(e, "replacement"), &path).unwrap();
            }
            "truncated-after-import" => {
                let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                f.set_len(e["truncate_to"].as_u64().unwrap()).unwrap();
            }
            "growing" => {
                std::fs::copy(src(e, "source"), &path).unwrap();
            }
            other => panic!("unknown mutation {other}"),
        }
    }
    let index_started = Instant::now();
    run_until_idle(&p, Duration::from_secs(240)).await;
    let index_secs = index_started.elapsed().as_secs_f64();

    let summaries: HashMap<PathBuf, videos::VideoSummary> = videos::list_summaries(lib.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.video.path.clone(), s))
        .collect();
    let failure = |path: &Path| {
        report
            .failures
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.error.clone())
    };
    let imported = |path: &Path| report.videos.iter().find(|v| v.path == path);
    let mut outcomes: Vec<String> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let as_root = running_as_root();
    for e in &manifest {
        let kind = e["kind"].as_str().unwrap();
        let expect = e["expect"].as_str().unwrap();
        let path = entry_path(&files, e);
        let summary = summaries.get(&path);
        let status = summary.map(|s| s.status);
        let error = failure(&path).or_else(|| summary.and_then(|s| s.error.clone()));
        let said = match (status, &error) {
            (Some(VideoStatus::Ready), _) => "indexed".to_owned(),
            (_, Some(err)) => format!("error: {err}"),
            (Some(s), None) => format!("{s:?}"),
            (None, None) => imported(&path)
                .map(|v| format!("{:?}", v.outcome))
                .unwrap_or_else(|| "no status".into()),
        };
        outcomes.push(format!("{expect:9} {kind:26} {said}"));
        let settled = !matches!(status, Some(VideoStatus::Queued | VideoStatus::Indexing));
        let ok = match expect {
            "indexed" => status == Some(VideoStatus::Ready),
            "failed" => error.is_some() && status != Some(VideoStatus::Ready),
            "not_video" => error.as_deref().is_some_and(|e| e.contains("not a video")),
            "either" => settled && (status == Some(VideoStatus::Ready) || error.is_some()),
            "duplicate" => imported(&path).is_some_and(|v| {
                v.outcome == ImportOutcome::Duplicate
                    && v.duplicate_of.as_deref()
                        == Some(files.join(e["of"].as_str().unwrap()).as_path())
            }),
            "distinct" => {
                let from = summaries.get(&files.join(e["from"].as_str().unwrap()));
                status == Some(VideoStatus::Ready)
                    && from.is_some_and(|f| Some(&f.video.id) != summary.map(|s| &s.video.id))
            }
            "special" => {
                let root_reads = e["root_reads"].as_bool().unwrap_or(false) && as_root;
                // A folder is walked, not a file: nothing to say about dir.mp4 itself.
                root_reads || kind == "dir-named-mp4" || error.is_some()
            }
            "mutation" => {
                settled
                    && match kind {
                        "deleted-after-import" => error
                            .as_deref()
                            .is_some_and(|e| e.contains("file not found")),
                        "growing" => error.is_some() || status == Some(VideoStatus::Ready),
                        _ => error
                            .as_deref()
                            .is_some_and(|e| e.contains("changed since it was imported")),
                    }
            }
            "junk" => {
                let junk = files.join("junk");
                let failed = report
                    .failures
                    .iter()
                    .filter(|f| f.path.starts_with(&junk))
                    .count();
                let indexed = summaries.keys().filter(|p| p.starts_with(&junk)).count();
                outcomes.push(format!(
                    "          junk: {failed} failures, {} skipped quietly in all, {indexed} indexed",
                    report.skipped_non_video
                ));
                failed == e["video_count"].as_u64().unwrap() as usize
                    && indexed == 0
                    && report.skipped_non_video >= e["other_count"].as_u64().unwrap() as usize
            }
            other => panic!("unknown expectation {other}"),
        };
        if !ok {
            problems.push(format!("{kind}: expected {expect}, got {said}"));
        }
    }
    println!("{}", outcomes.join("\n"));
    println!(
        "corpus: {} entries; import {import_secs:.1} s, indexing {index_secs:.1} s, all {:.1} s",
        manifest.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Nothing indexed before is lost, and no video is left waiting.
    assert_eq!(scene_count(good_id).await, good_scenes);
    assert!(summaries
        .values()
        .all(|s| !matches!(s.status, VideoStatus::Queued | VideoStatus::Indexing)));
}

/// Whether this process runs as root (then chmod 000 does not stop it reading).
fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
