//! `heimdex sync` end to end against a real PostgreSQL + pgvector: setup (schema, backfill),
//! index → queued, push → pushed, pull → the team's list, status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use heimdex_tests::media;
use heimdex_tests::pg::PgServer;
use heimdex_tests::qdrant::QdrantServer;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_heimdex");
const USER: &str = "6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f";

fn heimdex(data: &Path, args: &[&str]) -> Output {
    heimdex_with(data, args, &[])
}

fn heimdex_with(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("HEIMDEX_SYNC_USER_ID", USER)
        .envs(env.iter().copied())
        .output()
        .expect("heimdex runs")
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `heimdex sync setup --postgres URL --apply-schema` for the library in `data`.
fn set_up_postgres(data: &Path, server: &PgServer) {
    ok(heimdex(
        data,
        &[
            "sync",
            "setup",
            "--postgres",
            &server.url(),
            "--apply-schema",
        ],
    ));
}

fn json(out: Output) -> serde_json::Value {
    serde_json::from_slice(&ok(out).stdout).expect("valid JSON")
}

#[test]
fn setup_index_push_pull_status() {
    let Some(server) = PgServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("library");
    let status = json(heimdex(&data, &["sync", "status", "--json"]));
    assert!(status["backend"].is_null(), "{status}");
    let push = heimdex(&data, &["sync", "push"]);
    assert!(!push.status.success(), "push without a backend is an error");

    set_up_postgres(&data, &server);
    let clip = media::video(dir.path(), "clip.mp4", 1.5, 320, 240, false);
    ok(heimdex(&data, &["index", clip.to_str().unwrap()]));
    let status = json(heimdex(&data, &["sync", "status", "--json"]));
    assert_eq!(status["backend"], "postgres");
    let queued = status["pending"].as_u64().unwrap();
    assert!(queued >= 1, "the indexed scenes are queued: {status}");

    let out = ok(heimdex(&data, &["sync", "push", "--batch", "100"]));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("Pushed {queued} scenes")), "{said}");
    let status = json(heimdex(&data, &["sync", "status", "--json"]));
    assert_eq!(status["pending"], 0);
    assert!(status["last_push_ms"].is_i64());
    assert!(status["last_error"].is_null());
    assert_eq!(status["server"]["reachable"], true, "{status}");
    assert_eq!(
        status["server"]["index_backlog"], 0,
        "the push indexed what it pushed: {status}"
    );
    let offline = json(heimdex(&data, &["sync", "status", "--json", "--offline"]));
    assert!(offline["server"].is_null(), "{offline}");

    let pulled = json(heimdex(&data, &["sync", "pull", "--json"]));
    assert_eq!(pulled["summary"]["scenes"].as_u64(), Some(queued));
    assert_eq!(pulled["summary"]["videos_here"], 1);
    assert_eq!(pulled["videos"][0]["file_name"], "clip.mp4");

    // Team search runs (these scenes carry no text vectors before the embed stage: no hits).
    let models = std::env::var_os("HEIMDEX_MODEL_DIR").map(std::path::PathBuf::from);
    if models.is_some_and(|m| m.join("all-MiniLM-L6-v2").exists()) {
        let hits = json(heimdex(
            &data,
            &["sync", "search", "a test pattern", "--json"],
        ));
        assert!(hits.is_array(), "{hits}");
        let mine = json(heimdex(
            &data,
            &[
                "sync",
                "search",
                "a test pattern",
                "--mine",
                "--after",
                "2000-01-01",
                "--json",
            ],
        ));
        assert!(mine.is_array(), "{mine}");
    }
    let bad = heimdex(&data, &["sync", "search", "x", "--before", "yesterday"]);
    assert!(!bad.status.success());
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(said.contains("YYYY-MM-DD"), "{said}");

    ok(heimdex(&data, &["sync", "off"]));
    let status = json(heimdex(&data, &["sync", "status", "--json"]));
    assert!(status["backend"].is_null());

    // A backend that does not answer: status still works and says so.
    let dead = format!("postgres://heimdex@127.0.0.1:{}/heimdex", free_port());
    ok(heimdex(&data, &["sync", "setup", "--postgres", &dead]));
    let status = json(heimdex(&data, &["sync", "status", "--json"]));
    assert_eq!(status["server"]["reachable"], false, "{status}");
    assert!(status["server"]["error"].is_string(), "{status}");
}

