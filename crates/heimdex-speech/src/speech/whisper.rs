//! Whisper on CTranslate2 through `ct2rs`'s low-level API.
//!
//! We build the decoder prompt ourselves (English-only models get no language/task tokens, which
//! the high-level `ct2rs::Whisper` always adds, leaving `.en` models to emit only timestamps),
//! compute the log-mel features ourselves (normalised over the window), run the encoder once per
//! window (its output serves language detection and decoding) and decode the timestamp tokens into
//! segments with Whisper's seek logic. Windows start at speech and hold at most 20 s (see
//! [`super::windows`]); the encoder sees only the window's audio and a second of silence (at least
//! 10 s in all), not 30 s.
//! Audio is consumed as a stream: only the current window and a little look-ahead are held.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::fallback::{
    best_of_failed, compression_ratio, needs_fallback, Attempt, Thresholds, BEST_OF,
    FALLBACK_TEMPERATURES,
};
use ct2rs::sys::{ComputeType, Config, Device, StorageView, Whisper, WhisperOptions};

use super::mel::{MelExtractor, HOP_LENGTH};
use super::segments::{split_window, WindowSegment, TIMESTAMP_STEP_SECS};
use super::tokens::{build_prompt, SpecialTokens, Vocabulary};
use super::vad::{Region, Vad};
use super::windows::{plan_window, MAX_WINDOW_SAMPLES};
use super::{
    main_language, AudioSource, ProgressFn, Segment, SpeechError, SpeechToText, TranscribeOptions,
    Transcript, SAMPLE_RATE,
};

/// Samples per timestamp step (0.02 s).
const STEP_SAMPLES: usize = 2 * HOP_LENGTH;
/// Audio read beyond the window so the VAD can see where speech continues.
const LOOKAHEAD_SAMPLES: usize = 2 * SAMPLE_RATE as usize;
/// Silence after a window's audio in the encoder input (1 s of mel frames), and the shortest
/// encoder input (10 s): without them the model tends to repeat itself at the end of a short input.
const SILENCE_PAD_FRAMES: usize = 100;
const MIN_ENCODER_FRAMES: usize = 1000;
/// With `condition_on_previous_text`, a window decoded above this temperature does not become
/// context for the next one (faster-whisper's `prompt_reset_on_temperature`).
const PROMPT_RESET_TEMPERATURE: f32 = 0.5;
/// Plans followed to find the next window ahead of time (each reads at most a window and the
/// look-ahead further, so a long silence is not read into memory).
const AHEAD_SEEKS: usize = 3;
/// Windows shorter than this (samples) are not worth decoding.
const MIN_WINDOW_SAMPLES: usize = SAMPLE_RATE as usize / 10;

/// Numeric precision of the weights at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// 8-bit integer matrix products (faster-whisper's CPU default).
    #[default]
    Int8,
    Float32,
}

/// How to load a model.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WhisperConfig {
    /// CPU cores for one transcription; 0 = all available cores.
    ///
    /// With two or more, the model is loaded twice (twice the memory: 40 MB more for tiny.en in
    /// int8) and each copy gets half of them: one decodes a window while the other encodes the
    /// next. Two loads rather than CTranslate2 replicas: its copy of a model with MKL-packed int8
    /// weights crashes in the packed GEMM. Measured on 2 cores: one decoder on 2 OpenMP threads
    /// was 3x slower per token than on 1 (18.6 against 5.8 ms with beam 5: the matrices of a
    /// decoding step are too small to split, and most of the time went to the threads'
    /// barriers), so two single-threaded copies at once beat one with two threads.
    pub threads: usize,
    pub precision: Precision,
}

/// Copies of the model and threads per copy for `cores` cores.
fn replica_layout(cores: usize) -> (usize, usize) {
    let replicas = if cores >= 2 { 2 } else { 1 };
    (replicas, (cores / replicas).max(1))
}

