//! Voice-activity detection from frame energy and zero-crossing rate.
//!
//! Its job is to keep Whisper away from silence (where it is slow for nothing and likes to invent
//! text): frames of 20 ms are voiced when their level stands out from the noise floor, or when they
//! are quieter but hiss like a fricative (many zero crossings); voiced runs are padded and merged
//! into speech regions. It is fed incrementally so long audio is never held whole; it keeps one
//! byte per frame (180 kB per hour).

use super::SAMPLE_RATE;

/// Samples per VAD frame (20 ms).
pub const FRAME_SAMPLES: usize = SAMPLE_RATE as usize / 50;

/// Tuning of the detector; the defaults suit speech in ordinary recordings.
#[derive(Debug, Clone, PartialEq)]
pub struct VadConfig {
    /// Frames quieter than this (dBFS) are never speech.
    pub min_level_db: f32,
    /// A frame is voiced when it is this much louder than the noise floor.
    pub above_floor_db: f32,
    /// Quiet frames (down to `above_floor_db - fricative_margin_db`) with a zero-crossing rate
    /// above `fricative_zcr` count as voiced too.
    pub fricative_margin_db: f32,
    pub fricative_zcr: f32,
    /// Voiced runs shorter than this are dropped (clicks).
    pub min_speech_secs: f32,
    /// Gaps shorter than this between speech regions are bridged.
    pub min_silence_secs: f32,
    /// Padding added on both sides of every region.
    pub pad_secs: f32,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            min_level_db: -55.0,
            above_floor_db: 10.0,
            fricative_margin_db: 6.0,
            fricative_zcr: 0.3,
            min_speech_secs: 0.1,
            min_silence_secs: 0.6,
            pad_secs: 0.3,
        }
    }
}

/// A half-open range of samples `[start, end)` that holds speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start: usize,
    pub end: usize,
}

/// Per-frame measurements of everything pushed so far.
#[derive(Debug, Clone)]
pub struct Vad {
    config: VadConfig,
    /// Level in dB (quantised to 0.5 dB, offset 128 so it fits a byte) per frame.
    levels: Vec<u8>,
    /// Zero-crossing rate per frame, quantised to 1/255.
    zcrs: Vec<u8>,
    /// Histogram of levels, for the noise floor (a running percentile).
    histogram: [u32; 256],
    pending: Vec<f32>,
}

const LEVEL_STEP: f32 = 0.5;

fn level_to_byte(db: f32) -> u8 {
    (db / LEVEL_STEP + 255.0).clamp(0.0, 255.0) as u8
}

fn byte_to_level(b: u8) -> f32 {
    (f32::from(b) - 255.0) * LEVEL_STEP
}

impl Vad {
    pub fn new(config: VadConfig) -> Self {
        Self {
            config,
            levels: Vec::new(),
            zcrs: Vec::new(),
            histogram: [0; 256],
            pending: Vec::with_capacity(FRAME_SAMPLES),
        }
    }

    /// Adds samples (continuing those pushed before).
    pub fn push(&mut self, mut samples: &[f32]) {
        if !self.pending.is_empty() {
            let take = (FRAME_SAMPLES - self.pending.len()).min(samples.len());
            self.pending.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if self.pending.len() == FRAME_SAMPLES {
                let frame = std::mem::take(&mut self.pending);
                self.measure(&frame);
                self.pending = frame;
                self.pending.clear();
            }
        }
        let mut chunks = samples.chunks_exact(FRAME_SAMPLES);
        for frame in &mut chunks {
            self.measure(frame);
        }
        self.pending.extend_from_slice(chunks.remainder());
    }

    /// Measures the partial frame at the end of the audio too.
    pub fn finish(&mut self) {
        if !self.pending.is_empty() {
            let frame = std::mem::take(&mut self.pending);
            self.measure(&frame);
        }
    }

