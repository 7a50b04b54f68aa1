//! The provider client: captions, transcripts and embeddings over the OpenAI API shapes.

use crate::config::ProviderConfig;
use crate::error::ProviderError;
use crate::limiter::Limiter;
use async_openai::types::{
    ChatCompletionRequestMessageContentPartImageArgs,
    ChatCompletionRequestMessageContentPartTextArgs, ChatCompletionRequestUserMessageArgs,
    CreateChatCompletionRequestArgs, CreateChatCompletionResponse, CreateEmbeddingRequestArgs,
    CreateEmbeddingResponse, CreateTranscriptionResponseVerboseJson, ImageDetail, ImageUrlArgs,
};
use base64::Engine;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// Longest `Retry-After` we honour; a server asking for more is treated as down.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

const CAPTION_PROMPT: &str = "Describe this video frame for a search index in one sentence: \
name the setting and the main objects, and the people and what they do if there are any.";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Caption {
    pub text: String,
    pub model: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptSegment {
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub text: String,
    pub language: String,
    pub segments: Vec<TranscriptSegment>,
    pub model: String,
}

pub struct OpenAiProvider {
    cfg: ProviderConfig,
    http: reqwest::Client,
    limiter: Limiter,
}

#[derive(Deserialize)]
struct ApiErrorBody {
    error: ApiErrorDetail,
}

#[derive(Deserialize)]
struct ApiErrorDetail {
    message: String,
}

enum Body {
    Json(serde_json::Value),
    Multipart(Box<dyn Fn() -> reqwest::multipart::Form + Send + Sync>),
}

impl OpenAiProvider {
    pub fn new(cfg: ProviderConfig) -> Result<Self, ProviderError> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .build()
            .map_err(|e| ProviderError::Unreachable {
                url: cfg.base_url.clone(),
                reason: e.to_string(),
            })?;
        let limiter = Limiter::new(cfg.max_concurrency, cfg.requests_per_minute);
        Ok(Self { cfg, http, limiter })
    }

    pub fn config(&self) -> &ProviderConfig {
        &self.cfg
    }

    /// Describes a keyframe with the vision chat model.
    pub async fn caption(&self, image: &Path) -> Result<Caption, ProviderError> {
        let bytes = tokio::fs::read(image)
            .await
            .map_err(|e| ProviderError::Input {
                path: image.display().to_string(),
                reason: e.to_string(),
            })?;
        let mime = match image.extension().and_then(|e| e.to_str()) {
            Some("png") => "image/png",
            Some("webp") => "image/webp",
            _ => "image/jpeg",
        };
        let data_url = format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        );
        let bad = |e: async_openai::error::OpenAIError| ProviderError::BadResponse(e.to_string());
        let message = ChatCompletionRequestUserMessageArgs::default()
            .content(vec![
                ChatCompletionRequestMessageContentPartTextArgs::default()
                    .text(CAPTION_PROMPT)
                    .build()
                    .map_err(bad)?
                    .into(),
                ChatCompletionRequestMessageContentPartImageArgs::default()
                    .image_url(
                        ImageUrlArgs::default()
                            .url(data_url)
                            .detail(ImageDetail::Low)
                            .build()
                            .map_err(bad)?,
                    )
                    .build()
                    .map_err(bad)?
                    .into(),
            ])
            .build()
            .map_err(bad)?;
        let request = CreateChatCompletionRequestArgs::default()
            .model(&self.cfg.caption_model)
            .messages([message.into()])
            .max_completion_tokens(200u32)
            .build()
            .map_err(bad)?;
        let body = serde_json::to_value(&request)
            .map_err(|e| ProviderError::BadResponse(e.to_string()))?;
        let resp: CreateChatCompletionResponse =
            self.send("chat/completions", Body::Json(body)).await?;
        let text = resp
            .choices
            .into_iter()
            .find_map(|c| c.message.content)
            .ok_or_else(|| ProviderError::BadResponse("the answer had no text".into()))?;
        Ok(Caption {
            text: text.trim().to_owned(),
            model: self.cfg.caption_model.clone(),
        })
    }

    /// Transcribes an audio file (WAV, MP3, …) with segment times.
    pub async fn transcribe(&self, audio: &Path) -> Result<Transcript, ProviderError> {
        let bytes = tokio::fs::read(audio)
            .await
            .map_err(|e| ProviderError::Input {
                path: audio.display().to_string(),
                reason: e.to_string(),
            })?;
        let name = audio
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "audio.wav".into());
        let model = self.cfg.speech_model.clone();
        let form = move || {
            reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.clone()),
                )
                .text("model", model.clone())
                .text("response_format", "verbose_json")
                .text("timestamp_granularities[]", "segment")
        };
        let resp: CreateTranscriptionResponseVerboseJson = self
            .send("audio/transcriptions", Body::Multipart(Box::new(form)))
            .await?;
        Ok(Transcript {
            text: resp.text.trim().to_owned(),
            language: resp.language,
            segments: resp
                .segments
                .unwrap_or_default()
                .into_iter()
                .map(|s| TranscriptSegment {
                    start_secs: f64::from(s.start),
                    end_secs: f64::from(s.end),
                    text: s.text.trim().to_owned(),
                })
                .collect(),
            model: self.cfg.speech_model.clone(),
        })
    }

    /// Embeds texts with the embedding model, in input order.
    pub async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ProviderError> {
        let request = CreateEmbeddingRequestArgs::default()
            .model(&self.cfg.embedding_model)
            .input(texts.to_vec())
            .build()
            .map_err(|e| ProviderError::BadResponse(e.to_string()))?;
        let body = serde_json::to_value(&request)
            .map_err(|e| ProviderError::BadResponse(e.to_string()))?;
        let resp: CreateEmbeddingResponse = self.send("embeddings", Body::Json(body)).await?;
        let mut data = resp.data;
        data.sort_by_key(|d| d.index);
        if data.len() != texts.len() {
            return Err(ProviderError::BadResponse(format!(
                "{} vectors for {} texts",
                data.len(),
                texts.len()
            )));
        }
        Ok(data.into_iter().map(|d| d.embedding).collect())
    }

    /// One request with the limiter, retries on 429/5xx/timeouts (honouring `Retry-After`), and
    /// errors in words.
    async fn send<R: DeserializeOwned>(&self, path: &str, body: Body) -> Result<R, ProviderError> {
        let url = format!("{}/{path}", self.cfg.base_url.trim_end_matches('/'));
        let attempts = self.cfg.max_attempts.max(1);
        let mut last_error = None;
        for attempt in 1..=attempts {
            let permit = self.limiter.acquire().await;
            let mut req = self.http.post(&url);
            if !self.cfg.api_key.is_empty() {
                req = req.bearer_auth(&self.cfg.api_key);
            }
            req = match &body {
                Body::Json(v) => req.json(v),
                Body::Multipart(form) => req.multipart(form()),
            };
            let result = req.send().await;
            drop(permit);
            let backoff = self.cfg.backoff * 2u32.saturating_pow(attempt - 1);
            let resp = match result {
                Ok(r) => r,
                Err(e) if e.is_timeout() => {
                    last_error = Some(ProviderError::Timeout {
                        url: url.clone(),
                        secs: self.cfg.timeout.as_secs(),
                    });
                    tokio::time::sleep(backoff).await;
                    continue;
                }
                Err(e) => {
                    last_error = Some(ProviderError::Unreachable {
                        url: url.clone(),
                        reason: e.to_string(),
                    });
                    tokio::time::sleep(backoff).await;
                    continue;
                }
            };
            let status = resp.status();
            if status.is_success() {
                let text = resp
                    .text()
                    .await
                    .map_err(|e| ProviderError::BadResponse(e.to_string()))?;
                return serde_json::from_str(&text)
                    .map_err(|e| ProviderError::BadResponse(format!("{e}: {text:.200}")));
            }
            if status == StatusCode::UNAUTHORIZED {
                return Err(ProviderError::Unauthorized { url });
            }
            let retry_after = retry_after(resp.headers());
            let message = resp
                .text()
                .await
                .ok()
                .and_then(|t| {
                    serde_json::from_str::<ApiErrorBody>(&t)
                        .ok()
                        .map(|b| b.error.message)
                        .or(Some(t))
                })
                .unwrap_or_default();
            let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            if !retryable {
                return Err(ProviderError::Http {
                    url,
                    status: status.as_u16(),
                    message,
                });
            }
            last_error = Some(if status == StatusCode::TOO_MANY_REQUESTS {
                ProviderError::RateLimited {
                    url: url.clone(),
                    attempts,
                }
            } else {
                ProviderError::Http {
                    url: url.clone(),
                    status: status.as_u16(),
                    message,
                }
            });
            if attempt < attempts {
                let wait = retry_after.unwrap_or(backoff);
                tracing::info!(%status, wait_ms = wait.as_millis() as u64, "provider busy; retrying");
                tokio::time::sleep(wait).await;
            }
        }
        Err(last_error.unwrap_or(ProviderError::Unreachable {
            url,
            reason: "no attempt was made".into(),
        }))
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs and treated as absent), capped.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let secs: f64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(MAX_RETRY_AFTER))
}
