//! Which words of a text match the query, as byte spans, for highlighting transcript snippets.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Bytes `start..end` of the text are a matched word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Words too common to highlight on their own.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on",
    "or", "that", "the", "to", "was", "were", "with",
];

/// Spans of the words of `text` that match a word of `query`: same word ignoring case and
/// punctuation, or the same stem (plural, -ing, -ed). Stop words are not highlighted.
pub fn highlight(text: &str, query: &str) -> Vec<Span> {
    let terms: HashSet<String> = words(query)
        .map(|(_, w)| w.to_lowercase())
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect();
    if terms.is_empty() {
        return Vec::new();
    }
    words(text)
        .filter(|(_, w)| terms.contains(&stem(&w.to_lowercase())))
        .map(|(start, w)| Span {
            start,
            end: start + w.len(),
        })
        .collect()
}

/// Words (runs of letters, digits and inner apostrophes) with their byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let inner_apostrophe = (c == '\'' || c == '’')
            && start.is_some()
            && chars.peek().is_some_and(|(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || inner_apostrophe {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((s, &text[s..i]));
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out.into_iter()
}

/// A light English stem: enough that "dogs" finds "dog" and "running" finds "run".
fn stem(word: &str) -> String {
    let w = word.trim_end_matches("'s").trim_end_matches("’s");
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.chars().count() >= 3 {
                // "running" -> "runn" -> "run"
                let mut b: Vec<char> = base.chars().collect();
                if b.len() >= 2 && b[b.len() - 1] == b[b.len() - 2] && suffix != "s" {
                    b.pop();
                }
                return b.into_iter().collect();
            }
        }
    }
    w.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, query: &str) -> Vec<String> {
        highlight(text, query)
            .iter()
            .map(|s| text[s.start..s.end].to_string())
            .collect()
    }

    #[test]
    fn marks_query_words_ignoring_case_and_punctuation() {
        let text = "And so, my fellow Americans: ask not what your Country can do for you.";
        assert_eq!(
            marked(text, "country americans"),
            vec!["Americans", "Country"]
        );
    }

    #[test]
    fn plural_and_ing_forms_match() {
        assert_eq!(
            marked("The dogs were running on the beach", "dog run beaches"),
            vec!["dogs", "running", "beach"]
        );
    }

    #[test]
    fn stop_words_are_not_marked_and_spans_are_bytes() {
        assert!(highlight("the cat", "the").is_empty());
        let text = "Grüße aus München";
        let spans = highlight(text, "münchen");
        let start = text.find("München").expect("present");
        assert_eq!(
            spans,
            vec![Span {
                start,
                end: start + "München".len()
            }]
        );
        assert_eq!(&text[spans[0].start..spans[0].end], "München");
    }

    #[test]
    fn apostrophes_stay_inside_words() {
        assert_eq!(marked("don't stop, it's Tom's", "tom"), vec!["Tom's"]);
    }
}
