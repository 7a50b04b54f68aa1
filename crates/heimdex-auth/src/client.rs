//! The GoTrue (Supabase Auth) HTTP endpoints.

use crate::error::AuthError;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A signed-in user as `/auth/v1/user` describes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

/// What `/auth/v1/token` answers.
#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub user: Option<User>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A client of one auth server: `base_url` is the project URL (`https://xyz.supabase.co`), the
/// endpoints live under `/auth/v1`; `anon_key` is the project's public key (never the service key).
#[derive(Clone)]
pub struct AuthClient {
    base_url: String,
    anon_key: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

impl AuthClient {
    pub fn new(base_url: &str, anon_key: &str) -> Result<Self, AuthError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| AuthError::Unreachable {
                url: base_url.into(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            anon_key: anon_key.to_owned(),
            http,
        })
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}/auth/v1/{path}", self.base_url)
    }

    /// The page to open in the system browser for an OAuth provider (PKCE flow).
    pub fn authorize_url(&self, provider: &str, redirect_to: &str, code_challenge: &str) -> String {
        let mut url = url::Url::parse(&self.endpoint("authorize")).unwrap_or_else(|_| {
            // base_url was checked by the caller; fall back to a relative form that still shows the problem.
            url::Url::parse("http://invalid.invalid/auth/v1/authorize").expect("static URL parses")
        });
        url.query_pairs_mut()
            .append_pair("provider", provider)
            .append_pair("redirect_to", redirect_to)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "s256");
        url.into()
    }

    /// Exchanges the code the browser brought back for a session.
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &str,
    ) -> Result<TokenResponse, AuthError> {
        self.token(
            "pkce",
            serde_json::json!({ "auth_code": code, "code_verifier": verifier }),
        )
        .await
    }

    /// Email + password sign-in.
    pub async fn sign_in_with_password(
        &self,
        email: &str,
        password: &str,
    ) -> Result<TokenResponse, AuthError> {
        self.token(
            "password",
            serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Trades a refresh token (single-use) for a new session.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, AuthError> {
        self.token(
            "refresh_token",
            serde_json::json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    async fn token(
        &self,
        grant: &str,
        body: serde_json::Value,
    ) -> Result<TokenResponse, AuthError> {
        let url = format!("{}?grant_type={grant}", self.endpoint("token"));
        let resp = self
            .http
            .post(&url)
            .header("apikey", &self.anon_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.parse(resp).await
    }

    pub async fn user(&self, access_token: &str) -> Result<User, AuthError> {
        let resp = self
            .http
            .get(self.endpoint("user"))
            .header("apikey", &self.anon_key)
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.parse(resp).await
    }

    /// Revokes the session's refresh tokens on the server.
    pub async fn logout(&self, access_token: &str) -> Result<(), AuthError> {
        let resp = self
            .http
            .post(self.endpoint("logout"))
            .header("apikey", &self.anon_key)
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(self.refusal(resp).await)
        }
    }

    fn unreachable(&self, e: reqwest::Error) -> AuthError {
        AuthError::Unreachable {
            url: self.base_url.clone(),
            reason: e.to_string(),
        }
    }

    async fn parse<T: serde::de::DeserializeOwned>(
        &self,
        resp: reqwest::Response,
    ) -> Result<T, AuthError> {
        if !resp.status().is_success() {
            return Err(self.refusal(resp).await);
        }
        resp.json()
            .await
            .map_err(|e| AuthError::BadResponse(e.to_string()))
    }

    async fn refusal(&self, resp: reqwest::Response) -> AuthError {
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let message = serde_json::from_str::<ErrorBody>(&text)
            .ok()
            .and_then(|b| b.error_description.or(b.msg).or(b.message).or(b.error))
            .unwrap_or_else(|| format!("HTTP {status}"));
        if status == 401 || status == 403 {
            return if message.to_lowercase().contains("refresh")
                || message.to_lowercase().contains("expired")
            {
                AuthError::SessionExpired
            } else {
                AuthError::Refused { status, message }
            };
        }
        AuthError::Refused { status, message }
    }
}
