//! Provider errors, worded for the user.

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider at {url} refused the API key (401): check the key in Settings")]
    Unauthorized { url: String },
    #[error(
        "the provider at {url} is rate-limiting us and did not recover after {attempts} attempts"
    )]
    RateLimited { url: String, attempts: u32 },
    #[error("the provider at {url} failed with HTTP {status}: {message}")]
    Http {
        url: String,
        status: u16,
        message: String,
    },
    #[error("cannot reach the provider at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the provider at {url} did not answer within {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("the provider sent an answer we could not read: {0}")]
    BadResponse(String),
    #[error("cannot read {path}: {reason}")]
    Input { path: String, reason: String },
}
