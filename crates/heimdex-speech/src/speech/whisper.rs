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
use std::sync::{mpsc, Mutex};
use std::time::Instant;

use super::fallback::{
    best_of_failed, compression_ratio, needs_fallback, Attempt, Thresholds, BEST_OF,
    FALLBACK_TEMPERATURES,
};
use ct2rs::sys::{ComputeType, Config, Device, StorageView, Whisper, WhisperOptions};

use super::mel::{MelExtractor, HOP_LENGTH};
use super::segments::{split_window, WindowSegment, TIMESTAMP_STEP_SECS};
use super::tokens::{build_prompt, SpecialTokens, Vocabulary, MAX_PREVIOUS_TOKENS};
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
    /// int8) and each copy gets half of them: one encodes and decodes a window while the other
    /// does the next (see [`WhisperModel::transcribe_with_stats`]). Two loads rather than CTranslate2 replicas: its copy of a model with MKL-packed int8
    /// weights crashes in the packed GEMM. Measured on 2 cores: one decoder on 2 OpenMP threads
    /// was 3x slower per token than on 1 (18.6 against 5.8 ms with beam 5: the matrices of a
    /// decoding step are too small to split, and most of the time went to the threads'
    /// barriers), so two single-threaded copies at once beat one with two threads.
    pub threads: usize,
    pub precision: Precision,
}

/// CTranslate2's own kernels (softmax, layer norm, (de)quantization, ...) use AVX2 unless
/// `CT2_FORCE_CPU_ISA` says otherwise, also where the CPU has AVX-512. On AMD CPUs with AVX-512
/// (Zen 4 and later) we ask for AVX-512: measured on an AMD EPYC (Zen 4, 2 cores), Whisper base on
/// jfk.wav took 0.66 s instead of 0.74 s per transcription (mean of 8; BENCH.md, run 6). Intel CPUs are left
/// as they are (AVX-512 can lower their clock, and their matrix products run on MKL anyway); so is
/// a value the user set. The variable is read once, when the first model loads: this runs before.
///
/// It sets an environment variable, which is only safe while no other thread runs: the binaries
/// call it first thing through [`crate::prepare_process`]; loading a model calls it too (once),
/// for programs that do not.
pub fn choose_cpu_kernels() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("CT2_FORCE_CPU_ISA").is_none() && amd_with_avx512() {
            std::env::set_var("CT2_FORCE_CPU_ISA", "AVX512");
        }
    });
}

/// An AMD CPU with the AVX-512 subsets CTranslate2 checks for (F, CD, BW, DQ, VL).
fn amd_with_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // The vendor from /proc/cpuinfo (Linux; elsewhere nothing changes).
        let amd = std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|info| is_amd_cpuinfo(&info));
        amd && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512cd")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether /proc/cpuinfo's first `vendor_id` is AMD's.
fn is_amd_cpuinfo(cpuinfo: &str) -> bool {
    cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("vendor_id"))
        .and_then(|rest| rest.split(':').nth(1))
        .is_some_and(|v| v.trim() == "AuthenticAMD")
}

/// Whisper's decoder positions (prompt and generated tokens together), and the mel frames of its
/// 30 s input.
const MODEL_MAX_LENGTH: usize = 448;
const FULL_WINDOW_FRAMES: usize = 3000;

