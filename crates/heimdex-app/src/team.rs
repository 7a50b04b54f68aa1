//! Team sync for both shells: the one sign-in (Supabase-compatible: PKCE in the system browser,
//! or email and password), who is signed in, the one token store, and in the window the
//! background push of the outbox while someone is signed in.
//!
//! The refresh token lives in the OS keychain; on a desktop without one it is kept in memory, so
//! the window's sign-in lasts until the app quits (and the window says so) instead of failing.
//! The command line ([`Team::for_command_line`]) cannot keep a sign-in in memory: there a
//! keychain that refuses it is an error.

use crate::error::{AppError, AppResult};
use crate::views::{TeamUserView, TeamView};
use heimdex_auth::{AuthClient, AuthError, FallbackStore, Session, TokenStore};
use heimdex_library::settings::{self, keys};
use heimdex_library::Library;
use heimdex_sync::{account, connect, outbox, Drainer, Identity, PushState, SyncConfig};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// Waits between attempts to reach a team backend that is down when the push starts.
const CONNECT_RETRY: Duration = Duration::from_secs(15);

/// Sign-in state and the background push of one open library.
pub struct Team {
    store: Arc<FallbackStore>,
    session: Mutex<Option<Session>>,
    /// Cancels the background push (signing out, quitting).
    push: StdMutex<Option<CancellationToken>>,
    /// Cancels a browser sign-in that is waiting for the user (with the attempt's number).
    browser: StdMutex<Option<(u64, CancellationToken)>>,
    attempts: AtomicU64,
    /// The last failure to start the push (the backend's own failures are in `PushState`).
    push_error: StdMutex<Option<String>>,
    /// Whether a sign-in starts the background push (the window), or not (the command line,
    /// which pushes with `heimdex sync push`).
    background_push: bool,
}

pub(crate) fn sync_error(e: heimdex_sync::SyncError) -> AppError {
    AppError::Sync {
        reason: e.to_string(),
    }
}

fn sign_in_error(e: AuthError) -> AppError {
    match e {
        AuthError::Keychain(reason) => AppError::Keychain { reason },
        other => AppError::SignIn {
            reason: other.to_string(),
        },
    }
}