/// Where the time of one transcription went (for benchmarks; not needed to use the model).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DecodeStats {
    /// Windows encoded.
    pub windows: usize,
    /// Windows dropped as silence (no-speech probability high, text unsure).
    pub silent_windows: usize,
    /// Windows that needed the temperature fallback.
    pub fallback_windows: usize,
    /// Decoder runs (one per window and temperature tried).
    pub attempts: usize,
    /// Tokens the decoder produced (best hypothesis of every run) and was given as prompts.
    pub generated_tokens: usize,
    pub prompt_tokens: usize,
    /// Mel frames given to the encoder, all windows together.
    pub encoded_frames: usize,
    /// Windows encoded while the window before them was being decoded (by the other copy),
    /// and such encodings thrown away because the decoder moved the next window elsewhere.
    pub overlapped_windows: usize,
    pub wasted_encodings: usize,
    /// Time spent on features and encoding (also when it overlapped decoding).
    pub mel_secs: f64,
    pub encode_secs: f64,
    /// Language detection, decoding and the fallback's decoding.
    pub decode_secs: f64,
}

/// A loaded Whisper model.
pub struct WhisperModel {
    model: Whisper,
    /// A second copy that encodes the next window while `model` decodes (two or more cores).
    look_ahead: Option<Whisper>,
    tokenizer: tokenizers::Tokenizer,
    vocab: Vocabulary,
    special: SpecialTokens,
    mel: MelExtractor,
    multilingual: bool,
    id: String,
    dir: PathBuf,
}

impl std::fmt::Debug for WhisperModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhisperModel")
            .field("id", &self.id)
            .field("dir", &self.dir)
            .field("multilingual", &self.multilingual)
            .finish()
    }
}

fn load_err(dir: &Path, message: impl std::fmt::Display) -> SpeechError {
    SpeechError::ModelLoad {
        dir: dir.display().to_string(),
        message: message.to_string(),
    }
}

/// Threads to use when the caller leaves it to us: the machine's cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

