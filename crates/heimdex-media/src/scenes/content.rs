//! PySceneDetect's `ContentDetector`: the weighted mean HSV (and optionally edge) difference
//! between consecutive frames, compared against a fixed threshold, with the flash filter enforcing
//! the minimum scene length.
//!
//! Two modes share this code: PySceneDetect's exactly ([`ContentOptions::pyscenedetect`], the
//! parity mode the goldens check), and the default, which also scores pairs of colourless frames on
//! luma and edges so that cuts in black-and-white footage are found (see [`super::grey`]).

use super::flash_filter::{FilterMode, FlashFilter};
use super::grey::{self, GreyScoring};
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
    /// Both frames were colourless and the pair was scored with the grey weights.
    pub colourless: bool,
}

impl Components {
    /// The weighted mean of the components, as PySceneDetect computes it.
    pub fn weighted(&self, w: &Weights) -> f64 {
        let total = self.delta_hue * w.delta_hue
            + self.delta_sat * w.delta_sat
            + self.delta_lum * w.delta_lum
            + self.delta_edges * w.delta_edges;
        let norm = w.delta_hue.abs() + w.delta_sat.abs() + w.delta_lum.abs() + w.delta_edges.abs();
        if norm > 0.0 {
            total / norm
        } else {
            0.0
        }
    }
}

/// One analysed frame, kept until the next one is scored.
#[derive(Debug, Clone)]
struct Analysed {
    hsv: HsvPlanes,
    /// Edge map, made when a score needs it (every frame when the weights use edges).
    edges: Option<Vec<u8>>,
    /// Mean saturation, when the grey rule is on.
    mean_sat: Option<f64>,
}

/// Computes `content_val` frame by frame.
#[derive(Debug, Clone)]
pub struct ContentScorer {
    weights: Weights,
    kernel_size: Option<u32>,
    grey: Option<GreyScoring>,
    last: Option<Analysed>,
    spare: HsvPlanes,
}

impl ContentScorer {
    /// PySceneDetect's scorer (no grey rule).
    pub fn new(weights: Weights, kernel_size: Option<u32>) -> Self {
        Self {
            weights,
            kernel_size,
            grey: None,
            last: None,
            spare: HsvPlanes::default(),
        }
    }

    /// Scores pairs of colourless frames with `grey` (`None`: as PySceneDetect does).
    pub fn with_grey(self, grey: Option<GreyScoring>) -> Self {
        Self { grey, ..self }
    }

    fn edge_map(&self, lum: &[u8], width: u32, height: u32) -> Vec<u8> {
        let k = self
            .kernel_size
            .unwrap_or_else(|| edges::estimated_kernel_size(width, height));
        edges::detect_edges(lum, width as usize, height as usize, k as usize)
    }

    /// The score of `image` against the previous frame (0 for the first frame), and its parts.
    pub fn score(&mut self, image: BgrImage<'_>) -> (f64, Components) {
        let (w, h) = (image.width, image.height);
        let mut hsv = std::mem::take(&mut self.spare);
        hsv.fill_from_bgr(image.data);
        let mut cur = Analysed {
            edges: (self.weights.delta_edges > 0.0).then(|| self.edge_map(&hsv.val, w, h)),
            mean_sat: self.grey.map(|_| grey::mean(&hsv.sat)),
            hsv,
        };
        let Some(mut last) = self.last.take() else {
            self.last = Some(cur);
            return (0.0, Components::default());
        };
        let grey_weights = match (self.grey, cur.mean_sat, last.mean_sat) {
            (Some(g), Some(a), Some(b)) if g.is_colourless(a) && g.is_colourless(b) => {
                Some(g.weights_for(&cur.hsv.val, &last.hsv.val))
            }
            _ => None,
        };
        let weights = grey_weights.unwrap_or(self.weights);
        if weights.delta_edges > 0.0 {
            // Made once per frame at most: the current frame's map is kept for the next pair.
            if cur.edges.is_none() {
                cur.edges = Some(self.edge_map(&cur.hsv.val, w, h));
            }
            if last.edges.is_none() {
                last.edges = Some(self.edge_map(&last.hsv.val, w, h));
            }
        }
        let c = Components {
            delta_hue: mean_pixel_distance(&cur.hsv.hue, &last.hsv.hue),
            delta_sat: mean_pixel_distance(&cur.hsv.sat, &last.hsv.sat),
            delta_lum: mean_pixel_distance(&cur.hsv.val, &last.hsv.val),
            delta_edges: match (&cur.edges, &last.edges) {
                (Some(a), Some(b)) if weights.delta_edges > 0.0 => mean_pixel_distance(a, b),
                _ => 0.0,
            },
            colourless: grey_weights.is_some(),
        };
        self.spare = last.hsv;
        self.last = Some(cur);
        (c.weighted(&weights), c)
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
    /// How pairs of colourless frames are scored; `None` scores them as PySceneDetect does
    /// (parity mode). Default: [`GreyScoring::default`].
    pub grey: Option<GreyScoring>,
}

impl Default for ContentOptions {
    /// The app's content detector: PySceneDetect's defaults plus the grey rule.
    fn default() -> Self {
        Self {
            grey: Some(GreyScoring::default()),
            ..Self::pyscenedetect()
        }
    }
}

impl ContentOptions {
    /// PySceneDetect's `ContentDetector` with its defaults, bit for bit (the parity mode).
    pub fn pyscenedetect() -> Self {
        Self {
            threshold: 27.0,
            min_scene_len: 15,
            weights: Weights::default(),
            kernel_size: None,
            filter_mode: FilterMode::Merge,
            grey: None,
        }
    }

