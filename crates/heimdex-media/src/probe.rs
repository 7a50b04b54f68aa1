//! `ffprobe` into [`MediaInfo`], with limits checked before anything decodes the file.

use crate::tools::{last_error_line, run_with_timeout, ToolError};
use heimdex_core::{MediaInfo, Rational};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// Bounds a file must stay within before we decode it. Defaults accept 8K video and long recordings
/// and refuse values that only a corrupt or hostile file has.
#[derive(Debug, Clone)]
pub struct ProbeLimits {
    pub max_width: u32,
    pub max_height: u32,
    pub max_pixels: u64,
    pub max_duration_secs: f64,
    pub max_streams: usize,
    pub timeout: Duration,
}

impl Default for ProbeLimits {
    fn default() -> Self {
        Self {
            max_width: 16_384,
            max_height: 16_384,
            max_pixels: 8192 * 8192,
            max_duration_secs: 72.0 * 3600.0,
            max_streams: 64,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Why a file is not a usable video. Messages are written for the user and name no file; the caller
/// adds the path.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("not a video: ffprobe found no video stream")]
    NoVideoStream,
    #[error("not a playable video, or a damaged one (ffprobe: {reason})")]
    Unreadable { reason: String },
    #[error(
        "picture too large: {width}x{height} (limit {max_width}x{max_height}, {max_pixels} pixels)"
    )]
    TooLarge {
        width: u32,
        height: u32,
        max_width: u32,
        max_height: u32,
        max_pixels: u64,
    },
    #[error("too long: {secs:.0} s (limit {max:.0} s)")]
    TooLong { secs: f64, max: f64 },
    #[error("too many streams: {count} (limit {max})")]
    TooManyStreams { count: usize, max: usize },
    #[error("video stream has no picture size")]
    NoPictureSize,
    #[error("ffprobe printed output we could not read: {0}")]
    BadOutput(String),
    #[error(transparent)]
    Tool(#[from] ToolError),
}

impl ProbeError {
    /// True when trying again cannot help (the file itself is the problem).
    pub fn is_permanent(&self) -> bool {
        !matches!(
            self,
            ProbeError::Tool(ToolError::Spawn { .. }) | ProbeError::Tool(ToolError::Missing { .. })
        )
    }
}

#[derive(Debug, Deserialize)]
struct FfOutput {
    #[serde(default)]
    streams: Vec<FfStream>,
    format: Option<FfFormat>,
}

#[derive(Debug, Deserialize)]
struct FfFormat {
    format_name: Option<String>,
    duration: Option<String>,
    start_time: Option<String>,
    bit_rate: Option<String>,
    #[serde(default)]
    tags: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct FfStream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    sample_aspect_ratio: Option<String>,
    display_aspect_ratio: Option<String>,
    r_frame_rate: Option<String>,
    avg_frame_rate: Option<String>,
    nb_frames: Option<String>,
    start_time: Option<String>,
    duration: Option<String>,
    pix_fmt: Option<String>,
    sample_rate: Option<String>,
    channels: Option<u32>,
    #[serde(default)]
    tags: HashMap<String, String>,
    #[serde(default)]
    side_data_list: Vec<serde_json::Value>,
    #[serde(default)]
    disposition: HashMap<String, i64>,
}

/// Probes `path` with ffprobe and checks it against `limits`.
pub fn probe(path: &Path, limits: &ProbeLimits) -> Result<MediaInfo, ProbeError> {
    let mut cmd = crate::tools::ffprobe();
    cmd.args([
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
    ])
    .args(crate::tools::input_args(path));
    let out = run_with_timeout(cmd, limits.timeout)?;
    if !out.success {
        if crate::tools::refused_format(&out.stderr) {
            return Err(ProbeError::Unreadable {
                reason: "its format is a list or playlist of other files or addresses (concat, \
                         HLS, DASH…), which Heimdex does not follow; import the videos themselves"
                    .into(),
            });
        }
        let line = last_error_line(&out.stderr);
        // ffprobe starts its message with the path; the caller names the file already.
        let prefix = format!("{}: ", path.display());
        let reason = line.strip_prefix(&prefix).unwrap_or(&line).to_owned();
        return Err(ProbeError::Unreadable { reason });
    }
    let parsed: FfOutput =
        serde_json::from_slice(&out.stdout).map_err(|e| ProbeError::BadOutput(e.to_string()))?;
    let mut info = to_media_info(&parsed, limits)?;
    if let Some(vfr) = measure_variable_rate(path, limits) {
        info.variable_frame_rate = vfr;
    }
    Ok(info)
}

fn num<T: std::str::FromStr>(v: &Option<String>) -> Option<T> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

fn to_media_info(out: &FfOutput, limits: &ProbeLimits) -> Result<MediaInfo, ProbeError> {
    if out.streams.len() > limits.max_streams {
        return Err(ProbeError::TooManyStreams {
            count: out.streams.len(),
            max: limits.max_streams,
        });
    }
    // Cover art is stored as a one-picture "video" stream; it does not make a file a video.
    let video = out
        .streams
        .iter()
        .find(|s| {
            s.codec_type.as_deref() == Some("video")
                && s.disposition.get("attached_pic").copied().unwrap_or(0) == 0
        })
        .ok_or(ProbeError::NoVideoStream)?;
    let audio = out
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"));
    let format = out.format.as_ref();
    // Still images and text (ffmpeg's `tty` demuxer renders text as video) are not videos.
    let container = format
        .and_then(|f| f.format_name.as_deref())
        .unwrap_or_default();
    if container == "tty" || container.starts_with("image2") || container.ends_with("_pipe") {
        return Err(ProbeError::NoVideoStream);
    }

    let (width, height) = match (video.width, video.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w, h),
        _ => return Err(ProbeError::NoPictureSize),
    };
    if width > limits.max_width
        || height > limits.max_height
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(ProbeError::TooLarge {
            width,
            height,
            max_width: limits.max_width,
            max_height: limits.max_height,
            max_pixels: limits.max_pixels,
        });
    }

    let duration_secs = format
        .and_then(|f| num::<f64>(&f.duration))
        .or_else(|| num(&video.duration))
        .filter(|d| d.is_finite() && *d >= 0.0)
        .unwrap_or(0.0);
    if duration_secs > limits.max_duration_secs {
        return Err(ProbeError::TooLong {
            secs: duration_secs,
            max: limits.max_duration_secs,
        });
    }
    let start_secs = num::<f64>(&video.start_time)
        .or_else(|| format.and_then(|f| num(&f.start_time)))
        .filter(|s| s.is_finite())
        .unwrap_or(0.0);

    let sample_aspect = video
        .sample_aspect_ratio
        .as_deref()
        .and_then(Rational::parse)
        .filter(|r| !r.is_zero())
        .unwrap_or(Rational::new(1, 1));
    let display_aspect = video
        .display_aspect_ratio
        .as_deref()
        .and_then(Rational::parse)
        .filter(|r| !r.is_zero())
        .unwrap_or_else(|| {
            reduce(
                i64::from(width) * sample_aspect.num,
                i64::from(height) * sample_aspect.den,
            )
        });

    let rotation = rotation_of(video);
    let shown_width = ((f64::from(width) * sample_aspect.as_f64()).round() as u32).max(1);
    let (display_width, display_height) = if rotation % 180 == 90 {
        (height, shown_width)
    } else {
        (shown_width, height)
    };

    let base_frame_rate = video
        .r_frame_rate
        .as_deref()
        .and_then(Rational::parse)
        .filter(|r| !r.is_zero())
        .unwrap_or(Rational::new(0, 1));
    let avg = video
        .avg_frame_rate
        .as_deref()
        .and_then(Rational::parse)
        .filter(|r| !r.is_zero());
    let fps = avg
        .or((!base_frame_rate.is_zero()).then_some(base_frame_rate))
        .map(Rational::as_f64)
        .unwrap_or(0.0);
    // A first guess from metadata; `measure_variable_rate` replaces it with a measurement.
    let variable_frame_rate = match avg {
        Some(a) if !base_frame_rate.is_zero() => {
            (a.as_f64() - base_frame_rate.as_f64()).abs() > 0.01
        }
        _ => false,
    };

    let creation_time = format
        .and_then(|f| f.tags.get("creation_time"))
        .or_else(|| video.tags.get("creation_time"))
        .cloned();

    Ok(MediaInfo {
        container: format
            .and_then(|f| f.format_name.clone())
            .unwrap_or_default(),
        duration_secs,
        start_secs,
        width,
        height,
        sample_aspect,
        display_aspect,
        display_width,
        display_height,
        rotation,
        fps,
        base_frame_rate,
        variable_frame_rate,
        frame_count: num(&video.nb_frames),
        video_codec: video.codec_name.clone().unwrap_or_else(|| "unknown".into()),
        pixel_format: video.pix_fmt.clone(),
        has_audio: audio.is_some(),
        audio_codec: audio.and_then(|a| a.codec_name.clone()),
        audio_sample_rate: audio.and_then(|a| num(&a.sample_rate)),
        audio_channels: audio.and_then(|a| a.channels),
        creation_time,
        bit_rate: format.and_then(|f| num(&f.bit_rate)),
    })
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs().max(1)
    } else {
        gcd(b, a % b)
    }
}

