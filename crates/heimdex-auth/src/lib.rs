//! Sign-in against a Supabase-compatible auth server (the GoTrue HTTP API).
//!
//! - `pkce.rs`: code verifier and S256 challenge (RFC 7636).
//! - `loopback.rs`: the one-shot listener on 127.0.0.1 that receives the redirect (RFC 8252 §7.3).
//! - `client.rs`: the GoTrue endpoints (`/authorize`, `/token?grant_type=pkce|password|refresh_token`,
//!   `/user`, `/logout`).
//! - `session.rs`: the signed-in session; refreshes before expiry, one refresh at a time, and
//!   stores the new refresh token before anything uses it (Supabase refresh tokens are single-use).
//! - `store.rs`: refresh tokens in the OS keychain, never in files or logs.

pub mod client;
pub mod error;
pub mod jwt;
pub mod loopback;
pub mod pkce;
pub mod session;
pub mod store;

pub use client::{AuthClient, TokenResponse, User};
pub use error::AuthError;
pub use session::Session;
pub use store::{FallbackStore, KeyringStore, MemoryStore, TokenStore};