    fn measure(&mut self, frame: &[f32]) {
        let energy = frame.iter().map(|s| s * s).sum::<f32>() / frame.len().max(1) as f32;
        let db = 10.0 * energy.max(1e-12).log10();
        let crossings = frame
            .windows(2)
            .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
            .count();
        let zcr = crossings as f32 / frame.len().max(2) as f32;
        let level = level_to_byte(db);
        self.levels.push(level);
        self.zcrs
            .push((zcr * 255.0).round().clamp(0.0, 255.0) as u8);
        self.histogram[usize::from(level)] += 1;
    }

    /// Samples measured so far (whole frames).
    pub fn measured_samples(&self) -> usize {
        self.levels.len() * FRAME_SAMPLES
    }

    /// The noise floor: the 10th percentile of the frame levels seen so far, in dBFS.
    pub fn noise_floor_db(&self) -> f32 {
        let total: u32 = self.histogram.iter().sum();
        if total == 0 {
            return self.config.min_level_db;
        }
        let target = (total as f32 * 0.1).ceil() as u32;
        let mut seen = 0;
        for (b, n) in self.histogram.iter().enumerate() {
            seen += n;
            if seen >= target.max(1) {
                return byte_to_level(b as u8);
            }
        }
        self.config.min_level_db
    }

    /// The middle of the quietest 100 ms within samples `[from, to)` (of what was measured), in
    /// samples: where a window may cut speech that runs on (a pause between words or phrases).
    /// `to` when the range is shorter than that.
    pub fn quietest(&self, from: usize, to: usize) -> usize {
        const SPAN: usize = 5;
        let first = from.div_ceil(FRAME_SAMPLES);
        let last = (to / FRAME_SAMPLES).min(self.levels.len());
        if last < first + SPAN {
            return to;
        }
        let levels = &self.levels[first..last];
        let mut sum: u32 = levels[..SPAN].iter().map(|&l| u32::from(l)).sum();
        let (mut best, mut best_sum) = (0, sum);
        for i in 1..=levels.len() - SPAN {
            sum = sum + u32::from(levels[i + SPAN - 1]) - u32::from(levels[i - 1]);
            // Later on ties: the window keeps as much as it can.
            if sum <= best_sum {
                (best, best_sum) = (i, sum);
            }
        }
        (first + best + SPAN / 2) * FRAME_SAMPLES + FRAME_SAMPLES / 2
    }

    /// Speech regions that overlap samples `[from, to)` (clipped to the measured audio), padded and
    /// merged, in sample units.
    pub fn regions(&self, from: usize, to: usize) -> Vec<Region> {
        let c = &self.config;
        let floor = self.noise_floor_db();
        let threshold = (floor + c.above_floor_db).max(c.min_level_db).min(-20.0);
        let fricative = (threshold - c.fricative_margin_db).max(c.min_level_db);
        let pad_frames = secs_to_frames(c.pad_secs);
        let first = (from / FRAME_SAMPLES).saturating_sub(pad_frames);
        let last = to
            .div_ceil(FRAME_SAMPLES)
            .saturating_add(pad_frames)
            .min(self.levels.len());
        if first >= last {
            return Vec::new();
        }
        let voiced: Vec<bool> = (first..last)
            .map(|i| {
                let db = byte_to_level(self.levels[i]);
                let zcr = f32::from(self.zcrs[i]) / 255.0;
                db >= threshold || (db >= fricative && zcr >= c.fricative_zcr)
            })
            .collect();
        let frames = regions_from_flags(
            &voiced,
            secs_to_frames(c.min_speech_secs),
            secs_to_frames(c.min_silence_secs),
            pad_frames,
        );
        frames
            .into_iter()
            .map(|(s, e)| Region {
                start: (first + s) * FRAME_SAMPLES,
                end: (first + e) * FRAME_SAMPLES,
            })
            .filter(|r| r.end > from && r.start < to)
            .collect()
    }
}

