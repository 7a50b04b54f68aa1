//! `heimdex login`, `heimdex logout`, `heimdex whoami`: Supabase-compatible sign-in, through
//! `heimdex_sync::account` (the same sign-in the window uses).

use crate::context::Context;
use heimdex_library::settings::{self, keys};
use heimdex_sync::account;
use std::io::BufRead;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct LoginArgs {
    /// Auth server (the Supabase project URL); remembered for next time.
    #[arg(long, env = "HEIMDEX_AUTH_URL")]
    pub url: Option<String>,
    /// The project's public anon key; remembered for next time.
    #[arg(long, env = "HEIMDEX_AUTH_ANON_KEY")]
    pub anon_key: Option<String>,
    /// OAuth provider for the browser sign-in (github, google, …).
    #[arg(long, default_value = "github", conflicts_with = "email")]
    pub provider: String,
    /// Sign in with email and a password read from standard input instead.
    #[arg(long)]
    pub email: Option<String>,
}

pub async fn login(ctx: &Context, args: LoginArgs) -> anyhow::Result<ExitCode> {
    let pool = ctx.library().pool();
    // The server given here is remembered for next time (and for the window).
    if let Some(u) = &args.url {
        settings::set(pool, keys::AUTH_URL, u).await?;
    }
    if let Some(k) = &args.anon_key {
        settings::set(pool, keys::AUTH_ANON_KEY, k).await?;
    }
    let session = if let Some(email) = args.email {
        eprint!("Password for {email}: ");
        let mut password = String::new();
        std::io::stdin().lock().read_line(&mut password)?;
        account::sign_in_with_password(pool, &email, password.trim_end_matches(['\r', '\n']))
            .await?
    } else {
        account::sign_in_with_browser(pool, &args.provider, |url| {
            eprintln!("Opening your browser to sign in. If it does not open, visit:\n  {url}");
            if let Err(e) = heimdex_sync::browser::open(url) {
                eprintln!("{e}");
            }
        })
        .await?
    };
    let who = session
        .user()
        .email
        .clone()
        .unwrap_or_else(|| session.user().id.clone());
    eprintln!("Signed in as {who}.");
    Ok(ExitCode::SUCCESS)
}

pub async fn logout(ctx: &Context) -> anyhow::Result<ExitCode> {
    match account::restore(ctx.library().pool()).await? {
        Some(session) => {
            account::sign_out(session).await?;
            eprintln!("Signed out.");
        }
        None => eprintln!("Not signed in."),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn whoami(ctx: &Context) -> anyhow::Result<ExitCode> {
    match account::restore(ctx.library().pool()).await? {
        Some(session) => {
            let u = session.user();
            println!("{} {}", u.id, u.email.as_deref().unwrap_or(""));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("Not signed in. Run `heimdex login`.");
            Ok(ExitCode::FAILURE)
        }
    }
}
