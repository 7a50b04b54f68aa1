//! `heimdex login`, `heimdex logout`, `heimdex whoami`: Supabase-compatible sign-in.

use crate::context::Context;
use anyhow::Context as _;
use heimdex_auth::{AuthClient, KeyringStore, Session, TokenStore};
use heimdex_library::settings::{self, keys};
use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

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

async fn client(
    ctx: &Context,
    url: Option<String>,
    anon: Option<String>,
) -> anyhow::Result<AuthClient> {
    let pool = ctx.library().pool();
    if let Some(u) = &url {
        settings::set(pool, keys::AUTH_URL, u).await?;
    }
    if let Some(k) = &anon {
        settings::set(pool, keys::AUTH_ANON_KEY, k).await?;
    }
    let url = match url {
        Some(u) => u,
        None => settings::get(pool, keys::AUTH_URL)
            .await?
            .context("no sign-in server configured: pass --url (your Supabase project URL)")?,
    };
    let anon = match anon {
        Some(k) => k,
        None => settings::get(pool, keys::AUTH_ANON_KEY)
            .await?
            .unwrap_or_default(),
    };
    Ok(AuthClient::new(&url, &anon)?)
}

fn store() -> Arc<dyn TokenStore> {
    Arc::new(KeyringStore::default())
}

pub async fn login(ctx: &Context, args: LoginArgs) -> anyhow::Result<ExitCode> {
    let client = client(ctx, args.url, args.anon_key).await?;
    let session = if let Some(email) = args.email {
        eprint!("Password for {email}: ");
        let mut password = String::new();
        std::io::stdin().lock().read_line(&mut password)?;
        Session::sign_in_with_password(
            client,
            store(),
            &email,
            password.trim_end_matches(['\r', '\n']),
        )
        .await?
    } else {
        Session::sign_in_with_browser(client, store(), &args.provider, |url| {
            eprintln!("Opening your browser to sign in. If it does not open, visit:\n  {url}");
            let _ = std::process::Command::new(if cfg!(target_os = "macos") {
                "open"
            } else {
                "xdg-open"
            })
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
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
    let client = client(ctx, None, None).await?;
    match Session::restore(client, store()).await {
        Ok(Some(session)) => {
            session.sign_out().await?;
            eprintln!("Signed out.");
        }
        Ok(None) | Err(heimdex_auth::AuthError::SessionExpired) => eprintln!("Not signed in."),
        Err(e) => return Err(e.into()),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn whoami(ctx: &Context) -> anyhow::Result<ExitCode> {
    let client = client(ctx, None, None).await?;
    match Session::restore(client, store()).await? {
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
