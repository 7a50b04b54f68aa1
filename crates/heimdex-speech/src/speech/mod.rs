//! Speech-to-text: audio in (16 kHz mono f32, streamed), timed segments out.
//!
//! [`SpeechToText`] is what the rest of Heimdex sees; [`whisper::WhisperModel`] implements it with
//! Whisper on CTranslate2 (the engine of faster-whisper), behind the `whisper` cargo feature. The
//! pieces that need no model (log-mel features, voice-activity detection, prompt and timestamp
//! handling, formats) live in their own modules and are tested on their own.

pub mod align;
#[cfg(feature = "whisper")]
pub mod fallback;
pub mod formats;
pub mod mel;
pub mod segments;
pub mod tokens;
pub mod vad;
#[cfg(feature = "whisper")]
pub mod whisper;
pub mod windows;

use serde::{Deserialize, Serialize};

/// Sample rate every model here expects.
pub const SAMPLE_RATE: u32 = 16_000;

/// One stretch of speech with its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Seconds from the start of the audio.
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
    /// Language the segment was decoded as (ISO 639-1 code, e.g. `en`), when known.
    pub language: Option<String>,
    /// Mean log-probability of its tokens (higher is surer).
    pub avg_logprob: f32,
    /// The model's probability that its window held no speech.
    pub no_speech_prob: f32,
}

/// The speech found in one audio track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// Main language (the one spoken longest), when any speech was found.
    pub language: Option<String>,
    pub segments: Vec<Segment>,
    /// Length of the audio that was read, in seconds.
    pub audio_secs: f64,
    /// Which model made it (its folder name).
    pub model: String,
}

impl Transcript {
    /// All text, one segment per line.
    pub fn text(&self) -> String {
        self.segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// How to transcribe.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscribeOptions {
    /// Force a language (multilingual models only); `None` detects it per window.
    pub language: Option<String>,
    /// Text that primes the decoder: names, jargon, spelling ("ComfyUI, Heimdex").
    pub initial_prompt: Option<String>,
    /// Give each window the text decoded before it as context (its last 223 tokens, with their
    /// timestamps; forgotten after a window decoded above temperature 0.5), as Whisper and
    /// faster-whisper do by default. Unlike them, the text of the window just before is left out
    /// (window `k` gets that of windows `..k-1`), so that two windows can be decoded at once on two
    /// cores; the same with one core, so that the transcript does not depend on the cores. On by default here too: on the benchmark files (tiny.en) it
    /// gave the lower WER (3.6% against 4.5% on the 10-minute file) and kept the model out of the
    /// repetition loops that made the fallback sample a German passage for 10 s (2.4 s instead of
    /// 11.2 s for multilingual.mp3). A mistake can carry over to the windows after it; the reset
    /// above temperature 0.5 limits that.
    pub condition_on_previous_text: bool,
    pub beam_size: usize,
    /// Skip silence; `None` decodes everything.
    pub vad: Option<vad::VadConfig>,
    /// A window whose no-speech probability is above this *and* whose text is unsure
    /// (`avg_logprob` below `log_prob_threshold`) is treated as silence.
    pub no_speech_threshold: f32,
    pub log_prob_threshold: f32,
}

impl Default for TranscribeOptions {
    fn default() -> Self {
        Self {
            language: None,
            initial_prompt: None,
            condition_on_previous_text: true,
            beam_size: 5,
            vad: Some(vad::VadConfig::default()),
            no_speech_threshold: 0.6,
            log_prob_threshold: -1.0,
        }
    }
}

/// Error of an [`AudioSource`], boxed so any decoder can be plugged in.
pub type AudioSourceError = Box<dyn std::error::Error + Send + Sync>;

/// Audio delivered in pieces: 16 kHz mono f32 samples, in order, `None` at the end.
pub trait AudioSource {
    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>, AudioSourceError>;
}

/// Any iterator of sample chunks is a source (e.g. `heimdex_media::audio::AudioStream`).
impl<I, E> AudioSource for I
where
    I: Iterator<Item = Result<Vec<f32>, E>>,
    E: Into<AudioSourceError>,
{
    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>, AudioSourceError> {
        self.next().transpose().map_err(Into::into)
    }
}

/// Audio already in memory, handed out a second at a time.
#[derive(Debug, Clone)]
pub struct SliceSource<'a> {
    samples: &'a [f32],
}

impl<'a> SliceSource<'a> {
    pub fn new(samples: &'a [f32]) -> Self {
        Self { samples }
    }
}

impl Iterator for SliceSource<'_> {
    type Item = Result<Vec<f32>, std::convert::Infallible>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.samples.is_empty() {
            return None;
        }
        let n = self.samples.len().min(SAMPLE_RATE as usize);
        let (head, tail) = self.samples.split_at(n);
        self.samples = tail;
        Some(Ok(head.to_vec()))
    }
}

/// Progress callback: seconds of audio done so far; return `false` to cancel.
pub type ProgressFn<'a> = &'a mut dyn FnMut(f64) -> bool;

#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("speech model {name} not found (looked in {searched}); run scripts/fetch-models.sh")]
    ModelMissing { name: String, searched: String },
    #[error("could not load the speech model in {dir}: {message}")]
    ModelLoad { dir: String, message: String },
    #[error("could not read the audio: {0}")]
    Audio(String),
    #[error("speech recognition failed: {0}")]
    Inference(String),
    #[error("cancelled")]
    Cancelled,
}

/// A speech recogniser.
pub trait SpeechToText: Send + Sync {
    /// Short name of the model (stored with transcripts).
    fn model_id(&self) -> &str;

    /// Whether it can recognise more than English.
    fn is_multilingual(&self) -> bool;

    /// Transcribes everything `audio` delivers, calling `progress` between windows.
    fn transcribe(
        &self,
        audio: &mut dyn AudioSource,
        options: &TranscribeOptions,
        progress: ProgressFn<'_>,
    ) -> Result<Transcript, SpeechError>;
}

/// The language spoken longest across `segments`.
pub fn main_language(segments: &[Segment]) -> Option<String> {
    let mut totals: Vec<(String, f64)> = Vec::new();
    for s in segments {
        let Some(lang) = &s.language else { continue };
        let d = (s.end_secs - s.start_secs).max(0.0) + 1e-3;
        match totals.iter_mut().find(|(l, _)| l == lang) {
            Some((_, t)) => *t += d,
            None => totals.push((lang.clone(), d)),
        }
    }
    totals
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(l, _)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: f64, end: f64, lang: &str) -> Segment {
        Segment {
            start_secs: start,
            end_secs: end,
            text: "x".into(),
            language: Some(lang.into()),
            avg_logprob: 0.0,
            no_speech_prob: 0.0,
        }
    }

    #[test]
    fn main_language_is_the_longest_spoken() {
        let s = [
            seg(0.0, 5.0, "en"),
            seg(5.0, 20.0, "de"),
            seg(20.0, 22.0, "en"),
        ];
        assert_eq!(main_language(&s).as_deref(), Some("de"));
        assert_eq!(main_language(&[]), None);
    }

    #[test]
    fn slice_source_hands_out_everything_in_order() {
        let samples: Vec<f32> = (0..40_000).map(|i| i as f32).collect();
        let mut src = SliceSource::new(&samples);
        let mut all = Vec::new();
        while let Some(chunk) = AudioSource::next_chunk(&mut src).expect("infallible") {
            all.extend(chunk);
        }
        assert_eq!(all, samples);
    }
}
