//! The caption stage: each scene's keyframe described in one sentence (the setting, the objects)
//! by an OpenAI-compatible vision model, when the user has set a provider (`crate::provider`). It
//! runs last, after embed, so a provider that is down, over quota or refusing the key never holds
//! up local indexing; captions it writes queue the embed stage again, which puts them in the
//! scenes' searchable text.
//!
//! - No provider (kind `local`): the stage finishes at once and sends nothing.
//! - One request per keyframe (base64 in the request), at most the provider's `max_concurrency` in
//!   flight; 429 and 5xx are retried by `heimdex_providers`, honouring `Retry-After`.
//! - Each caption is written as soon as it arrives; scenes that already have a caption for the
//!   same picture and model are skipped, so a crash loses nothing and sends nothing twice.
//! - The library's request limit (`captions.max_requests`) is counted before each request; at the
//!   limit the stage stops and records a note for the video.
//! - 401 (and 403, 404) stop the stage with a permanent error saying what to fix in Settings; a
//!   picture the provider refuses (400) is noted and the others go on; a provider that stays
//!   unreachable or busy is a transient error (the runner tries the stage again later).

use crate::captions::{self, SceneCaption};
use crate::jobs;
use crate::pipeline::{StageContext, StageError, StageRunner};
use crate::provider::{self, ProviderSettings, SecretStore, API_KEY_ENV};
use heimdex_core::{Stage, Unit, VideoId};
use heimdex_providers::{OpenAiProvider, ProviderConfig, ProviderError};
use sqlx::{Row, SqlitePool};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::task::JoinSet;

/// Pictures refused in a row, none captioned, before the stage stops: the model probably cannot
/// see pictures, and every further request would be refused too.
const REFUSALS_BEFORE_STOP: usize = 3;
/// Longest server message kept in a note.
const MESSAGE_CHARS: usize = 300;

type Tune = Arc<dyn Fn(&mut ProviderConfig) + Send + Sync>;

pub struct CaptionStage {
    secrets: Arc<dyn SecretStore>,
    tune: Option<Tune>,
}

impl Default for CaptionStage {
    /// The key from `$HEIMDEX_PROVIDER_API_KEY` only.
    fn default() -> Self {
        Self::new(Arc::new(provider::NoSecretStore))
    }
}

impl CaptionStage {
    /// The API key from `$HEIMDEX_PROVIDER_API_KEY`, else from `secrets` (the OS keychain).
    pub fn new(secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            secrets,
            tune: None,
        }
    }

    /// Adjusts the provider client of every run (tests: short back-off, few attempts).
    pub fn with_config(
        mut self,
        tune: impl Fn(&mut ProviderConfig) + Send + Sync + 'static,
    ) -> Self {
        self.tune = Some(Arc::new(tune));
        self
    }
}

/// A scene to caption.
struct Todo {
    idx: u32,
    /// The keyframe path as stored.
    picture: String,
    frame: Option<i64>,
    path: PathBuf,
}

/// How one request ended.
enum Outcome {
    Captioned,
    /// The provider refused this picture (a 4xx other than 401/403/404, an unreadable answer).
    Refused(String),
    /// The stage must stop.
    Stop(StageError),
}

#[async_trait::async_trait]
impl StageRunner for CaptionStage {
    fn stage(&self) -> Stage {
        Stage::Caption
    }

