//! Setting team sync up: one call for the command line (`heimdex sync setup`) and the window's
//! Team panel. Keeps the password or API key in the keychain (never in the library), optionally
//! prepares the backend (the Postgres schema; the team's Qdrant collection, which needs the
//! server's API key), saves the configuration and queues every indexed scene.

use crate::config::{self, Backend, SyncConfig};
use crate::error::SyncError;
use crate::outbox;
use heimdex_auth::TokenStore;
use sqlx::SqlitePool;
use std::sync::Arc;
use uuid::Uuid;

/// What to set up.
#[derive(Debug, Clone)]
pub struct SetupRequest {
    pub backend: Backend,
    /// The backend's URL; a password inside it is taken out and kept in the keychain.
    pub url: String,
    /// Share pushed scenes with this team; `None`: they stay private.
    pub team_id: Option<Uuid>,
    pub text_model: Option<String>,
    /// The password or API key (else the one in the URL, else the one already kept).
    pub secret: Option<String>,
    /// Also create the schema (Postgres) or the team's collection (Qdrant) now.
    pub prepare: bool,
}

/// What [`set_up`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct SetupOutcome {
    pub config: SyncConfig,
    /// Indexed scenes queued for the first push.
    pub queued: u64,
    /// What was prepared: "schema", or the Qdrant collection's name.
    pub prepared: Option<String>,
}

/// Sets team sync up as `req` says (see the module's text).
pub async fn set_up(
    pool: &SqlitePool,
    store: Arc<dyn TokenStore>,
    req: SetupRequest,
) -> Result<SetupOutcome, SyncError> {
    let (url, in_url) = config::split_secret(&req.url)?;
    let secret = req.secret.filter(|s| !s.is_empty()).or(in_url);
    if let Some(s) = &secret {
        config::store_secret(store.as_ref(), s).map_err(|e| {
            SyncError::Config(format!(
                "the password or key must go to the system keychain, which is not available \
                 ({e}); set HEIMDEX_SYNC_SECRET instead"
            ))
        })?;
    }
    let cfg = SyncConfig {
        backend: req.backend,
        url,
        team_id: req.team_id,
        text_model: req.text_model,
    };
    let prepared = if req.prepare {
        let secret = secret.or_else(|| config::load_secret(store.as_ref()));
        Some(prepare(pool, &cfg, secret, store).await?)
    } else {
        None
    };
    cfg.save(pool).await?;
    let queued = outbox::enqueue_indexed(pool).await?;
    Ok(SetupOutcome {
        config: cfg,
        queued,
        prepared,
    })
}

async fn prepare(
    pool: &SqlitePool,
    cfg: &SyncConfig,
    secret: Option<String>,
    store: Arc<dyn TokenStore>,
) -> Result<String, SyncError> {
    match cfg.backend {
        Backend::Postgres => {
            let url = crate::connect::with_password(&cfg.url, secret.as_deref())?;
            crate::postgres::PgTarget::connect(&url)
                .await?
                .apply_schema()
                .await?;
            Ok("schema".into())
        }
        #[cfg(feature = "qdrant")]
        Backend::Qdrant => {
            // The team's collection; a user on no team gets their own (needs who they are).
            let who = match cfg.team_id {
                Some(team) => crate::doc::Identity {
                    user_id: Uuid::nil(),
                    team_id: Some(team),
                },
                None => crate::connect::identity(pool, cfg, store.clone()).await?,
            };
            crate::qdrant::QdrantTarget::connect(&cfg.url, secret.as_deref())
                .await?
                .prepare(&who)
                .await
        }
        #[cfg(not(feature = "qdrant"))]
        Backend::Qdrant => {
            let _ = pool;
            Err(SyncError::Config(
                "this build of Heimdex has no Qdrant support (build with the `qdrant` feature)"
                    .into(),
            ))
        }
    }
}
