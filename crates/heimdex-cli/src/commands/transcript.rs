//! `heimdex transcript <video> [--srt|--vtt|--json] [-o FILE]`
//!
//! Prints (or writes) a library video's transcript. A file that is not in the library is
//! transcribed on the spot, without being added.

use crate::context::Context;
use anyhow::Context as _;
use heimdex_library::{transcripts, videos, LibraryError};
use heimdex_speech::speech::formats::{to_srt, to_vtt};
use heimdex_speech::speech::Segment;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Id (or id prefix), path or file name of a library video, or the path of any media file.
    pub video: String,
    /// SubRip subtitles.
    #[arg(long, group = "format")]
    pub srt: bool,
    /// WebVTT subtitles.
    #[arg(long, group = "format")]
    pub vtt: bool,
    /// JSON: language, model and timed segments (with their scene).
    #[arg(long, group = "format")]
    pub json: bool,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let pool = ctx.library().pool();
    let (language, model, segments, json) = match videos::resolve(pool, &args.video).await {
        Ok(video) => {
            let Some(t) = transcripts::get(pool, &video.id).await? else {
                let why = if video.info.has_audio {
                    "it has not been transcribed yet (run `heimdex index`)"
                } else {
                    "it has no audio track"
                };
                eprintln!("{}: no transcript: {why}", video.path.display());
                return Ok(ExitCode::FAILURE);
            };
            let segments: Vec<Segment> = t.segments.iter().map(|s| s.to_segment()).collect();
            let json = serde_json::to_value(&t)?;
            (t.language, t.model, segments, json)
        }
        Err(LibraryError::VideoNotFound(_)) if Path::new(&args.video).is_file() => {
            transcribe_file(ctx, Path::new(&args.video)).await?
        }
        Err(e) => return Err(e.into()),
    };
    let text = if args.srt {
        to_srt(&segments)
    } else if args.vtt {
        to_vtt(&segments)
    } else if args.json {
        serde_json::to_string_pretty(&json)? + "\n"
    } else {
        let mut out = String::new();
        if let Some(l) = &language {
            out.push_str(&format!("# language: {l}, model: {model}\n"));
        }
        for s in &segments {
            out.push_str(&format!(
                "[{} -> {}] {}\n",
                clock(s.start_secs),
                clock(s.end_secs),
                s.text
            ));
        }
        out
    };
    match &args.output {
        Some(path) => heimdex_app::exports::write_atomically(path, &text)?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `m:ss.s` or `h:mm:ss.s`.
fn clock(secs: f64) -> String {
    let tenths = (secs.max(0.0) * 10.0).round() as u64;
    let (h, m, s, t) = (
        tenths / 36_000,
        tenths / 600 % 60,
        tenths / 10 % 60,
        tenths % 10,
    );
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{t}")
    } else {
        format!("{m}:{s:02}.{t}")
    }
}

#[cfg(feature = "whisper")]
async fn transcribe_file(
    ctx: &Context,
    path: &Path,
) -> anyhow::Result<(Option<String>, String, Vec<Segment>, serde_json::Value)> {
    use heimdex_media::audio::{self, AudioOptions};
    use heimdex_speech::model_dir::find_any_whisper;
    use heimdex_speech::speech::whisper::{WhisperConfig, WhisperModel};
    use heimdex_speech::speech::{SpeechToText, TranscribeOptions};

    let model_dir = ctx.library().paths().model_dir.clone();
    let path = path.to_path_buf();
    let t = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let preferred =
            std::env::var("HEIMDEX_SPEECH_MODEL").unwrap_or_else(|_| "whisper-base".into());
        let (_, dir) = find_any_whisper(Some(&preferred), &model_dir).with_context(|| {
            format!(
                "no speech model in {}: run scripts/fetch-models.sh",
                model_dir.display()
            )
        })?;
        let model = WhisperModel::load(&dir, &WhisperConfig::default())?;
        let Some(mut stream) = audio::open(&path, &AudioOptions::default())? else {
            anyhow::bail!("{} has no audio track", path.display());
        };
        eprintln!(
            "transcribing {} with {}...",
            path.display(),
            model.model_id()
        );
        Ok(model.transcribe(&mut stream, &TranscribeOptions::default(), &mut |_| true)?)
    })
    .await??;
    let json = serde_json::to_value(&t)?;
    Ok((t.language, t.model, t.segments, json))
}

#[cfg(not(feature = "whisper"))]
async fn transcribe_file(
    _ctx: &Context,
    path: &Path,
) -> anyhow::Result<(Option<String>, String, Vec<Segment>, serde_json::Value)> {
    anyhow::bail!(
        "{} is not in the library, and this build cannot transcribe (feature `whisper`)",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn clock_format() {
        assert_eq!(clock(0.0), "0:00.0");
        assert_eq!(clock(61.26), "1:01.3");
        assert_eq!(clock(3725.0), "1:02:05.0");
    }
}
