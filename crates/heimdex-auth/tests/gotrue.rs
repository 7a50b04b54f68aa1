//! Sign-in against a local server that implements the GoTrue endpoints as documented: PKCE,
//! password and refresh grants, `/user`, `/logout`, HS256 JWTs with `sub`, `role`, `aud`, `exp`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use heimdex_auth::pkce::challenge_s256;
use heimdex_auth::{AuthClient, AuthError, MemoryStore, Session, TokenStore};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const SECRET: &[u8] = b"super-secret-jwt-token-with-at-least-32-characters";
const ANON: &str = "anon-key";

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: String,
    aud: String,
    exp: i64,
    email: String,
    session_id: String,
}

#[derive(Default)]
struct Inner {
    codes: HashMap<String, (String, String)>, // code -> (challenge, user)
    refresh: HashMap<String, (String, String, bool)>, // token -> (user, session, used)
    revoked_sessions: Vec<String>,
    refreshes: u32,
    access_ttl: i64,
    counter: u32,
}

#[derive(Clone, Default)]
struct Fake(Arc<Mutex<Inner>>);

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn err(status: StatusCode, description: &str) -> Response {
    (
        status,
        Json(json!({"error": "invalid_grant", "error_description": description})),
    )
        .into_response()
}

impl Fake {
    fn issue(&self, user: &str, session: &str) -> serde_json::Value {
        let mut s = self.0.lock().unwrap();
        s.counter += 1;
        let ttl = if s.access_ttl == 0 {
            3600
        } else {
            s.access_ttl
        };
        let claims = Claims {
            sub: user.into(),
            role: "authenticated".into(),
            aud: "authenticated".into(),
            exp: now() + ttl,
            email: format!("{user}@example.com"),
            session_id: session.into(),
        };
        let access = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        let refresh = format!("r{}", s.counter);
        s.refresh
            .insert(refresh.clone(), (user.into(), session.into(), false));
        json!({"access_token": access, "token_type": "bearer", "expires_in": ttl, "expires_at": now() + ttl,
               "refresh_token": refresh, "user": {"id": user, "email": format!("{user}@example.com"), "role": "authenticated"}})
    }

    fn verify(&self, headers: &HeaderMap) -> Result<Claims, Response> {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| err(StatusCode::UNAUTHORIZED, "missing token"))?;
        let mut v = Validation::new(Algorithm::HS256);
        v.set_audience(&["authenticated"]);
        let claims = decode::<Claims>(token, &DecodingKey::from_secret(SECRET), &v)
            .map_err(|e| {
                (StatusCode::UNAUTHORIZED, Json(json!({"msg": format!("invalid JWT: unable to parse or verify signature, {e}")})))
                    .into_response()
            })?
            .claims;
        if self
            .0
            .lock()
            .unwrap()
            .revoked_sessions
            .contains(&claims.session_id)
        {
            return Err((
                StatusCode::FORBIDDEN,
                Json(json!({"msg": "Session from session_id claim in JWT does not exist"})),
            )
                .into_response());
        }
        Ok(claims)
    }
}

async fn authorize(State(f): State<Fake>, Query(q): Query<HashMap<String, String>>) -> Response {
    assert_eq!(
        q.get("code_challenge_method").map(String::as_str),
        Some("s256")
    );
    assert_eq!(q.get("provider").map(String::as_str), Some("github"));
    let code = format!("code-{}", q.len() * 7919);
    f.0.lock().unwrap().codes.insert(
        code.clone(),
        (q["code_challenge"].clone(), "oauth-user".into()),
    );
    Redirect::to(&format!("{}?code={code}", q["redirect_to"])).into_response()
}