fn reduce(num: i64, den: i64) -> Rational {
    let g = gcd(num, den);
    Rational::new(num / g, den / g)
}

/// Clockwise rotation a player applies: from the display matrix side data (ffprobe reports it
/// counter-clockwise) or the legacy `rotate` tag (clockwise).
fn rotation_of(video: &FfStream) -> u32 {
    let from_matrix = video
        .side_data_list
        .iter()
        .find_map(|sd| sd.get("rotation").and_then(serde_json::Value::as_f64))
        .map(|ccw| -ccw);
    let from_tag = || {
        video
            .tags
            .get("rotate")
            .and_then(|r| r.trim().parse::<f64>().ok())
    };
    let deg = from_matrix.or_else(from_tag).unwrap_or(0.0);
    let quarter = (deg / 90.0).round() as i64;
    (quarter.rem_euclid(4) * 90) as u32
}

/// Looks at the timestamps of the first packets of the video stream: a variable-rate video has
/// frame durations that differ by more than rounding.
fn measure_variable_rate(path: &Path, limits: &ProbeLimits) -> Option<bool> {
    let mut cmd = crate::tools::ffprobe();
    cmd.args([
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-read_intervals",
        "%+#600",
        "-show_entries",
        "packet=pts_time",
        "-of",
        "csv=p=0",
    ])
    .args(crate::tools::input_args(path));
    let out = run_with_timeout(cmd, limits.timeout).ok()?;
    if !out.success {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut pts: Vec<f64> = text
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
        .collect();
    if pts.len() < 3 {
        return None;
    }
    pts.sort_by(f64::total_cmp);
    let deltas: Vec<f64> = pts
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .collect();
    Some(is_variable_rate(&deltas))
}

/// Frame durations are variable when more than 2 % of them differ from the median by more than
/// rounding (1 ms or 10 %). A constant-rate file with a few dropped frames is not variable.
fn is_variable_rate(deltas: &[f64]) -> bool {
    if deltas.len() < 2 {
        return false;
    }
    let mut sorted = deltas.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let tolerance = 0.001_f64.max(median * 0.1);
    let off = deltas
        .iter()
        .filter(|d| (**d - median).abs() > tolerance)
        .count();
    off * 50 > deltas.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(json: serde_json::Value) -> FfOutput {
        serde_json::from_value(json).expect("valid ffprobe json")
    }

    #[test]
    fn variable_rate_needs_more_than_a_few_gaps() {
        let mut cfr = vec![0.0333; 600];
        cfr[100] = 0.1333;
        cfr[300] = 0.1333;
        assert!(!is_variable_rate(&cfr));
        let vfr: Vec<f64> = (0..600)
            .map(|i| if i % 3 == 0 { 0.0834 } else { 0.0417 })
            .collect();
        assert!(is_variable_rate(&vfr));
    }

    #[test]
    fn rotation_from_display_matrix() {
        let out = stream(serde_json::json!({
            "streams": [{"codec_type": "video", "codec_name": "h264", "width": 1280, "height": 544,
                "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]}],
            "format": {"format_name": "mov", "duration": "10.0"}
        }));
        let info = to_media_info(&out, &ProbeLimits::default()).expect("probes");
        assert_eq!(info.rotation, 90);
        assert_eq!((info.display_width, info.display_height), (544, 1280));
    }

    #[test]
    fn audio_only_is_not_a_video() {
        let out = stream(serde_json::json!({
            "streams": [{"codec_type": "audio", "codec_name": "mp3"},
                        {"codec_type": "video", "codec_name": "mjpeg", "width": 300, "height": 300,
                         "disposition": {"attached_pic": 1}}],
            "format": {"format_name": "mp3", "duration": "10.0"}
        }));
        assert!(matches!(
            to_media_info(&out, &ProbeLimits::default()),
            Err(ProbeError::NoVideoStream)
        ));
    }

    #[test]
    fn text_and_still_images_are_not_videos() {
        for container in ["tty", "image2", "png_pipe"] {
            let out = stream(serde_json::json!({
                "streams": [{"codec_type": "video", "codec_name": "ansi", "width": 640, "height": 400}],
                "format": {"format_name": container, "duration": "1.0"}
            }));
            assert!(matches!(
                to_media_info(&out, &ProbeLimits::default()),
                Err(ProbeError::NoVideoStream)
            ));
        }
    }

    #[test]
    fn refuses_absurd_sizes() {
        let out = stream(serde_json::json!({
            "streams": [{"codec_type": "video", "codec_name": "h264", "width": 100000, "height": 100000}],
            "format": {"format_name": "mov", "duration": "1.0"}
        }));
        assert!(matches!(
            to_media_info(&out, &ProbeLimits::default()),
            Err(ProbeError::TooLarge { .. })
        ));
    }

    #[test]
    fn non_square_pixels_widen_the_display() {
        let out = stream(serde_json::json!({
            "streams": [{"codec_type": "video", "codec_name": "h264", "width": 704, "height": 576,
                "sample_aspect_ratio": "16:11", "display_aspect_ratio": "16:9"}],
            "format": {"format_name": "mov", "duration": "1.0"}
        }));
        let info = to_media_info(&out, &ProbeLimits::default()).expect("probes");
        assert_eq!(info.display_aspect, Rational::new(16, 9));
        assert_eq!((info.display_width, info.display_height), (1024, 576));
    }
}
