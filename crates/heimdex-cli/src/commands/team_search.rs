//! `heimdex search --team`: local hits and the team backend's hits for the same query, fused by
//! reciprocal rank (a scene found in both counts once).

use crate::context::Context;
use heimdex_library::search::SearchResults;
use heimdex_library::videos;
use heimdex_sync::merge::{merge, LocalHit, Origin};
use std::collections::HashMap;
use std::process::ExitCode;

pub async fn run(
    ctx: &Context,
    query: &str,
    local: &SearchResults,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let pool = ctx.library().pool();
    let mut hashes = HashMap::new();
    let mut local_hits = Vec::with_capacity(local.hits.len());
    for h in &local.hits {
        if !hashes.contains_key(&h.video_id) {
            let hash = videos::get(pool, &h.video_id)
                .await?
                .map(|v| v.content_hash);
            hashes.insert(h.video_id.clone(), hash);
        }
        if let Some(Some(hash)) = hashes.get(&h.video_id) {
            local_hits.push(LocalHit {
                content_hash: hash.clone(),
                scene_index: h.scene_idx,
                file_name: h.file_name.clone(),
                start_secs: h.start_secs,
                end_secs: h.end_secs,
                text: h.snippet.clone(),
            });
        }
    }
    let text = if local.text.trim().is_empty() {
        query
    } else {
        &local.text
    };
    let (model, vector) = crate::commands::sync::embed_query(ctx, text).await?;
    let team = heimdex_sync::team_search::search(
        pool,
        &model,
        &vector,
        limit,
        &heimdex_sync::TeamFilter::default(),
        false,
    )
    .await?;
    let merged = merge(&local_hits, &team, limit);
    if json {
        println!("{}", serde_json::to_string_pretty(&merged)?);
        return Ok(ExitCode::SUCCESS);
    }
    if merged.is_empty() {
        eprintln!("no scene found");
    }
    for (i, h) in merged.iter().enumerate() {
        let origin = match h.origin {
            Origin::Local => "local",
            Origin::Team => "team",
            Origin::Both => "local+team",
        };
        println!(
            "{:>2}. {}-{}  {}  scene {}  [{origin}]  score {:.4}",
            i + 1,
            crate::commands::search::clock(h.start_secs),
            crate::commands::search::clock(h.end_secs),
            h.file_name,
            h.scene_index,
            h.score
        );
        if !h.text.is_empty() {
            println!("    {}", h.text.chars().take(160).collect::<String>());
        }
    }
    eprintln!(
        "{} local and {} team scenes, {} after merging",
        local_hits.len(),
        team.len(),
        merged.len()
    );
    Ok(ExitCode::SUCCESS)
}