/// CTranslate2's `max_length` for a window of `frames` mel frames (its audio and the silence after
/// it) and a prompt of `prompt_len` tokens.
///
/// faster-whisper passes 448, which CTranslate2 turns into at most min(448 / 2, 448 - prompt)
/// generated tokens: 224 for a 30 s window. A window of ours holds at most 21 s: it gets the same
/// number of tokens per second of input (224 for 30 s), and the prompt's room as before. Text
/// never needs that many (the densest English of the benchmark files has about 4 tokens per
/// second); a repetition loop runs until the limit, and the fallback then decodes the window up to
/// 5 times 5 more, so a loop costs a third less. A window cut short by the limit is continued by
/// the next one (the seek logic starts it at its last complete segment).
fn max_length(frames: usize, prompt_len: usize) -> usize {
    let half = MODEL_MAX_LENGTH / 2;
    // Generated tokens allowed: as many per frame as in a full window.
    let generate = (frames * half).div_ceil(FULL_WINDOW_FRAMES).clamp(1, half);
    // CTranslate2 generates at most min(max_length / 2, max_length - prompt) tokens.
    (2 * generate)
        .max(generate + prompt_len)
        .min(MODEL_MAX_LENGTH)
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
    /// Windows encoded and decoded by the second copy of the model while the first decoded the
    /// window before them, and such windows thrown away because the window before them ended
    /// early (the model left a segment unfinished; the next window then starts inside it).
    pub overlapped_windows: usize,
    pub wasted_encodings: usize,
    /// Time spent on features and encoding, and on language detection, decoding and the
    /// fallback's decoding (of the windows kept; both copies together, so with two copies the
    /// sum can exceed the time the transcription took).
    pub mel_secs: f64,
    pub encode_secs: f64,
    pub decode_secs: f64,
    /// The part of `decode_secs` spent on language detection (multilingual models).
    pub language_secs: f64,
    /// Time both copies spent on the windows thrown away.
    pub wasted_secs: f64,
}

impl DecodeStats {
    /// Adds the counts and times of a window kept.
    fn add(&mut self, other: &DecodeStats) {
        self.windows += other.windows;
        self.silent_windows += other.silent_windows;
        self.fallback_windows += other.fallback_windows;
        self.attempts += other.attempts;
        self.generated_tokens += other.generated_tokens;
        self.prompt_tokens += other.prompt_tokens;
        self.encoded_frames += other.encoded_frames;
        self.overlapped_windows += other.overlapped_windows;
        self.wasted_encodings += other.wasted_encodings;
        self.mel_secs += other.mel_secs;
        self.encode_secs += other.encode_secs;
        self.decode_secs += other.decode_secs;
        self.language_secs += other.language_secs;
        self.wasted_secs += other.wasted_secs;
    }

    /// Counts a window thrown away.
    fn add_wasted(&mut self, other: &DecodeStats) {
        self.wasted_encodings += 1;
        self.wasted_secs += other.mel_secs + other.encode_secs + other.decode_secs;
    }
}

/// A loaded Whisper model.
pub struct WhisperModel {
    model: Whisper,
    /// A second copy that encodes and decodes the next window while `model` decodes the
    /// current one (two or more cores).
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
        choose_cpu_kernels();
        // The two copies load at once (each converts the float16 weights to int8 on one core).
        let load = |config: Config| Whisper::new(dir, config).map_err(|e| e.to_string());
        let (model, look_ahead) = std::thread::scope(|scope| {
            let second = (replicas > 1).then(|| {
                let config = ct2_config.clone();
                scope.spawn(move || load(config))
            });
            let model = load(ct2_config);
            let second = second.map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("the model load panicked".to_owned()))
            });
            (model, second)
        });
        let model = model.map_err(|e| load_err(dir, e))?;
        let look_ahead = look_ahead.transpose().map_err(|e| load_err(dir, e))?;
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
    fn detect_language(
        &self,
        model: &Whisper,
        encoded: &StorageView<'_>,
    ) -> Result<String, SpeechError> {
        let results = model
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

    /// Features and encoder output of a window's `samples`, by `model`.
    fn encode_window(
        &self,
        model: &Whisper,
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
            encoded,
            frames,
            mel_secs,
            encode_secs: t.elapsed().as_secs_f64(),
        })
    }

    /// Language detection (when needed), then decoding with the temperature fallback.
    fn decode_encoded(
        &self,
        model: &Whisper,
        window: &EncodedWindow,
        language: Option<&str>,
        previous: &[String],
        options: &TranscribeOptions,
        stats: &mut DecodeStats,
    ) -> Result<WindowOutput, SpeechError> {
        let encoded = &window.encoded;
        let language = match (self.multilingual, language) {
            (false, _) => "en".to_owned(),
            (true, Some(l)) => l.to_owned(),
            (true, None) => {
                let t = Instant::now();
                let detected = self.detect_language(model, encoded)?;
                stats.language_secs += t.elapsed().as_secs_f64();
                detected
            }
        };
        let prompt = build_prompt(
            &self.vocab,
            &self.special,
            self.multilingual,
            Some(&language),
            previous,
        );
        let max_length = max_length(window.frames, prompt.len());
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
                    max_length,
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
                    max_length,
                    ..WhisperOptions::default()
                }
            };
            stats.attempts += 1;
            let result = model
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

