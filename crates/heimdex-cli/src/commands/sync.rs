//! `heimdex sync setup|status|push|pull|off`: team sync through the outbox.
//!
//! - `setup` names the backend (Postgres URL or Qdrant URL; a password or API key goes to the
//!   keychain) and queues everything already indexed. Pushes and searches run as the user signed
//!   in with `heimdex login` (or `$HEIMDEX_SYNC_USER_ID` for trusted service set-ups).
//! - `push` drains the outbox now (the window drains it in the background), then moves what it
//!   pushed into the backend's vector index (searchable before that, exactly ranked).
//! - `pull` replaces the local copy of the team's scene list (table `team_scenes`) and lists the
//!   team's videos, marking those this library also holds.

use crate::context::Context;
use anyhow::Context as _;
use heimdex_sync::config::{Backend, SyncConfig};
use heimdex_sync::{connect, outbox, pull, Drainer, PushState};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;
use uuid::Uuid;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Choose the team backend and queue everything already indexed.
    Setup(SetupArgs),
    /// Backend, queued and refused rows, last push, last error, last pull, and (unless
    /// `--offline`) whether the backend answers and how many pushed scenes wait for its index.
    Status {
        #[arg(long)]
        json: bool,
        /// Do not contact the backend.
        #[arg(long)]
        offline: bool,
    },
    /// Push the outbox now (batched), with a progress bar.
    Push(PushArgs),
    /// Fetch the team's scene list into this library and list the team's videos.
    Pull {
        #[arg(long)]
        json: bool,
    },
    /// Search the team archive only (`heimdex search --team` merges it with local hits).
    Search(SearchArgs),
    /// Turn team sync off and forget the queue (nothing is deleted from the backend).
    Off,
}

#[derive(clap::Args)]
pub struct SearchArgs {
    /// What to look for.
    pub query: String,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Only this team video (its id as `heimdex sync pull --json` lists it).
    #[arg(long)]
    pub video: Option<Uuid>,
    /// Only the scenes you pushed.
    #[arg(long)]
    pub mine: bool,
    /// Only videos of this day or later (YYYY-MM-DD: recorded, else the file's date).
    #[arg(long, value_name = "DATE")]
    pub after: Option<String>,
    /// Only videos before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct SetupArgs {
    /// Postgres with pgvector (Supabase's database URL works): postgres://user[:password]@host/db
    #[arg(long, conflicts_with = "qdrant", required_unless_present = "qdrant")]
    pub postgres: Option<String>,
    /// Qdrant's gRPC URL, e.g. http://localhost:6334 (API key: $HEIMDEX_SYNC_SECRET or --secret-stdin).
    #[arg(long)]
    pub qdrant: Option<String>,
    /// Share pushed scenes with this team (its UUID); without it they stay private.
    #[arg(long)]
    pub team: Option<Uuid>,
    /// Push this text model's vectors when scenes have several.
    #[arg(long)]
    pub text_model: Option<String>,
    /// Read the password or API key from standard input and keep it in the keychain.
    #[arg(long)]
    pub secret_stdin: bool,
    /// Also create the schema (Postgres: needs a role that may create extensions and policies;
    /// Qdrant: the team's collection, with the server's API key).
    #[arg(long)]
    pub apply_schema: bool,
}