    async fn run(&self, ctx: StageContext) -> Result<(), StageError> {
        ctx.check_cancelled()?;
        let pool = ctx.library.pool().clone();
        let video = ctx.video.id.clone();
        let stale = captions::remove_stale(&pool, &video).await?;
        let settings = ProviderSettings::load(&pool).await?;
        let Some(base_url) = settings.caption_server().map(str::to_owned) else {
            // No provider: nothing to send. Captions made earlier stay (they were paid for).
            captions::set_note(&pool, &video, None).await?;
            requeue_embed_if_behind(&ctx, stale > 0).await?;
            return Ok(());
        };
        let model = settings.caption_model().to_owned();

        let todo = scenes_to_caption(&ctx, &model).await?;
        if todo.is_empty() {
            captions::set_note(&pool, &video, None).await?;
            requeue_embed_if_behind(&ctx, stale > 0).await?;
            return Ok(());
        }

        let secrets = self.secrets.clone();
        let key = match tokio::task::spawn_blocking(move || provider::api_key(secrets.as_ref()))
            .await
        {
            Ok(Ok(k)) => k,
            Ok(Err(e)) => {
                tracing::warn!("the API key cannot be read from the keychain ({e}); asking the provider without one");
                None
            }
            Err(e) => return Err(StageError::Transient(format!("keychain task failed: {e}"))),
        };
        let mut cfg = ProviderConfig::openai(key.as_deref().unwrap_or_default());
        cfg.base_url = base_url.clone();
        cfg.caption_model = model.clone();
        if let Some(tune) = &self.tune {
            tune(&mut cfg);
        }
        let concurrency = cfg.max_concurrency.max(1);
        let client = Arc::new(OpenAiProvider::new(cfg).map_err(|e| {
            StageError::Transient(format!("captions: cannot set up the provider client: {e}"))
        })?);
        tracing::info!(
            video = %video,
            scenes = todo.len(),
            %model,
            server = %base_url,
            "captioning keyframes"
        );

        let total = todo.len() as f64;
        ctx.progress.update_with_message(
            0.0,
            Some(total),
            Unit::Items,
            &format!("captioning with {model}"),
        );
        ctx.progress.restart_clock();
        let mut pending = todo.into_iter();
        let mut tasks: JoinSet<(u32, Outcome)> = JoinSet::new();
        let mut stop: Option<StageError> = None;
        let mut refused: Vec<(u32, String)> = Vec::new();
        let mut captioned = 0usize;
        let mut over_limit = 0usize;
        let mut finished = 0usize;
        loop {
            while stop.is_none() && over_limit == 0 && tasks.len() < concurrency {
                let Some(t) = pending.next() else { break };
                if !provider::reserve_request(&pool).await? {
                    over_limit = 1 + pending.len();
                    break;
                }
                let job = CaptionJob {
                    client: client.clone(),
                    pool: pool.clone(),
                    video: video.clone(),
                    base_url: base_url.clone(),
                    model: model.clone(),
                };
                tasks.spawn(async move { (t.idx, job.run(t).await) });
            }
            let joined = tokio::select! {
                j = tasks.join_next() => Some(j),
                _ = ctx.cancel.cancelled() => None,
            };
            let Some(joined) = joined else {
                // Requests in flight are dropped; their scenes are asked again next time.
                tasks.abort_all();
                return Err(StageError::Cancelled);
            };
            let Some(joined) = joined else { break };
            let (idx, outcome) =
                joined.map_err(|e| StageError::Transient(format!("a caption task failed: {e}")))?;
            finished += 1;
            ctx.progress
                .update(finished as f64, Some(total), Unit::Items);
            match outcome {
                Outcome::Captioned => captioned += 1,
                Outcome::Refused(why) => {
                    tracing::warn!("{}: scene {idx} not captioned: {why}", ctx.video.file_name);
                    if captioned == 0 && refused.len() + 1 >= REFUSALS_BEFORE_STOP && stop.is_none()
                    {
                        stop = Some(StageError::Permanent(format!(
                            "the provider at {base_url} refused the first {} pictures ({why}): \
                             check that {model} is a vision model in Settings → Provider",
                            refused.len() + 1,
                        )));
                    }
                    refused.push((idx, why));
                }
                Outcome::Stop(e) => {
                    if stop.is_none() {
                        stop = Some(e);
                    }
                }
            }
        }

        let mut note: Vec<String> = refused
            .iter()
            .map(|(idx, why)| format!("scene {idx}: the provider refused the picture ({why})"))
            .collect();
        if over_limit > 0 {
            note.push(format!(
                "the caption request limit ({}) is reached: {over_limit} scenes have no caption; \
                 raise it in Settings → Provider (or `heimdex provider set --max-requests N`)",
                settings.max_requests
            ));
            tracing::warn!(
                "{}: {}",
                ctx.video.file_name,
                note.last().map(String::as_str).unwrap_or_default()
            );
        }
        let note = (!note.is_empty()).then(|| note.join("; "));
        captions::set_note(&pool, &video, note.as_deref()).await?;
        requeue_embed_if_behind(&ctx, stale > 0 || captioned > 0).await?;
        match stop {
            Some(e) => Err(e),
            None => {
                ctx.progress.update(total, Some(total), Unit::Items);
                Ok(())
            }
        }
    }
}

/// The scenes with a keyframe on disk that have no caption of this picture by this model.
async fn scenes_to_caption(ctx: &StageContext, model: &str) -> Result<Vec<Todo>, StageError> {
    let pool = ctx.library.pool();
    let video = &ctx.video.id;
    let have = captions::for_video(pool, video).await?;
    let rows = sqlx::query(
        "SELECT idx, keyframe_path, keyframe_frame FROM scenes \
         WHERE video_id = ? AND keyframe_path IS NOT NULL ORDER BY idx",
    )
    .bind(video.as_str())
    .fetch_all(pool)
    .await?;
    let cache = &ctx.library.paths().cache_dir;
    let mut todo = Vec::new();
    for r in &rows {
        let idx = u32::try_from(r.try_get::<i64, _>("idx")?).unwrap_or(0);
        let picture: String = r.try_get("keyframe_path")?;
        let frame: Option<i64> = r.try_get("keyframe_frame")?;
        if have
            .get(&idx)
            .is_some_and(|c| c.picture == picture && c.frame == frame && c.model == model)
        {
            continue;
        }
        let path = cache.join(&picture);
        if !path.is_file() {
            tracing::warn!(
                "{}: scene {idx} has no keyframe at {}",
                ctx.video.file_name,
                path.display()
            );
            continue;
        }
        todo.push(Todo {
            idx,
            picture,
            frame,
            path,
        });
    }
    Ok(todo)
}