/// A window handed to a copy of the model: encode it, then decode it with `context`.
struct Job {
    id: u64,
    samples: Vec<f32>,
    context: Vec<String>,
}

/// What a copy of the model made of a [`Job`].
struct JobDone {
    id: u64,
    out: Result<WindowOutput, SpeechError>,
    /// Counts and times of this window alone.
    stats: DecodeStats,
}

/// A window planned, with its decoder context; `id` once it was handed to a copy of the model.
struct Pending {
    start: usize,
    end: usize,
    context: Vec<String>,
    id: Option<u64>,
}

impl Pending {
    fn new(start: usize, end: usize, initial: &[String], previous: &[String]) -> Self {
        Self {
            start,
            end,
            context: initial.iter().chain(previous).cloned().collect(),
            id: None,
        }
    }
}

/// Previous text as decoder context, one window behind: window `k` is given the text of the
/// windows up to `k - 2`, so that it can be decoded while `k - 1` still is (by the other copy of
/// the model). The same with one copy, so that the transcript does not depend on the cores.
#[derive(Debug, Default)]
struct ContextLag {
    /// Context after the window before the last one kept, and after the last one.
    before: Vec<String>,
    latest: Vec<String>,
}

impl ContextLag {
    /// Context for the window after the last one kept.
    fn lagged(&self) -> &[String] {
        &self.before
    }

    /// Context for the window after that one.
    fn latest(&self) -> &[String] {
        &self.latest
    }

    /// A window was kept: `kept` are its segments as context tokens; `reset` forgets all context
    /// (it was decoded at a high temperature).
    fn push(&mut self, kept: &[String], reset: bool) {
        let mut next = if reset {
            Vec::new()
        } else {
            self.latest.iter().chain(kept).cloned().collect()
        };
        // build_prompt keeps only the most recent ones.
        let excess = next.len().saturating_sub(MAX_PREVIOUS_TOKENS);
        next.drain(..excess);
        self.before = std::mem::replace(&mut self.latest, next);
    }
}

/// The windows handed to the copies of the model, and what came back before it was awaited.
struct JobsOut {
    jobs: mpsc::Sender<Job>,
    done: mpsc::Receiver<JobDone>,
    next_id: u64,
    early: Vec<JobDone>,
    discarded: Vec<u64>,
}

fn worker_gone() -> SpeechError {
    SpeechError::Inference("the speech model's worker thread stopped".to_owned())
}

impl JobsOut {
    fn new(jobs: mpsc::Sender<Job>, done: mpsc::Receiver<JobDone>) -> Self {
        Self {
            jobs,
            done,
            next_id: 0,
            early: Vec::new(),
            discarded: Vec::new(),
        }
    }

