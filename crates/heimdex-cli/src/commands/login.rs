//! `heimdex login`, `heimdex logout`, `heimdex whoami`: Supabase-compatible sign-in, through
//! the app layer's `Team` (the same sign-in and token store the window uses).

use crate::context::Context;
use heimdex_library::settings::{self, keys};
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
    let lib = ctx.library();
    // The server given here is remembered for next time (and for the window).
    if let Some(u) = &args.url {
        settings::set(lib.pool(), keys::AUTH_URL, u).await?;
    }
    if let Some(k) = &args.anon_key {
        settings::set(lib.pool(), keys::AUTH_ANON_KEY, k).await?;
    }
    if let Some(email) = args.email {
        eprint!("Password for {email}: ");
        let mut password = String::new();
        std::io::stdin().lock().read_line(&mut password)?;
        let password = password.trim_end_matches(['\r', '\n']);
        ctx.team
            .sign_in_with_password(lib, &email, password)
            .await?;
    } else {
        ctx.team
            .sign_in_with_browser(lib, &args.provider, |url| {
                eprintln!("Opening your browser to sign in. If it does not open, visit:\n  {url}");
                if let Err(e) = heimdex_sync::browser::open(url) {
                    eprintln!("{e}");
                }
            })
            .await?;
    }
    let who = ctx
        .team
        .user()
        .await
        .map(|u| u.email.unwrap_or(u.id))
        .unwrap_or_default();
    eprintln!("Signed in as {who}.");
    Ok(ExitCode::SUCCESS)
}

pub async fn logout(ctx: &Context) -> anyhow::Result<ExitCode> {
    match ctx.team.resume(ctx.library()).await? {
        Some(_) => {
            ctx.team.sign_out().await?;
            eprintln!("Signed out.");
        }
        None => eprintln!("Not signed in."),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn whoami(ctx: &Context) -> anyhow::Result<ExitCode> {
    match ctx.team.resume(ctx.library()).await? {
        Some(u) => {
            println!("{} {}", u.id, u.email.as_deref().unwrap_or(""));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            match ctx.team.keychain_error() {
                Some(e) => eprintln!("Not signed in: the system keychain cannot be read ({e})."),
                None => eprintln!("Not signed in. Run `heimdex login`."),
            }
            Ok(ExitCode::FAILURE)
        }
    }
}