impl WhisperModel {
    /// Loads the CTranslate2 Whisper folder `dir` (`model.bin`, `config.json`, `tokenizer.json`,
    /// `vocabulary.txt`/`.json`).
    pub fn load(dir: &Path, config: &WhisperConfig) -> Result<Self, SpeechError> {
        if !super::super::model_dir::is_whisper_dir(dir) {
            return Err(load_err(
                dir,
                "not a CTranslate2 Whisper folder (needs model.bin, config.json, tokenizer.json, vocabulary.txt)",
            ));
        }
        let vocab = read_vocabulary(dir)?;
        let special = vocab
            .special_tokens()
            .map_err(|missing| load_err(dir, format!("vocabulary has no {missing} token")))?;
        let tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| load_err(dir, format!("tokenizer.json: {e}")))?;
        let cores = if config.threads == 0 {
            default_threads()
        } else {
            config.threads
        };
        let (replicas, threads) = replica_layout(cores);
        let ct2_config = Config {
            device: Device::CPU,
            compute_type: match config.precision {
                Precision::Int8 => ComputeType::INT8,
                Precision::Float32 => ComputeType::FLOAT32,
            },
            num_threads_per_replica: threads,
            ..Config::default()
        };
        let look_ahead = if replicas > 1 {
            Some(Whisper::new(dir, ct2_config.clone()).map_err(|e| load_err(dir, e))?)
        } else {
            None
        };
        let model = Whisper::new(dir, ct2_config).map_err(|e| load_err(dir, e))?;
        let multilingual = model.is_multilingual();
        let mel = MelExtractor::new(model.n_mels());
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "whisper".to_owned());
        // A Hugging Face snapshot folder is named by its revision: name it by its repository.
        let id = hf_repo_name(dir).unwrap_or(id);
        Ok(Self {
            model,
            look_ahead,
            tokenizer,
            vocab,
            special,
            mel,
            multilingual,
            id,
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Token strings of `text` (for prompts), as the vocabulary spells them.
    fn prompt_tokens(&self, text: &str) -> Result<Vec<String>, SpeechError> {
        let enc = self
            .tokenizer
            .encode(format!(" {}", text.trim()), false)
            .map_err(|e| SpeechError::Inference(format!("could not tokenize the prompt: {e}")))?;
        Ok(enc.get_tokens().to_vec())
    }

    fn decode_text(&self, ids: &[u32]) -> Result<String, SpeechError> {
        let text_ids: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|t| *t < self.special.eot)
            .collect();
        self.tokenizer
            .decode(&text_ids, true)
            .map(|t| t.trim().to_owned())
            .map_err(|e| SpeechError::Inference(format!("could not decode tokens: {e}")))
    }

    /// Most likely language of an encoded window.
    fn detect_language(&self, encoded: &StorageView<'_>) -> Result<String, SpeechError> {
        let results = self
            .model
            .detect_language(encoded)
            .map_err(|e| SpeechError::Inference(e.to_string()))?;
        let best = results
            .first()
            .and_then(|r| r.first())
            .map(|d| format!("{d:?}"));
        best.as_deref()
            .and_then(parse_detection)
            .ok_or_else(|| SpeechError::Inference("language detection returned nothing".to_owned()))
    }

    /// Features and encoder output of the window `[start, end)` (its `samples`), by `model`.
    fn encode_window(
        &self,
        model: &Whisper,
        start: usize,
        end: usize,
        samples: &[f32],
    ) -> Result<EncodedWindow, SpeechError> {
        let t = Instant::now();
        let content = samples.len() / HOP_LENGTH;
        let silence = SILENCE_PAD_FRAMES.max(MIN_ENCODER_FRAMES.saturating_sub(content));
        let (mut features, frames) = self.mel.padded_features(samples, silence);
        let mel_secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let shape = [1, self.mel.n_mels(), frames];
        let features = StorageView::new(&shape, &mut features, Device::CPU)
            .map_err(|e| SpeechError::Inference(e.to_string()))?;
        let encoded = model
            .encode(&features, true)
            .map_err(|e| SpeechError::Inference(e.to_string()))?;
        Ok(EncodedWindow {
            start,
            end,
            encoded,
            frames,
            mel_secs,
            encode_secs: t.elapsed().as_secs_f64(),
        })
    }

    /// Language detection (when needed), then decoding with the temperature fallback.
    fn decode_encoded(
        &self,
        encoded: &StorageView<'_>,
        language: Option<&str>,
        previous: &[String],
        options: &TranscribeOptions,
        stats: &mut DecodeStats,
    ) -> Result<WindowOutput, SpeechError> {
        let language = match (self.multilingual, language) {
            (false, _) => "en".to_owned(),
            (true, Some(l)) => l.to_owned(),
            (true, None) => self.detect_language(encoded)?,
        };
        let prompt = build_prompt(
            &self.vocab,
            &self.special,
            self.multilingual,
            Some(&language),
            previous,
        );
        let thresholds = Thresholds {
            log_prob: options.log_prob_threshold,
            no_speech: options.no_speech_threshold,
        };
        // Temperature 0 with beam search, then sampling at rising temperatures while the text
        // repeats itself or is unsure (the encoder output is reused: only decoding is repeated).
        let mut tries: Vec<(WindowOutput, Attempt)> = Vec::new();
        for temperature in std::iter::once(0.0).chain(FALLBACK_TEMPERATURES) {
            let whisper_options = if temperature == 0.0 {
                WhisperOptions {
                    beam_size: options.beam_size.max(1),
                    return_scores: true,
                    return_no_speech_prob: true,
                    ..WhisperOptions::default()
                }
            } else {
                WhisperOptions {
                    beam_size: 1,
                    num_hypotheses: BEST_OF,
                    sampling_topk: 0,
                    sampling_temperature: temperature,
                    return_scores: true,
                    return_no_speech_prob: true,
                    ..WhisperOptions::default()
                }
            };
            stats.attempts += 1;
            let result = self
                .model
                .generate(encoded, std::slice::from_ref(&prompt), &whisper_options)
                .map_err(|e| SpeechError::Inference(e.to_string()))?;
            let (ids, score, no_speech_prob) = match result.into_iter().next() {
                Some(r) => (
                    r.sequences_ids.into_iter().next().unwrap_or_default(),
                    r.scores.first().copied().unwrap_or(0.0),
                    r.no_speech_prob,
                ),
                None => (Vec::new(), 0.0, 1.0),
            };
            let ids: Vec<u32> = ids.into_iter().map(|i| i as u32).collect();
            stats.generated_tokens += ids.len();
            stats.prompt_tokens += prompt.len();
            // CTranslate2's score is the cumulative log-probability over the length; faster-whisper
            // divides the cumulative one by (length + 1).
            let len = ids.len() as f32;
            let avg_logprob = score * len / (len + 1.0);
            let attempt = Attempt {
                avg_logprob,
                compression_ratio: compression_ratio(&self.decode_text(&ids)?),
                no_speech_prob,
            };
            let out = WindowOutput {
                ids,
                avg_logprob,
                no_speech_prob,
                language: language.clone(),
                temperature,
            };
            if !needs_fallback(&attempt, thresholds) {
                return Ok(out);
            }
            if tries.is_empty() {
                stats.fallback_windows += 1;
            }
            tries.push((out, attempt));
        }
        let attempts: Vec<Attempt> = tries.iter().map(|(_, a)| *a).collect();
        let best = best_of_failed(&attempts).unwrap_or(0);
        // As faster-whisper: the last temperature tried counts (for the prompt reset).
        let last_temperature = FALLBACK_TEMPERATURES[FALLBACK_TEMPERATURES.len() - 1];
        tries
            .into_iter()
            .nth(best)
            .map(|(out, _)| WindowOutput {
                temperature: last_temperature,
                ..out
            })
            .ok_or_else(|| SpeechError::Inference("no decoding attempt".to_owned()))
    }
}

