//! `heimdex check [--repair]`: the library's integrity and the counts that must agree.

use crate::context::Context;
use heimdex_library::{check, lock::RunnerLock};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Make what is derived again where it disagrees (search rows, orphaned jobs).
    #[arg(long)]
    pub repair: bool,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let lib = ctx.library();
    // Holding the runner lock proves no other process runs jobs now.
    let lock = RunnerLock::try_acquire(lib.paths())?;
    let report = check::check(lib, args.repair, lock.is_some()).await?;
    drop(lock);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("database integrity     {}", report.integrity);
        println!("words index            {}", report.words_index);
        for f in &report.findings {
            println!("{:<22} {:>6}  {}", f.name, f.count, f.what);
        }
        println!("{} videos, {} scenes", report.videos, report.scenes);
        for r in &report.repaired {
            println!("repaired: {r}");
        }
        if report.is_clean() {
            println!("The library is whole.");
        } else if report.integrity != "ok" {
            println!(
                "The database file is damaged: restore library.db from a backup, or remove it and \
                 import the videos again."
            );
        } else if !args.repair {
            println!("Run `heimdex check --repair` to make the derived rows again.");
        }
    }
    Ok(
        if report.is_clean() || (args.repair && report.integrity == "ok") {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
