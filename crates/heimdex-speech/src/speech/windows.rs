//! Where each decoding window goes, from the speech regions the VAD found.
//!
//! A window starts where speech starts (silence before it is skipped) and holds at most
//! [`MAX_WINDOW_SAMPLES`] of audio. It ends early at a long silence; when speech runs on past its
//! limit it is cut at the quietest moment of its second half (a pause between words), so that the
//! model rarely sees a word cut in two. Whisper's seek logic still decides where the next window
//! starts (at the last complete timestamp when the model left a segment unfinished).
//!
//! Why not 30 s windows as Whisper does: the encoder is given only the window's audio plus a second
//! of silence, at least 10 s in all (see `MelExtractor::padded_features`), and its cost grows
//! faster than its input (attention is quadratic): two 15 s windows encode in about a third of the
//! time of one 30 s window on two cores, at the same word error rate on the benchmark files.

use super::vad::Region;
use super::SAMPLE_RATE;

/// Longest window decoded at once.
pub const MAX_WINDOW_SAMPLES: usize = 20 * SAMPLE_RATE as usize;
/// A silence at least this long (between padded speech regions) ends a window early.
pub const LONG_SILENCE_SAMPLES: usize = 2 * SAMPLE_RATE as usize;

/// Where the next window goes: `Ok((start, end))` in absolute samples, or `Err(skip_to)` when only
/// silence is left in what has been read (`skip_to` says how far that silence reaches).
///
/// `regions` are the speech regions from `seek` on, `known_end` is how far the audio has been read
/// (`eof`: that is the end), and `quietest(from, to)` gives the quietest point of a range.
pub fn plan_window(
    regions: &[Region],
    seek: usize,
    known_end: usize,
    eof: bool,
    quietest: impl Fn(usize, usize) -> usize,
) -> Result<(usize, usize), usize> {
    let Some(first) = regions.iter().find(|r| r.end > seek) else {
        // Keep the last second: a region may be starting there.
        return Err(if eof {
            known_end
        } else {
            known_end.saturating_sub(SAMPLE_RATE as usize).max(seek)
        });
    };
    let start = seek.max(first.start);
    let limit = (start + MAX_WINDOW_SAMPLES).min(known_end);
    let mut end = limit;
    let relevant: Vec<&Region> = regions.iter().filter(|r| r.end > start).collect();
    for (i, r) in relevant.iter().enumerate() {
        if r.end >= limit {
            // Speech runs on past the window (unless the audio ends here): cut at a pause.
            if limit < known_end || !eof {
                end = quietest(start + MAX_WINDOW_SAMPLES / 2, limit).clamp(start + 1, limit);
            }
            break;
        }
        let next_start = match relevant.get(i + 1) {
            Some(n) => n.start,
            None if eof => usize::MAX,
            None => known_end,
        };
        if next_start.saturating_sub(r.end) >= LONG_SILENCE_SAMPLES {
            end = r.end;
            break;
        }
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: usize = SAMPLE_RATE as usize;

    fn r(a: usize, b: usize) -> Region {
        Region {
            start: a * S,
            end: b * S,
        }
    }

    /// A "quietest point" that is always the middle of the range.
    fn middle(from: usize, to: usize) -> usize {
        (from + to) / 2
    }

    #[test]
    fn window_starts_at_speech_and_ends_at_a_long_silence() {
        // Speech 5-8 s and 9-12 s (short gap), then 20-25 s (long gap).
        let regions = [r(5, 8), r(9, 12), r(20, 25)];
        assert_eq!(
            plan_window(&regions, 0, 40 * S, true, middle),
            Ok((5 * S, 12 * S))
        );
        // From 12 s on, the next window starts at 20 s and ends at the region's end.
        assert_eq!(
            plan_window(&regions, 12 * S, 40 * S, true, middle),
            Ok((20 * S, 25 * S))
        );
        // Nothing after 25 s.
        assert_eq!(
            plan_window(&regions, 25 * S, 40 * S, true, middle),
            Err(40 * S)
        );
        // Not at the end of the file yet: keep the last second.
        assert_eq!(plan_window(&[], 0, 32 * S, false, middle), Err(31 * S));
    }

    #[test]
    fn continuous_speech_is_cut_at_a_pause_in_the_second_half() {
        let regions = [r(0, 100)];
        let cut = |from: usize, to: usize| {
            assert_eq!((from, to), (10 * S, 20 * S), "searched range");
            17 * S
        };
        assert_eq!(
            plan_window(&regions, 0, 32 * S, false, cut),
            Ok((0, 17 * S))
        );
        // The cut never falls outside the window.
        assert_eq!(
            plan_window(&regions, 0, 32 * S, false, |_, _| 0),
            Ok((0, 1))
        );
    }

    #[test]
    fn the_last_window_runs_to_the_end_of_the_audio() {
        let regions = [r(0, 15)];
        assert_eq!(
            plan_window(&regions, 0, 15 * S, true, middle),
            Ok((0, 15 * S))
        );
        // Short gaps are kept inside the window.
        let regions = [r(2, 6), r(7, 12)];
        assert_eq!(
            plan_window(&regions, 0, 12 * S, true, middle),
            Ok((2 * S, 12 * S))
        );
    }
}
