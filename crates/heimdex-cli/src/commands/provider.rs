//! `heimdex provider show|set|off`: captions from an OpenAI-compatible vision model (OpenAI,
//! Ollama, vLLM, LM Studio). The same settings as the window's Provider panel, kept in the
//! library; the API key comes from `$HEIMDEX_PROVIDER_API_KEY` or the OS keychain (`--key-stdin`
//! stores it there), never from a file or the command line.

use crate::context::Context;
use anyhow::Context as _;
use heimdex_app::provider::{
    self, ProviderStatus, ProviderUpdate, SecretStore, API_KEY_ENV, DEFAULT_CAPTION_MODEL,
};
use heimdex_app::AppError;
use heimdex_library::captions;
use heimdex_library::provider::ProviderKind;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// The provider, caption model, request limit and what the last caption runs noted.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Caption scenes with an OpenAI-compatible server; queues every video's captions.
    Set(SetArgs),
    /// Stop captioning (captions made so far stay searchable; the key stays in the keychain).
    Off {
        /// Also delete the API key from the keychain.
        #[arg(long)]
        forget_key: bool,
    },
}

#[derive(clap::Args)]
pub struct SetArgs {
    /// The server's OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or
    /// http://localhost:11434/v1 (Ollama). Default: the one set before.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The vision chat model (default gpt-4o-mini; e.g. llava for Ollama). "" goes back to the
    /// default.
    #[arg(long, value_name = "MODEL")]
    pub caption_model: Option<String>,
    /// Caption requests this library may send in all (0: no limit).
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,
    /// Read the API key from standard input and keep it in the OS keychain
    /// (or set $HEIMDEX_PROVIDER_API_KEY instead).
    #[arg(long)]
    pub key_stdin: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let secrets: Arc<dyn SecretStore> = ctx.secrets.clone();
    match args.command {
        Command::Show { json } => {
            let status = provider::status(ctx.library().pool(), secrets).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print_status(&status);
                let pool = ctx.library().pool();
                println!("captioned scenes: {}", captions::count(pool).await?);
                let notes = captions::notes(pool).await?;
                for (_, name, note) in notes.iter().take(10) {
                    println!("  {name}: {note}");
                }
                if notes.len() > 10 {
                    println!("  … and {} more videos with notes", notes.len() - 10);
                }
            }
        }
        Command::Set(a) => {
            let stored = provider::stored(ctx.library().pool()).await?;
            let base_url = a.base_url.or(stored.base_url).context(
                "no server set yet: pass --base-url (e.g. https://api.openai.com/v1 or http://localhost:11434/v1)",
            )?;
            let api_key = if a.key_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let key = line.trim().to_owned();
                anyhow::ensure!(!key.is_empty(), "no key on standard input");
                Some(key)
            } else {
                None
            };
            let update = ProviderUpdate {
                api_key,
                caption_model: a.caption_model,
                max_requests: a.max_requests,
                ..ProviderUpdate::new(ProviderKind::OpenAi, Some(base_url))
            };
            let status = provider::save(ctx.library(), secrets, update)
                .await
                .map_err(|e| match e {
                    AppError::Keychain { .. } => anyhow::anyhow!("{e}; set {API_KEY_ENV} instead"),
                    other => other.into(),
                })?;
            print_status(&status);
            if !status.has_key && !status.key_from_env {
                eprintln!(
                    "note: no API key (fine for a local server such as Ollama; for OpenAI use --key-stdin or {API_KEY_ENV})"
                );
            }
            eprintln!("Caption jobs are queued; run `heimdex index` to caption the library now (the window does it in the background).");
        }
        Command::Off { forget_key } => {
            let stored = provider::stored(ctx.library().pool()).await?;
            let update = ProviderUpdate {
                api_key: forget_key.then(String::new),
                // Keep the server for a later `set`; it is not used while off.
                ..ProviderUpdate::new(ProviderKind::Local, stored.base_url)
            };
            provider::save(ctx.library(), secrets, update).await?;
            eprintln!("Captions are off; the captions made so far stay searchable.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_status(s: &ProviderStatus) {
    match s.settings.caption_server() {
        Some(url) => println!("provider: OpenAI-compatible server at {url}"),
        None => println!("provider: none (local models only; no captions)"),
    }
    if s.settings.caption_model.is_some() {
        println!("caption model: {}", s.settings.caption_model());
    } else {
        println!(
            "caption model: {DEFAULT_CAPTION_MODEL} (the default; --caption-model sets another, e.g. llava for Ollama)"
        );
    }
    let key = if s.key_from_env {
        format!("from ${API_KEY_ENV}")
    } else if s.has_key {
        "in the keychain".to_owned()
    } else if let Some(e) = &s.keychain_error {
        format!("none (the keychain cannot be used: {e})")
    } else {
        "none".to_owned()
    };
    println!("API key: {key}");
    if s.settings.max_requests > 0 {
        println!(
            "requests: {} sent of {} allowed",
            s.requests_made, s.settings.max_requests
        );
    } else {
        println!("requests: {} sent (no limit)", s.requests_made);
    }
}
