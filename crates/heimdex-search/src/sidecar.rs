//! A scene's sidecar text: everything searchable about it in one string (transcript words, caption,
//! on-screen text, file name, date), indexed by BM25 and embedded by the text embedder.

use time::Date;

/// The parts a scene's sidecar is made of; empty parts are left out.
#[derive(Debug, Clone, Default)]
pub struct SidecarParts<'a> {
    /// Transcript words spoken during the scene, in order.
    pub transcript: Vec<&'a str>,
    /// Caption of the keyframe, when a captioner is configured.
    pub caption: Option<&'a str>,
    /// What the pictures show, as words (the vision stage's tags: "tabby cat, cat, feline").
    pub visual: Option<&'a str>,
    /// On-screen text of the keyframe, when OCR is on.
    pub ocr: Option<&'a str>,
    /// The video's file name (`Beach_trip-2023.mp4`).
    pub file_name: Option<&'a str>,
    /// The day the video was recorded (or else its file date).
    pub date: Option<Date>,
}

/// One line per non-empty part, in this order: transcript, caption, visual tags, on-screen text, file name
/// (the name with its separators as spaces, so its words are searchable), date (ISO and
/// "Month YYYY").
pub fn build_sidecar(parts: &SidecarParts<'_>) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut push = |text: &str| {
        let clean = collapse_whitespace(text);
        if !clean.is_empty() {
            lines.push(clean);
        }
    };
    push(&parts.transcript.join(" "));
    push(parts.caption.unwrap_or_default());
    push(parts.visual.unwrap_or_default());
    push(parts.ocr.unwrap_or_default());
    if let Some(name) = parts.file_name {
        push(&file_name_words(name));
    }
    if let Some(d) = parts.date {
        push(&format!(
            "{:04}-{:02}-{:02} {} {}",
            d.year(),
            u8::from(d.month()),
            d.day(),
            d.month(),
            d.year()
        ));
    }
    lines.join("\n")
}

/// `Beach_trip-2023.mp4` -> `Beach trip 2023 mp4`.
pub fn file_name_words(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_part_in_order() {
        let parts = SidecarParts {
            transcript: vec!["ask", "not", "what", "your", "country"],
            caption: Some("a man  at a podium"),
            visual: Some("microphone, mike, device"),
            ocr: Some("INAUGURATION\n1961"),
            file_name: Some("jfk_speech-1961.mp4"),
            date: Some(date!(1961 - 01 - 20)),
        };
        assert_eq!(
            build_sidecar(&parts),
            "ask not what your country\na man at a podium\nmicrophone, mike, device\nINAUGURATION 1961\njfk speech 1961 mp4\n1961-01-20 January 1961"
        );
    }

    #[test]
    fn empty_parts_are_left_out() {
        let parts = SidecarParts {
            transcript: vec![],
            caption: Some("   "),
            file_name: Some("clip.mov"),
            ..Default::default()
        };
        assert_eq!(build_sidecar(&parts), "clip mov");
        assert_eq!(build_sidecar(&SidecarParts::default()), "");
    }
}