fn lock<T>(m: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Team {
    /// With the OS keychain (memory when there is none).
    pub fn new() -> Self {
        Self::with_store(FallbackStore::keychain())
    }

    pub fn with_store(store: FallbackStore) -> Self {
        Self {
            store: Arc::new(store),
            session: Mutex::new(None),
            push: StdMutex::new(None),
            browser: StdMutex::new(None),
            attempts: AtomicU64::new(0),
            push_error: StdMutex::new(None),
            background_push: true,
        }
    }

    /// For the command line: signing in never starts a push in the background, and a sign-in
    /// or a secret the keychain refuses is an error (a process that exits cannot keep it in
    /// memory).
    pub fn for_command_line() -> Self {
        let mut team = Self::with_store(FallbackStore::keychain().without_memory());
        team.background_push = false;
        team
    }

    /// The one token store: the keychain, else memory (see [`Team::keychain_error`]).
    pub fn store(&self) -> Arc<dyn TokenStore> {
        self.store.clone()
    }

    /// Why the OS keychain could not be used, while it cannot.
    pub fn keychain_error(&self) -> Option<String> {
        self.store.keychain_error()
    }

    /// Who is signed in now.
    pub async fn user(&self) -> Option<TeamUserView> {
        self.session.lock().await.as_ref().map(|s| TeamUserView {
            id: s.user().id.clone(),
            email: s.user().email.clone(),
        })
    }

    /// Resumes the session kept in the keychain, without pushing: who is signed in, if anyone.
    pub async fn resume(&self, library: &Library) -> AppResult<Option<TeamUserView>> {
        let client = self.client(library).await?;
        self.resume_with(client).await
    }

    async fn resume_with(&self, client: AuthClient) -> AppResult<Option<TeamUserView>> {
        let store: Arc<dyn TokenStore> = self.store.clone();
        match Session::restore(client, store).await {
            Ok(session) => *self.session.lock().await = session,
            Err(AuthError::SessionExpired) => *self.session.lock().await = None,
            Err(e) => return Err(sign_in_error(e)),
        }
        Ok(self.user().await)
    }

    /// Resumes the session kept in the keychain (if any) and starts pushing. Failures are logged
    /// and shown in the Team panel, never fatal.
    pub async fn restore(&self, library: &Library) {
        let Ok(client) = account::auth_client(library.pool()).await else {
            return; // no sign-in server configured
        };
        match self.resume_with(client).await {
            Ok(Some(_)) => self.start_push(library).await,
            Ok(None) => {}
            Err(e) => tracing::warn!("the saved sign-in could not be resumed: {e}"),
        }
    }

    /// What the Team panel shows.
    pub async fn view(&self, library: &Library) -> AppResult<TeamView> {
        let pool = library.pool();
        let server_url = settings::get(pool, keys::AUTH_URL).await?;
        let has_anon_key = settings::get(pool, keys::AUTH_ANON_KEY)
            .await?
            .is_some_and(|k| !k.is_empty());
        let user = self.user().await;
        let sync = SyncConfig::load(pool).await.map_err(sync_error)?;
        let counts = outbox::counts(pool).await.map_err(sync_error)?;
        let state = PushState::load(pool).await.map_err(sync_error)?;
        let syncing = lock(&self.push).is_some();
        Ok(TeamView {
            server_url,
            has_anon_key,
            user,
            keychain_error: self.store.keychain_error(),
            backend: sync.map(|c| format!("{} {}", c.backend, c.url)),
            syncing,
            pending: counts.pending.min(u64::from(u32::MAX)) as u32,
            failed: counts.failed.min(u64::from(u32::MAX)) as u32,
            last_push_ms: state.last_push_ms.map(|ms| ms as f64),
            last_error: lock(&self.push_error).clone().or(state.last_error),
            signing_in: lock(&self.browser).is_some(),
        })
    }

    /// Saves the sign-in server (its URL and public anon key; neither is a secret).
    pub async fn configure(&self, library: &Library, url: &str, anon_key: &str) -> AppResult<()> {
        let url =
            crate::provider::check_base_url(url).map_err(|reason| AppError::InvalidSetting {
                name: "sign-in server".into(),
                value: url.to_owned(),
                reason,
            })?;
        AuthClient::new(&url, anon_key.trim()).map_err(sign_in_error)?;
        account::configure(library.pool(), &url, anon_key.trim())
            .await
            .map_err(sync_error)
    }

    async fn client(&self, library: &Library) -> AppResult<AuthClient> {
        account::auth_client(library.pool())
            .await
            .map_err(|e| AppError::SignIn {
                reason: match e {
                    heimdex_sync::SyncError::Config(why) => why,
                    other => other.to_string(),
                },
            })
    }

    /// Email and password sign-in.
    pub async fn sign_in_with_password(
        &self,
        library: &Library,
        email: &str,
        password: &str,
    ) -> AppResult<()> {
        if email.trim().is_empty() || password.is_empty() {
            return Err(AppError::SignIn {
                reason: "enter an email address and a password".into(),
            });
        }
        let client = self.client(library).await?;
        let store: Arc<dyn TokenStore> = self.store.clone();
        let session = Session::sign_in_with_password(client, store, email.trim(), password)
            .await
            .map_err(sign_in_error)?;
        self.signed_in(library, session).await;
        Ok(())
    }

    /// The PKCE flow for native apps: `open(url)` shows the provider's page in the system
    /// browser; the code comes back to a loopback port. Waits for the user (up to 5 minutes)
    /// unless [`Team::cancel_sign_in`] is called.
    pub async fn sign_in_with_browser(
        &self,
        library: &Library,
        provider: &str,
        open: impl FnOnce(&str),
    ) -> AppResult<()> {
        let provider = provider.trim();
        if provider.is_empty()
            || !provider
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(AppError::InvalidSetting {
                name: "provider".into(),
                value: provider.to_owned(),
                reason: "use the provider's name, such as github or google".into(),
            });
        }
        let client = self.client(library).await?;
        let cancel = CancellationToken::new();
        let attempt = self.attempts.fetch_add(1, Ordering::Relaxed);
        if let Some((_, old)) = lock(&self.browser).replace((attempt, cancel.clone())) {
            old.cancel();
        }
        let store: Arc<dyn TokenStore> = self.store.clone();
        let result = tokio::select! {
            r = Session::sign_in_with_browser(client, store, provider, open) => Some(r),
            _ = cancel.cancelled() => None,
        };
        {
            let mut slot = lock(&self.browser);
            if slot.as_ref().is_some_and(|(n, _)| *n == attempt) {
                *slot = None;
            }
        }
        match result {
            Some(Ok(session)) => {
                self.signed_in(library, session).await;
                Ok(())
            }
            Some(Err(e)) => Err(sign_in_error(e)),
            None => Err(AppError::SignIn {
                reason: "the sign-in was cancelled".into(),
            }),
        }
    }

    /// Stops waiting for a browser sign-in.
    pub fn cancel_sign_in(&self) {
        if let Some((_, t)) = lock(&self.browser).take() {
            t.cancel();
        }
    }

    async fn signed_in(&self, library: &Library, session: Session) {
        tracing::info!("signed in as {}", session.user().id);
        self.stop_push();
        if let Some(old) = self.session.lock().await.replace(session) {
            // Another account was signed in: revoke it (best effort).
            if let Err(e) = old.sign_out().await {
                tracing::warn!("the previous session could not be revoked: {e}");
            }
        }
        self.start_push(library).await;
    }

    /// Signs out: stops pushing, revokes the session on the server and forgets the refresh
    /// token. When the server cannot be reached the token is still forgotten here.
    pub async fn sign_out(&self) -> AppResult<()> {
        self.stop_push();
        let session = self.session.lock().await.take();
        match session {
            Some(s) => s.sign_out().await.map_err(|e| match e {
                AuthError::Keychain(r) => AppError::Keychain {
                    reason: format!("the sign-in could not be forgotten: {r}"),
                },
                other => AppError::SignIn {
                    reason: format!(
                        "signed out on this computer, but the server could not revoke the \
                         session: {other}"
                    ),
                },
            }),
            None => Ok(()),
        }
    }

    /// Who pushes: `heimdex_sync::connect::choose_identity` (the rule the command line follows).
    async fn identity(&self, config: &SyncConfig) -> Option<Result<Identity, String>> {
        let session = self.session.lock().await;
        connect::choose_identity(session.as_ref(), config)
            .map_err(|e| e.to_string())
            .transpose()
    }

    /// Starts the background push when team sync is set up and someone is signed in. A backend
    /// that cannot be reached is tried again every 15 s; the drainer then backs off on its own.
    pub async fn start_push(&self, library: &Library) {
        if !self.background_push {
            return;
        }
        let config = match SyncConfig::load(library.pool()).await {
            Ok(Some(c)) => c,
            Ok(None) => return,
            Err(e) => {
                *lock(&self.push_error) = Some(e.to_string());
                return;
            }
        };
        let who = match self.identity(&config).await {
            Some(Ok(who)) => who,
            Some(Err(e)) => {
                *lock(&self.push_error) = Some(e);
                return;
            }
            None => return,
        };
        let cancel = CancellationToken::new();
        if let Some(old) = lock(&self.push).replace(cancel.clone()) {
            old.cancel();
        }
        *lock(&self.push_error) = None;
        let library = library.clone();
        let store = self.store.clone();
        tokio::spawn(async move {
            let target = loop {
                match connect::connect(&config, store.as_ref()).await {
                    Ok(t) => break t,
                    Err(e) => {
                        tracing::info!("team backend not reachable yet: {e}");
                        tokio::select! {
                            _ = cancel.cancelled() => return,
                            _ = tokio::time::sleep(CONNECT_RETRY) => {}
                        }
                    }
                }
            };
            let drainer = Drainer::new(library, target, who).with_text_model(config.text_model);
            let _ = drainer.spawn(cancel).await;
        });
    }

    /// Sets team sync up from the Team panel (the same call as `heimdex sync setup`): `kind`
    /// "postgres" or "qdrant", the key into the keychain, optionally the schema or the team's
    /// collection created now; then pushes in the background when someone is signed in.
    pub async fn set_backend(
        &self,
        library: &Library,
        request: heimdex_sync::setup::SetupRequest,
    ) -> AppResult<()> {
        heimdex_sync::setup::set_up(library.pool(), self.store(), request)
            .await
            .map_err(sync_error)?;
        self.start_push(library).await;
        Ok(())
    }

    /// Turns team sync off (what waits in the outbox is dropped; the backend keeps what it has).
    pub async fn turn_off(&self, library: &Library) -> AppResult<()> {
        self.stop_push();
        SyncConfig::disable(library.pool())
            .await
            .map_err(sync_error)
    }

    /// Stops the background push (rows stay in the outbox).
    pub fn stop_push(&self) {
        if let Some(t) = lock(&self.push).take() {
            t.cancel();
        }
    }

    /// Pushes what is waiting now and returns when the outbox is empty (or the backend fails).
    pub async fn push_now(&self, library: &Library) -> AppResult<()> {
        let config = SyncConfig::load(library.pool())
            .await
            .map_err(sync_error)?
            .ok_or_else(|| AppError::Sync {
                reason: "team sync is not set up (`heimdex sync setup`)".into(),
            })?;
        let who = match self.identity(&config).await {
            Some(Ok(who)) => who,
            Some(Err(e)) => return Err(AppError::Sync { reason: e }),
            None => {
                return Err(AppError::SignIn {
                    reason: "sign in to push to the team".into(),
                })
            }
        };
        let target = connect::connect(&config, self.store.as_ref())
            .await
            .map_err(sync_error)?;
        Drainer::new(library.clone(), target, who)
            .with_text_model(config.text_model)
            .drain(|_, _| {})
            .await
            .map(|_| ())
            .map_err(sync_error)
    }
}

