//! PySceneDetect's `AdaptiveDetector`: a frame is a cut when its content score is well above the
//! mean score of the `window_width` frames on each side (a rolling threshold that ignores steady
//! camera motion), and above `min_content_val`.

use super::content::{ContentScorer, Weights};
use super::{BgrImage, Detector, FrameRef};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdaptiveOptions {
    /// Ratio of a frame's score to its neighbours' mean that makes a cut (default 3).
    pub adaptive_threshold: f64,
    /// Minimum scene length in frames (default 15).
    pub min_scene_len: i64,
    /// Frames on each side of the frame under test (default 2).
    pub window_width: usize,
    /// A cut also needs this content score (default 15).
    pub min_content_val: f64,
    pub weights: Weights,
    pub kernel_size: Option<u32>,
}

impl Default for AdaptiveOptions {
    fn default() -> Self {
        Self {
            adaptive_threshold: 3.0,
            min_scene_len: 15,
            window_width: 2,
            min_content_val: 15.0,
            weights: Weights::default(),
            kernel_size: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AdaptiveDetector {
    o: AdaptiveOptions,
    scorer: ContentScorer,
    buffer: VecDeque<(FrameRef, f64)>,
    last_cut: Option<FrameRef>,
}

impl AdaptiveDetector {
    pub fn new(o: AdaptiveOptions) -> Self {
        let o = AdaptiveOptions {
            window_width: o.window_width.max(1),
            ..o
        };
        Self {
            scorer: ContentScorer::new(o.weights, o.kernel_size),
            o,
            buffer: VecDeque::new(),
            last_cut: None,
        }
    }

    /// The adaptive ratio of the middle frame of `window` (PySceneDetect's `adaptive_ratio`).
    fn ratio(&self, target: f64) -> f64 {
        let w = self.o.window_width;
        let sum: f64 = self
            .buffer
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != w)
            .map(|(_, (_, s))| *s)
            .sum();
        let average = sum / (2.0 * w as f64);
        if average.abs() >= 0.00001 {
            (target / average).min(255.0)
        } else if target >= self.o.min_content_val {
            255.0
        } else {
            0.0
        }
    }
}

impl Detector for AdaptiveDetector {
    fn process(&mut self, frame: FrameRef, image: BgrImage<'_>) -> Vec<FrameRef> {
        let (score, _) = self.scorer.score(image);
        let last_cut = *self.last_cut.get_or_insert(frame);
        let w = self.o.window_width;
        let required = 1 + 2 * w;
        self.buffer.push_back((frame, score));
        if self.buffer.len() < required {
            return Vec::new();
        }
        while self.buffer.len() > required {
            self.buffer.pop_front();
        }
        let (target, target_score) = self.buffer[w];
        let ratio = self.ratio(target_score);
        let threshold_met =
            ratio >= self.o.adaptive_threshold && target_score >= self.o.min_content_val;
        let min_length_met = target.number - last_cut.number >= self.o.min_scene_len;
        if threshold_met && min_length_met {
            self.last_cut = Some(target);
            return vec![target];
        }
        Vec::new()
    }

    fn finish(&mut self, _last: FrameRef) -> Vec<FrameRef> {
        Vec::new()
    }

    fn settled_before(&self, current: FrameRef) -> i64 {
        // Future cuts are middles of future windows: never before the oldest buffered frame.
        self.buffer
            .front()
            .map_or(current.number, |(f, _)| f.number)
            .min(current.number)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::run;
    use super::*;

    #[test]
    fn cuts_on_isolated_spike() {
        let mut colours = vec![[0, 0, 255]; 20];
        colours.extend(vec![[255, 0, 0]; 20]);
        let mut d = AdaptiveDetector::new(AdaptiveOptions::default());
        assert_eq!(run(&mut d, &colours), vec![20]);
    }

    #[test]
    fn steady_motion_is_not_a_cut() {
        // Every frame changes by the same large amount: the ratio stays near 1.
        let colours: Vec<[u8; 3]> = (0..60)
            .map(|i| if i % 2 == 0 { [0, 0, 255] } else { [255, 0, 0] })
            .collect();
        let mut d = AdaptiveDetector::new(AdaptiveOptions::default());
        assert!(run(&mut d, &colours).is_empty());
    }
}
