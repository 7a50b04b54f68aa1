//! `heimdex sync` end to end against a real PostgreSQL + pgvector: setup (schema, backfill),
//! index → queued, push → pushed, pull → the team's list, status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use heimdex_tests::media;
use heimdex_tests::pg::PgServer;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_heimdex");
const USER: &str = "6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f";

fn heimdex(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("HEIMDEX_SYNC_USER_ID", USER)
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

    ok(heimdex(
        &data,
        &[
            "sync",
            "setup",
            "--postgres",
            &server.url(),
            "--apply-schema",
        ],
    ));
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
    }

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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