impl Team {
    /// The team's scenes nearest to `vector` (a query embedded with `model`), searched as the
    /// one identity rule says (the window's session, else the one kept in the keychain) with the
    /// secret store the push uses. `mine`: only the user's own scenes.
    pub async fn search(
        &self,
        library: &Library,
        model: &str,
        vector: &[f32],
        limit: usize,
        filter: &heimdex_sync::TeamFilter,
        mine: bool,
    ) -> AppResult<Vec<heimdex_sync::TeamHit>> {
        let config = SyncConfig::load(library.pool())
            .await
            .map_err(sync_error)?
            .ok_or_else(|| AppError::Sync {
                reason: "team search needs a team backend: run `heimdex sync setup`".into(),
            })?;
        let who = match self.identity(&config).await {
            Some(Ok(who)) => who,
            Some(Err(e)) => return Err(AppError::Sync { reason: e }),
            None => connect::identity(library.pool(), &config, self.store())
                .await
                .map_err(sync_error)?,
        };
        let target = connect::connect(&config, self.store.as_ref())
            .await
            .map_err(sync_error)?;
        let mut filter = filter.clone();
        if mine {
            filter.owner = Some(who.user_id);
        }
        target
            .search_filtered(&who, model, vector, limit, &filter)
            .await
            .map_err(sync_error)
    }
}

