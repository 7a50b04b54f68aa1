//! A result list as a CMX 3600 edit decision list, the plain-text cut list that Premiere, Resolve,
//! Avid and Final Cut (through converters) import: each scene becomes one cut, placed one after
//! another on the record timeline from 01:00:00:00, with the file named in a
//! `* FROM CLIP NAME:` comment so the editor can relink it.

use super::Clip;

/// CMX 3600 numbers events with three digits.
pub const MAX_EVENTS: usize = 999;

/// Timecode `HH:MM:SS:FF` (non-drop frame) of `frames` at `fps` whole frames per second.
pub fn timecode(frames: u64, fps: u32) -> String {
    let fps = u64::from(fps.max(1));
    let (h, m, s, f) = (
        frames / (3600 * fps),
        frames / (60 * fps) % 60,
        frames / fps % 60,
        frames % fps,
    );
    format!("{h:02}:{m:02}:{s:02}:{f:02}")
}

/// The timeline rate for a video's frame rate: a whole number (29.97 -> 30, 23.976 -> 24), as
/// non-drop-frame CMX 3600 counts frames.
pub fn timeline_fps(fps: f64) -> u32 {
    if fps.is_finite() && fps >= 1.0 {
        fps.round().min(120.0) as u32
    } else {
        25
    }
}

/// The EDL text: a title, the frame-code mode, and one event per clip (at most [`MAX_EVENTS`]).
/// Clips shorter than one frame become one frame long.
pub fn to_edl(title: &str, clips: &[Clip], fps: u32) -> String {
    let fps = fps.max(1);
    let title: String = title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(70)
        .collect();
    let mut out = format!("TITLE: {title}\r\nFCM: NON-DROP FRAME\r\n\r\n");
    let to_frames = |secs: f64| (secs.max(0.0) * f64::from(fps)).round() as u64;
    let mut record = 3600 * u64::from(fps);
    for (i, c) in clips.iter().take(MAX_EVENTS).enumerate() {
        let src_in = to_frames(c.start_secs);
        let src_out = to_frames(c.end_secs).max(src_in + 1);
        let rec_in = record;
        let rec_out = rec_in + (src_out - src_in);
        record = rec_out;
        out.push_str(&format!(
            "{:03}  {:<8} {:<5} {:<8} {} {} {} {}\r\n",
            i + 1,
            "AX",
            "V",
            "C",
            timecode(src_in, fps),
            timecode(src_out, fps),
            timecode(rec_in, fps),
            timecode(rec_out, fps),
        ));
        out.push_str(&format!("* FROM CLIP NAME: {}\r\n", one_line(&c.file_name)));
        out.push_str(&format!("* SOURCE FILE: {}\r\n", one_line(&c.path)));
        let snippet = one_line(&c.snippet);
        if !snippet.is_empty() {
            let short: String = snippet.chars().take(120).collect();
            out.push_str(&format!("* COMMENT: scene {} {short}\r\n", c.scene_idx + 1));
        }
        out.push_str("\r\n");
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(start: f64, end: f64) -> Clip {
        Clip {
            file_name: "testvideo.mp4".into(),
            path: "/media/testvideo.mp4".into(),
            scene_idx: 1,
            start_secs: start,
            end_secs: end,
            snippet: "the quick\nbrown fox".into(),
            score: None,
        }
    }

    #[test]
    fn timecodes_count_frames() {
        assert_eq!(timecode(0, 30), "00:00:00:00");
        assert_eq!(timecode(29, 30), "00:00:00:29");
        assert_eq!(timecode(30, 30), "00:00:01:00");
        assert_eq!(timecode(3600 * 25 + 61 * 25 + 3, 25), "01:01:01:03");
    }

    #[test]
    fn rounds_frame_rates() {
        assert_eq!(timeline_fps(29.97), 30);
        assert_eq!(timeline_fps(23.976), 24);
        assert_eq!(timeline_fps(0.0), 25);
        assert_eq!(timeline_fps(f64::NAN), 25);
    }

    #[test]
    fn writes_events_back_to_back_on_the_record_side() {
        let edl = to_edl("Heimdex: fox", &[clip(1.0, 6.0), clip(13.1, 24.0)], 30);
        let lines: Vec<&str> = edl.split("\r\n").collect();
        assert_eq!(lines[0], "TITLE: Heimdex: fox");
        assert_eq!(lines[1], "FCM: NON-DROP FRAME");
        assert_eq!(
            lines[3],
            "001  AX       V     C        00:00:01:00 00:00:06:00 01:00:00:00 01:00:05:00"
        );
        assert_eq!(lines[4], "* FROM CLIP NAME: testvideo.mp4");
        assert_eq!(lines[5], "* SOURCE FILE: /media/testvideo.mp4");
        assert_eq!(lines[6], "* COMMENT: scene 2 the quick brown fox");
        assert_eq!(
            lines[8],
            "002  AX       V     C        00:00:13:03 00:00:24:00 01:00:05:00 01:00:15:27"
        );
    }

    #[test]
    fn empty_and_tiny_clips() {
        let edl = to_edl("t", &[clip(2.0, 2.0)], 25);
        assert!(
            edl.contains("00:00:02:00 00:00:02:01 01:00:00:00 01:00:00:01"),
            "{edl}"
        );
        let many: Vec<Clip> = (0..1200)
            .map(|i| clip(f64::from(i), f64::from(i) + 1.0))
            .collect();
        let edl = to_edl("t", &many, 25);
        assert!(edl.contains("\r\n999  AX"));
        assert!(!edl.contains("1000  AX"));
    }
}
