//! `heimdex search "<query>"`: a ranked list of scenes (time, file, snippet, score).

use crate::context::Context;
use anyhow::Result;
use heimdex_app::search::{self, SearchHit, SearchRequest, DEFAULT_LIMIT};
use heimdex_core::VideoId;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What you remember: spoken words, on-screen text, what is in the picture, a date
    /// ("dog on the beach july 2023").
    #[arg(required_unless_present = "image")]
    pub query: Option<String>,
    /// Search by a picture instead of words: the scenes that look like it (JPEG or PNG).
    #[arg(long, value_name = "PICTURE", conflicts_with = "team")]
    pub image: Option<std::path::PathBuf>,
    /// How many scenes to show.
    #[arg(long, short = 'n', default_value_t = DEFAULT_LIMIT)]
    pub limit: usize,
    /// Print JSON instead of a list.
    #[arg(long)]
    pub json: bool,
    /// Only this video (id, path or file name).
    #[arg(long)]
    pub video: Option<String>,
    /// Videos recorded on or after this day (YYYY-MM-DD, YYYY-MM or YYYY).
    #[arg(long)]
    pub after: Option<String>,
    /// Videos recorded before this day (YYYY-MM-DD, YYYY-MM or YYYY).
    #[arg(long)]
    pub before: Option<String>,
    /// Only scenes with speech.
    #[arg(long, conflicts_with = "no_speech")]
    pub speech: bool,
    /// Only scenes without speech.
    #[arg(long)]
    pub no_speech: bool,
    /// Videos at least this many seconds long.
    #[arg(long)]
    pub min_duration: Option<f64>,
    /// Videos at most this many seconds long.
    #[arg(long)]
    pub max_duration: Option<f64>,
    /// Also search the team archive (`heimdex sync setup`) and merge its hits with the local ones.
    #[arg(long)]
    pub team: bool,
}

pub async fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let video = match &args.video {
        Some(sel) => Some(ctx.resolve(sel).await?.id),
        None => None,
    };
    let req = SearchRequest {
        limit: args.limit,
        video,
        after: args.after,
        before: args.before,
        min_duration_secs: args.min_duration,
        max_duration_secs: args.max_duration,
        has_speech: if args.speech {
            Some(true)
        } else if args.no_speech {
            Some(false)
        } else {
            None
        },
        ..SearchRequest::new(args.query.unwrap_or_default())
    };
    let results = match &args.image {
        Some(picture) => search::run_picture(ctx.library(), picture, &req).await?,
        None => search::run(ctx.library(), &req).await?,
    };
    if args.team {
        return crate::commands::team_search::run(ctx, &req.query, &results, args.limit, args.json)
            .await;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(ExitCode::SUCCESS);
    }
    for n in &results.notices {
        eprintln!("note: {n}");
    }
    if args.image.is_some() {
        eprintln!("the picture shows: {}", results.text);
    }
    if let Some(d) = &results.date_words {
        eprintln!("dates: {d}");
    }
    if results.hits.is_empty() {
        eprintln!("no scene found");
    }
    print_hits(&results.hits);
    eprintln!(
        "{} scenes in {:.0} ms ({})",
        results.hits.len(),
        results.took_ms,
        results
            .signals
            .iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(" + ")
    );
    Ok(ExitCode::SUCCESS)
}

/// `m:ss.s`
pub fn clock(secs: f64) -> String {
    let secs = secs.max(0.0);
    let m = (secs / 60.0).floor();
    format!("{}:{:04.1}", m as u64, secs - m * 60.0)
}

/// One block per hit: rank, time range, file, scene, score; then the snippet with [marked] words.
pub fn print_hits(hits: &[SearchHit]) {
    for (i, h) in hits.iter().enumerate() {
        let mut signals = Vec::new();
        if let Some(s) = h.scores.bm25 {
            signals.push(format!("bm25 {s:.2}"));
        }
        if let Some(s) = h.scores.text {
            signals.push(format!("text {s:.2}"));
        }
        if let Some(s) = h.scores.image {
            signals.push(format!("image {s:.2}"));
        }
        if let Some(s) = h.scores.picture {
            signals.push(format!("picture {s:.2}"));
        }
        if let Some(s) = h.scores.seen {
            signals.push(format!("seen {s:.2}"));
        }
        println!(
            "{:>2}. {}-{}  {}  scene {}  [{}]  score {:.4}  ({})",
            i + 1,
            clock(h.start_secs),
            clock(h.end_secs),
            crate::term::safe(&h.file_name),
            h.scene_idx,
            short_id(&h.video_id),
            h.scores.fused,
            signals.join(", ")
        );
        let snippet = h.marked_snippet("[", "]");
        if !snippet.is_empty() {
            println!("    {}", crate::term::safe(&ellipsize(&snippet, 160)));
        }
        if !h.seen.is_empty() {
            println!("    seen: {}", seen_line(&h.seen));
        }
        if let Some(c) = &h.caption {
            println!("    caption: {}", crate::term::safe(&ellipsize(c, 160)));
        }
    }
}

/// `[cat] 0.72, tabby cat 0.45`: what the scene shows, the words the query named in brackets.
pub fn seen_line(tags: &[search::SeenTag]) -> String {
    tags.iter()
        .map(|t| {
            if t.matched {
                format!("[{}] {:.2}", t.label, t.score)
            } else {
                format!("{} {:.2}", t.label, t.score)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn short_id(id: &VideoId) -> &str {
    &id.as_str()[..id.as_str().len().min(8)]
}

fn ellipsize(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max_chars).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_ellipsis() {
        assert_eq!(clock(75.25), "1:15.2");
        assert_eq!(clock(3.0), "0:03.0");
        assert_eq!(ellipsize("abcdef", 3), "abc…");
    }
}
