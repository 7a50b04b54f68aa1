//! OpenAI-compatible providers as an option beside the local models: a captioner (a vision chat
//! model describing a keyframe, the seed's GPT-4o step), speech-to-text (the Whisper API) and text
//! embeddings. Any server speaking the OpenAI API works (OpenAI, Ollama, vLLM, LM Studio): only the
//! base URL and key change.
//!
//! Requests and responses are async-openai's types; the transport is ours so that every call goes
//! through one concurrency limit and rate limiter, retries 429 and 5xx honouring `Retry-After`, and
//! turns 401 into a clear "check your key" error.

pub mod client;
pub mod config;
pub mod error;
pub mod limiter;

pub use client::{Caption, OpenAiProvider, Transcript};
pub use config::ProviderConfig;
pub use error::ProviderError;