/// What one request needs.
struct CaptionJob {
    client: Arc<OpenAiProvider>,
    pool: SqlitePool,
    video: VideoId,
    base_url: String,
    model: String,
}

impl CaptionJob {
    /// Asks for one caption and writes it at once.
    async fn run(self, t: Todo) -> Outcome {
        match self.client.caption(&t.path).await {
            Ok(c) => {
                let row = SceneCaption {
                    scene_idx: t.idx,
                    picture: t.picture,
                    frame: t.frame,
                    model: self.model.clone(),
                    base_url: self.base_url.clone(),
                    caption: c.text,
                };
                match captions::upsert(&self.pool, &self.video, &row).await {
                    Ok(()) => Outcome::Captioned,
                    Err(e) => Outcome::Stop(StageError::Transient(e.to_string())),
                }
            }
            Err(e) => classify(e, &self.base_url, &self.model),
        }
    }
}

fn short(message: &str) -> String {
    let m = message.trim();
    if m.chars().count() <= MESSAGE_CHARS {
        return m.to_owned();
    }
    let mut out: String = m.chars().take(MESSAGE_CHARS).collect();
    out.push('…');
    out
}

/// What a failed request means for the stage.
fn classify(e: ProviderError, base_url: &str, model: &str) -> Outcome {
    match e {
        ProviderError::Unauthorized { .. } => Outcome::Stop(StageError::Permanent(format!(
            "the provider at {base_url} refused the API key (HTTP 401): set the right key in \
             Settings → Provider (or ${API_KEY_ENV} for the heimdex command)"
        ))),
        ProviderError::Http {
            status: 403,
            message,
            ..
        } => Outcome::Stop(StageError::Permanent(format!(
            "the provider at {base_url} refused access (HTTP 403: {}): check the API key and its \
             permissions in Settings → Provider",
            short(&message)
        ))),
        ProviderError::Http {
            status: 404,
            message,
            ..
        } => Outcome::Stop(StageError::Permanent(format!(
            "the provider at {base_url} has no model {model} or no chat API at that address \
             (HTTP 404: {}): check the base URL and the caption model in Settings → Provider",
            short(&message)
        ))),
        ProviderError::Http {
            status, message, ..
        } if (400..500).contains(&status) && status != 408 => {
            Outcome::Refused(format!("HTTP {status}: {}", short(&message)))
        }
        ProviderError::BadResponse(m) => {
            Outcome::Refused(format!("unreadable answer: {}", short(&m)))
        }
        e @ ProviderError::Input { .. } => Outcome::Refused(e.to_string()),
        // Busy after every retry, 5xx, unreachable, timed out: maybe later.
        other => Outcome::Stop(StageError::Transient(format!("captions: {other}"))),
    }
}

/// Queues the embed stage again when captions were written since it last ran (or `changed`: stale
/// captions were removed), so the sidecar text is rebuilt with them.
async fn requeue_embed_if_behind(ctx: &StageContext, changed: bool) -> Result<(), StageError> {
    let pool = ctx.library.pool();
    let video = &ctx.video.id;
    if changed || captions::embed_is_behind(pool, video).await? {
        jobs::requeue_stages(pool, video, &[Stage::Embed]).await?;
        ctx.library.notify_work();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> ProviderError {
        ProviderError::Http {
            url: "http://x/v1/chat/completions".into(),
            status,
            message: "nope".into(),
        }
    }

    #[test]
    fn errors_are_sorted_by_what_they_mean_for_the_stage() {
        let base = "http://llm.example/v1";
        let stop = |o: Outcome| match o {
            Outcome::Stop(StageError::Permanent(m)) => Some(("permanent", m)),
            Outcome::Stop(StageError::Transient(m)) => Some(("transient", m)),
            _ => None,
        };
        let (kind, m) = stop(classify(
            ProviderError::Unauthorized {
                url: format!("{base}/chat/completions"),
            },
            base,
            "gpt-4o-mini",
        ))
        .expect("stops");
        assert_eq!(kind, "permanent");
        assert!(
            m.contains(base) && m.contains("Settings") && m.contains("key"),
            "{m}"
        );
        let (kind, m) = stop(classify(http(404), base, "llava")).expect("stops");
        assert_eq!(kind, "permanent");
        assert!(m.contains("llava"), "{m}");
        assert!(matches!(
            classify(http(400), base, "m"),
            Outcome::Refused(_)
        ));
        assert!(matches!(
            classify(http(413), base, "m"),
            Outcome::Refused(_)
        ));
        assert_eq!(
            stop(classify(http(503), base, "m")).expect("stops").0,
            "transient"
        );
        assert_eq!(
            stop(classify(
                ProviderError::RateLimited {
                    url: base.into(),
                    attempts: 5
                },
                base,
                "m"
            ))
            .expect("stops")
            .0,
            "transient"
        );
    }

    #[test]
    fn long_messages_are_cut() {
        let m = "x".repeat(1000);
        assert_eq!(short(&m).chars().count(), MESSAGE_CHARS + 1);
        assert_eq!(short(" ok "), "ok");
    }
}
