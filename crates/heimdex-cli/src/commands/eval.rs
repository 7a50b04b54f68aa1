//! `heimdex eval <queries.jsonl>`: search quality over a set of queries with known answers
//! (Recall@1, Recall@5, MRR). Each line: `{"query": "...", "video": "file name or id",
//! "time": seconds, "kind": "exact"}`.

use crate::context::Context;
use anyhow::{Context as _, Result};
use heimdex_library::search::eval::{evaluate, parse_queries, score, EvalReport};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// JSON-lines file of queries.
    pub queries: PathBuf,
    /// Print the report (with every query's rank) as JSON.
    #[arg(long)]
    pub json: bool,
    /// List each query with its rank.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

pub async fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.queries)
        .with_context(|| format!("cannot read {}", args.queries.display()))?;
    let queries =
        parse_queries(&text).map_err(|e| anyhow::anyhow!("{}: {e}", args.queries.display()))?;
    let report = evaluate(ctx.library(), &queries).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    if args.verbose {
        for o in &report.outcomes {
            let rank = o.rank.map_or("-".to_string(), |r| r.to_string());
            println!("{rank:>3}  {}", o.query.query);
        }
    }
    print_line("all", &report);
    let mut kinds: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for o in &report.outcomes {
        if let Some(k) = &o.query.kind {
            kinds.entry(k.clone()).or_default().push(o.clone());
        }
    }
    if kinds.len() > 1 {
        for (k, outcomes) in kinds {
            print_line(&k, &score(outcomes));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_line(label: &str, r: &EvalReport) {
    println!(
        "{label:<12} queries {:>4}  Recall@1 {:.3}  Recall@5 {:.3}  MRR {:.3}",
        r.queries, r.recall_at_1, r.recall_at_5, r.mrr
    );
}