#[test]
fn qdrant_set_up_with_the_server_key_then_used_with_a_team_key() {
    let Some(q) = QdrantServer::start() else {
        return;
    };
    const TEAM: &str = "2b7e1a4c-9d3f-4e6a-8b1c-5d2e3f4a5b6c";
    let collection = format!("heimdex_team_{}", TEAM.replace('-', ""));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("library");
    let setup = ["sync", "setup", "--qdrant", &q.url(), "--team", TEAM];
    // A team key cannot create the team's collection: the error says who can.
    let member_key = q.key_for(&[&collection]);
    let member = [("HEIMDEX_SYNC_SECRET", member_key.as_str())];
    let refused = heimdex_with(&data, &[&setup[..], &["--apply-schema"]].concat(), &member);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("server's API key"), "{said}");
    // The server's owner creates it once.
    let owner = [("HEIMDEX_SYNC_SECRET", q.api_key.as_str())];
    let out = ok(heimdex_with(
        &data,
        &[&setup[..], &["--apply-schema"]].concat(),
        &owner,
    ));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&collection), "{said}");
    // A member then indexes and pushes with the team's key.
    ok(heimdex_with(&data, &setup, &member));
    let clip = media::video(dir.path(), "clip.mp4", 1.5, 320, 240, false);
    ok(heimdex(&data, &["index", clip.to_str().unwrap()]));
    let status = json(heimdex_with(&data, &["sync", "status", "--json"], &member));
    assert_eq!(status["backend"], "qdrant");
    let queued = status["pending"].as_u64().unwrap();
    assert!(queued >= 1, "{status}");
    let out = ok(heimdex_with(&data, &["sync", "push"], &member));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("Pushed {queued} scenes")), "{said}");
    let status = json(heimdex_with(&data, &["sync", "status", "--json"], &member));
    assert_eq!(status["pending"], 0, "{status}");
    assert_eq!(status["server"]["reachable"], true, "{status}");
    let pulled = json(heimdex_with(&data, &["sync", "pull", "--json"], &member));
    assert_eq!(pulled["summary"]["scenes"].as_u64(), Some(queued));
    assert_eq!(pulled["videos"][0]["file_name"], "clip.mp4");
    // Another team's key is refused: `sync push` says so and keeps the rows for a better key.
    let other = q.key_for(&["heimdex_team_00000000000000000000000000000000"]);
    let push = heimdex_with(
        &data,
        &["sync", "push", "--all"],
        &[("HEIMDEX_SYNC_SECRET", other.as_str())],
    );
    let said = String::from_utf8_lossy(&push.stderr);
    assert!(!push.status.success(), "{said}");
    assert!(said.contains("may not use the collection"), "{said}");
    let status = json(heimdex_with(&data, &["sync", "status", "--json"], &member));
    assert_eq!(status["pending"].as_u64(), Some(queued), "kept: {status}");
    assert_eq!(status["failed"].as_u64().unwrap_or(0), 0, "{status}");

    // No key ever reaches the logs, even at the most verbose level (ours and every library's).
    let mut logs = String::new();
    for (args, key) in [
        (
            &[&setup[..], &["--apply-schema"]].concat(),
            q.api_key.as_str(),
        ),
        (&setup.to_vec(), member_key.as_str()),
        (&vec!["sync", "push", "--all"], member_key.as_str()),
        (&vec!["sync", "status", "--json"], member_key.as_str()),
        (&vec!["sync", "pull", "--json"], member_key.as_str()),
        (
            &vec!["sync", "search", "a test pattern"],
            member_key.as_str(),
        ),
        (&vec!["sync", "push", "--all"], other.as_str()),
    ] {
        let out = heimdex_with(
            &data,
            args,
            &[("HEIMDEX_SYNC_SECRET", key), ("HEIMDEX_LOG", "trace")],
        );
        logs.push_str(&String::from_utf8_lossy(&out.stderr));
        logs.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    assert!(
        logs.lines().count() > 50,
        "trace logs were written: {logs:.2000}"
    );
    for key in [q.api_key.as_str(), member_key.as_str(), other.as_str()] {
        // A JWT's signature alone is secret enough to look for.
        let tail = key.rsplit('.').next().unwrap_or(key);
        assert!(!logs.contains(tail), "a key is in the logs");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// kill -9 of `heimdex sync push` at random moments of a 12000-scene push, again and again: the
/// outbox in the library survives each kill, the next push goes on from where the last whole batch
/// ended, and the team database ends with every scene once (issue #18: "a sync push" among the
/// kill points). The seed is printed; `HEIMDEX_KILL_SEED` repeats a run.
#[test]
fn kill_9_during_a_push_loses_and_duplicates_nothing() {
    let Some(server) = PgServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("library");
    set_up_postgres(&data, &server);
    // Scenes written straight into the library (no media needed); sync is on, so finishing their
    // jobs queues them in the outbox.
    let (videos, per_video) = (6u32, 2000u32);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let lib = heimdex_library::Library::open(heimdex_core::DataPaths::under(data.clone()))
            .await
            .unwrap();
        for v in 0..videos {
            heimdex_tests::library::fake_video(
                &lib,
                &format!("{v:02}ab{v:02}cdef0123456789"),
                per_video,
                true,
            )
            .await;
        }
        lib.pool().close().await;
    });
    let total = u64::from(videos * per_video);
    let status = json(heimdex(&data, &["sync", "status", "--json", "--offline"]));
    assert_eq!(status["pending"].as_u64(), Some(total), "{status}");

    let mut seed = heimdex_tests::seed::Seeded::from_env("HEIMDEX_KILL_SEED");
    let mut next = move || seed.next_u64();
    let mut kills = 0;
    let mut pending = total;
    // Kill within the first `span` ms; a push that ended first halves it (machines differ).
    let mut span = 800;
    for point in 0..10 {
        if pending == 0 {
            break;
        }
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(&data)
            .args(["sync", "push", "--batch", "50"])
            .env("HEIMDEX_SYNC_USER_ID", USER)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30 + next() % span));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        } else {
            span = (span / 2).max(20);
        }
        let _ = child.wait();
        let status = json(heimdex(&data, &["sync", "status", "--json", "--offline"]));
        let now = status["pending"].as_u64().unwrap();
        assert!(now <= pending, "point {point}: the outbox grew: {status}");
        assert_eq!(status["failed"].as_u64().unwrap_or(0), 0, "{status}");
        println!("point {point}: {now} of {total} rows still queued");
        pending = now;
    }
    assert!(kills >= 3, "only {kills} pushes were killed while they ran");
    ok(heimdex(&data, &["sync", "push", "--batch", "50"]));
    let status = json(heimdex(&data, &["sync", "status", "--json"]));
    assert_eq!(status["pending"], 0, "{status}");
    let pulled = json(heimdex(&data, &["sync", "pull", "--json"]));
    assert_eq!(
        pulled["summary"]["scenes"].as_u64(),
        Some(total),
        "every scene once: {pulled:.400}"
    );
    assert_eq!(
        pulled["summary"]["videos_here"].as_u64(),
        Some(u64::from(videos))
    );
    let check = json(heimdex(&data, &["check", "--json"]));
    assert_eq!(check["integrity"], "ok", "{check}");
    println!("{kills} pushes killed mid-way; {total} scenes in the team database, none twice");
}
