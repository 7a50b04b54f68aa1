//! The configured backend and the identity pushes and searches run as.

use crate::config::{load_secret, Backend, SyncConfig};
use crate::doc::Identity;
use crate::error::SyncError;
use crate::postgres::PgTarget;
use crate::target::SyncTarget;
use heimdex_auth::TokenStore;
use sqlx::SqlitePool;
use std::sync::Arc;
use uuid::Uuid;

/// Acting as this user id without a sign-in. Only for trusted set-ups (a service account, tests):
/// a direct Postgres connection trusts the identity the client states.
pub const USER_ENV: &str = "HEIMDEX_SYNC_USER_ID";

/// Connects to the configured backend, with its secret from `store` (or the environment).
pub async fn connect(
    config: &SyncConfig,
    store: &dyn TokenStore,
) -> Result<Arc<dyn SyncTarget>, SyncError> {
    let secret = load_secret(store);
    match config.backend {
        Backend::Postgres => Ok(Arc::new(
            PgTarget::connect(&with_password(&config.url, secret.as_deref())?).await?,
        )),
        #[cfg(feature = "qdrant")]
        Backend::Qdrant => Ok(Arc::new(
            crate::qdrant::QdrantTarget::connect(&config.url, secret.as_deref()).await?,
        )),
        #[cfg(not(feature = "qdrant"))]
        Backend::Qdrant => Err(SyncError::Config(
            "this build of Heimdex has no Qdrant support (build with the `qdrant` feature)".into(),
        )),
    }
}

/// A Postgres URL with the password put in (the settings keep it without one).
pub(crate) fn with_password(url: &str, password: Option<&str>) -> Result<String, SyncError> {
    let mut u = url::Url::parse(url)
        .map_err(|e| SyncError::Config(format!("the backend URL {url:?} is not valid: {e}")))?;
    if let Some(pw) = password {
        u.set_password(Some(pw))
            .map_err(|()| SyncError::Config(format!("cannot add a password to {url:?}")))?;
    }
    Ok(u.into())
}

/// The identity `$HEIMDEX_SYNC_USER_ID` names, or `None` when it is not set.
pub fn env_identity(config: &SyncConfig) -> Result<Option<Identity>, SyncError> {
    let Some(id) = std::env::var_os(USER_ENV).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let id = id.to_string_lossy();
    let user_id = Uuid::parse_str(&id)
        .map_err(|_| SyncError::Config(format!("{USER_ENV}={id:?} is not a UUID")))?;
    Ok(Some(Identity {
        user_id,
        team_id: config.team_id,
    }))
}

/// The one rule for who pushes and searches, in the command line and the window alike:
/// `$HEIMDEX_SYNC_USER_ID` when set (trusted set-ups and tests; like `$HEIMDEX_DATA_DIR`, the
/// environment wins), else the signed-in user; `None` when neither.
pub fn choose_identity(
    session: Option<&heimdex_auth::Session>,
    config: &SyncConfig,
) -> Result<Option<Identity>, SyncError> {
    if let Some(who) = env_identity(config)? {
        return Ok(Some(who));
    }
    session
        .map(|s| Identity::from_user(s.user(), config.team_id))
        .transpose()
}

/// [`choose_identity`] with the session kept in `store`; an error when nobody is signed in.
pub async fn identity(
    pool: &SqlitePool,
    config: &SyncConfig,
    store: Arc<dyn TokenStore>,
) -> Result<Identity, SyncError> {
    let session = match env_identity(config)? {
        Some(_) => None,
        None => crate::account::restore(pool, store).await?,
    };
    choose_identity(session.as_ref(), config)?
        .ok_or_else(|| SyncError::Config("not signed in: run `heimdex login` first".into()))
}
