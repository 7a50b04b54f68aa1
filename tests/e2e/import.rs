//! Import over generated and shared media, with every kind of bad input in the same call.

use heimdex_core::Stage;
use heimdex_library::{import, videos, ImportOutcome};
use heimdex_tests::{library::*, media};
use std::path::PathBuf;

#[tokio::test]
async fn bad_inputs_fail_alone_and_good_files_import() {
    let (dir, lib) = temp_library().await;
    let d = dir.path();
    let good = media::video(d, "good.mp4", 2.0, 320, 240, true);
    let no_audio = media::video(d, "silent.mkv", 1.0, 160, 120, false);
    let empty = media::empty_file(d, "empty.mp4");
    let text = media::text_file(d, "notes.mp4");
    let truncated = media::truncated_copy(d, "cut.mp4");
    let missing = d.join("does-not-exist.mp4");
    let p = pipeline(&lib, vec![FakeStage::ok(Stage::Poster)]);

    // Something already in the library must not be touched by a bad import.
    let first = p.import(std::slice::from_ref(&good)).await.unwrap();
    assert_eq!(first.videos[0].outcome, ImportOutcome::Added);
    let before = videos::get(lib.pool(), &first.videos[0].id)
        .await
        .unwrap()
        .unwrap();

    let report = p
        .import(&[
            good.clone(),
            no_audio.clone(),
            empty.clone(),
            text.clone(),
            truncated.clone(),
            missing.clone(),
        ])
        .await
        .unwrap();
    let outcome = |path: &PathBuf| {
        report
            .videos
            .iter()
            .find(|v| &v.path == path)
            .map(|v| v.outcome)
    };
    assert_eq!(outcome(&good), Some(ImportOutcome::AlreadyPresent));
    assert_eq!(outcome(&no_audio), Some(ImportOutcome::Added));
    let error_of = |path: &PathBuf| {
        report
            .failures
            .iter()
            .find(|f| &f.path == path)
            .map(|f| f.error.clone())
    };
    assert_eq!(error_of(&empty).as_deref(), Some("empty file (0 bytes)"));
    assert!(
        error_of(&text).unwrap().contains("not a playable video"),
        "{:?}",
        error_of(&text)
    );
    assert!(
        error_of(&truncated)
            .unwrap()
            .contains("not a playable video"),
        "{:?}",
        error_of(&truncated)
    );
    assert_eq!(error_of(&missing).as_deref(), Some("file not found"));
    assert_eq!(report.failures.len(), 4, "{:?}", report.failures);
    // One line each, naming the file.
    for f in &report.failures {
        let line = f.to_string();
        assert!(
            !line.contains('\n') && line.contains(&*f.path.to_string_lossy()),
            "{line}"
        );
    }

    let after = videos::get(lib.pool(), &first.videos[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before, after);
    let failures = import::failures(lib.pool()).await.unwrap();
    assert_eq!(failures.len(), 4);
    let listed = videos::list(lib.pool()).await.unwrap();
    assert_eq!(listed.len(), 2);
    let silent = listed.iter().find(|v| v.path == no_audio).unwrap();
    assert!(!silent.info.has_audio);
}

#[tokio::test]
async fn same_file_twice_is_a_no_op_and_a_moved_file_keeps_its_id() {
    let (dir, lib) = temp_library().await;
    let folder = dir.path().join("videos/nested");
    std::fs::create_dir_all(&folder).unwrap();
    let original = media::video(&folder, "clip.mp4", 1.0, 160, 120, false);
    std::fs::write(folder.join("readme.txt"), "not a video").unwrap();
    let p = pipeline(&lib, vec![FakeStage::ok(Stage::Poster)]);

    let a = p.import(&[dir.path().join("videos")]).await.unwrap();
    assert_eq!(a.videos.len(), 1);
    assert_eq!(
        a.skipped_non_video, 1,
        "a stray text file in a folder is skipped quietly"
    );
    assert!(a.failures.is_empty(), "{:?}", a.failures);
    let b = p.import(&[dir.path().join("videos")]).await.unwrap();
    assert_eq!(b.videos[0].outcome, ImportOutcome::AlreadyPresent);
    assert_eq!(videos::list(lib.pool()).await.unwrap().len(), 1);

    let renamed = dir.path().join("renamed.mp4");
    std::fs::rename(&original, &renamed).unwrap();
    let c = p.import(std::slice::from_ref(&renamed)).await.unwrap();
    assert_eq!(c.videos[0].outcome, ImportOutcome::Moved);
    assert_eq!(c.videos[0].id, a.videos[0].id);
    let all = videos::list(lib.pool()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].path, renamed);
    assert_eq!(all[0].file_name, "renamed.mp4");
}

#[tokio::test]
async fn shared_media_folder_imports_every_video() {
    let Some(scenes) = heimdex_core::testdata::shared_data("scenes") else {
        return;
    };
    let (_dir, lib) = temp_library().await;
    let p = pipeline(&lib, vec![FakeStage::ok(Stage::Poster)]);
    let report = p.import(&[scenes]).await.unwrap();
    let mut names: Vec<String> = report
        .videos
        .iter()
        .map(|v| v.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "counter.mp4",
            "delayed_start.mp4",
            "fades.mp4",
            "goldeneye-vfr-drop3.mp4",
            "issue-134-rotate.mp4",
            "issue-195-aspect-ratio.mp4",
            "issue-236-split-copy.mkv",
            "testvideo.mp4"
        ]
    );
    assert!(
        report.failures.is_empty(),
        "licence, JSON and CSV files are skipped quietly: {:?}",
        report.failures
    );
}
