//! Team search for both shells: the query's vector with the local text model (the model scenes
//! are pushed with), the team backend's nearest scenes, and, for a typed search, those fused with
//! the local hits by reciprocal rank (a scene found in both counts once), each marked where it
//! came from.

use crate::error::{AppError, AppResult};
use crate::views::{HitOrigin, TeamHitView, TeamResultsView};
use crate::App;
use heimdex_library::search::SearchResults;
use heimdex_library::{videos, Library};
use heimdex_sync::merge::{merge, LocalHit, MergedHit, Origin};
use heimdex_sync::{SyncConfig, TeamFilter, TeamHit};
use std::collections::HashMap;
use std::path::Path;

/// The query's vector with the local text model: `(model id, vector)`.
pub async fn embed_query(model_dir: &Path, query: &str) -> AppResult<(String, Vec<f32>)> {
    use heimdex_embed::TextEmbedder as _;
    let dir = model_dir.to_path_buf();
    let query = query.to_owned();
    tokio::task::spawn_blocking(move || {
        let embedder = heimdex_embed::MiniLmEmbedder::from_model_dir(&dir).map_err(|e| {
            AppError::Search {
                reason: format!(
                    "team search needs the all-MiniLM-L6-v2 model in {} (scripts/fetch-models.sh): {e}",
                    dir.display()
                ),
            }
        })?;
        let v = embedder.embed_one(&query).map_err(|e| AppError::Search {
            reason: e.to_string(),
        })?;
        Ok((embedder.model_id().to_owned(), v))
    })
    .await
    .map_err(|e| AppError::Search {
        reason: e.to_string(),
    })?
}

/// The team's scenes nearest to `query`: `(model id, hits)`. `mine`: only the user's own.
pub async fn team_hits(
    app: &App,
    query: &str,
    limit: usize,
    filter: &TeamFilter,
    mine: bool,
) -> AppResult<(String, Vec<TeamHit>)> {
    let lib = app.library();
    let (model, vector) = embed_query(&lib.paths().model_dir, query).await?;
    let hits = app
        .team
        .search(lib, &model, &vector, limit, filter, mine)
        .await?;
    Ok((model, hits))
}

/// The local hits of a typed search fused with the team's for the same words.
pub async fn merged(
    app: &App,
    query: &str,
    local: &SearchResults,
    limit: usize,
) -> AppResult<Vec<MergedHit>> {
    let local_list = local_hits(app.library(), local).await?;
    merged_with(app, query, local, &local_list, limit).await
}

/// [`merged`] with the local hits already in the merge's terms.
async fn merged_with(
    app: &App,
    query: &str,
    local: &SearchResults,
    local_list: &[LocalHit],
    limit: usize,
) -> AppResult<Vec<MergedHit>> {
    // Dates typed in the query filter the local search; the team gets the words without them.
    let text = if local.text.trim().is_empty() {
        query
    } else {
        &local.text
    };
    let (_, team) = team_hits(app, text, limit, &TeamFilter::default(), false).await?;
    Ok(merge(local_list, &team, limit))
}

/// The local hits as the merge takes them (by content hash and scene index).
async fn local_hits(lib: &Library, local: &SearchResults) -> AppResult<Vec<LocalHit>> {
    let mut hashes: HashMap<String, Option<String>> = HashMap::new();
    let mut hits = Vec::with_capacity(local.hits.len());
    for h in &local.hits {
        if !hashes.contains_key(&h.video_id.0) {
            let hash = videos::get(lib.pool(), &h.video_id)
                .await?
                .map(|v| v.content_hash);
            hashes.insert(h.video_id.0.clone(), hash);
        }
        if let Some(Some(hash)) = hashes.get(&h.video_id.0) {
            hits.push(LocalHit {
                content_hash: hash.clone(),
                scene_index: h.scene_idx,
                file_name: h.file_name.clone(),
                start_secs: h.start_secs,
                end_secs: h.end_secs,
                text: h.snippet.clone(),
            });
        }
    }
    Ok(hits)
}

/// The window's team search: the local search and the team's, merged and marked. When team sync
/// is off or the backend cannot answer, the local hits come back with a notice saying why.
pub async fn search_with_team(app: &App, query: &str, limit: u32) -> AppResult<TeamResultsView> {
    let lib = app.library();
    let query = query.trim();
    let limit = limit.clamp(1, crate::search::MAX_LIMIT) as usize;
    let mut req = heimdex_library::search::SearchRequest::new(query);
    req.limit = limit;
    // The window's own search of these words is the one in the history.
    req.record = false;
    let local = heimdex_library::search::search(lib, &req)
        .await
        .map_err(|e| AppError::Search {
            reason: e.to_string(),
        })?;
    let local_list = local_hits(lib, &local).await?;
    let configured = SyncConfig::load(lib.pool())
        .await
        .map_err(crate::team::sync_error)?;
    let (merged, notice) = if query.is_empty() {
        (Vec::new(), None)
    } else if configured.is_none() {
        (
            merge(&local_list, &[], limit),
            Some("Team sync is not set up: these are this library's scenes only.".to_owned()),
        )
    } else {
        match merged_with(app, query, &local, &local_list, limit).await {
            Ok(m) => (m, None),
            Err(e) => (
                merge(&local_list, &[], limit),
                Some(format!("The team's scenes are missing: {e}")),
            ),
        }
    };
    // The player opens scenes of this library: a merged hit found here names its video.
    let video_of = |m: &MergedHit| {
        local
            .hits
            .iter()
            .find(|h| h.file_name == m.file_name && h.scene_idx == m.scene_index)
            .map(|h| h.video_id.0.clone())
    };
    let hits = merged
        .iter()
        .map(|m| TeamHitView {
            origin: match m.origin {
                Origin::Local => HitOrigin::Local,
                Origin::Team => HitOrigin::Team,
                Origin::Both => HitOrigin::Both,
            },
            video_id: video_of(m),
            file_name: m.file_name.clone(),
            scene_index: m.scene_index,
            start_secs: m.start_secs,
            end_secs: m.end_secs,
            text: m.text.clone(),
            score: m.score,
        })
        .collect();
    Ok(TeamResultsView { hits, notice })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::HitOrigin;
    use heimdex_sync::config::Backend;

    #[tokio::test]
    async fn says_why_the_team_is_missing_and_keeps_the_local_hits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let app = App::open_at(heimdex_core::DataPaths::under(dir.path().join("data")))
            .await
            .expect("opens");
        let lib = app.library().clone();
        heimdex_tests::library::fake_video(&lib, "aa11bb22cc33dd44ee55", 3, true).await;
        let off = search_with_team(&app, "anything", 10)
            .await
            .expect("answers");
        assert_eq!(
            off.notice.as_deref(),
            Some("Team sync is not set up: these are this library's scenes only.")
        );
        assert!(off.hits.iter().all(|h| h.origin == HitOrigin::Local));

        // A backend that does not answer: the local hits still come, with the reason.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        SyncConfig {
            backend: Backend::Postgres,
            url: format!("postgres://heimdex@127.0.0.1:{port}/heimdex"),
            team_id: None,
            text_model: None,
        }
        .save(lib.pool())
        .await
        .expect("saved");
        let down = search_with_team(&app, "anything", 10)
            .await
            .expect("answers");
        let notice = down.notice.expect("a notice");
        assert!(
            notice.starts_with("The team's scenes are missing: "),
            "{notice}"
        );
        assert!(down.hits.iter().all(|h| h.origin == HitOrigin::Local));
        let empty = search_with_team(&app, "  ", 10).await.expect("answers");
        assert!(empty.hits.is_empty() && empty.notice.is_none());
    }
}