    /// Whether these options score exactly as PySceneDetect does.
    pub fn is_pyscenedetect(&self) -> bool {
        self.grey.is_none()
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
            scorer: ContentScorer::new(o.weights, o.kernel_size).with_grey(o.grey),
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

    /// Grey 64x64 BGR stripes: `vertical` or horizontal, period 8, levels `lo` and `hi`, shifted
    /// by `shift` pixels (a slow pan).
    fn stripes(vertical: bool, lo: u8, hi: u8, shift: usize) -> Vec<u8> {
        let n = 64;
        (0..n * n)
            .flat_map(|i| {
                let (x, y) = (i % n, i / n);
                let t = if vertical { x + shift } else { y + shift };
                let v = if t % 8 < 4 { lo } else { hi };
                [v, v, v]
            })
            .collect()
    }

    fn run_frames(o: ContentOptions, frames: &[Vec<u8>]) -> Vec<i64> {
        let mut d = ContentDetector::new(o);
        let it = frames.iter().enumerate().map(|(i, f)| {
            (
                FrameRef::at(i as u64, 25.0),
                BgrImage {
                    width: 64,
                    height: 64,
                    data: f,
                },
            )
        });
        super::super::detect_cuts(&mut d, it)
            .iter()
            .map(|c| c.number)
            .collect()
    }

    /// Two grey shots of the same brightness, panning slowly, with a cut at 20.
    fn grey_shots() -> Vec<Vec<u8>> {
        (0..40)
            .map(|i| {
                if i < 20 {
                    stripes(true, 60, 160, i / 4)
                } else {
                    stripes(false, 60, 160, i / 4)
                }
            })
            .collect()
    }

    #[test]
    fn grey_cut_found_by_default_missed_by_pyscenedetect() {
        let frames = grey_shots();
        assert_eq!(run_frames(ContentOptions::default(), &frames), vec![20]);
        // Hue and saturation are 0: PySceneDetect divides the luma delta (50) by 3.
        assert!(run_frames(ContentOptions::pyscenedetect(), &frames).is_empty());
    }

    #[test]
    fn grey_pairs_are_scored_on_luma_and_edges() {
        let mut s =
            ContentScorer::new(Weights::default(), None).with_grey(Some(Default::default()));
        fn img(data: &[u8]) -> BgrImage<'_> {
            BgrImage {
                width: 64,
                height: 64,
                data,
            }
        }
        let a = stripes(true, 60, 160, 0);
        let b = stripes(false, 60, 160, 0);
        s.score(img(&a));
        let (score, c) = s.score(img(&b));
        assert!(c.colourless);
        assert_eq!((c.delta_hue, c.delta_sat, c.delta_lum), (0.0, 0.0, 50.0));
        assert!(c.delta_edges > 10.0, "{c:?}");
        assert_eq!(score, (c.delta_lum + c.delta_edges) / 2.0);
        // Near black: the edge map follows noise, luma alone counts.
        let dark = stripes(true, 0, 12, 0);
        let (score, c) = s.score(img(&dark));
        assert!(c.colourless);
        assert_eq!(c.delta_edges, 0.0);
        assert_eq!(score, c.delta_lum);
    }

    #[test]
    fn colour_scores_are_pyscenedetect_scores() {
        // Colour frames (and colour to grey): both modes give the same score, bit for bit.
        let mut frames: Vec<Vec<u8>> = (0..30u8)
            .map(|i| {
                (0..64 * 64)
                    .flat_map(|p| [(p % 200) as u8, i.wrapping_mul(7), 255 - (p % 50) as u8])
                    .collect()
            })
            .collect();
        frames.push(stripes(true, 60, 160, 0));
        frames.push(stripes(true, 60, 160, 1));
        let mut parity = ContentScorer::new(Weights::default(), None);
        let mut grey =
            ContentScorer::new(Weights::default(), None).with_grey(Some(Default::default()));
        for (i, f) in frames.iter().enumerate() {
            let img = BgrImage {
                width: 64,
                height: 64,
                data: f,
            };
            let (p, pc) = parity.score(img);
            let (g, gc) = grey.score(img);
            if i < frames.len() - 1 {
                assert_eq!(p.to_bits(), g.to_bits(), "frame {i}");
                assert_eq!(pc, gc);
            } else {
                assert!(gc.colourless && !pc.colourless);
            }
        }
    }

    #[test]
    fn options_name_the_modes() {
        assert!(ContentOptions::pyscenedetect().is_pyscenedetect());
        assert!(!ContentOptions::default().is_pyscenedetect());
        let json = serde_json::to_string(&ContentOptions::pyscenedetect()).expect("json");
        let back: ContentOptions = serde_json::from_str(&json).expect("parse");
        assert!(back.is_pyscenedetect());
    }

    #[test]
    fn gradual_change_is_not_a_cut() {
        let colours: Vec<[u8; 3]> = (0..100u8).map(|i| [0, 0, 255 - i * 2]).collect();
        let mut d = ContentDetector::new(ContentOptions::default());
        assert!(run(&mut d, &colours).is_empty());
    }
}