impl Default for Team {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.stop_push();
        self.cancel_sign_in();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use axum::extract::{Query, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use heimdex_auth::MemoryStore;
    use serde_json::json;
    use std::collections::HashMap;

    const USER: &str = "6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f";

    /// The GoTrue endpoints the window uses, as Supabase documents them.
    #[derive(Clone, Default)]
    struct Fake {
        /// code_challenge seen in the browser flow.
        challenge: Arc<StdMutex<Option<String>>>,
        revoked: Arc<StdMutex<Vec<String>>>,
    }

    fn tokens(access: &str) -> serde_json::Value {
        json!({
            "access_token": access, "refresh_token": format!("r-{access}"), "expires_in": 3600,
            "token_type": "bearer",
            "user": {"id": USER, "email": "ada@example.com", "role": "authenticated"}
        })
    }

    async fn token(
        State(fake): State<Fake>,
        Query(q): Query<HashMap<String, String>>,
        headers: HeaderMap,
        Json(body): Json<serde_json::Value>,
    ) -> Response {
        if headers.get("apikey").and_then(|v| v.to_str().ok()) != Some("anon") {
            return (StatusCode::UNAUTHORIZED, Json(json!({"msg": "no api key"}))).into_response();
        }
        match q.get("grant_type").map(String::as_str) {
            Some("password") if body["password"] == "correct horse" => {
                Json(tokens("a-password")).into_response()
            }
            Some("password") => (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant", "error_description": "Invalid login credentials"})),
            )
                .into_response(),
            Some("pkce") => {
                let verifier = body["code_verifier"].as_str().unwrap_or_default();
                let want = fake.challenge.lock().unwrap().clone();
                let ok = body["auth_code"] == "the-code"
                    && want.as_deref() == Some(heimdex_auth::pkce::challenge_s256(verifier).as_str());
                if ok {
                    Json(tokens("a-browser")).into_response()
                } else {
                    (StatusCode::BAD_REQUEST, Json(json!({"error_description": "bad code"})))
                        .into_response()
                }
            }
            Some("refresh_token") if body["refresh_token"] == "r-a-password" => {
                Json(tokens("a-refreshed")).into_response()
            }
            _ => (StatusCode::BAD_REQUEST, Json(json!({"msg": "unsupported grant"}))).into_response(),
        }
    }

    async fn logout(State(fake): State<Fake>, headers: HeaderMap) -> StatusCode {
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim_start_matches("Bearer ")
            .to_owned();
        fake.revoked.lock().unwrap().push(bearer);
        StatusCode::NO_CONTENT
    }

    async fn user() -> Json<serde_json::Value> {
        Json(json!({"id": USER, "email": "ada@example.com"}))
    }

    async fn serve(fake: Fake) -> String {
        let app = Router::new()
            .route("/auth/v1/token", post(token))
            .route("/auth/v1/logout", post(logout))
            .route("/auth/v1/user", get(user))
            .with_state(fake);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    }

    async fn library() -> (tempfile::TempDir, Library) {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(heimdex_core::DataPaths::under(dir.path()))
            .await
            .unwrap();
        (dir, lib)
    }

    fn team() -> Team {
        Team::with_store(FallbackStore::new(Box::new(MemoryStore::default())))
    }

    #[tokio::test]
    async fn a_qdrant_backend_set_up_from_the_panel_is_shown_and_its_collection_made() {
        let Some(q) = heimdex_tests::qdrant::QdrantServer::start() else {
            return;
        };
        let (_dir, lib) = library().await;
        let team = team();
        let team_id = uuid::Uuid::new_v4();
        let request = |secret: &str| heimdex_sync::setup::SetupRequest {
            backend: heimdex_sync::Backend::Qdrant,
            url: q.url(),
            team_id: Some(team_id),
            text_model: None,
            secret: Some(secret.to_owned()),
            prepare: true,
        };
        // A wrong key: the panel shows why, and nothing is set up.
        let e = team
            .set_backend(&lib, request("not-the-key"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("Qdrant refused the API key"), "{e}");
        assert!(team.view(&lib).await.unwrap().backend.is_none());
        // The server's key: the team's collection is made and the backend shown.
        team.set_backend(&lib, request(&q.api_key)).await.unwrap();
        let v = team.view(&lib).await.unwrap();
        assert_eq!(
            v.backend.as_deref().map(|b| b.trim_end_matches('/')),
            Some(format!("qdrant {}", q.url()).as_str())
        );
        let collection = format!("heimdex_team_{}", team_id.simple());
        let t = heimdex_sync::qdrant::QdrantTarget::connect(&q.url(), Some(&q.api_key))
            .await
            .unwrap();
        assert!(t.client().collection_exists(&collection).await.unwrap());
        team.turn_off(&lib).await.unwrap();
        assert!(team.view(&lib).await.unwrap().backend.is_none());
    }

    #[tokio::test]
    async fn password_sign_in_shows_the_user_and_sign_out_revokes() {
        let fake = Fake::default();
        let url = serve(fake.clone()).await;
        let (_dir, lib) = library().await;
        let team = team();

        let v = team.view(&lib).await.unwrap();
        assert!(v.server_url.is_none() && v.user.is_none() && !v.syncing);
        let e = team
            .sign_in_with_password(&lib, "ada@example.com", "correct horse")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no sign-in server"), "{e}");

        team.configure(&lib, &format!("{url}/"), "anon")
            .await
            .unwrap();
        let e = team
            .sign_in_with_password(&lib, "ada@example.com", "wrong")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("Invalid login credentials"), "{e}");

        team.sign_in_with_password(&lib, "ada@example.com", "correct horse")
            .await
            .unwrap();
        let v = team.view(&lib).await.unwrap();
        assert_eq!(v.server_url.as_deref(), Some(url.as_str()));
        assert!(v.has_anon_key);
        let u = v.user.expect("signed in");
        assert_eq!(
            (u.id.as_str(), u.email.as_deref()),
            (USER, Some("ada@example.com"))
        );
        // Team sync is not set up: nothing is pushed.
        assert!(!v.syncing && v.backend.is_none());
        // The refresh token is in the store, nowhere in the view.
        assert!(!format!("{:?}", team.view(&lib).await.unwrap()).contains("r-a-password"));

        team.sign_out().await.unwrap();
        assert_eq!(*fake.revoked.lock().unwrap(), vec!["a-password".to_owned()]);
        assert!(team.view(&lib).await.unwrap().user.is_none());
    }

    #[tokio::test]
    async fn a_saved_sign_in_is_resumed_at_start() {
        let url = serve(Fake::default()).await;
        let (_dir, lib) = library().await;
        let store = Arc::new(MemoryStore::default());
        struct Shared(Arc<MemoryStore>);
        impl TokenStore for Shared {
            fn get(&self, a: &str) -> Result<Option<String>, AuthError> {
                self.0.get(a)
            }
            fn set(&self, a: &str, s: &str) -> Result<(), AuthError> {
                self.0.set(a, s)
            }
            fn delete(&self, a: &str) -> Result<(), AuthError> {
                self.0.delete(a)
            }
        }
        let first = Team::with_store(FallbackStore::new(Box::new(Shared(store.clone()))));
        first.configure(&lib, &url, "anon").await.unwrap();
        first
            .sign_in_with_password(&lib, "ada@example.com", "correct horse")
            .await
            .unwrap();
        drop(first);
        // The next start trades the saved refresh token for a new session.
        let second = Team::with_store(FallbackStore::new(Box::new(Shared(store.clone()))));
        second.restore(&lib).await;
        let u = second.view(&lib).await.unwrap().user.expect("resumed");
        assert_eq!(u.id, USER);
        assert_eq!(
            store.get("refresh-token").unwrap().as_deref(),
            Some("r-a-refreshed")
        );
        // A refresh token the server no longer accepts is dropped quietly: signed out.
        let third = Team::with_store(FallbackStore::new(Box::new(Shared(store.clone()))));
        third.restore(&lib).await;
        assert!(third.view(&lib).await.unwrap().user.is_none());
        assert!(store.get("refresh-token").unwrap().is_none());
    }

    /// The browser flow: the authorize URL carries the S256 challenge and a loopback redirect;
    /// the "browser" follows it with a code; the code and verifier are exchanged.
    #[tokio::test]
    async fn browser_sign_in_completes_through_the_loopback_redirect() {
        let fake = Fake::default();
        let url = serve(fake.clone()).await;
        let (_dir, lib) = library().await;
        let team = team();
        team.configure(&lib, &url, "anon").await.unwrap();
        let challenge = fake.challenge.clone();
        let opened = Arc::new(StdMutex::new(String::new()));
        let seen = opened.clone();
        team.sign_in_with_browser(&lib, "github", move |authorize| {
            *seen.lock().unwrap() = authorize.to_owned();
            let parsed = url::Url::parse(authorize).unwrap();
            let q: HashMap<_, _> = parsed.query_pairs().into_owned().collect();
            *challenge.lock().unwrap() = q.get("code_challenge").cloned();
            let redirect = q.get("redirect_to").cloned().unwrap();
            tokio::spawn(async move {
                let back = url::Url::parse(&format!("{redirect}?code=the-code")).unwrap();
                let addr = format!("{}:{}", back.host_str().unwrap(), back.port().unwrap());
                let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let req = format!(
                    "GET {}?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    back.path(),
                    back.query().unwrap()
                );
                s.write_all(req.as_bytes()).await.unwrap();
                let mut out = Vec::new();
                let _ = s.read_to_end(&mut out).await;
            });
        })
        .await
        .unwrap();
        let authorize = opened.lock().unwrap().clone();
        assert!(
            authorize.starts_with(&format!("{url}/auth/v1/authorize?")),
            "{authorize}"
        );
        assert!(authorize.contains("provider=github"), "{authorize}");
        assert!(
            authorize.contains("code_challenge_method=s256"),
            "{authorize}"
        );
        assert!(authorize.contains("127.0.0.1"), "{authorize}");
        let v = team.view(&lib).await.unwrap();
        assert_eq!(v.user.map(|u| u.id).as_deref(), Some(USER));
        assert!(!v.signing_in);
    }

    #[tokio::test]
    async fn a_waiting_browser_sign_in_can_be_cancelled() {
        let url = serve(Fake::default()).await;
        let (_dir, lib) = library().await;
        let team = Arc::new(team());
        team.configure(&lib, &url, "anon").await.unwrap();
        let t = team.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            t.cancel_sign_in();
        });
        let e = team
            .sign_in_with_browser(&lib, "github", |_| {})
            .await
            .unwrap_err();
        assert!(e.to_string().contains("cancelled"), "{e}");
        assert!(!team.view(&lib).await.unwrap().signing_in);
        let e = team
            .sign_in_with_browser(&lib, "git hub; rm", |_| {})
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::InvalidSetting { .. }), "{e}");
    }

    #[test]
    fn server_urls_are_checked() {
        use crate::provider::check_base_url;
        assert_eq!(
            check_base_url(" https://xyz.supabase.co/ ").as_deref(),
            Ok("https://xyz.supabase.co")
        );
        assert!(check_base_url("http://127.0.0.1:9999").is_ok());
        assert!(check_base_url("ftp://x").is_err());
        assert!(check_base_url("xyz.supabase.co").is_err());
    }
}
