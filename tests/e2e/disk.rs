//! A library whose pictures go to a small tmpfs that fills up while indexing: the jobs wait (their attempts kept),
//! the error says the disk is full, nothing is corrupt, and indexing goes on by itself once space
//! is freed. A read-only library folder is refused at open with a clear message. Needs to mount a
//! tmpfs (root, or CAP_SYS_ADMIN): SKIPPED otherwise.

use heimdex_core::{DataPaths, JobState, Stage, VideoStatus};
use heimdex_library::stages::{poster::PosterStage, scenes::ScenesStage};
use heimdex_library::{jobs, videos, Library, LibraryError, RunOptions, Runner};
use heimdex_tests::{library::*, media};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// A tmpfs of `size` mounted at a new folder (kept by the temporary directory it lives in);
/// unmounted on drop.
struct Tmpfs(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let at = dir.path().join("fs");
        std::fs::create_dir_all(&at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            println!("SKIPPED: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)");
            return None;
        }
        Some(Self(at, dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn remount(&self, opts: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,{opts}")])
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills `dir`'s file system, leaving about `leave` bytes.
fn fill(dir: &Path, leave: u64) -> PathBuf {
    let filler = dir.join("filler");
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    let avail: u64 = String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap();
    let size = avail.saturating_sub(leave);
    let _ = std::fs::write(&filler, vec![7u8; usize::try_from(size).unwrap()]);
    filler
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_pauses_indexing_and_it_resumes_when_space_is_freed() {
    let Some(fs) = Tmpfs::mount("24m") else {
        return;
    };
    let src = tempfile::tempdir().unwrap();
    let video = media::color_shots(
        src.path(),
        "shots.mp4",
        &["red", "blue", "green", "white"],
        1.0,
    );
    // The database on a disk with room, the pictures on the one that fills up.
    let mut paths = DataPaths::under(src.path().join("library"));
    paths.cache_dir = fs.path().join("cache");
    let lib = Library::open(paths).await.unwrap();
    let p = pipeline(
        &lib,
        vec![Arc::new(PosterStage), Arc::new(ScenesStage::default())],
    );
    let id = p.import(std::slice::from_ref(&video)).await.unwrap().videos[0]
        .id
        .clone();
    let filler = fill(fs.path(), 4096);

    let runner = Runner::acquire(&p).await.unwrap().expect("lock is free");
    let stop = tokio_util::sync::CancellationToken::new();
    let opts = RunOptions {
        concurrency: 1,
        exit_when_idle: true,
        backoff_base: Duration::from_millis(40),
    };
    let running = {
        let stop = stop.clone();
        tokio::spawn(async move { runner.run(&opts, stop).await })
    };
    // The first stage that writes runs out of room and waits, queued, saying why.
    let mut said = None;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let summary = videos::list_summaries(lib.pool()).await.unwrap().remove(0);
        let waiting = summary.jobs.iter().find(|j| {
            j.error
                .as_deref()
                .is_some_and(|e| e.contains("the disk is full"))
        });
        if let Some(j) = waiting {
            said = Some((j.stage, j.error.clone().unwrap_or_default()));
            break;
        }
    }
    let Some((stage, error)) = said else {
        let summaries = videos::list_summaries(lib.pool()).await;
        panic!("a stage says the disk is full: {summaries:#?}");
    };
    println!("{stage:?}: {error}");
    // Several retries later it has still not failed for good.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_ne!(
        jobs::state_of(lib.pool(), &id, stage).await.unwrap(),
        Some(JobState::Failed)
    );
    let report = heimdex_library::check::check(&lib, false, false)
        .await
        .unwrap();
    assert!(report.is_clean(), "nothing is corrupt: {report:?}");

    std::fs::remove_file(&filler).unwrap();
    tokio::time::timeout(Duration::from_secs(60), running)
        .await
        .expect("indexing ends once there is room")
        .unwrap()
        .unwrap();
    let summary = videos::list_summaries(lib.pool()).await.unwrap().remove(0);
    assert_eq!(summary.status, VideoStatus::Ready, "{summary:?}");
    assert!(
        jobs::state_of(lib.pool(), &id, Stage::Scenes)
            .await
            .unwrap()
            == Some(JobState::Done)
    );
}

#[tokio::test]
async fn a_read_only_library_folder_is_refused_at_open_with_what_to_do() {
    let Some(fs) = Tmpfs::mount("4m") else {
        return;
    };
    let paths = DataPaths::under(fs.path().join("library"));
    let lib = Library::open(paths.clone()).await.unwrap();
    lib.pool().close().await;
    drop(lib);
    fs.remount("ro");
    let err = Library::open(paths).await.err().expect("refused");
    assert!(matches!(err, LibraryError::ReadOnly { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("cannot be written") && text.contains("--data-dir"),
        "{text}"
    );
    fs.remount("rw");
}
