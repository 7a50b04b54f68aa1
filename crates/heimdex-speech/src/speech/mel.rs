//! Whisper's log-mel spectrogram, computed the way OpenAI's `log_mel_spectrogram` does it.
//!
//! 25 ms Hann windows (400 samples) every 10 ms (160 samples) with reflect padding at the edges,
//! power spectrum, Slaney-style mel filters (librosa's defaults, 0 to 8 kHz), `log10` clamped at
//! 1e-10, then the dynamic range limited to 8 (80 dB) below the window's maximum and the result
//! mapped by `(x + 4) / 4`. The window is always 30 s (3000 frames): shorter audio is padded with
//! zeros first, exactly as Whisper pads every segment it decodes.

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

use super::SAMPLE_RATE;

/// FFT size (25 ms at 16 kHz).
pub const N_FFT: usize = 400;
/// Hop between frames (10 ms at 16 kHz).
pub const HOP_LENGTH: usize = 160;
/// Samples in one 30 s window.
pub const WINDOW_SAMPLES: usize = 30 * SAMPLE_RATE as usize;
/// Mel frames in one 30 s window.
pub const WINDOW_FRAMES: usize = WINDOW_SAMPLES / HOP_LENGTH;

const N_BINS: usize = N_FFT / 2 + 1;
/// `log10` of the power of digital silence (the clamp in Whisper's log-mel).
const SILENCE_LOG10: f32 = -10.0;

/// Computes log-mel features for 30 s windows. Reuse one per model: it holds the FFT plan and the
/// filter bank.
pub struct MelExtractor {
    n_mels: usize,
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    /// Per mel band: the first FFT bin with a non-zero weight and the weights from there on.
    filters: Vec<(usize, Vec<f32>)>,
}

impl std::fmt::Debug for MelExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MelExtractor")
            .field("n_mels", &self.n_mels)
            .finish()
    }
}

impl MelExtractor {
    /// An extractor for `n_mels` bands (80 for Whisper up to large-v2, 128 for large-v3).
    pub fn new(n_mels: usize) -> Self {
        let fft = FftPlanner::<f32>::new().plan_fft_forward(N_FFT);
        // Periodic Hann window, as torch.hann_window(400).
        let window = (0..N_FFT)
            .map(|i| {
                let x = 2.0 * std::f64::consts::PI * i as f64 / N_FFT as f64;
                (0.5 - 0.5 * x.cos()) as f32
            })
            .collect();
        let filters = mel_filters(n_mels)
            .into_iter()
            .map(|row| {
                let first = row.iter().position(|w| *w != 0.0).unwrap_or(0);
                let last = row.iter().rposition(|w| *w != 0.0).map_or(first, |l| l + 1);
                (first, row[first..last].to_vec())
            })
            .collect();
        Self {
            n_mels,
            fft,
            window,
            filters,
        }
    }

    pub fn n_mels(&self) -> usize {
        self.n_mels
    }

    /// Features of one window, row-major `[n_mels][3000]`, as faster-whisper computes them:
    /// `samples` (at most 30 s of 16 kHz mono audio; anything longer is ignored) followed by 10 ms
    /// of zeros gives `len / 160` frames, normalised over those frames; the rest of the window is
    /// filled with zeros (in feature space, as faster-whisper's `pad_or_trim` does).
    pub fn window_features(&self, samples: &[f32]) -> Vec<f32> {
        let n = samples.len().min(WINDOW_SAMPLES);
        let frames = (n / HOP_LENGTH).min(WINDOW_FRAMES);
        let mut out = vec![0.0f32; self.n_mels * WINDOW_FRAMES];
        if frames == 0 {
            return out;
        }
        let power = self.power_of(&samples[..n], frames);
        self.mel_log(&power, frames, WINDOW_FRAMES, &mut out);
        out
    }

    /// Features of `samples` (at most 30 s) followed by `silence_frames` frames of silence, no
    /// longer than that (at most 3000 frames, an even number): row-major `[n_mels][frames]`, and
    /// `frames`. The audio's frames are normalised as in [`Self::window_features`]; the silence
    /// frames hold the value digital silence gets after that normalisation (the window's floor),
    /// as OpenAI's Whisper pads audio with zeros. This is the encoder input for a window shorter
    /// than 30 s: the encoder's cost grows faster than its input, and the silence tells the
    /// decoder where the speech ends.
    pub fn padded_features(&self, samples: &[f32], silence_frames: usize) -> (Vec<f32>, usize) {
        let n = samples.len().min(WINDOW_SAMPLES);
        let content = (n / HOP_LENGTH).min(WINDOW_FRAMES);
        let mut frames = (content + silence_frames).clamp(2, WINDOW_FRAMES);
        frames += frames % 2;
        let mut out = vec![0.0f32; self.n_mels * frames];
        let floor = if content == 0 {
            (SILENCE_LOG10 + 4.0) / 4.0
        } else {
            let power = self.power_of(&samples[..n], content);
            let max = self.mel_log(&power, content, frames, &mut out);
            ((max - 8.0).max(SILENCE_LOG10) + 4.0) / 4.0
        };
        for row in out.chunks_exact_mut(frames) {
            row[content..].fill(floor);
        }
        (out, frames)
    }

