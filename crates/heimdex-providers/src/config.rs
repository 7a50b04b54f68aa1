//! Provider settings.

use std::time::Duration;

#[derive(Clone)]
pub struct ProviderConfig {
    /// e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1` (Ollama).
    pub base_url: String,
    /// Bearer key; empty for local servers that need none. Never printed.
    pub api_key: String,
    pub caption_model: String,
    pub speech_model: String,
    pub embedding_model: String,
    /// Requests in flight at once.
    pub max_concurrency: usize,
    /// Requests started per minute (0: unlimited).
    pub requests_per_minute: u32,
    /// Attempts for a request that gets 429, 5xx or a timeout.
    pub max_attempts: u32,
    pub timeout: Duration,
    /// First back-off when the server gives no `Retry-After`.
    pub backoff: Duration,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("base_url", &self.base_url)
            .field(
                "api_key",
                &if self.api_key.is_empty() {
                    "(none)"
                } else {
                    "(set)"
                },
            )
            .field("caption_model", &self.caption_model)
            .field("speech_model", &self.speech_model)
            .field("embedding_model", &self.embedding_model)
            .finish_non_exhaustive()
    }
}

impl ProviderConfig {
    /// OpenAI's API with the seed's models.
    pub fn openai(api_key: &str) -> Self {
        Self {
            base_url: "https://api.openai.com/v1".into(),
            api_key: api_key.into(),
            caption_model: "gpt-4o-mini".into(),
            speech_model: "whisper-1".into(),
            embedding_model: "text-embedding-3-small".into(),
            max_concurrency: 4,
            requests_per_minute: 500,
            max_attempts: 5,
            timeout: Duration::from_secs(120),
            backoff: Duration::from_secs(1),
        }
    }
}