async fn token(
    State(f): State<Fake>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<serde_json::Value>,
) -> Response {
    if headers.get("apikey").and_then(|v| v.to_str().ok()) != Some(ANON) {
        return err(StatusCode::UNAUTHORIZED, "No API key found in request");
    }
    match q.get("grant_type").map(String::as_str) {
        Some("pkce") => {
            let code = body["auth_code"].as_str().unwrap_or_default();
            let Some((challenge, user)) = f.0.lock().unwrap().codes.remove(code) else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalid flow state, no valid flow state found",
                );
            };
            if challenge_s256(body["code_verifier"].as_str().unwrap_or_default()) != challenge {
                return err(
                    StatusCode::BAD_REQUEST,
                    "code challenge does not match previously saved code verifier",
                );
            }
            Json(f.issue(&user, &format!("s-{code}"))).into_response()
        }
        Some("password") => {
            if body["email"] == "ada@example.com" && body["password"] == "correct horse" {
                Json(f.issue("ada", "s-ada")).into_response()
            } else {
                err(StatusCode::BAD_REQUEST, "Invalid login credentials")
            }
        }
        Some("refresh_token") => {
            let t = body["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let mut s = f.0.lock().unwrap();
            let Some((user, session, used)) = s.refresh.get(&t).cloned() else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "Invalid Refresh Token: Refresh Token Not Found",
                );
            };
            if s.revoked_sessions.contains(&session) {
                return err(
                    StatusCode::BAD_REQUEST,
                    "Invalid Refresh Token: Refresh Token Not Found",
                );
            }
            if used {
                // Reuse outside the reuse interval revokes the whole chain.
                s.revoked_sessions.push(session);
                return err(
                    StatusCode::BAD_REQUEST,
                    "Invalid Refresh Token: Already Used",
                );
            }
            s.refresh.insert(t, (user.clone(), session.clone(), true));
            s.refreshes += 1;
            drop(s);
            Json(f.issue(&user, &session)).into_response()
        }
        _ => err(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
    }
}

async fn user(State(f): State<Fake>, headers: HeaderMap) -> Response {
    match f.verify(&headers) {
        Ok(c) => Json(json!({"id": c.sub, "email": c.email, "role": c.role})).into_response(),
        Err(r) => r,
    }
}

async fn logout(State(f): State<Fake>, headers: HeaderMap) -> Response {
    match f.verify(&headers) {
        Ok(c) => {
            f.0.lock().unwrap().revoked_sessions.push(c.session_id);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => r,
    }
}

async fn serve(fake: Fake) -> String {
    let app = Router::new()
        .route("/auth/v1/authorize", get(authorize))
        .route("/auth/v1/token", post(token))
        .route("/auth/v1/user", get(user))
        .route("/auth/v1/logout", post(logout))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Stands in for the system browser: follows the authorize URL's redirects to the loopback.
fn browser(url: &str) {
    let url = url.to_owned();
    tokio::spawn(async move {
        let _ = reqwest::get(&url).await;
    });
}

#[tokio::test]
async fn pkce_browser_flow_signs_in_and_keeps_the_refresh_token_in_the_store() {
    let fake = Fake::default();
    let base = serve(fake.clone()).await;
    let store = Arc::new(MemoryStore::default());
    let client = AuthClient::new(&base, ANON).unwrap();
    let session = Session::sign_in_with_browser(client.clone(), store.clone(), "github", browser)
        .await
        .unwrap();
    assert_eq!(session.user().id, "oauth-user");
    let access = session.access_token().await.unwrap();
    assert_eq!(client.user(&access).await.unwrap().id, "oauth-user");
    assert_eq!(
        heimdex_auth::jwt::claims(&access).unwrap().sub,
        "oauth-user"
    );
    assert!(store.get("refresh-token").unwrap().is_some());
    assert!(
        !format!("{session:?}").contains(&access),
        "tokens never appear in Debug output"
    );
}

#[tokio::test]
async fn a_wrong_verifier_or_a_reused_code_is_refused() {
    let fake = Fake::default();
    let base = serve(fake.clone()).await;
    let client = AuthClient::new(&base, ANON).unwrap();
    fake.0
        .lock()
        .unwrap()
        .codes
        .insert("c1".into(), (challenge_s256("right-verifier"), "u".into()));
    let e = client
        .exchange_code("c1", "wrong-verifier")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AuthError::Refused { status: 400, message } if message.contains("code verifier")),
        "{e}"
    );
    let e = client
        .exchange_code("c1", "right-verifier")
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::Refused { .. }), "codes work once");
}