    /// Hands `window` to the next free copy (once; its audio is read from `buf`).
    fn submit(&mut self, window: &mut Pending, buf: &Buffer<'_>) -> Result<u64, SpeechError> {
        if let Some(id) = window.id {
            return Ok(id);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.jobs
            .send(Job {
                id,
                samples: buf.slice(window.start, window.end).to_vec(),
                context: window.context.clone(),
            })
            .map_err(|_| worker_gone())?;
        window.id = Some(id);
        Ok(id)
    }

    /// Waits for job `id`, keeping what else comes back meanwhile.
    fn wait(&mut self, id: u64, stats: &mut DecodeStats) -> Result<JobDone, SpeechError> {
        if let Some(i) = self.early.iter().position(|d| d.id == id) {
            return Ok(self.early.swap_remove(i));
        }
        loop {
            let done = self.done.recv().map_err(|_| worker_gone())?;
            if done.id == id {
                return Ok(done);
            }
            if let Some(i) = self.discarded.iter().position(|d| *d == done.id) {
                self.discarded.swap_remove(i);
                stats.add_wasted(&done.stats);
            } else {
                self.early.push(done);
            }
        }
    }

    /// Job `id` is not needed any more: its result is dropped (now or when it comes).
    fn discard(&mut self, id: u64, stats: &mut DecodeStats) {
        if let Some(i) = self.early.iter().position(|d| d.id == id) {
            let done = self.early.swap_remove(i);
            stats.add_wasted(&done.stats);
        } else {
            self.discarded.push(id);
        }
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
    ///
    /// Windows are decoded one after the other in the same way with any number of cores, so the
    /// transcript does not depend on them: window `k` gets the text of the windows before `k - 1`
    /// as context (see [`ContextLag`]), and the window after it is planned (where it would start
    /// if `k` is decoded to its end) as soon as `k` is. With two copies of the model, that next
    /// window is encoded and decoded by the second copy while the first decodes `k`; when `k`
    /// ends early after all (the model left a segment unfinished), that work is thrown away and the
    /// next window planned again from where `k` stopped.
    pub fn transcribe_with_stats(
        &self,
        audio: &mut dyn AudioSource,
        options: &TranscribeOptions,
        progress: ProgressFn<'_>,
    ) -> Result<(Transcript, DecodeStats), SpeechError> {
        let forced_language = if self.multilingual {
            options.language.as_deref()
        } else {
            Some("en")
        };
        let copies: Vec<&Whisper> = std::iter::once(&self.model)
            .chain(self.look_ahead.as_ref())
            .collect();
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let job_rx = Mutex::new(job_rx);
        let (done_tx, done_rx) = mpsc::channel::<JobDone>();
        std::thread::scope(|scope| {
            for model in &copies {
                let (job_rx, done_tx) = (&job_rx, done_tx.clone());
                scope.spawn(move || loop {
                    // The lock is held only while waiting: whichever copy is free takes the job.
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok(job) = job else { break };
                    let id = job.id;
                    // A panic in the model becomes this job's error: the loop waiting for it
                    // must not wait forever.
                    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.run_job(model, job, forced_language, options)
                    }))
                    .unwrap_or_else(|_| JobDone {
                        id,
                        out: Err(SpeechError::Inference(
                            "the speech model panicked".to_owned(),
                        )),
                        stats: DecodeStats::default(),
                    });
                    if done_tx.send(done).is_err() {
                        break;
                    }
                });
            }
            drop(done_tx);
            // Returning drops both channels: the copies finish the job they hold and stop.
            self.run_windows(audio, options, progress, copies.len(), job_tx, done_rx)
        })
    }

    /// Encodes and decodes one window with `model` (on a worker thread).
    fn run_job(
        &self,
        model: &Whisper,
        job: Job,
        forced_language: Option<&str>,
        options: &TranscribeOptions,
    ) -> JobDone {
        let mut stats = DecodeStats::default();
        let out = self.encode_window(model, &job.samples).and_then(|encoded| {
            encoded.count(&mut stats);
            let t = Instant::now();
            let out = self.decode_encoded(
                model,
                &encoded,
                forced_language,
                &job.context,
                options,
                &mut stats,
            );
            stats.decode_secs += t.elapsed().as_secs_f64();
            out
        });
        JobDone {
            id: job.id,
            out,
            stats,
        }
    }

    /// The loop over the windows: plans them, hands them to the `copies` model copies through
    /// `jobs` (up to one window ahead of the one awaited when there are two) and turns what comes
    /// back from `done` into segments, in order.
    fn run_windows(
        &self,
        audio: &mut dyn AudioSource,
        options: &TranscribeOptions,
        progress: ProgressFn<'_>,
        copies: usize,
        jobs: mpsc::Sender<Job>,
        done: mpsc::Receiver<JobDone>,
    ) -> Result<(Transcript, DecodeStats), SpeechError> {
        let vad_config = options.vad.clone().unwrap_or_default();
        let mut buf = Buffer {
            source: audio,
            offset: 0,
            samples: Vec::new(),
            eof: false,
            vad: Vad::new(vad_config),
        };
        let initial: Vec<String> = match &options.initial_prompt {
            Some(p) if !p.trim().is_empty() => self.prompt_tokens(p)?,
            _ => Vec::new(),
        };
        let use_vad = options.vad.is_some();
        let mut stats = DecodeStats::default();
        let mut context = ContextLag::default();
        let mut segments: Vec<Segment> = Vec::new();
        let mut seek = 0usize;
        let mut jobs_out = JobsOut::new(jobs, done);
        // The window decoded next, when it is known before it is reached.
        let mut current: Option<Pending> = None;
        loop {
            if !progress(seek as f64 / f64::from(SAMPLE_RATE)) {
                return Err(SpeechError::Cancelled);
            }
            buf.discard(seek);
            let mut cur = match current.take() {
                Some(c) => c,
                None => match buf.plan_at(seek, use_vad)? {
                    Plan::Window(start, end) => {
                        Pending::new(start, end, &initial, context.lagged())
                    }
                    Plan::Seek(next) => {
                        seek = next;
                        continue;
                    }
                    Plan::End => break,
                },
            };
            // The window after it if it is decoded to its end, planned as soon as it is (the same
            // reads with one copy as with two).
            let mut following = buf
                .plan_ahead(cur.end, use_vad)?
                .map(|(start, end)| Pending::new(start, end, &initial, context.latest()));
            let cur_id = jobs_out.submit(&mut cur, &buf)?;
            if copies > 1 {
                if let Some(next) = following.as_mut() {
                    jobs_out.submit(next, &buf)?;
                    stats.overlapped_windows += 1;
                }
            }
            let job = jobs_out.wait(cur_id, &mut stats)?;
            stats.add(&job.stats);
            let out = job.out?;
            let (start, end) = (cur.start, cur.end);
            let silent = out.no_speech_prob > options.no_speech_threshold
                && out.avg_logprob < options.log_prob_threshold;
            let mut kept_context: Vec<String> = Vec::new();
            let advance = if silent {
                // As faster-whisper: the whole window is skipped.
                stats.silent_windows += 1;
                end - start
            } else {
                let content_steps = ((end - start) / STEP_SAMPLES) as u32;
                let window = split_window(
                    &out.ids,
                    self.special.timestamp_begin,
                    self.special.eot,
                    content_steps,
                );
                let base = start as f64 / f64::from(SAMPLE_RATE);
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
                    // Like faster-whisper's `all_tokens`: every kept segment with its timestamps
                    // (build_prompt keeps the most recent ones).
                    kept_context.extend(self.context_tokens(ws));
                }
                // A window decoded to its end continues exactly at its end (its length in
                // timestamp steps is rounded down), which is where `following` was planned.
                if window.advance_steps >= content_steps {
                    end - start
                } else {
                    (window.advance_steps as usize * STEP_SAMPLES)
                        .min(end - start)
                        .max(STEP_SAMPLES)
                }
            };
            if options.condition_on_previous_text {
                // A window skipped as silence leaves the context as it was.
                let reset = !silent && out.temperature > PROMPT_RESET_TEMPERATURE;
                context.push(&kept_context, reset);
            }
            seek = start + advance;
            if seek == end {
                current = following.take();
            } else if let Some(wasted) = following.take() {
                // Planned where this window would have ended: plan again from `seek`.
                if let Some(id) = wasted.id {
                    jobs_out.discard(id, &mut stats);
                    stats.overlapped_windows -= 1;
                }
            }
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

    fn tokens(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn context_is_one_window_behind() {
        let mut c = ContextLag::default();
        assert!(c.lagged().is_empty() && c.latest().is_empty());
        // Window 0 kept: window 1 (decoded beside window 0) still has no context, window 2 has 0's.
        c.push(&tokens(&["a"]), false);
        assert!(c.lagged().is_empty());
        assert_eq!(c.latest(), tokens(&["a"]));
        c.push(&tokens(&["b"]), false);
        assert_eq!(c.lagged(), tokens(&["a"]));
        assert_eq!(c.latest(), tokens(&["a", "b"]));
        // A window decoded at a high temperature forgets everything, for the window after next.
        c.push(&tokens(&["c"]), true);
        assert_eq!(c.lagged(), tokens(&["a", "b"]));
        assert!(c.latest().is_empty());
        c.push(&[], false);
        assert!(c.lagged().is_empty() && c.latest().is_empty());
    }

    #[test]
    fn context_keeps_the_most_recent_tokens() {
        let mut c = ContextLag::default();
        let many: Vec<String> = (0..MAX_PREVIOUS_TOKENS + 10)
            .map(|i| i.to_string())
            .collect();
        c.push(&many, false);
        c.push(&tokens(&["last"]), false);
        assert_eq!(c.latest().len(), MAX_PREVIOUS_TOKENS);
        assert_eq!(c.latest().last().map(String::as_str), Some("last"));
        assert_eq!(c.latest()[0], "11");
    }

    #[test]
    fn stats_add_up() {
        let one = DecodeStats {
            windows: 1,
            attempts: 2,
            generated_tokens: 30,
            encode_secs: 0.5,
            decode_secs: 1.0,
            language_secs: 0.25,
            ..DecodeStats::default()
        };
        let mut total = DecodeStats::default();
        total.add(&one);
        total.add(&one);
        assert_eq!(
            (total.windows, total.attempts, total.generated_tokens),
            (2, 4, 60)
        );
        assert!((total.decode_secs - 2.0).abs() < 1e-9 && (total.language_secs - 0.5).abs() < 1e-9);
        total.add_wasted(&one);
        assert_eq!(total.wasted_encodings, 1);
        assert!((total.wasted_secs - 1.5).abs() < 1e-9);
        assert_eq!(total.windows, 2);
    }

    /// What CTranslate2 makes of `max_length`: tokens it may generate after a prompt.
    fn generated(max_length: usize, prompt_len: usize) -> usize {
        (max_length / 2).min(max_length.saturating_sub(prompt_len))
    }

    #[test]
    fn token_limit_follows_the_window_length() {
        // A full 30 s window: faster-whisper's 448 (224 tokens).
        assert_eq!(max_length(3000, 4), 448);
        assert_eq!(generated(max_length(3000, 4), 4), 224);
        // 21 s (20 s of audio and 1 s of silence): 157 tokens, with a short or a long prompt.
        for prompt in [1, 4, 100, 157, 200, 227] {
            assert_eq!(
                generated(max_length(2100, prompt), prompt),
                157,
                "prompt {prompt}"
            );
        }
        // The shortest input (10 s): 75 tokens.
        assert_eq!(generated(max_length(1000, 1), 1), 75);
        // Never past the model's 448 positions.
        assert!(max_length(2100, 400) <= 448);
        assert_eq!(generated(max_length(2100, 400), 400), 48);
    }

    #[test]
    fn reads_the_cpu_vendor() {
        assert!(is_amd_cpuinfo(
            "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"
        ));
        assert!(!is_amd_cpuinfo(
            "processor\t: 0\nvendor_id\t: GenuineIntel\n"
        ));
        assert!(!is_amd_cpuinfo("processor\t: 0\n"));
    }

    #[test]
    fn names_hf_snapshots_by_repository() {
        let p = Path::new("/h/hub/models--Systran--faster-whisper-tiny.en/snapshots/abc123");
        assert_eq!(hf_repo_name(p).as_deref(), Some("faster-whisper-tiny.en"));
        assert_eq!(hf_repo_name(Path::new("/m/whisper-tiny.en")), None);
    }
}
