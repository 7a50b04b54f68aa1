//! On-screen text of keyframes with Tesseract (the `tesseract` command, Debian `tesseract-ocr` and
//! `tesseract-ocr-eng`), for the scenes' sidecar text. Off when Tesseract is not installed or the
//! `search.ocr` setting is `off`.

use heimdex_media::tools::run_with_timeout;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Environment variable naming the tesseract binary (default: `tesseract` on `PATH`).
pub const TESSERACT_ENV: &str = "HEIMDEX_TESSERACT";
/// Setting that turns OCR off (`off`); on by default when Tesseract is installed.
pub const OCR_SETTING: &str = "search.ocr";
/// Languages read (Tesseract's `-l`).
pub const OCR_LANGUAGES: &str = "eng";

const TIMEOUT: Duration = Duration::from_secs(60);

pub fn tesseract_path() -> PathBuf {
    std::env::var_os(TESSERACT_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("tesseract"))
}

/// Whether Tesseract runs here (with the English data).
pub fn available() -> bool {
    let mut cmd = Command::new(tesseract_path());
    cmd.arg("--list-langs");
    match run_with_timeout(cmd, Duration::from_secs(10)) {
        Ok(out) => {
            out.success
                && String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .any(|l| l.trim() == OCR_LANGUAGES)
        }
        Err(_) => false,
    }
}

/// The words Tesseract reads in `image`, cleaned up (one line, no stray symbols). Blocking.
pub fn read_text(image: &Path) -> Result<String, String> {
    let mut cmd = Command::new(tesseract_path());
    cmd.arg(image)
        .args(["stdout", "-l", OCR_LANGUAGES, "--psm", "3"])
        .env("OMP_THREAD_LIMIT", "1");
    let out = run_with_timeout(cmd, TIMEOUT).map_err(|e| e.to_string())?;
    if !out.success {
        return Err(format!(
            "tesseract could not read {}: {}",
            image.display(),
            heimdex_media::tools::last_error_line(&out.stderr)
        ));
    }
    Ok(clean(&String::from_utf8_lossy(&out.stdout)))
}

/// Keeps words with at least two letters or digits (OCR noise is mostly single symbols).
pub fn clean(raw: &str) -> String {
    raw.split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_drops_noise() {
        assert_eq!(clean("  HELLO\n| — World ~\n\x0c"), "HELLO World");
    }
}