#[derive(clap::Args)]
pub struct PushArgs {
    /// Rows per round trip.
    #[arg(long, default_value_t = heimdex_sync::drain::DEFAULT_BATCH)]
    pub batch: usize,
    /// Queue the rows the backend refused before once more.
    #[arg(long)]
    pub retry_failed: bool,
    /// Queue every indexed scene again (pushing is idempotent).
    #[arg(long)]
    pub all: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Setup(a) => setup(ctx, a).await,
        Command::Status { json, offline } => status(ctx, json, offline).await,
        Command::Push(a) => push(ctx, a).await,
        Command::Pull { json } => pull_cmd(ctx, json).await,
        Command::Search(a) => search(ctx, a).await,
        Command::Off => {
            SyncConfig::disable(ctx.library().pool()).await?;
            eprintln!("Team sync is off.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn configured(ctx: &Context) -> anyhow::Result<SyncConfig> {
    SyncConfig::load(ctx.library().pool()).await?.context(
        "team sync is not set up: run `heimdex sync setup --postgres URL` (or --qdrant URL)",
    )
}

async fn setup(ctx: &Context, a: SetupArgs) -> anyhow::Result<ExitCode> {
    let (backend, url) = match (a.postgres, a.qdrant) {
        (Some(u), _) => (Backend::Postgres, u),
        (None, Some(u)) => (Backend::Qdrant, u),
        (None, None) => anyhow::bail!("pass --postgres URL or --qdrant URL"),
    };
    let secret = if a.secret_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Some(line.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        None
    };
    let done = heimdex_sync::setup::set_up(
        ctx.library().pool(),
        ctx.team.store(),
        heimdex_sync::setup::SetupRequest {
            backend,
            url,
            team_id: a.team,
            text_model: a.text_model,
            secret,
            prepare: a.apply_schema,
        },
    )
    .await?;
    match done.prepared.as_deref() {
        Some("schema") => eprintln!("Schema applied."),
        Some(collection) => eprintln!("Qdrant collection {collection} is ready."),
        None => {}
    }
    eprintln!(
        "Team sync uses {} at {}; {} scenes queued. Run `heimdex sync push` (the window pushes in the background).",
        done.config.backend, done.config.url, done.queued
    );
    Ok(ExitCode::SUCCESS)
}

fn when(ms: Option<i64>) -> String {
    match ms {
        None => "never".into(),
        Some(ms) => {
            let ago = (heimdex_library::db::now_ms() - ms).max(0) / 1000;
            match ago {
                0..=59 => format!("{ago} s ago"),
                60..=3599 => format!("{} min ago", ago / 60),
                3600..=86399 => format!("{} h ago", ago / 3600),
                _ => format!("{} days ago", ago / 86400),
            }
        }
    }
}

/// How long `sync status` waits for the backend before saying it does not answer.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What the backend said when `sync status` asked it.
enum Probe {
    /// Connected; this many pushed scenes (anyone's) wait for the vector index: searchable
    /// already (ranked exactly), indexed by the next push or the window's drainer.
    Backlog(u64),
    Unreachable(String),
}

async fn probe(ctx: &Context, cfg: &SyncConfig) -> Probe {
    let ask = async {
        let who = connect::identity(ctx.library().pool(), cfg, ctx.team.store()).await?;
        let target = connect::connect(cfg, ctx.team.store().as_ref()).await?;
        target.fresh_count(&who).await
    };
    match tokio::time::timeout(PROBE_TIMEOUT, ask).await {
        Ok(Ok(n)) => Probe::Backlog(n),
        Ok(Err(e)) => Probe::Unreachable(e.to_string()),
        Err(_) => Probe::Unreachable(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
    }
}

async fn status(ctx: &Context, json: bool, offline: bool) -> anyhow::Result<ExitCode> {
    let pool = ctx.library().pool();
    let cfg = SyncConfig::load(pool).await?;
    let counts = outbox::counts(pool).await?;
    let state = PushState::load(pool).await?;
    let failures = outbox::failures(pool).await?;
    let team = pull::summary(pool).await?;
    let probe = match &cfg {
        Some(c) if !offline => Some(probe(ctx, c).await),
        _ => None,
    };
    if json {
        let server = probe.as_ref().map(|p| match p {
            Probe::Backlog(n) => serde_json::json!({ "reachable": true, "index_backlog": n }),
            Probe::Unreachable(e) => serde_json::json!({ "reachable": false, "error": e }),
        });
        let out = serde_json::json!({
            "backend": cfg.as_ref().map(|c| c.backend.to_string()),
            "url": cfg.as_ref().map(|c| c.url.clone()),
            "team_id": cfg.as_ref().and_then(|c| c.team_id),
            "pending": counts.pending,
            "failed": counts.failed,
            "failures": failures,
            "last_push_ms": state.last_push_ms,
            "last_error": state.last_error,
            "last_error_ms": state.last_error_ms,
            "last_pull_ms": state.last_pull_ms,
            "team_cache": team,
            "server": server,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    match &cfg {
        None => {
            println!("backend:    none (local only; `heimdex sync setup` to share with a team)")
        }
        Some(c) => {
            println!("backend:    {} {}", c.backend, c.url);
            println!(
                "sharing:    {}",
                c.team_id
                    .map_or("private (no team)".to_owned(), |t| format!("team {t}"))
            );
        }
    }
    match &probe {
        Some(Probe::Backlog(0)) => println!("server:     answers; every pushed scene is indexed"),
        Some(Probe::Backlog(n)) => println!(
            "server:     answers; {n} pushed scenes wait for the vector index (searchable already; the next push indexes them)"
        ),
        Some(Probe::Unreachable(e)) => println!("server:     not reachable: {e}"),
        None => {}
    }
    println!("queued:     {} rows", counts.pending);
    if counts.failed > 0 {
        println!(
            "refused:    {} rows (`heimdex sync push --retry-failed` once fixed)",
            counts.failed
        );
        for (e, n) in failures.iter().take(3) {
            println!("            {n} × {e}");
        }
    }
    println!("last push:  {}", when(state.last_push_ms));
    if let Some(e) = &state.last_error {
        println!("last error: {e} ({})", when(state.last_error_ms));
    }
    println!(
        "last pull:  {} ({} team scenes in {} videos, {} of them here)",
        when(state.last_pull_ms),
        team.scenes,
        team.videos,
        team.videos_here
    );
    Ok(ExitCode::SUCCESS)
}

/// Moves the pushed scenes into the backend's vector index, with a progress bar. A failure here
/// loses nothing (the scenes are pushed and searchable; the next push or the window goes on).
async fn index_backlog(drainer: &Drainer, pushed: u64) {
    if pushed == 0 {
        return;
    }
    let pb = bar(pushed, "index");
    let began = std::time::Instant::now();
    let result = drainer
        .index_backlog(
            || false,
            |moved| {
                pb.set_length(pb.length().unwrap_or(0).max(moved));
                pb.set_position(moved);
            },
        )
        .await;
    pb.finish_and_clear();
    let secs = began.elapsed().as_secs_f64().max(1e-3);
    match result {
        Ok(0) => {}
        Ok(n) => eprintln!(
            "Indexed {n} scenes in the team backend in {secs:.1} s ({:.0}/s).",
            n as f64 / secs
        ),
        Err(e) => eprintln!(
            "warning: the team backend's index is behind ({e}); the pushed scenes are searchable, \
             the next push indexes them."
        ),
    }
}

fn bar(len: u64, prefix: &'static str) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(
        Some(len),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr_with_hz(10)
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    pb.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} rows {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_prefix(prefix);
    pb
}

async fn push(ctx: &Context, a: PushArgs) -> anyhow::Result<ExitCode> {
    let pool = ctx.library().pool();
    let cfg = configured(ctx).await?;
    if a.retry_failed {
        let n = outbox::retry_failed(pool).await?;
        eprintln!("{n} refused rows queued again.");
    }
    if a.all {
        let n = outbox::enqueue_indexed(pool).await?;
        eprintln!("{n} scenes queued.");
    }
    let start = outbox::counts(pool).await?.pending;
    if start == 0 {
        eprintln!("Nothing to push.");
        return Ok(ExitCode::SUCCESS);
    }
    let who = connect::identity(pool, &cfg, ctx.team.store()).await?;
    let target = connect::connect(&cfg, ctx.team.store().as_ref()).await?;
    let drainer = Drainer::new(ctx.library().clone(), target, who)
        .with_batch(a.batch)
        .with_text_model(cfg.text_model.clone());
    let pb = bar(start, "push");
    let began = std::time::Instant::now();
    let result = drainer
        .drain(|done, pending| {
            pb.set_length(done.rows() + pending);
            pb.set_position(done.rows());
        })
        .await;
    pb.finish_and_clear();
    let secs = began.elapsed().as_secs_f64().max(1e-3);
    if let Ok(r) = &result {
        index_backlog(&drainer, r.scenes).await;
    }
    match result {
        Ok(r) => {
            eprintln!(
                "Pushed {} scenes and {} deletions in {secs:.1} s ({:.0} rows/s){}{}.",
                r.scenes,
                r.deleted_videos,
                r.rows() as f64 / secs,
                if r.skipped > 0 {
                    format!("; {} no longer in the library", r.skipped)
                } else {
                    String::new()
                },
                if r.refused > 0 {
                    format!("; {} refused (see `heimdex sync status`)", r.refused)
                } else {
                    String::new()
                },
            );
            Ok(if r.refused > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(e) => {
            let left = outbox::counts(pool).await?.pending;
            eprintln!("error: {e}\n{left} rows stay queued; they go out on the next push.");
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn pull_cmd(ctx: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let pool = ctx.library().pool();
    let cfg = configured(ctx).await?;
    let who = connect::identity(pool, &cfg, ctx.team.store()).await?;
    let target = connect::connect(&cfg, ctx.team.store().as_ref()).await?;
    let got = pull::pull(pool, target.as_ref(), &who, |_| {}).await?;
    let thumbnails = pull::pull_thumbnails(ctx.library(), target.as_ref(), &who).await?;
    let list = pull::team_videos(pool).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "summary": got, "thumbnails_fetched": thumbnails, "videos": list })
            )?
        );
        return Ok(ExitCode::SUCCESS);
    }
    for v in &list {
        println!(
            "{}  {:>5} scenes  {:<18} {}",
            v.video_id,
            v.scenes,
            v.local_id
                .as_deref()
                .map_or("not here".to_owned(), |id| format!("here as {id}")),
            v.file_name
        );
    }
    eprintln!(
        "{} team scenes in {} videos; {} of the videos are in this library; {thumbnails} new \
         thumbnails of the others in {}.",
        got.scenes,
        got.videos,
        got.videos_here,
        pull::thumbnail_dir(ctx.library().paths()).display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn search(ctx: &Context, a: SearchArgs) -> anyhow::Result<ExitCode> {
    let day = |d: &Option<String>| -> anyhow::Result<Option<f64>> {
        d.as_deref()
            .map(|s| {
                heimdex_sync::local_docs::day_secs(s)
                    .with_context(|| format!("{s:?} is not a day: write it as YYYY-MM-DD"))
            })
            .transpose()
    };
    let filter = heimdex_sync::TeamFilter {
        video: a.video,
        owner: None,
        from: day(&a.after)?,
        until: day(&a.before)?,
    };
    let (model, hits) =
        heimdex_app::team_search::team_hits(ctx, &a.query, a.limit, &filter, a.mine).await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&hits)?);
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        eprintln!("No team scenes match (were they pushed with the {model} text model?).");
    }
    for h in &hits {
        println!(
            "{:.3}  {}  scene {:>3}  {}-{}  {}",
            h.similarity,
            h.file_name,
            h.scene_index,
            timecode(h.start_secs),
            timecode(h.end_secs),
            h.combined_text.chars().take(80).collect::<String>()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn timecode(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}