fn secs_to_frames(secs: f32) -> usize {
    (secs * SAMPLE_RATE as f32 / FRAME_SAMPLES as f32).round() as usize
}

/// Turns per-frame voiced flags into `[start, end)` frame ranges: runs shorter than `min_speech`
/// are dropped, each run is padded by `pad` frames, and runs closer than `min_silence` merge.
pub fn regions_from_flags(
    voiced: &[bool],
    min_speech: usize,
    min_silence: usize,
    pad: usize,
) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < voiced.len() {
        if voiced[i] {
            let start = i;
            while i < voiced.len() && voiced[i] {
                i += 1;
            }
            if i - start >= min_speech.max(1) {
                runs.push((start.saturating_sub(pad), (i + pad).min(voiced.len())));
            }
        } else {
            i += 1;
        }
    }
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(runs.len());
    for (s, e) in runs {
        match merged.last_mut() {
            Some(last) if s <= last.1 + min_silence => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(secs: f32, amp: f32) -> Vec<f32> {
        let n = (secs * SAMPLE_RATE as f32) as usize;
        (0..n)
            .map(|i| {
                (2.0 * std::f32::consts::PI * 220.0 * i as f32 / SAMPLE_RATE as f32).sin() * amp
            })
            .collect()
    }

    fn noise(secs: f32, amp: f32) -> Vec<f32> {
        // Deterministic pseudo-random noise (xorshift).
        let mut x: u32 = 0x1234_5678;
        (0..(secs * SAMPLE_RATE as f32) as usize)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x as f32 / u32::MAX as f32 * 2.0 - 1.0) * amp
            })
            .collect()
    }

    #[test]
    fn flags_to_regions_pads_merges_and_drops_clicks() {
        let mut v = vec![false; 100];
        v[10..20].iter_mut().for_each(|f| *f = true);
        v[23..30].iter_mut().for_each(|f| *f = true); // gap of 3 -> merged
        v[60] = true; // click, dropped
        v[80..90].iter_mut().for_each(|f| *f = true);
        let r = regions_from_flags(&v, 2, 5, 1);
        assert_eq!(r, vec![(9, 31), (79, 91)]);
    }

    #[test]
    fn finds_the_tone_between_silences() {
        let mut audio = noise(3.0, 0.0005);
        audio.extend(tone(2.0, 0.3));
        audio.extend(noise(3.0, 0.0005));
        let mut vad = Vad::new(VadConfig::default());
        // Fed in odd-sized pieces to exercise the frame carry-over.
        for piece in audio.chunks(1234) {
            vad.push(piece);
        }
        vad.finish();
        let r = vad.regions(0, audio.len());
        assert_eq!(r.len(), 1, "{r:?}");
        let (s, e) = (r[0].start as f32 / 16000.0, r[0].end as f32 / 16000.0);
        assert!((s - 2.7).abs() < 0.1, "start {s}");
        assert!((e - 5.3).abs() < 0.1, "end {e}");
        // A range inside the silence has no speech.
        assert!(vad.regions(0, 2 * 16000).is_empty());
    }

    #[test]
    fn quietest_point_is_the_pause() {
        // 4 s of tone with a 200 ms pause at 2.5 s.
        let mut audio = tone(2.5, 0.3);
        audio.extend(noise(0.2, 0.001));
        audio.extend(tone(1.3, 0.3));
        let mut vad = Vad::new(VadConfig::default());
        vad.push(&audio);
        vad.finish();
        let q = vad.quietest(16_000, audio.len()) as f32 / 16_000.0;
        assert!((2.5..=2.7).contains(&q), "cut at {q}");
        // Too short a range: its end.
        assert_eq!(vad.quietest(0, 1000), 1000);
    }

    #[test]
    fn digital_silence_has_no_speech() {
        let mut vad = Vad::new(VadConfig::default());
        vad.push(&vec![0.0; 16000 * 5]);
        vad.finish();
        assert!(vad.regions(0, 16000 * 5).is_empty());
    }
}
