//! `heimdex search --team`: local hits and the team backend's hits for the same query, fused by
//! reciprocal rank (a scene found in both counts once).

use crate::context::Context;
use heimdex_library::search::SearchResults;
use heimdex_sync::merge::Origin;
use std::process::ExitCode;

pub async fn run(
    ctx: &Context,
    query: &str,
    local: &SearchResults,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let merged = heimdex_app::team_search::merged(ctx, query, local, limit).await?;
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
    let from = |o: Origin| merged.iter().filter(|h| h.origin == o).count();
    eprintln!(
        "{} scenes: {} here only, {} on the team only, {} in both",
        merged.len(),
        from(Origin::Local),
        from(Origin::Team),
        from(Origin::Both)
    );
    Ok(ExitCode::SUCCESS)
}
