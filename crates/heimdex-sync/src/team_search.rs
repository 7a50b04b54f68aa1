//! Team search for the CLI and the window: the configured backend, as the signed-in user.

use crate::config::SyncConfig;
use crate::connect;
use crate::error::SyncError;
use crate::target::{TeamFilter, TeamHit};
use sqlx::SqlitePool;

/// The team's scenes nearest to `vector` (a query embedded with `model`, the same text model the
/// scenes were pushed with; other models' vectors are never compared with it), narrowed by
/// `filter`; `mine` keeps the signed-in user's own scenes only.
pub async fn search(
    pool: &SqlitePool,
    model: &str,
    vector: &[f32],
    limit: usize,
    filter: &TeamFilter,
    mine: bool,
) -> Result<Vec<TeamHit>, SyncError> {
    let config = SyncConfig::load(pool).await?.ok_or_else(|| {
        SyncError::Config("team search needs a team backend: run `heimdex sync setup`".into())
    })?;
    let who = connect::identity(pool, &config).await?;
    let target = connect::connect(&config, crate::account::keychain().as_ref()).await?;
    let mut filter = filter.clone();
    if mine {
        filter.owner = Some(who.user_id);
    }
    target
        .search_filtered(&who, model, vector, limit, &filter)
        .await
}