    /// Power spectrogram of `frames` frames of `samples` followed by 10 ms of zeros (as
    /// faster-whisper pads before its STFT).
    fn power_of(&self, samples: &[f32], frames: usize) -> Vec<f32> {
        let mut audio = Vec::with_capacity(samples.len() + HOP_LENGTH);
        audio.extend_from_slice(samples);
        audio.resize(samples.len() + HOP_LENGTH, 0.0);
        self.power_spectrogram(&audio, frames)
    }

    /// `|STFT|^2` of the first `frames` frames, frame-major `[frames][201]`, centred frames with
    /// reflect padding.
    fn power_spectrogram(&self, audio: &[f32], frames: usize) -> Vec<f32> {
        let pad = N_FFT / 2;
        let n = audio.len();
        let at = |i: isize| -> f32 {
            // Reflect padding without repeating the edge sample (numpy "reflect").
            let mut j = i;
            if j < 0 {
                j = -j;
            }
            if j >= n as isize {
                j = 2 * (n as isize - 1) - j;
            }
            audio[j.clamp(0, n as isize - 1) as usize]
        };
        let mut out = vec![0.0f32; frames * N_BINS];
        let mut buf = vec![Complex32::new(0.0, 0.0); N_FFT];
        let mut scratch = vec![Complex32::new(0.0, 0.0); self.fft.get_inplace_scratch_len()];
        for frame in 0..frames {
            let start = (frame * HOP_LENGTH) as isize - pad as isize;
            let inside = start >= 0 && (start as usize + N_FFT) <= n;
            if inside {
                let s = start as usize;
                for (k, c) in buf.iter_mut().enumerate() {
                    *c = Complex32::new(audio[s + k] * self.window[k], 0.0);
                }
            } else {
                for (k, c) in buf.iter_mut().enumerate() {
                    *c = Complex32::new(at(start + k as isize) * self.window[k], 0.0);
                }
            }
            self.fft.process_with_scratch(&mut buf, &mut scratch);
            let row = &mut out[frame * N_BINS..(frame + 1) * N_BINS];
            for (o, c) in row.iter_mut().zip(&buf) {
                *o = c.norm_sqr();
            }
        }
        out
    }

    /// Applies the filter bank, the log and Whisper's normalisation to `frames` frames, writing
    /// `[n_mels][stride]` into `out`; returns the largest log10 value before normalisation.
    fn mel_log(&self, power: &[f32], frames: usize, stride: usize, out: &mut [f32]) -> f32 {
        let mut max = f32::NEG_INFINITY;
        for frame in 0..frames {
            let spec = &power[frame * N_BINS..(frame + 1) * N_BINS];
            for (m, (first, weights)) in self.filters.iter().enumerate() {
                let s: f32 = spec[*first..*first + weights.len()]
                    .iter()
                    .zip(weights)
                    .map(|(p, w)| p * w)
                    .sum();
                let v = s.max(1e-10).log10();
                max = max.max(v);
                out[m * stride + frame] = v;
            }
        }
        let floor = max - 8.0;
        for row in out.chunks_exact_mut(stride) {
            for v in &mut row[..frames] {
                *v = (v.max(floor) + 4.0) / 4.0;
            }
        }
        max
    }
}

