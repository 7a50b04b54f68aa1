//! A signed-in session: fresh access tokens on demand, refreshed one at a time.

use crate::client::{AuthClient, TokenResponse, User};
use crate::error::AuthError;
use crate::loopback::Loopback;
use crate::pkce::Pkce;
use crate::store::TokenStore;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// Refresh when the access token has less than this left.
const REFRESH_MARGIN_SECS: i64 = 60;
/// How long the browser flow may take (PKCE codes live 5 minutes).
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(300);
/// Keychain account under which the refresh token is kept.
pub const ACCOUNT: &str = "refresh-token";

struct Tokens {
    access: String,
    refresh: String,
    expires_at: i64,
}

pub struct Session {
    client: AuthClient,
    store: Arc<dyn TokenStore>,
    user: User,
    tokens: Mutex<Tokens>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Session {
    /// The PKCE flow for native apps: opens `open(url)` (the system browser) at the provider's
    /// sign-in page and waits for the redirect to a loopback port.
    pub async fn sign_in_with_browser(
        client: AuthClient,
        store: Arc<dyn TokenStore>,
        provider: &str,
        open: impl FnOnce(&str),
    ) -> Result<Self, AuthError> {
        let pkce = Pkce::new();
        let loopback = Loopback::bind().await?;
        let url = client.authorize_url(provider, &loopback.redirect_uri(), &pkce.challenge);
        open(&url);
        let code = loopback.wait_for_code(BROWSER_TIMEOUT).await?;
        let tokens = client.exchange_code(&code, &pkce.verifier).await?;
        Self::from_tokens(client, store, tokens).await
    }

    pub async fn sign_in_with_password(
        client: AuthClient,
        store: Arc<dyn TokenStore>,
        email: &str,
        password: &str,
    ) -> Result<Self, AuthError> {
        let tokens = client.sign_in_with_password(email, password).await?;
        Self::from_tokens(client, store, tokens).await
    }

    /// Resumes the session whose refresh token is in the keychain, or `None` when there is none.
    /// A revoked or expired token is removed and reported as `SessionExpired`.
    pub async fn restore(
        client: AuthClient,
        store: Arc<dyn TokenStore>,
    ) -> Result<Option<Self>, AuthError> {
        let Some(refresh) = store.get(ACCOUNT)? else {
            return Ok(None);
        };
        match client.refresh(&refresh).await {
            Ok(tokens) => Ok(Some(Self::from_tokens(client, store, tokens).await?)),
            Err(e @ (AuthError::SessionExpired | AuthError::Refused { .. })) => {
                store.delete(ACCOUNT)?;
                Err(match e {
                    AuthError::Refused { status, .. } if status >= 500 => e,
                    _ => AuthError::SessionExpired,
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn from_tokens(
        client: AuthClient,
        store: Arc<dyn TokenStore>,
        t: TokenResponse,
    ) -> Result<Self, AuthError> {
        // Store first: the old refresh token is already spent.
        store.set(ACCOUNT, &t.refresh_token)?;
        let user = match t.user.clone() {
            Some(u) => u,
            None => client.user(&t.access_token).await?,
        };
        let expires_at = t.expires_at.unwrap_or_else(|| now() + t.expires_in);
        Ok(Self {
            client,
            store,
            user,
            tokens: Mutex::new(Tokens {
                access: t.access_token,
                refresh: t.refresh_token,
                expires_at,
            }),
        })
    }

    pub fn user(&self) -> &User {
        &self.user
    }

    /// A valid access token, refreshed first when it is about to expire. Concurrent callers wait
    /// for one refresh instead of spending the single-use refresh token twice.
    pub async fn access_token(&self) -> Result<String, AuthError> {
        let mut tokens = self.tokens.lock().await;
        if tokens.expires_at - now() > REFRESH_MARGIN_SECS {
            return Ok(tokens.access.clone());
        }
        let fresh = match self.client.refresh(&tokens.refresh).await {
            Ok(t) => t,
            Err(e @ (AuthError::SessionExpired | AuthError::Refused { .. })) => {
                let _ = self.store.delete(ACCOUNT);
                return Err(match e {
                    AuthError::Refused { status, .. } if status >= 500 => e,
                    _ => AuthError::SessionExpired,
                });
            }
            Err(e) => return Err(e),
        };
        self.store.set(ACCOUNT, &fresh.refresh_token)?;
        tokens.expires_at = fresh.expires_at.unwrap_or_else(|| now() + fresh.expires_in);
        tokens.access = fresh.access_token;
        tokens.refresh = fresh.refresh_token;
        Ok(tokens.access.clone())
    }

    /// Signs out: revokes the session on the server and forgets the refresh token.
    pub async fn sign_out(self) -> Result<(), AuthError> {
        let access = self.tokens.lock().await.access.clone();
        let revoked = self.client.logout(&access).await;
        self.store.delete(ACCOUNT)?;
        revoked
    }
}
