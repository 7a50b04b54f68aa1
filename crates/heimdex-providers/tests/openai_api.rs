//! Against a local server speaking the OpenAI API shapes: chat completions with an image, audio
//! transcriptions, embeddings; and 429 with Retry-After, 500, 401 and timeouts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use heimdex_providers::{OpenAiProvider, ProviderConfig, ProviderError};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the server does for the next requests, then it answers normally.
#[derive(Clone, Copy, Debug)]
enum Trouble {
    TooMany { retry_after_secs: u32 },
    ServerError,
    Slow,
}

#[derive(Clone, Default)]
struct Server {
    trouble: Arc<Mutex<VecDeque<Trouble>>>,
    hits: Arc<Mutex<Vec<Instant>>>,
}

impl Server {
    async fn gate(&self, headers: &HeaderMap) -> Option<Response> {
        self.hits.lock().unwrap().push(Instant::now());
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer sk-test") {
            return Some((StatusCode::UNAUTHORIZED, Json(json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}))).into_response());
        }
        let next = self.trouble.lock().unwrap().pop_front();
        match next {
            Some(Trouble::TooMany { retry_after_secs }) => Some(
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", retry_after_secs.to_string())],
                    Json(json!({"error": {"message": "Rate limit reached"}})),
                )
                    .into_response(),
            ),
            Some(Trouble::ServerError) => Some(
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({"error": {"message": "The server had an error"}})),
                )
                    .into_response(),
            ),
            Some(Trouble::Slow) => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                None
            }
            None => None,
        }
    }
}

async fn chat(
    State(s): State<Server>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    if let Some(r) = s.gate(&headers).await {
        return r;
    }
    let parts = &body["messages"][0]["content"];
    let url = parts[1]["image_url"]["url"].as_str().unwrap_or_default();
    assert!(
        url.starts_with("data:image/jpeg;base64,"),
        "the keyframe travels as a data URL"
    );
    Json(json!({
        "id": "c1", "object": "chat.completion", "created": 1, "model": body["model"],
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": " A woman points at a budget chart. "}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    }))
    .into_response()
}

async fn embeddings(
    State(s): State<Server>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    if let Some(r) = s.gate(&headers).await {
        return r;
    }
    let inputs = body["input"].as_array().unwrap().clone();
    // Out of order on purpose: the client sorts by index.
    let data: Vec<_> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": [t.as_str().unwrap().len() as f32, 1.0, 0.0]}))
        .collect();
    Json(json!({"object": "list", "model": body["model"], "data": data, "usage": {"prompt_tokens": 1, "total_tokens": 1}})).into_response()
}

async fn transcriptions(
    State(s): State<Server>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    if let Some(r) = s.gate(&headers).await {
        return r;
    }
    let mut got_file = 0;
    let mut model = String::new();
    while let Some(field) = form.next_field().await.unwrap() {
        match field.name() {
            Some("file") => got_file = field.bytes().await.unwrap().len(),
            Some("model") => model = field.text().await.unwrap(),
            _ => {}
        }
    }
    assert!(got_file > 0 && model == "whisper-1");
    Json(json!({"task": "transcribe", "language": "english", "duration": 11.0,
                "text": "And so my fellow Americans",
                "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": 11.0, "text": " And so my fellow Americans",
                              "tokens": [1], "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.0, "no_speech_prob": 0.01}]}))
    .into_response()
}

async fn start(server: Server) -> String {
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/embeddings", post(embeddings))
        .route("/v1/audio/transcriptions", post(transcriptions))
        .with_state(server);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}/v1")
}

fn config(base: &str) -> ProviderConfig {
    let mut c = ProviderConfig::openai("sk-test");
    c.base_url = base.into();
    c.max_attempts = 3;
    c.backoff = Duration::from_millis(50);
    c.timeout = Duration::from_secs(1);
    c.requests_per_minute = 0;
    c
}

fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    (d, p)
}

#[tokio::test]
async fn caption_transcribe_and_embed() {
    let base = start(Server::default()).await;
    let p = OpenAiProvider::new(config(&base)).unwrap();
    let (_d, img) = temp_file("key.jpg", &[0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    let caption = p.caption(&img).await.unwrap();
    assert_eq!(caption.text, "A woman points at a budget chart.");
    let (_d2, wav) = temp_file("jfk.wav", b"RIFF....WAVEfmt ");
    let t = p.transcribe(&wav).await.unwrap();
    assert_eq!(t.language, "english");
    assert_eq!(t.segments.len(), 1);
    assert_eq!(t.segments[0].end_secs, 11.0);
    let v = p.embed(&["a".into(), "bbb".into()]).await.unwrap();
    assert_eq!(
        v,
        vec![vec![1.0, 1.0, 0.0], vec![3.0, 1.0, 0.0]],
        "vectors in input order"
    );
}

#[tokio::test]
async fn retries_429_honouring_retry_after_and_500_with_back_off() {
    let server = Server::default();
    server.trouble.lock().unwrap().extend([
        Trouble::TooMany {
            retry_after_secs: 1,
        },
        Trouble::ServerError,
    ]);
    let base = start(server.clone()).await;
    let p = OpenAiProvider::new(config(&base)).unwrap();
    let v = p.embed(&["x".into()]).await.unwrap();
    assert_eq!(v.len(), 1);
    let hits = server.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 3);
    assert!(
        hits[1] - hits[0] >= Duration::from_millis(950),
        "waited for Retry-After: {:?}",
        hits[1] - hits[0]
    );
}

#[tokio::test]
async fn gives_up_after_the_attempt_limit_with_a_clear_error() {
    let server = Server::default();
    server.trouble.lock().unwrap().extend(
        [Trouble::TooMany {
            retry_after_secs: 0,
        }; 5],
    );
    let base = start(server.clone()).await;
    let p = OpenAiProvider::new(config(&base)).unwrap();
    let e = p.embed(&["x".into()]).await.unwrap_err();
    assert!(
        matches!(e, ProviderError::RateLimited { attempts: 3, .. }),
        "{e}"
    );
    assert_eq!(server.hits.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_bad_key_is_not_retried_and_says_so() {
    let base = start(Server::default()).await;
    let mut c = config(&base);
    c.api_key = "sk-wrong".into();
    let e = OpenAiProvider::new(c)
        .unwrap()
        .embed(&["x".into()])
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Unauthorized { .. }));
    assert!(e.to_string().contains("check the key"), "{e}");
    assert!(
        !format!("{:?}", config(&base)).contains("sk-test"),
        "keys never appear in Debug output"
    );
}

#[tokio::test]
async fn timeouts_are_retried() {
    let server = Server::default();
    server.trouble.lock().unwrap().push_back(Trouble::Slow);
    let base = start(server.clone()).await;
    let p = OpenAiProvider::new(config(&base)).unwrap();
    assert_eq!(p.embed(&["x".into()]).await.unwrap().len(), 1);
    assert_eq!(server.hits.lock().unwrap().len(), 2);
}
