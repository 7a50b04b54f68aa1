//! PySceneDetect's `ThresholdDetector`: fades to and from black. A frame is "out" when the mean
//! of all its B, G and R values is below `threshold`; when the picture comes back, a cut is placed
//! between the fade-out and the fade-in (`fade_bias` moves it).

use super::{BgrImage, Detector, FrameRef};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdMethod {
    /// Faded out when the mean is below the threshold (fades to black).
    #[default]
    Floor,
    /// Faded out when the mean is at or above the threshold (fades to white).
    Ceiling,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThresholdOptions {
    /// 8-bit mean intensity (default 12).
    pub threshold: f64,
    pub min_scene_len: i64,
    /// -1 puts the cut at the fade-out, 0 in the middle, +1 at the fade-in.
    pub fade_bias: f64,
    /// Add a cut where a final fade-out starts.
    pub add_final_scene: bool,
    pub method: ThresholdMethod,
    /// Minimum frames spent faded out.
    pub min_out_length: i64,
}

impl Default for ThresholdOptions {
    fn default() -> Self {
        Self {
            threshold: 12.0,
            min_scene_len: 15,
            fade_bias: 0.0,
            add_final_scene: false,
            method: ThresholdMethod::Floor,
            min_out_length: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fade {
    In,
    Out,
}

#[derive(Debug, Clone)]
pub struct ThresholdDetector {
    o: ThresholdOptions,
    last_scene_cut: Option<FrameRef>,
    last_fade: Option<(Fade, FrameRef)>,
}

impl ThresholdDetector {
    pub fn new(o: ThresholdOptions) -> Self {
        // PySceneDetect stores `int(threshold)`.
        let o = ThresholdOptions {
            threshold: o.threshold.trunc(),
            ..o
        };
        Self {
            o,
            last_scene_cut: None,
            last_fade: None,
        }
    }

    fn is_out(&self, avg: f64) -> bool {
        match self.o.method {
            ThresholdMethod::Floor => avg < self.o.threshold,
            ThresholdMethod::Ceiling => avg >= self.o.threshold,
        }
    }
}

/// Mean of every byte of a packed picture (numpy.mean over all channels).
pub fn mean_intensity(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let sum: u64 = data.iter().map(|&v| u64::from(v)).sum();
    sum as f64 / data.len() as f64
}

impl Detector for ThresholdDetector {
    fn process(&mut self, frame: FrameRef, image: BgrImage<'_>) -> Vec<FrameRef> {
        let last_scene_cut = *self.last_scene_cut.get_or_insert(frame);
        let out = self.is_out(mean_intensity(image.data));
        let mut cuts = Vec::new();
        match self.last_fade {
            None => {
                self.last_fade = Some((if out { Fade::Out } else { Fade::In }, frame));
            }
            Some((Fade::In, _)) if out => self.last_fade = Some((Fade::Out, frame)),
            Some((Fade::Out, f_out)) if !out => {
                if frame.number - last_scene_cut.number >= self.o.min_scene_len
                    && frame.number - f_out.number >= self.o.min_out_length
                {
                    let duration = frame.number - f_out.number;
                    let offset =
                        (duration as f64 * (1.0 + self.o.fade_bias) / 2.0).round_ties_even() as i64;
                    let fraction = if duration > 0 {
                        offset as f64 / duration as f64
                    } else {
                        0.0
                    };
                    cuts.push(FrameRef {
                        index: f_out.index
                            + ((frame.index - f_out.index) as f64 * fraction).round() as u64,
                        number: f_out.number + offset,
                        secs: f_out.secs + (frame.secs - f_out.secs) * fraction,
                    });
                    self.last_scene_cut = Some(frame);
                }
                self.last_fade = Some((Fade::In, frame));
            }
            Some(_) => {}
        }
        cuts
    }

    fn finish(&mut self, last: FrameRef) -> Vec<FrameRef> {
        let elapsed = match self.last_scene_cut {
            Some(c) => last.number - c.number,
            None => last.number,
        };
        match self.last_fade {
            Some((Fade::Out, f))
                if self.o.add_final_scene
                    && elapsed >= self.o.min_scene_len
                    && last.number + 1 - f.number >= self.o.min_out_length =>
            {
                vec![f]
            }
            _ => Vec::new(),
        }
    }

    fn settled_before(&self, current: FrameRef) -> i64 {
        // While faded out, the cut will land somewhere after the fade-out began.
        match self.last_fade {
            Some((Fade::Out, f)) => f.number,
            _ => current.number + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_frames::run;
    use super::*;

    #[test]
    fn cut_in_the_middle_of_a_black_gap() {
        let mut colours = vec![[0u8, 0, 0]; 30];
        colours.extend(vec![[200, 200, 200]; 40]);
        colours.extend(vec![[0, 0, 0]; 10]);
        colours.extend(vec![[200, 200, 200]; 20]);
        let mut d = ThresholdDetector::new(ThresholdOptions::default());
        assert_eq!(run(&mut d, &colours), vec![15, 75]);
    }
}
