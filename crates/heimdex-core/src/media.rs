//! What ffprobe tells about a media file, as typed data.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A rational number as ffprobe writes it (`30000/1001`, `16:9`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rational {
    pub num: i64,
    pub den: i64,
}

impl Rational {
    pub const fn new(num: i64, den: i64) -> Self {
        Self { num, den }
    }

    /// Parses `a/b` or `a:b`; `None` for malformed text or a zero denominator.
    pub fn parse(text: &str) -> Option<Self> {
        let (a, b) = text.split_once(['/', ':'])?;
        let num = a.trim().parse().ok()?;
        let den: i64 = b.trim().parse().ok()?;
        (den != 0).then_some(Self { num, den })
    }

    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// True for `0/1`, which ffprobe writes when it does not know.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// Typed metadata of a video file, from ffprobe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// ffprobe's `format_name`, e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `matroska,webm`.
    pub container: String,
    /// Duration in seconds (container duration, else the video stream's).
    pub duration_secs: f64,
    /// Presentation time of the first frame, in seconds (non-zero for delayed starts).
    pub start_secs: f64,
    /// Stored (coded) picture size.
    pub width: u32,
    pub height: u32,
    /// Sample (pixel) aspect ratio; 1:1 for square pixels.
    pub sample_aspect: Rational,
    /// Display aspect ratio of the stored picture (before rotation).
    pub display_aspect: Rational,
    /// Size a player shows: sample aspect applied, then rotation.
    pub display_width: u32,
    pub display_height: u32,
    /// Clockwise rotation a player applies, one of 0, 90, 180, 270.
    pub rotation: u32,
    /// Average frame rate (frames / duration).
    pub fps: f64,
    /// The stream's base frame rate (`r_frame_rate`).
    pub base_frame_rate: Rational,
    /// True when frame durations vary (measured on the first packets, not guessed from metadata).
    pub variable_frame_rate: bool,
    /// Frame count when the container states it.
    pub frame_count: Option<u64>,
    pub video_codec: String,
    pub pixel_format: Option<String>,
    pub has_audio: bool,
    pub audio_codec: Option<String>,
    pub audio_sample_rate: Option<u32>,
    pub audio_channels: Option<u32>,
    /// Creation time from the container tags, as written there (usually RFC 3339).
    pub creation_time: Option<String>,
    pub bit_rate: Option<u64>,
}

impl MediaInfo {
    /// Rough count of frames, for progress bars: the stated count, else duration × fps.
    pub fn estimated_frames(&self) -> u64 {
        self.frame_count
            .unwrap_or_else(|| (self.duration_secs * self.fps).round().max(0.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rationals() {
        assert_eq!(
            Rational::parse("30000/1001"),
            Some(Rational::new(30000, 1001))
        );
        assert_eq!(Rational::parse("16:9"), Some(Rational::new(16, 9)));
        assert_eq!(Rational::parse("0/0"), None);
        assert_eq!(Rational::parse("abc"), None);
        assert!((Rational::new(30000, 1001).as_f64() - 29.97).abs() < 0.01);
    }
}
