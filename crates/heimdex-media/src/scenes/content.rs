//! PySceneDetect's `ContentDetector`: the weighted mean HSV (and optionally edge) difference
//! between consecutive frames, compared against a fixed threshold, with the flash filter enforcing
//! the minimum scene length.

use super::flash_filter::{FilterMode, FlashFilter};
use super::hsv::HsvPlanes;
use super::{edges, mean_pixel_distance, BgrImage, Detector, FrameRef};
use serde::{Deserialize, Serialize};

/// Weight of each component in a frame's score (PySceneDetect's `Components`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub delta_hue: f64,
    pub delta_sat: f64,
    pub delta_lum: f64,
    pub delta_edges: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            delta_hue: 1.0,
            delta_sat: 1.0,
            delta_lum: 1.0,
            delta_edges: 0.0,
        }
    }
}

impl Weights {
    pub const LUMA_ONLY: Weights = Weights {
        delta_hue: 0.0,
        delta_sat: 0.0,
        delta_lum: 1.0,
        delta_edges: 0.0,
    };
}

/// The per-component differences of one frame to the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Components {
    pub delta_hue: f64,
    pub delta_sat: f64,
    pub delta_lum: f64,
    pub delta_edges: f64,
}

/// Computes `content_val` frame by frame.
#[derive(Debug, Clone)]
pub struct ContentScorer {
    weights: Weights,
    kernel_size: Option<u32>,
    last: Option<(HsvPlanes, Option<Vec<u8>>)>,
    spare: HsvPlanes,
}

impl ContentScorer {
    pub fn new(weights: Weights, kernel_size: Option<u32>) -> Self {
        Self {
            weights,
            kernel_size,
            last: None,
            spare: HsvPlanes::default(),
        }
    }

    /// The score of `image` against the previous frame (0 for the first frame), and its parts.
    pub fn score(&mut self, image: BgrImage<'_>) -> (f64, Components) {
        let mut hsv = std::mem::take(&mut self.spare);
        hsv.fill_from_bgr(image.data);
        let edge_map = (self.weights.delta_edges > 0.0).then(|| {
            let k = self
                .kernel_size
                .unwrap_or_else(|| edges::estimated_kernel_size(image.width, image.height));
            edges::detect_edges(
                &hsv.val,
                image.width as usize,
                image.height as usize,
                k as usize,
            )
        });
        let Some((last_hsv, last_edges)) = self.last.take() else {
            self.last = Some((hsv, edge_map));
            return (0.0, Components::default());
        };
        let c = Components {
            delta_hue: mean_pixel_distance(&hsv.hue, &last_hsv.hue),
            delta_sat: mean_pixel_distance(&hsv.sat, &last_hsv.sat),
            delta_lum: mean_pixel_distance(&hsv.val, &last_hsv.val),
            delta_edges: match (&edge_map, &last_edges) {
                (Some(a), Some(b)) => mean_pixel_distance(a, b),
                _ => 0.0,
            },
        };
        let w = self.weights;
        let total = c.delta_hue * w.delta_hue
            + c.delta_sat * w.delta_sat
            + c.delta_lum * w.delta_lum
            + c.delta_edges * w.delta_edges;
        let norm = w.delta_hue.abs() + w.delta_sat.abs() + w.delta_lum.abs() + w.delta_edges.abs();
        self.spare = last_hsv;
        self.last = Some((hsv, edge_map));
        (if norm > 0.0 { total / norm } else { 0.0 }, c)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContentOptions {
    /// Score a frame must reach to be a cut (default 27).
    pub threshold: f64,
    /// Minimum scene length in frames (default 15).
    pub min_scene_len: i64,
    pub weights: Weights,
    /// Edge dilation kernel; `None` derives it from the resolution.
    pub kernel_size: Option<u32>,
    pub filter_mode: FilterMode,
}

impl Default for ContentOptions {
    fn default() -> Self {
        Self {
            threshold: 27.0,
            min_scene_len: 15,
            weights: Weights::default(),
            kernel_size: None,
            filter_mode: FilterMode::Merge,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ContentDetector {
    threshold: f64,
    scorer: ContentScorer,
    filter: FlashFilter,
    /// Score of the last frame, for diagnostics.
    pub last_score: f64,
}

impl ContentDetector {
    pub fn new(o: ContentOptions) -> Self {
        Self {
            threshold: o.threshold,
            scorer: ContentScorer::new(o.weights, o.kernel_size),
            filter: FlashFilter::new(o.filter_mode, o.min_scene_len),
            last_score: 0.0,
        }
    }
}

impl Detector for ContentDetector {
    fn process(&mut self, frame: FrameRef, image: BgrImage<'_>) -> Vec<FrameRef> {
        let (score, _) = self.scorer.score(image);
        self.last_score = score;
        self.filter
            .filter(frame, score >= self.threshold)
            .into_iter()
            .collect()
    }

    fn finish(&mut self, _last: FrameRef) -> Vec<FrameRef> {
        Vec::new()
    }

    fn settled_before(&self, current: FrameRef) -> i64 {
        self.filter.pending_since().unwrap_or(current.number + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::run;
    use super::*;

    const RED: [u8; 3] = [0, 0, 255];
    const BLUE: [u8; 3] = [255, 0, 0];

    #[test]
    fn cuts_on_hard_change_after_min_length() {
        let mut colours = vec![RED; 20];
        colours.extend(vec![BLUE; 20]);
        let mut d = ContentDetector::new(ContentOptions::default());
        assert_eq!(run(&mut d, &colours), vec![20]);
    }

    #[test]
    fn no_cut_inside_min_length_from_start() {
        let mut colours = vec![RED; 5];
        colours.extend(vec![BLUE; 20]);
        let mut d = ContentDetector::new(ContentOptions::default());
        assert!(run(&mut d, &colours).is_empty());
    }

    #[test]
    fn gradual_change_is_not_a_cut() {
        let colours: Vec<[u8; 3]> = (0..100u8).map(|i| [0, 0, 255 - i * 2]).collect();
        let mut d = ContentDetector::new(ContentOptions::default());
        assert!(run(&mut d, &colours).is_empty());
    }
}
