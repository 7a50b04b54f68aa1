//! Whisper's temperature fallback, as the reference implementation and faster-whisper do it: a
//! window decoded greedily/with beam search at temperature 0 is accepted unless its text repeats
//! itself (gzip compression ratio above 2.4) or the model is unsure of it (average log-probability
//! below -1). Otherwise it is decoded again by sampling at rising temperatures (0.2, 0.4, ... 1.0),
//! best of 5, and the first acceptable result is kept — or, when none is, the most likely one that
//! does not repeat itself. This is what stops the "thank you thank you thank you" loops that
//! otherwise swallow the speech after them.

use std::io::Write;

/// Temperatures tried after the first (deterministic) decode.
pub const FALLBACK_TEMPERATURES: [f32; 5] = [0.2, 0.4, 0.6, 0.8, 1.0];
/// Sampled candidates per fallback temperature (faster-whisper's `best_of`).
pub const BEST_OF: usize = 5;
/// Above this, the text repeats itself.
pub const COMPRESSION_RATIO_THRESHOLD: f32 = 2.4;

/// `len(text) / len(zlib(text))`, as faster-whisper's `get_compression_ratio`.
pub fn compression_ratio(text: &str) -> f32 {
    if text.is_empty() {
        return 0.0;
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let compressed = z
        .write_all(text.as_bytes())
        .and_then(|()| z.finish())
        .map_or(text.len(), |c| c.len());
    text.len() as f32 / compressed.max(1) as f32
}

/// One decoding attempt of a window, reduced to what the decision needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attempt {
    pub avg_logprob: f32,
    pub compression_ratio: f32,
    pub no_speech_prob: f32,
}

/// Thresholds of the decision (from `TranscribeOptions`).
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub log_prob: f32,
    pub no_speech: f32,
}

/// Whether `a` must be decoded again at a higher temperature.
pub fn needs_fallback(a: &Attempt, t: Thresholds) -> bool {
    // A silent window is not retried: it will be dropped anyway.
    if a.no_speech_prob > t.no_speech && a.avg_logprob < t.log_prob {
        return false;
    }
    a.compression_ratio > COMPRESSION_RATIO_THRESHOLD || a.avg_logprob < t.log_prob
}

/// When every attempt needed a fallback: the most likely attempt among those that do not repeat
/// themselves, else the most likely of all (faster-whisper's choice). `None` for no attempts.
pub fn best_of_failed(attempts: &[Attempt]) -> Option<usize> {
    let best = |only_clean: bool| {
        attempts
            .iter()
            .enumerate()
            .filter(|(_, a)| !only_clean || a.compression_ratio <= COMPRESSION_RATIO_THRESHOLD)
            .max_by(|(_, a), (_, b)| a.avg_logprob.total_cmp(&b.avg_logprob))
            .map(|(i, _)| i)
    };
    best(true).or_else(|| best(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Thresholds = Thresholds {
        log_prob: -1.0,
        no_speech: 0.6,
    };

    #[test]
    fn repeated_text_compresses_well() {
        let loop_text = "So what do you think of it? ".repeat(20);
        assert!(compression_ratio(&loop_text) > COMPRESSION_RATIO_THRESHOLD);
        let normal = "And so my fellow Americans, ask not what your country can do for you, \
                      ask what you can do for your country.";
        assert!(compression_ratio(normal) < COMPRESSION_RATIO_THRESHOLD);
        assert_eq!(compression_ratio(""), 0.0);
    }

    #[test]
    fn decides_like_faster_whisper() {
        let a = |lp: f32, cr: f32, ns: f32| Attempt {
            avg_logprob: lp,
            compression_ratio: cr,
            no_speech_prob: ns,
        };
        assert!(!needs_fallback(&a(-0.3, 1.5, 0.1), T));
        assert!(needs_fallback(&a(-0.3, 3.0, 0.1), T));
        assert!(needs_fallback(&a(-1.5, 1.5, 0.1), T));
        // Unsure but silent: dropped later, not retried.
        assert!(!needs_fallback(&a(-1.5, 1.5, 0.9), T));
        let tries = [a(-0.5, 3.0, 0.1), a(-1.2, 2.0, 0.1), a(-1.4, 1.9, 0.1)];
        assert_eq!(best_of_failed(&tries), Some(1));
        assert_eq!(
            best_of_failed(&[a(-2.0, 3.0, 0.0), a(-1.0, 3.5, 0.0)]),
            Some(1)
        );
        assert_eq!(best_of_failed(&[]), None);
    }
}