/// A window's encoder output, with what it cost.
struct EncodedWindow {
    start: usize,
    end: usize,
    encoded: StorageView<'static>,
    frames: usize,
    mel_secs: f64,
    encode_secs: f64,
}

impl EncodedWindow {
    fn count(&self, stats: &mut DecodeStats) {
        stats.windows += 1;
        stats.encoded_frames += self.frames;
        stats.mel_secs += self.mel_secs;
        stats.encode_secs += self.encode_secs;
    }
}

/// Where decoding goes next.
enum Plan {
    /// Decode the window `[start, end)`.
    Window(usize, usize),
    /// Nothing to decode before this sample: look again from there.
    Seek(usize),
    /// The audio is done.
    End,
}

struct WindowOutput {
    ids: Vec<u32>,
    avg_logprob: f32,
    no_speech_prob: f32,
    language: String,
    /// Sampling temperature of the kept decoding (0 for beam search).
    temperature: f32,
}

fn read_vocabulary(dir: &Path) -> Result<Vocabulary, SpeechError> {
    let txt = dir.join("vocabulary.txt");
    if txt.is_file() {
        let text = std::fs::read_to_string(&txt)
            .map_err(|e| load_err(dir, format!("vocabulary.txt: {e}")))?;
        return Ok(Vocabulary::parse(&text));
    }
    let json = dir.join("vocabulary.json");
    let text = std::fs::read_to_string(&json)
        .map_err(|e| load_err(dir, format!("vocabulary.json: {e}")))?;
    let list: Vec<String> =
        serde_json::from_str(&text).map_err(|e| load_err(dir, format!("vocabulary.json: {e}")))?;
    Ok(Vocabulary::parse(&list.join("\n")))
}

/// `models--Systran--faster-whisper-tiny.en/snapshots/<rev>` -> `faster-whisper-tiny.en`.
fn hf_repo_name(dir: &Path) -> Option<String> {
    let snapshots = dir.parent()?;
    if snapshots.file_name()? != "snapshots" {
        return None;
    }
    let repo = snapshots.parent()?.file_name()?.to_str()?;
    repo.strip_prefix("models--")?
        .rsplit("--")
        .next()
        .map(str::to_owned)
}

