//! A result list as CSV (RFC 4180): one row per scene, times in seconds and as clock text.

use super::{clock, Clip};

const HEADER: &str = "file_name,path,scene,start_secs,end_secs,start,end,score,snippet";

/// The clips as CSV text with a header row and CRLF line ends.
pub fn to_csv(clips: &[Clip]) -> String {
    let mut out = String::from(HEADER);
    out.push_str("\r\n");
    for c in clips {
        let row = [
            field(&c.file_name),
            field(&c.path),
            c.scene_idx.to_string(),
            format!("{:.3}", c.start_secs),
            format!("{:.3}", c.end_secs),
            clock(c.start_secs),
            clock(c.end_secs),
            c.score.map(|s| format!("{s:.6}")).unwrap_or_default(),
            field(&c.snippet),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A text field: quoted when it holds a comma, quote or line break; a leading `= + - @` (which a
/// spreadsheet would run as a formula) is prefixed with `'`.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(name: &str, snippet: &str) -> Clip {
        Clip {
            file_name: name.into(),
            path: format!("/v/{name}"),
            scene_idx: 2,
            start_secs: 6.0,
            end_secs: 13.125,
            snippet: snippet.into(),
            score: Some(0.0325),
        }
    }

    #[test]
    fn writes_a_header_and_one_row_per_clip() {
        let text = to_csv(&[clip("a.mp4", "hello")]);
        assert_eq!(
            text,
            "file_name,path,scene,start_secs,end_secs,start,end,score,snippet\r\n\
             a.mp4,/v/a.mp4,2,6.000,13.125,00:00:06.000,00:00:13.125,0.032500,hello\r\n"
        );
    }

    #[test]
    fn quotes_fields_that_need_it() {
        let text = to_csv(&[clip("a, b.mp4", "she said \"hi\"\nthen left")]);
        let row = text.lines().nth(1).expect("row");
        assert!(row.starts_with("\"a, b.mp4\",\"/v/a, b.mp4\","), "{row}");
        assert!(
            text.contains("\"she said \"\"hi\"\"\nthen left\""),
            "{text}"
        );
    }

    #[test]
    fn defuses_formulas() {
        let text = to_csv(&[clip("=cmd.mp4", "@SUM(A1)")]);
        let row = text.lines().nth(1).expect("row");
        assert!(row.starts_with("'=cmd.mp4,"), "{row}");
        assert!(row.ends_with(",'@SUM(A1)"), "{row}");
    }

    #[test]
    fn no_clips_is_just_the_header() {
        assert_eq!(to_csv(&[]), format!("{HEADER}\r\n"));
    }
}
