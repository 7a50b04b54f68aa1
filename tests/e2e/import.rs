//! Import over generated and shared media, with every kind of bad input in the same call.

use heimdex_core::Stage;
use heimdex_library::{import, videos, ImportOutcome};
use heimdex_tests::{library::*, media};
use std::path::PathBuf;
use std::sync::Arc;

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

/// Appends a top-level `free` box of `pad` zero bytes to an mp4 (players skip it), so a small
/// video becomes bigger than the whole-file hashing size.
fn padded(src: &std::path::Path, dst: &std::path::Path, pad: usize) {
    let mut bytes = std::fs::read(src).unwrap();
    bytes.extend(u32::try_from(pad + 8).unwrap().to_be_bytes());
    bytes.extend(b"free");
    bytes.extend(std::iter::repeat_n(0u8, pad));
    std::fs::write(dst, bytes).unwrap();
}

#[tokio::test]
async fn different_files_never_merge_and_copies_are_named_duplicates() {
    let (dir, lib) = temp_library().await;
    let d = dir.path();
    let clip = media::video(d, "clip.mp4", 1.0, 160, 120, false);
    // Two videos over 4 MiB, equal except for one byte that no hash sample reads.
    let a = d.join("a.mp4");
    padded(&clip, &a, 6 << 20);
    let mut bytes = std::fs::read(&a).unwrap();
    let size = bytes.len() as u64;
    let (edge, sample) = (1u64 << 20, 64u64 << 10);
    let gap = edge + sample + (size - 2 * edge - sample) / 15 / 2;
    bytes[usize::try_from(gap).unwrap()] ^= 0xff;
    let b = d.join("b.mp4");
    std::fs::write(&b, &bytes).unwrap();
    assert_eq!(
        heimdex_library::hash::content_hash(&a).unwrap(),
        heimdex_library::hash::content_hash(&b).unwrap(),
        "the samples are equal"
    );
    let copy = d.join("copy-of-a.mp4");
    std::fs::copy(&a, &copy).unwrap();
    let p = pipeline(&lib, vec![FakeStage::ok(Stage::Poster)]);
    let first = p.import(std::slice::from_ref(&a)).await.unwrap();
    // b in a later import, c in the same import as a copy of b made there.
    let b_copy = d.join("copy-of-b.mp4");
    std::fs::copy(&b, &b_copy).unwrap();
    let report = p
        .import(&[b.clone(), copy.clone(), b_copy.clone()])
        .await
        .unwrap();
    let find = |p: &PathBuf| report.videos.iter().find(|v| &v.path == p).unwrap();
    assert_eq!(find(&b).outcome, ImportOutcome::Added, "{report:?}");
    assert_ne!(find(&b).id, first.videos[0].id);
    assert_eq!(find(&copy).outcome, ImportOutcome::Duplicate);
    assert_eq!(find(&copy).duplicate_of.as_ref(), Some(&a));
    assert_eq!(find(&copy).id, first.videos[0].id);
    assert_eq!(find(&b_copy).outcome, ImportOutcome::Duplicate);
    assert_eq!(find(&b_copy).duplicate_of.as_ref(), Some(&b));
    assert_eq!(videos::list(lib.pool()).await.unwrap().len(), 2);
    // Importing b again finds it under its own identity.
    let again = p.import(std::slice::from_ref(&b)).await.unwrap();
    assert_eq!(again.videos[0].outcome, ImportOutcome::AlreadyPresent);
    assert_eq!(again.videos[0].id, find(&b).id);
    // A file that lists other files (ffconcat) named .mp4 is refused, never followed.
    let list = d.join("list.mp4");
    std::fs::write(&list, "ffconcat version 1.0\nfile clip.mp4\n").unwrap();
    let r = p.import(std::slice::from_ref(&list)).await.unwrap();
    assert!(r.videos.is_empty(), "{r:?}");
    assert!(r.failures[0].error.contains("list or playlist"), "{r:?}");
}

#[tokio::test]
async fn a_file_replaced_after_import_is_not_indexed_under_the_old_video() {
    let (dir, lib) = temp_library().await;
    let d = dir.path();
    let v = media::video(d, "v.mp4", 1.0, 160, 120, false);
    let p = pipeline(
        &lib,
        vec![
            Arc::new(heimdex_library::stages::poster::PosterStage),
            FakeStage::ok(Stage::Scenes),
        ],
    );
    let old = p.import(std::slice::from_ref(&v)).await.unwrap().videos[0]
        .id
        .clone();
    // Replaced by another video before the queue ran.
    let other = media::video(d, "other.mp4", 2.0, 320, 240, false);
    std::fs::rename(&other, &v).unwrap();
    run_until_idle(&p, std::time::Duration::from_secs(60)).await;
    let summary = videos::list_summaries(lib.pool()).await.unwrap().remove(0);
    assert_eq!(summary.status, heimdex_core::VideoStatus::Failed);
    let error = summary.error.unwrap_or_default();
    assert!(error.contains("changed since it was imported"), "{error}");
    // Importing it again indexes the new file and the old video (whose file is gone) goes.
    let r = p.import(std::slice::from_ref(&v)).await.unwrap();
    assert_eq!(r.videos[0].outcome, ImportOutcome::Added);
    assert_eq!(r.videos[0].replaced.as_ref(), Some(&old));
    run_until_idle(&p, std::time::Duration::from_secs(60)).await;
    let all = videos::list_summaries(lib.pool()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, heimdex_core::VideoStatus::Ready);
}

#[cfg(unix)]
#[tokio::test]
async fn names_that_are_not_utf8_import_and_index_and_a_video_named_file_with_no_picture_is_reported(
) {
    use std::os::unix::ffi::OsStrExt as _;
    let (dir, lib) = temp_library().await;
    let folder = dir.path().join("in");
    std::fs::create_dir_all(&folder).unwrap();
    let v = media::video(&folder, "v.mp4", 1.0, 160, 120, false);
    let odd = folder.join(std::ffi::OsStr::from_bytes(b"caf\xe9 \xff.mp4"));
    std::fs::rename(&v, &odd).unwrap();
    media::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=duration=1",
        "-c:a",
        "aac",
        folder.join("voice-memo.mp4").to_str().unwrap(),
    ]);
    let p = pipeline(
        &lib,
        vec![Arc::new(heimdex_library::stages::poster::PosterStage)],
    );
    let r = p.import(std::slice::from_ref(&folder)).await.unwrap();
    assert_eq!(r.videos.len(), 1, "{r:?}");
    assert_eq!(r.videos[0].path, odd);
    assert_eq!(r.failures.len(), 1, "{r:?}");
    assert!(r.failures[0].path.ends_with("voice-memo.mp4"));
    assert!(r.failures[0].error.contains("not a video"), "{r:?}");
    run_until_idle(&p, std::time::Duration::from_secs(60)).await;
    let all = videos::list_summaries(lib.pool()).await.unwrap();
    assert_eq!(all[0].status, heimdex_core::VideoStatus::Ready, "{all:?}");
    assert_eq!(videos::list(lib.pool()).await.unwrap()[0].path, odd);
}