#[tokio::test]
async fn password_login_and_clear_errors() {
    let base = serve(Fake::default()).await;
    let client = AuthClient::new(&base, ANON).unwrap();
    let store = Arc::new(MemoryStore::default());
    let s = Session::sign_in_with_password(
        client.clone(),
        store.clone(),
        "ada@example.com",
        "correct horse",
    )
    .await
    .unwrap();
    assert_eq!(s.user().id, "ada");
    let e = Session::sign_in_with_password(client.clone(), store, "ada@example.com", "wrong")
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "sign-in refused: Invalid login credentials");
    let bad_key = AuthClient::new(&base, "not-the-key").unwrap();
    assert!(bad_key
        .sign_in_with_password("ada@example.com", "correct horse")
        .await
        .is_err());
    let down = AuthClient::new("http://127.0.0.1:9", ANON).unwrap();
    let e = down.sign_in_with_password("a", "b").await.unwrap_err();
    assert!(matches!(e, AuthError::Unreachable { .. }), "{e}");
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh_and_the_new_token_is_stored_first() {
    let fake = Fake::default();
    fake.0.lock().unwrap().access_ttl = 30; // under the 60 s margin: every call wants a refresh
    let base = serve(fake.clone()).await;
    let store = Arc::new(MemoryStore::default());
    let client = AuthClient::new(&base, ANON).unwrap();
    let session = Arc::new(
        Session::sign_in_with_password(client, store.clone(), "ada@example.com", "correct horse")
            .await
            .unwrap(),
    );
    let first = store.get("refresh-token").unwrap().unwrap();
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let s = session.clone();
            tokio::spawn(async move { s.access_token().await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    // Each call refreshed in turn (the ttl stays short), never two at once with the same token:
    // a reuse would have revoked the chain and failed a call.
    let refreshes = fake.0.lock().unwrap().refreshes;
    assert_eq!(refreshes, 5);
    let latest = store.get("refresh-token").unwrap().unwrap();
    assert_ne!(first, latest);
    assert!(fake.0.lock().unwrap().revoked_sessions.is_empty());
}

#[tokio::test]
async fn expired_tampered_and_revoked_tokens() {
    let fake = Fake::default();
    let base = serve(fake.clone()).await;
    let client = AuthClient::new(&base, ANON).unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());

    // Expired: signed correctly, exp in the past.
    let claims = Claims {
        sub: "ada".into(),
        role: "authenticated".into(),
        aud: "authenticated".into(),
        exp: now() - 120,
        email: "a".into(),
        session_id: "s".into(),
    };
    let expired = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    assert!(matches!(
        client.user(&expired).await,
        Err(AuthError::SessionExpired)
    ));

    // Tampered: payload changed, signature kept.
    let s = Session::sign_in_with_password(
        client.clone(),
        store.clone(),
        "ada@example.com",
        "correct horse",
    )
    .await
    .unwrap();
    let good = s.access_token().await.unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    use base64::Engine;
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"sub":"admin","role":"service_role","aud":"authenticated","exp":9999999999,"email":"x","session_id":"s"}"#);
    let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
    let e = client.user(&tampered).await.unwrap_err();
    assert!(matches!(e, AuthError::Refused { status: 401, .. }), "{e}");

    // Revoked: after sign-out the stored refresh token is gone and the old one no longer works.
    let spent = store.get("refresh-token").unwrap().unwrap();
    s.sign_out().await.unwrap();
    assert!(store.get("refresh-token").unwrap().is_none());
    assert!(client.refresh(&spent).await.is_err());
    assert!(
        client.user(&good).await.is_err(),
        "revoked session's access token refused"
    );
    store.set("refresh-token", &spent).unwrap();
    let restored = Session::restore(client, store.clone()).await;
    assert!(
        matches!(restored, Err(AuthError::SessionExpired)),
        "{restored:?}"
    );
    assert!(
        store.get("refresh-token").unwrap().is_none(),
        "a dead token is forgotten"
    );
}