/// Language code from ct2rs's `DetectionResult` (its fields are private, its `Debug` is not):
/// `DetectionResult { language: "<|de|>", probability: 0.97 }` -> `de`.
fn parse_detection(debug: &str) -> Option<String> {
    let start = debug.find("<|")? + 2;
    let end = start + debug[start..].find("|>")?;
    Some(debug[start..end].to_owned())
}

/// The audio read so far that is still needed: samples from `offset` on.
struct Buffer<'a> {
    source: &'a mut dyn AudioSource,
    offset: usize,
    samples: Vec<f32>,
    eof: bool,
    vad: Vad,
}

impl Buffer<'_> {
    fn end(&self) -> usize {
        self.offset + self.samples.len()
    }

    /// Reads until the buffer reaches absolute sample `target` or the audio ends.
    fn fill(&mut self, target: usize) -> Result<(), SpeechError> {
        while !self.eof && self.end() < target {
            match self
                .source
                .next_chunk()
                .map_err(|e| SpeechError::Audio(e.to_string()))?
            {
                Some(chunk) => {
                    self.vad.push(&chunk);
                    self.samples.extend_from_slice(&chunk);
                }
                None => {
                    self.eof = true;
                    self.vad.finish();
                }
            }
        }
        Ok(())
    }

    /// Forgets samples before absolute index `upto`.
    fn discard(&mut self, upto: usize) {
        let n = upto.saturating_sub(self.offset).min(self.samples.len());
        if n > 0 {
            self.samples.drain(..n);
            self.offset += n;
        }
    }

    fn slice(&self, from: usize, to: usize) -> &[f32] {
        let a = from.saturating_sub(self.offset).min(self.samples.len());
        let b = to.saturating_sub(self.offset).min(self.samples.len());
        &self.samples[a..b.max(a)]
    }

    /// The window the main loop will decode once it has seeked to `seek`, if it is found within
    /// [`AHEAD_SEEKS`] plans (a pause after `seek` takes one or two); `None` otherwise. Asks
    /// exactly what the loop will ask, so it reads exactly what the loop would read.
    fn plan_ahead(
        &mut self,
        mut seek: usize,
        use_vad: bool,
    ) -> Result<Option<(usize, usize)>, SpeechError> {
        for _ in 0..AHEAD_SEEKS {
            match self.plan_at(seek, use_vad)? {
                Plan::Window(start, end) => return Ok(Some((start, end))),
                Plan::Seek(next) => seek = next,
                Plan::End => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Where the window at `seek` goes, reading as far as it needs (a window and the look-ahead
    /// beyond `seek`). Depends only on `seek` and what has been read, so asking again for the same
    /// `seek` gives the same answer: that is what lets the next window be encoded ahead of time.
    fn plan_at(&mut self, seek: usize, use_vad: bool) -> Result<Plan, SpeechError> {
        self.fill(seek + MAX_WINDOW_SAMPLES + LOOKAHEAD_SAMPLES)?;
        let known_end = self.end();
        if seek >= known_end && self.eof {
            return Ok(Plan::End);
        }
        let regions = if use_vad {
            self.vad.regions(seek, known_end)
        } else {
            vec![Region {
                start: seek,
                end: known_end,
            }]
        };
        let planned = plan_window(&regions, seek, known_end, self.eof, |a, b| {
            self.vad.quietest(a, b)
        });
        Ok(match planned {
            // Speech starts later than what was read allows a whole window for: read on from
            // there first.
            Ok((start, _))
                if start > seek
                    && !self.eof
                    && start + MAX_WINDOW_SAMPLES + LOOKAHEAD_SAMPLES > known_end =>
            {
                Plan::Seek(start)
            }
            // Too short to be worth decoding.
            Ok((start, end)) if end.saturating_sub(start) < MIN_WINDOW_SAMPLES => {
                let next = end.max(start + 1);
                if self.eof && next >= known_end {
                    Plan::End
                } else {
                    Plan::Seek(next)
                }
            }
            Ok((start, end)) => Plan::Window(start, end),
            Err(_) if self.eof => Plan::End,
            Err(skip_to) => Plan::Seek(skip_to.max(seek + 1)),
        })
    }
}

impl WhisperModel {
    /// [`SpeechToText::transcribe`], also saying where the time went.
    pub fn transcribe_with_stats(
        &self,
        audio: &mut dyn AudioSource,
        options: &TranscribeOptions,
        progress: ProgressFn<'_>,
    ) -> Result<(Transcript, DecodeStats), SpeechError> {
        let vad_config = options.vad.clone().unwrap_or_default();
        let mut buf = Buffer {
            source: audio,
            offset: 0,
            samples: Vec::new(),
            eof: false,
            vad: Vad::new(vad_config),
        };
        let forced_language = if self.multilingual {
            options.language.as_deref()
        } else {
            Some("en")
        };
        let initial: Vec<String> = match &options.initial_prompt {
            Some(p) if !p.trim().is_empty() => self.prompt_tokens(p)?,
            _ => Vec::new(),
        };
        let mut stats = DecodeStats::default();
        let mut previous: Vec<String> = Vec::new();
        let mut segments: Vec<Segment> = Vec::new();
        let mut seek = 0usize;
        let use_vad = options.vad.is_some();
        // The next window's encoding, made while the current one was being decoded.
        let mut ahead: Option<EncodedWindow> = None;
        loop {
            if !progress(seek as f64 / f64::from(SAMPLE_RATE)) {
                return Err(SpeechError::Cancelled);
            }
            buf.discard(seek);
            let (start, end) = match buf.plan_at(seek, use_vad)? {
                Plan::Window(start, end) => (start, end),
                Plan::Seek(next) => {
                    seek = next;
                    continue;
                }
                Plan::End => break,
            };
            let encoded = match ahead.take() {
                Some(a) if (a.start, a.end) == (start, end) => {
                    stats.overlapped_windows += 1;
                    a
                }
                other => {
                    if let Some(wasted) = other {
                        stats.wasted_encodings += 1;
                        stats.mel_secs += wasted.mel_secs;
                        stats.encode_secs += wasted.encode_secs;
                    }
                    self.encode_window(&self.model, start, end, buf.slice(start, end))?
                }
            };
            encoded.count(&mut stats);
            // Most windows are decoded to their end: plan the window after it, and encode it
            // meanwhile when there is a second copy of the model. The plan is made with one copy
            // too, so that both read the same audio before deciding (the VAD's noise floor depends
            // on what has been read) and give the same transcript.
            let next = match buf.plan_ahead(end, use_vad)? {
                Some((a, b)) => self
                    .look_ahead
                    .as_ref()
                    .map(|model| (model, a, b, buf.slice(a, b).to_vec())),
                None => None,
            };
            let mut context = initial.clone();
            if options.condition_on_previous_text {
                context.extend(previous.iter().cloned());
            }
            let (out, next) = std::thread::scope(|scope| {
                let encoder = next.map(|(model, a, b, samples)| {
                    scope.spawn(move || self.encode_window(model, a, b, &samples))
                });
                let t = Instant::now();
                let out = self.decode_encoded(
                    &encoded.encoded,
                    forced_language,
                    &context,
                    options,
                    &mut stats,
                );
                stats.decode_secs += t.elapsed().as_secs_f64();
                // A failed look-ahead is simply redone (and its error reported) in turn.
                (
                    out,
                    encoder.and_then(|h| h.join().ok()).and_then(Result::ok),
                )
            });
            ahead = next;
            let out = out?;
            let silent = out.no_speech_prob > options.no_speech_threshold
                && out.avg_logprob < options.log_prob_threshold;
            if silent {
                // As faster-whisper: the whole window is skipped.
                stats.silent_windows += 1;
                seek = end;
                continue;
            }
            let content_steps = ((end - start) / STEP_SAMPLES) as u32;
            let window = split_window(
                &out.ids,
                self.special.timestamp_begin,
                self.special.eot,
                content_steps,
            );
            // A window decoded to its end continues exactly at its end (its length in timestamp
            // steps is rounded down), which is where the next window was encoded ahead.
            let advance = if window.advance_steps >= content_steps {
                end - start
            } else {
                (window.advance_steps as usize * STEP_SAMPLES)
                    .min(end - start)
                    .max(STEP_SAMPLES)
            };
            let base = start as f64 / f64::from(SAMPLE_RATE);
            let mut kept: Vec<&WindowSegment> = Vec::new();
            for ws in &window.segments {
                let text = self.decode_text(&ws.tokens)?;
                if text.is_empty() {
                    continue;
                }
                segments.push(Segment {
                    start_secs: base + f64::from(ws.start_step) * TIMESTAMP_STEP_SECS,
                    end_secs: base + f64::from(ws.end_step) * TIMESTAMP_STEP_SECS,
                    text,
                    language: Some(out.language.clone()),
                    avg_logprob: out.avg_logprob,
                    no_speech_prob: out.no_speech_prob,
                });
                kept.push(ws);
            }
            if options.condition_on_previous_text {
                if out.temperature > PROMPT_RESET_TEMPERATURE {
                    previous.clear();
                } else {
                    // Like faster-whisper's `all_tokens`: every kept segment with its timestamps
                    // (build_prompt keeps the most recent ones).
                    previous.extend(kept.iter().flat_map(|ws| self.context_tokens(ws)));
                }
            }
            seek = start + advance;
        }
        let audio_secs = buf.end() as f64 / f64::from(SAMPLE_RATE);
        let _ = progress(audio_secs);
        let transcript = Transcript {
            language: main_language(&segments),
            segments,
            audio_secs,
            model: self.id.clone(),
        };
        Ok((transcript, stats))
    }

    /// A segment as previous-text context: `<|start|> text <|end|>`, as token strings.
    fn context_tokens(&self, ws: &WindowSegment) -> Vec<String> {
        let ts = |step: u32| self.vocab.token(self.special.timestamp_begin + step);
        std::iter::once(ts(ws.start_step))
            .chain(ws.tokens.iter().map(|id| self.vocab.token(*id)))
            .chain(std::iter::once(ts(ws.end_step)))
            .flatten()
            .map(str::to_owned)
            .collect()
    }
}

impl SpeechToText for WhisperModel {
    fn model_id(&self) -> &str {
        &self.id
    }

    fn is_multilingual(&self) -> bool {
        self.multilingual
    }

    fn transcribe(
        &self,
        audio: &mut dyn AudioSource,
        options: &TranscribeOptions,
        progress: ProgressFn<'_>,
    ) -> Result<Transcript, SpeechError> {
        self.transcribe_with_stats(audio, options, progress)
            .map(|(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_detection_debug_text() {
        assert_eq!(
            parse_detection(r#"DetectionResult { language: "<|de|>", probability: 0.97 }"#)
                .as_deref(),
            Some("de")
        );
        assert_eq!(parse_detection("nothing"), None);
    }

    #[test]
    fn cores_are_shared_between_two_copies() {
        assert_eq!(replica_layout(1), (1, 1));
        assert_eq!(replica_layout(2), (2, 1));
        assert_eq!(replica_layout(3), (2, 1));
        assert_eq!(replica_layout(8), (2, 4));
    }

    #[test]
    fn names_hf_snapshots_by_repository() {
        let p = Path::new("/h/hub/models--Systran--faster-whisper-tiny.en/snapshots/abc123");
        assert_eq!(hf_repo_name(p).as_deref(), Some("faster-whisper-tiny.en"));
        assert_eq!(hf_repo_name(Path::new("/m/whisper-tiny.en")), None);
    }
}
