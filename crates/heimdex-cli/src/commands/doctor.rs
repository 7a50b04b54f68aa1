//! `heimdex doctor`: checks what Heimdex needs on this computer and says what to do.

use heimdex_library::doctor::{self, Verdict};
use heimdex_library::Library;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    pub json: bool,
}

/// Runs without the usual context: a library that cannot be opened is one of the findings.
pub async fn run(data_dir: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let paths = heimdex_library::folders::open_paths(data_dir)?;
    let library = Library::open(paths.clone())
        .await
        .map_err(|e| e.to_string());
    let checks = doctor::run(&paths, library.as_ref().map_err(Clone::clone)).await;
    let worst = checks
        .iter()
        .map(|c| c.verdict)
        .max_by_key(|v| match v {
            Verdict::Ok => 0,
            Verdict::Warn => 1,
            Verdict::Fail => 2,
        })
        .unwrap_or(Verdict::Ok);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&checks)?);
    } else {
        for c in &checks {
            let mark = match c.verdict {
                Verdict::Ok => "ok  ",
                Verdict::Warn => "warn",
                Verdict::Fail => "FAIL",
            };
            println!("{mark}  {:<28} {}", c.name, c.detail);
            if let Some(fix) = &c.fix {
                println!("      {:<28} → {fix}", "");
            }
        }
        println!(
            "{}",
            match worst {
                Verdict::Ok => "Everything Heimdex needs is here.",
                Verdict::Warn => "Heimdex works, with the warnings above.",
                Verdict::Fail => "Heimdex cannot work until the failures above are fixed.",
            }
        );
    }
    Ok(if worst == Verdict::Fail {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
