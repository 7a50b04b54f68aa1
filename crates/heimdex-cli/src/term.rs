//! Text that comes from files (names, paths, errors naming them, words read off the screen) as it
//! may be printed on a terminal: control characters are shown escaped (`\u{1b}`, `\n`), so a file
//! named with escape sequences or line breaks cannot rewrite the user's terminal or forge lines.
//! `--json` output needs none of this (JSON escapes them itself).

use std::borrow::Cow;
use std::path::Path;

/// `s` with every control character escaped; borrowed when there is none.
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as [`safe`] text (names that are not UTF-8 shown with U+FFFD).
pub fn path(p: &Path) -> String {
    safe(&p.to_string_lossy()).into_owned()
}

/// Any error or value's text, made [`safe`].
pub fn shown(v: impl std::fmt::Display) -> String {
    safe(&v.to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_characters_only() {
        assert!(matches!(safe("plain name é.mp4"), Cow::Borrowed(_)));
        assert_eq!(
            safe("evil\u{1b}[2J\nname\r.mp4"),
            "evil\\u{1b}[2J\\nname\\r.mp4"
        );
        assert_eq!(path(Path::new("/tmp/a\u{7}b.mp4")), "/tmp/a\\u{7}b.mp4");
    }
}
