//! Subtitle formats for transcripts: SubRip (`.srt`) and WebVTT (`.vtt`).

use super::Segment;

/// `HH:MM:SS<sep>mmm`.
fn clock(secs: f64, sep: char) -> String {
    let ms = (secs.max(0.0) * 1000.0).round() as u64;
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}")
}

/// A cue's text: no blank line (it would end the cue and start a bogus one) and no `-->` (a
/// player would read that line as the next cue's times); lines trimmed.
fn cue_text(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            // "--->" made "-->" again after one pass (found by tests/fuzz).
            let mut l = l.to_owned();
            while l.contains("-->") {
                l = l.replace("-->", "->");
            }
            l
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// SubRip text: numbered cues separated by blank lines.
pub fn to_srt(segments: &[Segment]) -> String {
    let mut out = String::new();
    for (i, s) in segments.iter().enumerate() {
        out.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            i + 1,
            clock(s.start_secs, ','),
            clock(s.end_secs, ','),
            cue_text(&s.text)
        ));
    }
    out
}

/// WebVTT text.
pub fn to_vtt(segments: &[Segment]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for s in segments {
        out.push_str(&format!(
            "{} --> {}\n{}\n\n",
            clock(s.start_secs, '.'),
            clock(s.end_secs, '.'),
            cue_text(&s.text)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: f64, end: f64, text: &str) -> Segment {
        Segment {
            start_secs: start,
            end_secs: end,
            text: text.into(),
            language: None,
            avg_logprob: 0.0,
            no_speech_prob: 0.0,
        }
    }

    #[test]
    fn srt_cues() {
        let s = [seg(0.0, 1.5, " Hello"), seg(3661.25, 3662.0, "world")];
        assert_eq!(
            to_srt(&s),
            "1\n00:00:00,000 --> 00:00:01,500\nHello\n\n2\n01:01:01,250 --> 01:01:02,000\nworld\n\n"
        );
    }

    #[test]
    fn vtt_cues() {
        let s = [seg(0.0, 1.5, "a --> b")];
        assert_eq!(
            to_vtt(&s),
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\na -> b\n\n"
        );
    }

    #[test]
    fn a_blank_line_in_the_words_does_not_split_the_cue() {
        // Found by tests/fuzz (subtitles): the words "\"\n\n=cmd|" made a third cue.
        let s = [seg(1.0, 2.0, "\"\n\n=cmd|"), seg(2.0, 3.0, "next")];
        assert_eq!(
            to_srt(&s),
            "1\n00:00:01,000 --> 00:00:02,000\n\"\n=cmd|\n\n2\n00:00:02,000 --> 00:00:03,000\nnext\n\n"
        );
        assert_eq!(to_vtt(&s).matches("\n\n").count(), 3);
    }
}
