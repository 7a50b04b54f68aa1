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

/// A keyframe shrunk to a small grey picture, to find keyframes that show the same thing (a
/// scene that comes back, a slide shown twice): their text is read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature(Vec<u8>);

/// Side of the signature's cells: 64 × 36 cells (a 1280 × 720 keyframe in 20-pixel squares).
const SIG_W: u32 = 64;
const SIG_H: u32 = 36;
/// Pictures are the same when no cell differs by more than this (out of 255) and the cells differ
/// by at most [`SAME_MEAN`] on average: JPEG noise stays under both; a changed line of text
/// changes the cells it crosses by far more.
const SAME_MAX: u8 = 12;
const SAME_MEAN: f64 = 1.5;

impl Signature {
    /// The signature of the picture at `path`; `None` when it cannot be read.
    pub fn of_file(path: &Path) -> Option<Self> {
        let img = image::open(path).ok()?;
        let grey = img
            .resize_exact(SIG_W, SIG_H, image::imageops::FilterType::Triangle)
            .to_luma8();
        Some(Self(grey.into_raw()))
    }

    /// Whether two signatures show the same picture (see [`SAME_MAX`]).
    pub fn same(&self, other: &Self) -> bool {
        if self.0.len() != other.0.len() || self.0.is_empty() {
            return false;
        }
        let mut sum = 0u64;
        for (a, b) in self.0.iter().zip(&other.0) {
            let d = a.abs_diff(*b);
            if d > SAME_MAX {
                return false;
            }
            sum += u64::from(d);
        }
        sum as f64 / self.0.len() as f64 <= SAME_MEAN
    }
}

/// For each picture, the earlier picture it repeats (`None`: read it). Pictures without a
/// signature are never repeats.
pub fn repeats(signatures: &[Option<Signature>]) -> Vec<Option<usize>> {
    let mut firsts: Vec<usize> = Vec::new();
    signatures
        .iter()
        .enumerate()
        .map(|(i, sig)| {
            let sig = sig.as_ref()?;
            let found = firsts
                .iter()
                .rev()
                .copied()
                .find(|&j| signatures[j].as_ref().is_some_and(|o| o.same(sig)));
            if found.is_none() {
                firsts.push(i);
            }
            found
        })
        .collect()
}

/// The text of each of `images` (`None`: no picture, no text). A picture that repeats an earlier
/// one (see [`Signature`]) takes its text; the others go through `workers` Tesseract processes at
/// once. `progress(read, to_read)` is called with how many pictures Tesseract has read of the
/// `to_read` it will read (repeats and missing pictures cost nothing and are not counted): once
/// with `read = 0` when that is known, then after each; it returns `false` to stop (the texts read
/// so far come back, the rest empty). Blocking.
pub fn read_texts(
    images: &[Option<PathBuf>],
    workers: usize,
    progress: &(dyn Fn(usize, usize) -> bool + Sync),
) -> Vec<String> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Mutex;
    let n = images.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let signatures: Vec<Mutex<Option<Signature>>> = (0..n).map(|_| Mutex::new(None)).collect();
    // First pass: the signatures, spread over the workers.
    let workers = workers.clamp(1, 8);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(p) = &images[i] {
                    let sig = Signature::of_file(p);
                    if let Ok(mut slot) = signatures[i].lock() {
                        *slot = sig;
                    }
                }
            });
        }
    });
    let signatures: Vec<Option<Signature>> = signatures
        .into_iter()
        .map(|m| m.into_inner().ok().flatten())
        .collect();
    let repeat_of = repeats(&signatures);
    let texts: Vec<Mutex<String>> = (0..n).map(|_| Mutex::new(String::new())).collect();
    let to_read: Vec<usize> = (0..n)
        .filter(|&i| images[i].is_some() && repeat_of[i].is_none())
        .collect();
    if !progress(0, to_read.len()) {
        return vec![String::new(); n];
    }
    let next = AtomicUsize::new(0);
    let report = Mutex::new(());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= to_read.len() || stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = to_read[k];
                let Some(path) = &images[i] else { continue };
                let text = match read_text(path) {
                    Ok(t) => t,
                    Err(e) => {
                        tracing::warn!("{e}");
                        String::new()
                    }
                };
                if let Ok(mut slot) = texts[i].lock() {
                    *slot = text;
                }
                let now = done.fetch_add(1, Ordering::Relaxed) + 1;
                // One caller of `progress` at a time.
                let _guard = report.lock();
                if !progress(now, to_read.len()) {
                    stop.store(true, Ordering::Relaxed);
                }
            });
        }
    });
    let texts: Vec<String> = texts
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_default())
        .collect();
    (0..n)
        .map(|i| match repeat_of[i] {
            Some(j) => texts[j].clone(),
            None => texts[i].clone(),
        })
        .collect()
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

    fn sig(f: impl Fn(usize) -> u8) -> Signature {
        Signature((0..(SIG_W * SIG_H) as usize).map(f).collect())
    }

    #[test]
    fn repeated_pictures_are_found_and_changed_ones_are_not() {
        let base = sig(|i| (i % 200) as u8);
        // JPEG-like noise: a level here and there.
        let noisy = sig(|i| (i % 200) as u8 + u8::from(i % 7 == 0));
        // One cell much darker (a word appeared).
        let changed = sig(|i| if i == 500 { 0 } else { (i % 200) as u8 });
        // Everything a little brighter (a fade).
        let brighter = sig(|i| (i % 200) as u8 + 4);
        assert!(base.same(&noisy));
        assert!(!base.same(&changed));
        assert!(!base.same(&brighter));
        let all = [
            Some(base.clone()),
            None,
            Some(changed),
            Some(noisy),
            Some(brighter),
        ];
        assert_eq!(repeats(&all), [None, None, None, Some(0), None]);
    }

    #[test]
    fn read_texts_reads_each_picture_once_and_reports_all() {
        let dir = tempfile::tempdir().expect("tmp");
        let write = |name: &str, shade: u8| {
            let p = dir.path().join(name);
            image::RgbImage::from_pixel(128, 72, image::Rgb([shade, shade, shade]))
                .save(&p)
                .expect("writes");
            p
        };
        let a = write("a.png", 10);
        let b = write("b.png", 240);
        let images = [Some(a.clone()), None, Some(b), Some(a)];
        let seen = std::sync::Mutex::new(Vec::new());
        let texts = read_texts(&images, 2, &|read, to_read| {
            seen.lock().expect("lock").push((read, to_read));
            true
        });
        assert_eq!(texts.len(), 4);
        // Blank pictures have no words, whether Tesseract is installed or not.
        assert!(texts.iter().all(String::is_empty));
        // Two pictures to read (the fourth repeats the first, the second has none): the plan
        // first, then each read.
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(seen.first(), Some(&(0, 2)));
        assert_eq!(seen.iter().max(), Some(&(2, 2)));
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn clean_drops_noise() {
        assert_eq!(clean("  HELLO\n| — World ~\n\x0c"), "HELLO World");
    }
}
