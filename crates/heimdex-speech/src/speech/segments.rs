//! Turning the tokens Whisper generated for one window into timed segments, and deciding where the
//! next window starts (OpenAI's "seek" logic).
//!
//! With timestamps on, Whisper writes `<|t0|> text <|t1|><|t1'|> text <|t2|> ...`: every text run
//! sits between two timestamp tokens (0.02 s steps from the window start). A window whose output
//! ends with a lone timestamp was finished; otherwise the last segment was cut off by the window's
//! end and the next window starts at the last complete timestamp, so that speech is decoded again
//! whole.

/// Seconds per timestamp step.
pub const TIMESTAMP_STEP_SECS: f64 = 0.02;

/// One segment within a window, in timestamp steps from the window start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowSegment {
    pub start_step: u32,
    pub end_step: u32,
    /// The text tokens between the two timestamps.
    pub tokens: Vec<u32>,
}

/// What one window's output means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowResult {
    pub segments: Vec<WindowSegment>,
    /// How far to move the window, in timestamp steps (0.02 s); always > 0 when the window had
    /// content, so decoding cannot stall.
    pub advance_steps: u32,
}

/// Splits `tokens` (generated ids without the prompt; any end-of-text and later ids are ignored)
/// into segments. `timestamp_begin` is the id of `<|0.00|>`, `eot` of `<|endoftext|>`;
/// `content_steps` is how much real audio the window held, in timestamp steps.
pub fn split_window(
    tokens: &[u32],
    timestamp_begin: u32,
    eot: u32,
    content_steps: u32,
) -> WindowResult {
    let tokens: &[u32] = match tokens.iter().position(|t| *t == eot) {
        Some(end) => &tokens[..end],
        None => tokens,
    };
    let is_ts = |t: u32| t >= timestamp_begin;
    let step = |t: u32| (t - timestamp_begin).min(content_steps);
    let single_timestamp_ending =
        tokens.len() >= 2 && !is_ts(tokens[tokens.len() - 2]) && is_ts(tokens[tokens.len() - 1]);
    // Indices i where tokens[i-1] and tokens[i] are both timestamps: a segment boundary.
    let mut cuts: Vec<usize> = (1..tokens.len())
        .filter(|&i| is_ts(tokens[i - 1]) && is_ts(tokens[i]))
        .collect();
    let mut segments = Vec::new();
    if !cuts.is_empty() {
        if single_timestamp_ending {
            cuts.push(tokens.len());
        }
        let mut last = 0;
        for &cut in &cuts {
            let slice = &tokens[last..cut];
            last = cut;
            if slice.len() < 2 {
                continue;
            }
            let (first, end) = (slice[0], slice[slice.len() - 1]);
            if !is_ts(first) || !is_ts(end) {
                continue;
            }
            let text: Vec<u32> = slice.iter().copied().filter(|t| !is_ts(*t)).collect();
            if text.is_empty() {
                continue;
            }
            segments.push(WindowSegment {
                start_step: step(first),
                end_step: step(end),
                tokens: text,
            });
        }
        let advance = if single_timestamp_ending {
            content_steps
        } else {
            // The last complete timestamp: the one just before the last cut.
            let last_cut = *cuts.last().unwrap_or(&0);
            let pos = tokens
                .get(last_cut.saturating_sub(1))
                .copied()
                .map_or(content_steps, step);
            if pos == 0 {
                content_steps
            } else {
                pos
            }
        };
        return WindowResult {
            segments,
            advance_steps: advance.max(1),
        };
    }
    // No pair of timestamps: one segment over the window (or up to its last timestamp).
    let timestamps: Vec<u32> = tokens.iter().copied().filter(|t| is_ts(*t)).collect();
    let mut end = content_steps;
    if let Some(&last_ts) = timestamps.last() {
        if last_ts != timestamp_begin {
            end = step(last_ts);
        }
    }
    let start = tokens
        .first()
        .copied()
        .filter(|t| is_ts(*t))
        .map_or(0, step);
    let text: Vec<u32> = tokens.iter().copied().filter(|t| !is_ts(*t)).collect();
    if !text.is_empty() {
        segments.push(WindowSegment {
            start_step: start,
            end_step: end.max(start),
            tokens: text,
        });
    }
    WindowResult {
        segments,
        advance_steps: content_steps.max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TB: u32 = 50364;
    const EOT: u32 = 50257;
    fn ts(step: u32) -> u32 {
        TB + step
    }

    #[test]
    fn finished_window_advances_by_its_content() {
        // <0.00> a b <5.00><5.00> c <8.00> <eot>
        let toks = [ts(0), 1, 2, ts(250), ts(250), 3, ts(400), EOT];
        let r = split_window(&toks, TB, EOT, 1500);
        assert_eq!(
            r.segments,
            vec![
                WindowSegment {
                    start_step: 0,
                    end_step: 250,
                    tokens: vec![1, 2]
                },
                WindowSegment {
                    start_step: 250,
                    end_step: 400,
                    tokens: vec![3]
                },
            ]
        );
        assert_eq!(r.advance_steps, 1500);
    }

    #[test]
    fn cut_off_window_restarts_at_the_last_complete_timestamp() {
        // <0.00> a <5.00><5.00> b <12.00><12.00> c (cut off)
        let toks = [ts(0), 1, ts(250), ts(250), 2, ts(600), ts(600), 3];
        let r = split_window(&toks, TB, EOT, 1500);
        assert_eq!(r.segments.len(), 2);
        assert_eq!(r.segments[1].end_step, 600);
        assert_eq!(r.advance_steps, 600);
    }

    #[test]
    fn single_segment_without_timestamp_pairs() {
        let toks = [ts(10), 1, 2, ts(300)];
        let r = split_window(&toks, TB, EOT, 550);
        assert_eq!(
            r.segments,
            vec![WindowSegment {
                start_step: 10,
                end_step: 300,
                tokens: vec![1, 2]
            }]
        );
        assert_eq!(r.advance_steps, 550);
    }

    #[test]
    fn empty_output_still_advances() {
        let r = split_window(&[EOT], TB, EOT, 700);
        assert!(r.segments.is_empty());
        assert_eq!(r.advance_steps, 700);
    }

    #[test]
    fn timestamps_beyond_the_content_are_clamped() {
        let toks = [ts(0), 1, ts(900)];
        let r = split_window(&toks, TB, EOT, 500);
        assert_eq!(r.segments[0].end_step, 500);
    }
}
