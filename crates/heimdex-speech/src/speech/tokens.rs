//! Whisper's special tokens and the decoder prompt.
//!
//! English-only (`.en`) and multilingual vocabularies differ by one id (the multilingual one has an
//! extra language), so ids are looked up by name in the model's `vocabulary.txt` (one token per
//! line, line number = id) rather than hard-coded.

use std::collections::HashMap;

/// The ids Whisper's decoding needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialTokens {
    pub eot: u32,
    pub sot: u32,
    pub sot_prev: u32,
    pub transcribe: u32,
    pub translate: u32,
    pub no_timestamps: u32,
    /// `<|0.00|>`; later timestamps follow in 0.02 s steps.
    pub timestamp_begin: u32,
    /// `(code, id)` of every language token (`<|en|>`, `<|de|>`, ...).
    pub languages: Vec<(String, u32)>,
}

/// The strings of a vocabulary, indexed by id.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    tokens: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Vocabulary {
    pub fn parse(text: &str) -> Self {
        let tokens: Vec<String> = text.lines().map(str::to_owned).collect();
        let ids = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        Self { tokens, ids }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    pub fn id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    pub fn token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }

    /// Looks up the special tokens; `None` names the first one missing.
    pub fn special_tokens(&self) -> Result<SpecialTokens, String> {
        let get = |name: &str| self.id(name).ok_or_else(|| name.to_owned());
        let sot = get("<|startoftranscript|>")?;
        let translate = get("<|translate|>")?;
        // Language tokens sit between <|startoftranscript|> and <|translate|>.
        let languages = (sot + 1..translate)
            .filter_map(|id| {
                let t = self.token(id)?;
                let code = t.strip_prefix("<|")?.strip_suffix("|>")?;
                Some((code.to_owned(), id))
            })
            .collect();
        Ok(SpecialTokens {
            eot: get("<|endoftext|>")?,
            sot,
            sot_prev: get("<|startofprev|>")?,
            transcribe: get("<|transcribe|>")?,
            translate,
            no_timestamps: get("<|notimestamps|>")?,
            timestamp_begin: get("<|0.00|>")?,
            languages,
        })
    }
}

/// Most previous-text tokens a prompt may carry (half the decoder context, as Whisper does).
pub const MAX_PREVIOUS_TOKENS: usize = 223;

/// Builds the decoder prompt, as token strings: `[<|startofprev|> previous...]
/// <|startoftranscript|> [<|lang|> <|transcribe|>]`. Language and task tokens are only for
/// multilingual models; timestamps stay on (no `<|notimestamps|>`).
pub fn build_prompt(
    vocab: &Vocabulary,
    special: &SpecialTokens,
    multilingual: bool,
    language: Option<&str>,
    previous: &[String],
) -> Vec<String> {
    let name = |id: u32| vocab.token(id).unwrap_or_default().to_owned();
    let mut prompt = Vec::with_capacity(previous.len().min(MAX_PREVIOUS_TOKENS) + 4);
    if !previous.is_empty() {
        prompt.push(name(special.sot_prev));
        let skip = previous.len().saturating_sub(MAX_PREVIOUS_TOKENS);
        prompt.extend(previous[skip..].iter().cloned());
    }
    prompt.push(name(special.sot));
    if multilingual {
        let lang = language.unwrap_or("en");
        prompt.push(format!("<|{lang}|>"));
        prompt.push(name(special.transcribe));
    }
    prompt
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(multilingual: bool) -> Vocabulary {
        // A miniature vocabulary laid out like Whisper's.
        let mut lines: Vec<String> = (0..10).map(|i| format!("tok{i}")).collect();
        if multilingual {
            lines.push("pad".into());
        }
        lines.extend(
            [
                "<|endoftext|>",
                "<|startoftranscript|>",
                "<|en|>",
                "<|de|>",
                "<|translate|>",
                "<|transcribe|>",
            ]
            .map(String::from),
        );
        lines.extend(
            [
                "<|startoflm|>",
                "<|startofprev|>",
                "<|nocaptions|>",
                "<|notimestamps|>",
                "<|0.00|>",
            ]
            .map(String::from),
        );
        Vocabulary::parse(&lines.join("\n"))
    }

    #[test]
    fn finds_special_tokens_by_name() {
        let v = vocab(false);
        let s = v.special_tokens().expect("complete");
        assert_eq!(s.eot, 10);
        assert_eq!(s.sot, 11);
        assert_eq!(
            s.languages,
            vec![("en".to_owned(), 12), ("de".to_owned(), 13)]
        );
        assert_eq!(s.timestamp_begin, 20);
        let m = vocab(true).special_tokens().expect("complete");
        assert_eq!(m.eot, 11);
    }

    #[test]
    fn english_only_prompt_is_just_the_start_token() {
        let v = vocab(false);
        let s = v.special_tokens().expect("complete");
        assert_eq!(
            build_prompt(&v, &s, false, Some("en"), &[]),
            vec!["<|startoftranscript|>"]
        );
    }

    #[test]
    fn multilingual_prompt_has_language_and_task_and_previous_text() {
        let v = vocab(true);
        let s = v.special_tokens().expect("complete");
        let p = build_prompt(
            &v,
            &s,
            true,
            Some("de"),
            &["ĠComfy".to_owned(), "UI".to_owned()],
        );
        assert_eq!(
            p,
            vec![
                "<|startofprev|>",
                "ĠComfy",
                "UI",
                "<|startoftranscript|>",
                "<|de|>",
                "<|transcribe|>"
            ]
        );
    }
}
