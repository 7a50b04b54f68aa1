//! kill -9 at random points of `heimdex index` (importing, probing, decoding, loading models,
//! writing scenes and search rows), then again and again: after each kill the database and its
//! derived indexes agree (`heimdex check`) and no ffmpeg outlives the indexer; at the end every
//! video is indexed once, with the same scenes as a library indexed without a kill.
//! `HEIMDEX_KILL_POINTS` sets how many kills (default 5; scripts/kill9.sh runs 50 and prints the
//! figures). The seed is printed; `HEIMDEX_KILL_SEED` repeats a run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use heimdex_tests::media;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_heimdex");

fn heimdex(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("heimdex runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Processes (other than this test) whose command line mentions `needle`.
fn processes_naming(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().parse::<u32>().is_err() {
            continue;
        }
        if let Ok(raw) = std::fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&raw).replace('\0', " ");
            if cmd.contains(needle) {
                found.push(cmd);
            }
        }
    }
    found
}

/// The counts `heimdex check` must find zero after any kill.
fn assert_whole(data: &Path, after: &str) -> serde_json::Value {
    let report = json(&heimdex(data, &["check", "--json"]));
    assert_eq!(report["integrity"], "ok", "{after}: {report}");
    assert_eq!(report["words_index"], "ok", "{after}: {report}");
    for f in report["findings"].as_array().unwrap() {
        // Jobs left running are expected right after a kill: the next runner queues them again.
        if f["name"] != "orphan_jobs" {
            assert_eq!(f["count"], 0, "{after}: {report}");
        }
    }
    report
}

#[test]
fn kill_9_at_random_points_loses_and_duplicates_nothing() {
    let points: usize = std::env::var("HEIMDEX_KILL_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut seed = heimdex_tests::seed::Seeded::from_env("HEIMDEX_KILL_SEED");
    let mut next = move || seed.next_u64();
    let dir = tempfile::tempdir().unwrap();
    let videos = dir.path().join("videos");
    std::fs::create_dir_all(&videos).unwrap();
    let count = 6;
    for i in 0..count {
        media::video(&videos, &format!("clip{i}.mp4"), 3.0, 320, 240, true);
    }
    let videos_arg = videos.to_string_lossy().into_owned();

    // The reference: the same folder indexed without a kill.
    let reference = dir.path().join("reference");
    let clean_started = Instant::now();
    let out = heimdex(&reference, &["index", "-j", "2", &videos_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clean_secs = clean_started.elapsed().as_secs_f64();
    let want = assert_whole(&reference, "reference");

    let mut kills = Vec::new();
    let span_ms = ((clean_secs * 1000.0) as u64).max(100);
    for point in 0..points {
        // Each point on a fresh library: killed once anywhere in a clean run's time, and every
        // other time killed again while the next run recovers; then run to the end.
        let data = dir.path().join(format!("killed-{point}"));
        let first = 50 + next() % span_ms;
        kill_once(&data, &videos_arg, point, first, &mut kills);
        if next() % 2 == 0 {
            let second = 50 + next() % span_ms;
            kill_once(&data, &videos_arg, point, second, &mut kills);
        }
        let out = heimdex(&data, &["index", &videos_arg]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = assert_whole(&data, &format!("the end of point {point}"));
        let status = json(&heimdex(&data, &["status", "--json"]));
        assert_eq!(status["videos"], count, "{status}");
        assert_eq!(status["ready"], count, "{status}");
        let stages = status["stages"].as_array().unwrap().len() as i64;
        assert_eq!(
            status["jobs"]["done"].as_i64(),
            Some(count * stages),
            "{status}"
        );
        let orphans = got["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "orphan_jobs")
            .map(|f| f["count"].clone());
        assert_eq!(orphans, Some(serde_json::json!(0)), "{got}");
        // The same scenes as the clean run: none lost, none doubled.
        assert_eq!(got["scenes"], want["scenes"], "{got}\n{want}");
        assert_eq!(got["videos"], want["videos"], "{got}\n{want}");
        if point == 0 {
            // Importing the folder again adds nothing.
            let again = heimdex(&data, &["import", &videos_arg]);
            assert!(String::from_utf8_lossy(&again.stderr)
                .contains(&format!("0 added, 0 moved, {count} already in library")));
        }
    }
    for line in &kills {
        println!("{line}");
    }
    println!(
        "{} kills ({} during a run) at {points} points, clean run {clean_secs:.1} s, scenes after \
         each point {} (as without a kill), 0 orphan processes, check clean",
        kills.len(),
        kills.iter().filter(|k| !k.contains("had ended")).count(),
        want["scenes"]
    );
}

/// Starts `heimdex index`, SIGKILLs it after `after_ms` (unless it ended), then checks that no
/// child outlived it and that the library is whole.
fn kill_once(data: &Path, videos_arg: &str, point: usize, after_ms: u64, kills: &mut Vec<String>) {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["index", "-j", "2", videos_arg])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(after_ms));
    let killed = child.try_wait().unwrap().is_none();
    if killed {
        Command::new("kill")
            .args(["-9", &child.id().to_string()])
            .status()
            .unwrap();
    }
    let _ = child.wait();
    // The kernel kills the children with their parent (PR_SET_PDEATHSIG): give it a moment.
    let mut left = processes_naming(videos_arg);
    for _ in 0..20 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        left = processes_naming(videos_arg);
    }
    assert!(left.is_empty(), "orphans after kill {point}: {left:?}");
    let report = assert_whole(data, &format!("point {point}, kill at {after_ms} ms"));
    let status = json(&heimdex(data, &["status", "--json"]));
    kills.push(format!(
        "point {point:2}: kill at {after_ms:5} ms{}: jobs {} · scenes {}",
        if killed { "" } else { " (had ended)" },
        status["jobs"],
        report["scenes"]
    ));
}
