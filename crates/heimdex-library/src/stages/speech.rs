//! Speech stage: local Whisper over the video's audio, segments stored with the scene they overlap.
//!
//! The model folder comes from the model directory (or a Hugging Face cache; see
//! `heimdex_speech::model_dir`): `$HEIMDEX_SPEECH_MODEL` if set, else `whisper-base`
//! (multilingual), else any Whisper model found. It is loaded once and kept for later videos.

use crate::pipeline::{StageContext, StageError, StageRunner};
use crate::{jobs, transcripts};
use heimdex_core::{Stage, Unit};
use heimdex_media::audio::{self, AudioError, AudioOptions};
use heimdex_speech::model_dir::{find_any_whisper, WHISPER_MODELS};
use heimdex_speech::speech::whisper::{WhisperConfig, WhisperModel};
use heimdex_speech::speech::{SpeechError, SpeechToText, TranscribeOptions};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Environment variable naming the Whisper model folder to use (e.g. `whisper-tiny.en`).
pub const SPEECH_MODEL_ENV: &str = "HEIMDEX_SPEECH_MODEL";
/// Marks the "no model installed" error, which skips the stage instead of failing the video.
const NO_MODEL: &str = "speech skipped";
/// The model used when none is named.
pub const DEFAULT_SPEECH_MODEL: &str = "whisper-base";

/// The loaded model, shared by every run of the stage.
type ModelSlot = Arc<Mutex<Option<Arc<WhisperModel>>>>;

#[derive(Default)]
pub struct SpeechStage {
    model: ModelSlot,
}

impl SpeechStage {
    /// The loaded model, loading it on first use (blocking: call from a blocking thread).
    fn model(slot: &ModelSlot, model_dir: &Path) -> Result<Arc<WhisperModel>, StageError> {
        let mut slot = slot
            .lock()
            .map_err(|_| StageError::Transient("speech model lock poisoned".into()))?;
        if let Some(m) = slot.as_ref() {
            return Ok(m.clone());
        }
        let preferred = std::env::var(SPEECH_MODEL_ENV)
            .ok()
            .filter(|v| !v.is_empty());
        let preferred = preferred.as_deref().unwrap_or(DEFAULT_SPEECH_MODEL);
        let Some((_, dir)) = find_any_whisper(Some(preferred), model_dir) else {
            return Err(StageError::Transient(format!(
                "{NO_MODEL}: no speech model found in {} (looked for {preferred} and {}); run scripts/fetch-models.sh",
                model_dir.display(),
                WHISPER_MODELS.map(|(n, _)| n).join(", ")
            )));
        };
        let model = WhisperModel::load(&dir, &WhisperConfig::default())
            .map_err(|e| StageError::Transient(e.to_string()))?;
        let model = Arc::new(model);
        *slot = Some(model.clone());
        Ok(model)
    }
}

#[async_trait::async_trait]
impl StageRunner for SpeechStage {
    fn stage(&self) -> Stage {
        Stage::Speech
    }

    async fn run(&self, ctx: StageContext) -> Result<(), StageError> {
        ctx.check_cancelled()?;
        let pool = ctx.library.pool().clone();
        let video = ctx.video.clone();
        let total = video.info.duration_secs.max(0.0);
        // No audio track: no transcript, no error (and no stale one from an earlier file).
        if !video.info.has_audio {
            transcripts::replace(&pool, &video.id, None, &[]).await?;
            ctx.progress.update(total, Some(total), Unit::Seconds);
            return Ok(());
        }
        ctx.progress
            .update_with_message(0.0, Some(total), Unit::Seconds, "loading speech model");
        let model_dir = ctx.library.paths().model_dir.clone();
        let slot = self.model.clone();
        let progress = ctx.progress.clone();
        let cancel = ctx.cancel.clone();
        let path = video.path.clone();
        let transcript = tokio::task::spawn_blocking(move || {
            // Loading reads ~100 MB and converts the weights: on this blocking thread.
            let model = SpeechStage::model(&slot, &model_dir)?;
            progress.restart_clock();
            let Some(mut stream) =
                audio::open(&path, &AudioOptions::default()).map_err(audio_error)?
            else {
                return Ok(None);
            };
            let mut on_progress = |secs: f64| {
                progress.update(secs.min(total), Some(total), Unit::Seconds);
                !cancel.is_cancelled()
            };
            model
                .transcribe(&mut stream, &TranscribeOptions::default(), &mut on_progress)
                .map(Some)
                .map_err(|e| match e {
                    SpeechError::Cancelled => StageError::Cancelled,
                    SpeechError::Audio(m) => {
                        StageError::Permanent(format!("the audio could not be decoded: {m}"))
                    }
                    other => StageError::Transient(other.to_string()),
                })
        })
        .await
        .map_err(|e| StageError::Transient(format!("speech task failed: {e}")))?;
        // Speech is optional: without an installed model the video is indexed without a
        // transcript (a warning, not a failed video); fetch a model and re-index to add it.
        let transcript = match transcript {
            Err(StageError::Transient(m)) if m.starts_with(NO_MODEL) => {
                tracing::warn!("{m}");
                ctx.progress.update(total, Some(total), Unit::Seconds);
                return Ok(());
            }
            other => other?,
        };
        // The model (a few hundred MB with its two copies) stays loaded only while more videos
        // wait for speech: the stages after it (the picture and text models) need the memory.
        if !jobs::others_waiting(&pool, Stage::Speech, &video.id).await? {
            if let Ok(mut slot) = self.model.lock() {
                *slot = None;
            }
        }
        ctx.check_cancelled()?;
        let scenes = transcripts::scene_spans(&pool, &video.id).await?;
        transcripts::replace(&pool, &video.id, transcript.as_ref(), &scenes).await?;
        ctx.progress.update(total, Some(total), Unit::Seconds);
        Ok(())
    }
}

fn audio_error(e: AudioError) -> StageError {
    match e {
        AudioError::Tool(t) => StageError::Transient(t.to_string()),
        other => StageError::Permanent(other.to_string()),
    }
}
