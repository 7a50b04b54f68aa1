//! Property fuzzing of everything that parses or writes text from outside: the search query parser
//! (dates, filters), the FTS5 query builder (against a real FTS5 table: no input may reach it as
//! syntax), CSV / EDL / SRT / VTT export escaping, JWT claims from GoTrue, and the provider's
//! chat-completions answers (served over HTTP to the real client). No nightly toolchain here, so
//! proptest rather than cargo-fuzz. Each target runs `HEIMDEX_FUZZ_CASES` cases (default 256 in
//! the test suite; scripts/fuzz.sh runs each for minutes and prints the executions). The seeds in
//! tests/fuzz/seeds/ (one input per line, `\n` escaped) run first every time: every crash found
//! becomes a line there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases() -> u32 {
    std::env::var("HEIMDEX_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// The seed inputs of `target`, `\n` and `\t` unescaped.
fn seeds(target: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(format!("{target}.txt"));
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.replace("\\n", "\n").replace("\\t", "\t"))
        .collect()
}

/// Text as people and attackers type it: words, FTS5 and query syntax, quotes, control
/// characters, any Unicode.
fn hostile_text() -> impl Strategy<Value = String> {
    let atoms = prop_oneof![
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("*".to_owned()),
        Just("NEAR(".to_owned()),
        Just(")".to_owned()),
        Just("(".to_owned()),
        Just(" AND ".to_owned()),
        Just(" OR ".to_owned()),
        Just(" NOT ".to_owned()),
        Just("sidecar:".to_owned()),
        Just("video_id:".to_owned()),
        Just("^".to_owned()),
        Just("-".to_owned()),
        Just("+".to_owned()),
        Just(":".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("\n\n".to_owned()),
        Just("-->".to_owned()),
        Just(",".to_owned()),
        Just("\r\n".to_owned()),
        Just("=cmd|".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{1b}[2J".to_owned()),
        Just(" in 2019".to_owned()),
        Just(" last week".to_owned()),
        Just(" since march".to_owned()),
        Just(" 2024-02-30".to_owned()),
        Just(" between 1999 and 99999999".to_owned()),
        Just(" yesterday".to_owned()),
        "[a-z]{1,8}",
        "\\PC{1,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(atoms, 0..12).prop_map(|v| v.concat())
}

/// Runs `check` on every seed of `target`, then on `cases()` generated inputs.
fn fuzz(target: &str, check: impl Fn(&str) -> Result<(), TestCaseError>) {
    fuzz_n(target, cases(), check)
}

/// [`fuzz`] with `n` generated inputs.
fn fuzz_n(target: &str, n: u32, check: impl Fn(&str) -> Result<(), TestCaseError>) {
    for s in seeds(target) {
        check(&s).unwrap_or_else(|e| panic!("seed {s:?} of {target}: {e}"));
    }
    let mut runner = TestRunner::new(Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    });
    let started = std::time::Instant::now();
    runner
        .run(&hostile_text(), |s| check(&s))
        .unwrap_or_else(|e| panic!("{target}: {e}"));
    println!(
        "fuzz {target}: {n} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn query_parser() {
    let today = time::macros::date!(2026 - 12 - 07);
    fuzz("query", |s| {
        let parsed = heimdex_search::parse_query(s, today);
        if let Some((Some(a), Some(b))) = parsed.dates.map(|d| (d.start, d.end)) {
            prop_assert!(a <= b, "{s:?}: {a} > {b}");
        }
        Ok(())
    });
}

#[test]
fn fts_query_never_reaches_fts5_as_syntax() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pool = rt.block_on(async {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE VIRTUAL TABLE t USING fts5 (video_id UNINDEXED, sidecar, tokenize = 'porter unicode61')")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t (video_id, sidecar) VALUES ('v', 'the quick brown fox near the moon')")
            .execute(&pool)
            .await
            .unwrap();
        pool
    });
    fuzz("fts", |s| {
        if let Some(q) = heimdex_library::search::store::fts_query(s) {
            let r = rt.block_on(
                sqlx::query("SELECT video_id FROM t WHERE t MATCH ?")
                    .bind(&q)
                    .fetch_all(&pool),
            );
            prop_assert!(r.is_ok(), "{s:?} -> {q:?}: {:?}", r.err());
        }
        Ok(())
    });
}

fn clip(text: &str) -> heimdex_core::export::Clip {
    heimdex_core::export::Clip {
        file_name: text.to_owned(),
        path: format!("/v/{text}"),
        scene_idx: 2,
        start_secs: 1.0,
        end_secs: 2.5,
        snippet: text.to_owned(),
        score: Some(0.5),
    }
}

/// RFC 4180 records of `text` (quoted fields, doubled quotes, CRLF rows).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[test]
fn csv_export_round_trips_every_field() {
    fuzz("csv", |s| {
        let out = heimdex_core::export::csv::to_csv(&[clip(s), clip("plain")]);
        let rows = parse_csv(&out);
        prop_assert_eq!(rows.len(), 3, "{:?}", out);
        for r in &rows {
            prop_assert_eq!(r.len(), 9, "{:?}", out);
        }
        // The name comes back, a formula guard (') in front when it would be run as one.
        let name = &rows[1][0];
        prop_assert!(
            name == s || name.strip_prefix('\'') == Some(s),
            "{s:?} -> {name:?}"
        );
        Ok(())
    });
}

#[test]
fn edl_export_keeps_every_name_on_its_comment_line() {
    fuzz("edl", |s| {
        let out = heimdex_core::export::edl::to_edl(s, &[clip(s), clip("b")], 25);
        for line in out.split("\r\n") {
            let ok = line.is_empty()
                || line.starts_with("TITLE: ")
                || line.starts_with("FCM: ")
                || line.starts_with("* ")
                || line
                    .get(..3)
                    .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
            prop_assert!(ok, "{s:?} made the line {line:?}");
            prop_assert!(!line.contains(['\n', '\r']), "{line:?}");
        }
        Ok(())
    });
}

#[test]
fn subtitles_keep_one_cue_per_segment() {
    fuzz("subtitles", |s| {
        let seg = |t: &str| heimdex_speech::Segment {
            start_secs: 1.0,
            end_secs: 2.0,
            text: t.to_owned(),
            language: None,
            avg_logprob: 0.0,
            no_speech_prob: 0.0,
        };
        let segments = [seg(s), seg("next")];
        let srt = heimdex_speech::speech::formats::to_srt(&segments);
        let vtt = heimdex_speech::speech::formats::to_vtt(&segments);
        // Cues are separated by blank lines; a blank line inside a text would split its cue.
        let srt_cues = srt.split("\n\n").filter(|c| !c.trim().is_empty()).count();
        let vtt_cues = vtt.split("\n\n").filter(|c| !c.trim().is_empty()).count() - 1;
        prop_assert_eq!(srt_cues, 2, "{:?}", srt);
        prop_assert_eq!(vtt_cues, 2, "{:?}", vtt);
        prop_assert_eq!(vtt.matches("-->").count(), 2, "{:?}", vtt);
        Ok(())
    });
}

#[test]
fn jwt_claims_of_anything_never_panic() {
    fuzz("jwt", |s| {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let _ = heimdex_auth::jwt::claims(s);
        let _ = heimdex_auth::jwt::claims(&format!("h.{payload}.s"));
        let json = format!(r#"{{"sub":{},"exp":1}}"#, serde_json::to_string(s).unwrap());
        let token = format!(
            "h.{}.s",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
        );
        prop_assert_eq!(
            heimdex_auth::jwt::claims(&token).map(|c| c.sub),
            Some(s.to_owned())
        );
        Ok(())
    });
}

/// A one-answer-per-connection HTTP server that answers every request with `body` (200, JSON).
async fn answer_with(listener: &tokio::net::TcpListener, body: &str) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let (mut sock, _) = listener.accept().await.unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut seen = Vec::new();
    // Read the head and the declared body.
    loop {
        let n = sock.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&seen[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if seen.len() >= end + 4 + len {
                break;
            }
        }
    }
    let reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = sock.write_all(reply.as_bytes()).await;
}

#[test]
fn provider_answers_of_any_shape_give_a_caption_or_an_error() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("k.jpg");
    std::fs::write(&image, [0xffu8, 0xd8, 0xff, 0xd9]).unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let client = heimdex_providers::OpenAiProvider::new(heimdex_providers::ProviderConfig {
        base_url: format!("http://{addr}/v1"),
        max_attempts: 1,
        ..heimdex_providers::ProviderConfig::openai("")
    })
    .unwrap();
    let shapes = |s: &str| {
        vec![
            s.to_owned(),
            format!(r#"{{"choices":[{{"message":{{"content":{s:?}}}}}]}}"#),
            format!(
                r#"{{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{{"index":0,"finish_reason":"stop","message":{{"role":"assistant","content":{s:?}}}}}]}}"#
            ),
            format!(r#"{{"choices":{s:?}}}"#),
        ]
    };
    // Four HTTP exchanges a case: a sixteenth of the cases of the others.
    fuzz_n("provider", (cases() / 16).max(8), |s| {
        for body in shapes(s) {
            let answered = rt.block_on(async {
                let serve = answer_with(&listener, &body);
                let ask = client.caption(&image);
                tokio::join!(serve, ask).1
            });
            if let Ok(c) = answered {
                prop_assert_eq!(c.text, s.trim());
            }
        }
        Ok(())
    });
}
