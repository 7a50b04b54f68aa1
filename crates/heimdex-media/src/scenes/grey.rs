//! Scoring of frame pairs without colour: the rule that lets the content detector cut
//! black-and-white footage.
//!
//! PySceneDetect's content score is the weighted mean of the hue, saturation and luma deltas
//! (weights 1/1/1/0). Between two greyscale frames hue and saturation are 0 everywhere (OpenCV
//! defines them so for grey pixels), so a hard cut scores a third of its luma delta and needs a
//! mean luma change of 81/255 to reach the threshold of 27: a moon photo cut to a brick wall (luma
//! delta 23 here) or to coins goes unnoticed. When neither frame carries colour, the channels that
//! carry no information are dropped from the mean instead: the pair is scored with luma and edges
//! only (weights 0/0/1/1, a combination PySceneDetect itself accepts), so the score keeps its
//! meaning (mean change per informative channel, 0..=255) and the same threshold applies.
//!
//! Edges are in the mix because two shots of similar brightness differ more in structure than in
//! luma (moon to brick: luma 23, edges 117), while a slow zoom or pan inside a shot moves few edges
//! (edges up to about 25). Edges are dropped again (luma alone) when either frame is nearly black:
//! the edge thresholds follow the median brightness, so on a dark frame they fall to almost 0 and
//! the map follows noise (a fade to a black title card scores 190 on edges, 2 on luma).
//!
//! A frame counts as colourless when its mean HSV saturation is at most
//! [`GreyScoring::max_mean_sat`]. The shared colour test videos stay above 40 on every frame except
//! black title cards (0 to 1), and a pair is rescored only when both frames are colourless, so
//! cuts into or out of colour keep PySceneDetect's score. Limits: a sepia or tinted print has
//! colour by this measure and keeps PySceneDetect's score; chroma noise from a colour transfer of a
//! black-and-white print raises HSV saturation on dark pictures (it divides by brightness), which
//! can also make such frames count as colour.

use super::content::Weights;
use serde::{Deserialize, Serialize};

/// How the content detector scores a pair of frames that both carry (almost) no colour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GreyScoring {
    /// A frame is colourless when its mean HSV saturation (0..=255) is at most this (default 10,
    /// about 4 % of full saturation).
    pub max_mean_sat: f64,
    /// Weights for a colourless pair (default: luma 1, edges 1; hue and saturation 0).
    pub weights: Weights,
    /// Edges count only when both frames' median luma is at least this (default 16); below it the
    /// pair is scored on luma alone.
    pub edges_min_median: u8,
}

impl Default for GreyScoring {
    fn default() -> Self {
        Self {
            max_mean_sat: 10.0,
            weights: Weights {
                delta_hue: 0.0,
                delta_sat: 0.0,
                delta_lum: 1.0,
                delta_edges: 1.0,
            },
            edges_min_median: 16,
        }
    }
}

impl GreyScoring {
    /// Whether a frame with this mean saturation counts as colourless.
    pub fn is_colourless(&self, mean_sat: f64) -> bool {
        mean_sat <= self.max_mean_sat
    }

    /// The weights for a colourless pair whose luma planes are `a` and `b`: without edges when
    /// either frame is too dark for a meaningful edge map.
    pub fn weights_for(&self, a: &[u8], b: &[u8]) -> Weights {
        if self.weights.delta_edges != 0.0
            && (median(a) < self.edges_min_median || median(b) < self.edges_min_median)
        {
            Weights {
                delta_edges: 0.0,
                ..self.weights
            }
        } else {
            self.weights
        }
    }
}

/// Mean of an 8-bit plane (0 for an empty one).
pub fn mean(plane: &[u8]) -> f64 {
    if plane.is_empty() {
        return 0.0;
    }
    // Blocks of 4096 fit a u32 sum (4096 * 255) and vectorise.
    let sum: u64 = plane
        .chunks(4096)
        .map(|c| u64::from(c.iter().map(|&v| u32::from(v)).sum::<u32>()))
        .sum();
    sum as f64 / plane.len() as f64
}

/// Lower median of an 8-bit plane, via a histogram (0 for an empty one).
pub fn median(plane: &[u8]) -> u8 {
    let mut hist = [0usize; 256];
    for &v in plane {
        hist[usize::from(v)] += 1;
    }
    let half = plane.len().div_ceil(2);
    let mut seen = 0;
    for (v, &c) in hist.iter().enumerate() {
        seen += c;
        if seen >= half && seen > 0 {
            return v as u8;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_median_of_planes() {
        assert_eq!(mean(&[]), 0.0);
        assert_eq!(mean(&[0, 10, 20, 255]), 71.25);
        let big = vec![200u8; 10_000];
        assert_eq!(mean(&big), 200.0);
        assert_eq!(median(&[]), 0);
        assert_eq!(median(&[9, 1, 5]), 5);
        assert_eq!(median(&[1, 2, 3, 4]), 2);
    }

    #[test]
    fn dark_frames_are_scored_without_edges() {
        let g = GreyScoring::default();
        let bright = vec![120u8; 64];
        let dark = vec![3u8; 64];
        assert_eq!(g.weights_for(&bright, &bright).delta_edges, 1.0);
        assert_eq!(g.weights_for(&bright, &dark).delta_edges, 0.0);
        assert_eq!(g.weights_for(&dark, &bright).delta_lum, 1.0);
        assert!(g.is_colourless(0.0) && g.is_colourless(10.0) && !g.is_colourless(10.5));
    }
}
