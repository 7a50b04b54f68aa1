//! The public search eval set (scripts/make-eval-set.sh + tests/eval/queries.jsonl): index it and
//! check loose quality floors. Prints Recall@1, Recall@5 and MRR. Needs ffmpeg, the shared test
//! data, Whisper tiny.en and all-MiniLM-L6-v2 (missing: SKIPPED locally, failure in CI).
#![cfg(feature = "whisper")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use heimdex_core::testdata::{shared_data, shared_data_root, workspace_root, SHARED_DATA_ENV};
use heimdex_core::DataPaths;
use heimdex_embed::testing::{require_model, test_model_dir};
use heimdex_embed::MiniLmEmbedder;
use heimdex_library::search::eval::{evaluate, parse_queries, score};
use heimdex_library::stages::speech::SPEECH_MODEL_ENV;
use heimdex_library::{stages, Library, Pipeline, RunOptions, Runner};
use heimdex_speech::model_dir::test_model;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn public_eval_set_meets_quality_floors() {
    if shared_data("speech/jfk.wav").is_none() || test_model("whisper-tiny.en").is_none() {
        return;
    }
    if require_model(
        "all-MiniLM-L6-v2",
        MiniLmEmbedder::locate(&test_model_dir()),
    )
    .is_none()
    {
        return;
    }
    std::env::set_var(SPEECH_MODEL_ENV, "whisper-tiny.en");
    let tmp = tempfile::tempdir().unwrap();
    let media = tmp.path().join("media");
    let out = Command::new("bash")
        .arg(workspace_root().join("scripts/make-eval-set.sh"))
        .arg(&media)
        .env(SHARED_DATA_ENV, shared_data_root())
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "make-eval-set.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut paths = DataPaths::under(tmp.path().join("data"));
    paths.model_dir = test_model_dir();
    let lib = Library::open(paths).await.unwrap();
    let p = Pipeline::new(lib.clone(), stages::default_stages());
    let report = p.import(&[media]).await.unwrap();
    assert_eq!(report.videos.len(), 4);
    let runner = Runner::acquire(&p).await.unwrap().expect("lock is free");
    let opts = RunOptions {
        concurrency: 1,
        exit_when_idle: true,
        backoff_base: Duration::from_millis(20),
    };
    tokio::time::timeout(
        Duration::from_secs(1800),
        runner.run(&opts, CancellationToken::new()),
    )
    .await
    .expect("queue settles")
    .unwrap();

    let text = std::fs::read_to_string(workspace_root().join("tests/eval/queries.jsonl")).unwrap();
    let queries = parse_queries(&text).unwrap();
    let report = evaluate(&lib, &queries).await.unwrap();
    let mut kinds: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for o in &report.outcomes {
        eprintln!(
            "{:>4}  {}",
            o.rank.map_or("-".into(), |r| r.to_string()),
            o.query.query
        );
        kinds
            .entry(o.query.kind.clone().unwrap_or_default())
            .or_default()
            .push(o.clone());
    }
    for (k, o) in kinds {
        let r = score(o);
        eprintln!(
            "{k:<10} Recall@1 {:.3}  Recall@5 {:.3}  MRR {:.3}",
            r.recall_at_1, r.recall_at_5, r.mrr
        );
    }
    eprintln!(
        "all        Recall@1 {:.3}  Recall@5 {:.3}  MRR {:.3}  ({} queries)",
        report.recall_at_1, report.recall_at_5, report.mrr, report.queries
    );
    // Loose floors: the exact phrases must essentially always be found, paraphrases mostly.
    assert!(report.recall_at_5 >= 0.7, "Recall@5 {}", report.recall_at_5);
    assert!(report.mrr >= 0.5, "MRR {}", report.mrr);
}
