//! Scene-cut detection, equivalent to PySceneDetect 0.7's detectors. The default content detector
//! adds one rule to PySceneDetect's (pairs of colourless frames are scored on luma and edges, see
//! [`grey`]) so that black-and-white footage is cut; [`ContentOptions::pyscenedetect`] keeps
//! PySceneDetect's results exactly.
//!
//! The detectors are pure state machines over frames: feed them [`FrameRef`]s and packed BGR
//! analysis pictures in order, collect the cuts they return, then call
//! [`Detector::finish`]. [`analyze`] wires them to the one decode pass and to keyframe choice.
//!
//! Frame numbers follow PySceneDetect: a frame's number is its presentation time (relative to the
//! first frame) times the stream's nominal frame rate, rounded half-to-even. For constant frame
//! rate video that is the decode index; for variable frame rate video it is the position on the
//! nominal timeline, which is what the goldens hold.

pub mod adaptive;
pub mod analyze;
pub mod content;
pub mod edges;
pub mod flash_filter;
pub mod grey;
pub mod hsv;
pub mod sparse;
pub mod threshold;

pub use adaptive::{AdaptiveDetector, AdaptiveOptions};
pub use analyze::{analyze, AnalyzeOptions, SceneAnalysis, SceneError};
pub use content::{ContentDetector, ContentOptions, Weights};
pub use grey::GreyScoring;
pub use sparse::{DecodePlan, DecodeReport};
pub use threshold::{ThresholdDetector, ThresholdOptions};

use serde::{Deserialize, Serialize};

/// Where a frame sits in the video.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameRef {
    /// Position in decode order, from 0.
    pub index: u64,
    /// PySceneDetect's frame number (see the module docs).
    pub number: i64,
    /// Presentation time in seconds (as the container states it, including any start offset).
    pub secs: f64,
}

impl FrameRef {
    /// A frame of a constant-rate video that starts at 0.
    pub fn at(index: u64, fps: f64) -> Self {
        Self {
            index,
            number: index as i64,
            secs: index as f64 / fps,
        }
    }
}

/// A packed 8-bit BGR picture, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct BgrImage<'a> {
    pub width: u32,
    pub height: u32,
    pub data: &'a [u8],
}

/// A scene detector: fed every frame in order, returns cuts (a cut at frame N starts a new scene
/// at N). Cuts may be reported a few frames late, never more than [`Detector::max_lag`].
pub trait Detector: Send {
    fn process(&mut self, frame: FrameRef, image: BgrImage<'_>) -> Vec<FrameRef>;
    /// Called once after the last frame.
    fn finish(&mut self, last: FrameRef) -> Vec<FrameRef>;
    /// After processing `current`, no cut will still be reported at a frame number below the
    /// returned one: scenes before it are final.
    fn settled_before(&self, current: FrameRef) -> i64;
}

/// Which detector to run. The default is the content detector with the grey rule
/// ([`ContentOptions::default`]); [`ContentOptions::pyscenedetect`] is PySceneDetect's exactly.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DetectorKind {
    Content(ContentOptions),
    Adaptive(AdaptiveOptions),
    Threshold(ThresholdOptions),
}

impl Default for DetectorKind {
    fn default() -> Self {
        Self::Content(ContentOptions::default())
    }
}

impl DetectorKind {
    pub fn build(&self) -> Box<dyn Detector> {
        match *self {
            Self::Content(o) => Box::new(ContentDetector::new(o)),
            Self::Adaptive(o) => Box::new(AdaptiveDetector::new(o)),
            Self::Threshold(o) => Box::new(ThresholdDetector::new(o)),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Content(o) if o.is_pyscenedetect() => "content",
            Self::Content(_) => "content-grey",
            Self::Adaptive(_) => "adaptive",
            Self::Threshold(_) => "threshold",
        }
    }
}

/// Runs `detector` over in-memory frames: the pure form, for tests.
pub fn detect_cuts<'a>(
    detector: &mut dyn Detector,
    frames: impl IntoIterator<Item = (FrameRef, BgrImage<'a>)>,
) -> Vec<FrameRef> {
    let mut cuts = Vec::new();
    let mut last = None;
    for (f, img) in frames {
        cuts.extend(detector.process(f, img));
        last = Some(f);
    }
    if let Some(l) = last {
        cuts.extend(detector.finish(l));
    }
    cuts
}

/// Mean absolute difference of two equally long 8-bit planes.
pub(crate) fn mean_pixel_distance(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    // Blocks of 4096 fit a u32 sum (4096 * 255) and let the compiler use a SAD instruction.
    let sum: u64 = a
        .chunks(4096)
        .zip(b.chunks(4096))
        .map(|(a, b)| {
            let s: u32 = a
                .iter()
                .zip(b)
                .map(|(&x, &y)| u32::from(x.abs_diff(y)))
                .sum();
            u64::from(s)
        })
        .sum();
    sum as f64 / a.len() as f64
}

#[cfg(test)]
pub(crate) mod test_frames {
    use super::*;

    /// Solid-colour BGR frames.
    pub fn solid(w: u32, h: u32, bgr: [u8; 3]) -> Vec<u8> {
        bgr.iter()
            .copied()
            .cycle()
            .take((w * h * 3) as usize)
            .collect()
    }

    /// Runs a detector over solid colours, one per frame, at 30 fps.
    pub fn run(detector: &mut dyn Detector, colours: &[[u8; 3]]) -> Vec<i64> {
        let frames: Vec<Vec<u8>> = colours.iter().map(|c| solid(8, 8, *c)).collect();
        let it = frames.iter().enumerate().map(|(i, d)| {
            (
                FrameRef::at(i as u64, 30.0),
                BgrImage {
                    width: 8,
                    height: 8,
                    data: d,
                },
            )
        });
        detect_cuts(detector, it).iter().map(|c| c.number).collect()
    }
}