fn hz_to_mel(hz: f64) -> f64 {
    // Slaney: linear below 1 kHz, logarithmic above.
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = (6.4f64).ln() / 27.0;
    if hz >= min_log_hz {
        min_log_mel + (hz / min_log_hz).ln() / logstep
    } else {
        hz / f_sp
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = (6.4f64).ln() / 27.0;
    if mel >= min_log_mel {
        min_log_hz * (logstep * (mel - min_log_mel)).exp()
    } else {
        f_sp * mel
    }
}

/// librosa.filters.mel(sr=16000, n_fft=400, n_mels, fmin=0, fmax=8000, htk=False, norm="slaney"):
/// `[n_mels][201]`.
fn mel_filters(n_mels: usize) -> Vec<Vec<f32>> {
    let sr = f64::from(SAMPLE_RATE);
    let fft_freqs: Vec<f64> = (0..N_BINS).map(|i| i as f64 * sr / N_FFT as f64).collect();
    let (mel_min, mel_max) = (hz_to_mel(0.0), hz_to_mel(sr / 2.0));
    let points: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(mel_min + (mel_max - mel_min) * i as f64 / (n_mels + 1) as f64))
        .collect();
    (0..n_mels)
        .map(|m| {
            let (lo, mid, hi) = (points[m], points[m + 1], points[m + 2]);
            let enorm = 2.0 / (hi - lo);
            fft_freqs
                .iter()
                .map(|&f| {
                    let lower = (f - lo) / (mid - lo);
                    let upper = (hi - f) / (hi - mid);
                    (lower.min(upper).max(0.0) * enorm) as f32
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_bank_matches_librosa_shape_and_values() {
        let f = mel_filters(80);
        assert_eq!(f.len(), 80);
        assert_eq!(f[0].len(), 201);
        // librosa.filters.mel(sr=16000, n_fft=400, n_mels=80)[0][1] == 0.02486259 (first band
        // peaks at bin 1, 40 Hz).
        assert!((f[0][1] - 0.024_862_59).abs() < 1e-5, "got {}", f[0][1]);
        assert_eq!(f[0][0], 0.0);
        // Every band has some weight.
        assert!(f.iter().all(|row| row.iter().any(|w| *w > 0.0)));
    }

    #[test]
    fn silence_gives_the_floor_and_the_rest_is_zero() {
        let mel = MelExtractor::new(80);
        assert!(mel.window_features(&[]).iter().all(|v| *v == 0.0));
        // 1 s of digital silence: 100 frames at log10(1e-10) = -10 -> (-10 + 4) / 4 = -1.5.
        let feats = mel.window_features(&[0.0; 16_000]);
        assert_eq!(feats.len(), 80 * WINDOW_FRAMES);
        for row in feats.chunks_exact(WINDOW_FRAMES) {
            assert!(row[..100].iter().all(|v| (*v + 1.5).abs() < 1e-6));
            assert!(row[100..].iter().all(|v| *v == 0.0));
        }
    }

    #[test]
    fn padded_features_end_in_the_silence_floor() {
        let mel = MelExtractor::new(80);
        let tone: Vec<f32> = (0..SAMPLE_RATE as usize)
            .map(|i| {
                (2.0 * std::f32::consts::PI * 440.0 * i as f32 / SAMPLE_RATE as f32).sin() * 0.5
            })
            .collect();
        let (feats, frames) = mel.padded_features(&tone, 51);
        // 100 frames of audio + 51 of silence, rounded up to an even count.
        assert_eq!(frames, 152);
        assert_eq!(feats.len(), 80 * frames);
        // The audio's frames are those of the 30 s window.
        let full = mel.window_features(&tone);
        let floor = feats.iter().copied().fold(f32::INFINITY, f32::min);
        for m in 0..80 {
            let row = &feats[m * frames..(m + 1) * frames];
            assert_eq!(row[..100], full[m * WINDOW_FRAMES..m * WINDOW_FRAMES + 100]);
            // The silence is the window's floor (8 below its maximum, in log10 units).
            assert!(row[100..].iter().all(|v| (*v - floor).abs() < 1e-6));
        }
        let max = feats.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        assert!((max - floor - 2.0).abs() < 1e-4);
        // Never longer than 30 s, never empty.
        assert_eq!(
            mel.padded_features(&vec![0.1; 31 * 16_000], 100).1,
            WINDOW_FRAMES
        );
        assert_eq!(mel.padded_features(&[], 0).1, 2);
    }

    #[test]
    fn a_tone_lights_up_its_band() {
        let mel = MelExtractor::new(80);
        let tone: Vec<f32> = (0..SAMPLE_RATE as usize)
            .map(|i| {
                (2.0 * std::f32::consts::PI * 440.0 * i as f32 / SAMPLE_RATE as f32).sin() * 0.5
            })
            .collect();
        let feats = mel.window_features(&tone);
        // Frame 50 (0.5 s): the loudest band is the one centred near 440 Hz (bands are ~37 Hz apart
        // below 1 kHz: band 10 is centred at 409 Hz, band 11 at 446 Hz).
        let frame = 50;
        let loudest = (0..80)
            .max_by(|a, b| {
                feats[a * WINDOW_FRAMES + frame].total_cmp(&feats[b * WINDOW_FRAMES + frame])
            })
            .expect("80 bands");
        assert!((10..=11).contains(&loudest), "loudest band {loudest}");
        // Over the audio's frames the floor is 8 (log10) below the maximum: 2 after scaling.
        let content: Vec<f32> = feats
            .chunks_exact(WINDOW_FRAMES)
            .flat_map(|r| r[..100].to_vec())
            .collect();
        let max = content.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let min = content.iter().copied().fold(f32::INFINITY, f32::min);
        assert!((max - min - 2.0).abs() < 1e-4);
    }
}
