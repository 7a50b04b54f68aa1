//! Finding model folders: Heimdex's model directory first, then a Hugging Face cache.
//!
//! `scripts/fetch-models.sh` unpacks models into the model directory (`$HEIMDEX_MODEL_DIR`, else
//! `~/.local/share/heimdex/models`) as `whisper-tiny.en/`, `whisper-base/`, `all-MiniLM-L6-v2/`.
//! A user who already has faster-whisper's models (`Systran/faster-whisper-*`) in their Hugging
//! Face cache can use those: same files, found under
//! `<hub>/models--Systran--faster-whisper-<size>/snapshots/<revision>/`.

use std::path::{Path, PathBuf};

/// Files a CTranslate2 Whisper folder must have (plus `vocabulary.txt` or `vocabulary.json`).
const WHISPER_FILES: [&str; 3] = ["model.bin", "config.json", "tokenizer.json"];

/// Whisper sizes Heimdex knows, smallest first: (folder name, Hugging Face repository).
pub const WHISPER_MODELS: [(&str, &str); 6] = [
    ("whisper-tiny.en", "Systran/faster-whisper-tiny.en"),
    ("whisper-tiny", "Systran/faster-whisper-tiny"),
    ("whisper-base.en", "Systran/faster-whisper-base.en"),
    ("whisper-base", "Systran/faster-whisper-base"),
    ("whisper-small.en", "Systran/faster-whisper-small.en"),
    ("whisper-small", "Systran/faster-whisper-small"),
];

/// Whether `dir` holds a CTranslate2 Whisper model.
pub fn is_whisper_dir(dir: &Path) -> bool {
    WHISPER_FILES.iter().all(|f| dir.join(f).is_file())
        && (dir.join("vocabulary.txt").is_file() || dir.join("vocabulary.json").is_file())
}

/// The Hugging Face hub cache: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`.
pub fn hf_hub_cache() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("HF_HUB_CACHE")
        .or_else(|| env("HF_HOME").map(|h| h.join("hub")))
        .or_else(|| env("HOME").map(|h| h.join(".cache").join("huggingface").join("hub")))
}

/// Snapshot folders of `repo` (`owner/name`) in the hub cache `hub`, the one `refs/main` names
/// first.
pub fn hf_snapshots(hub: &Path, repo: &str) -> Vec<PathBuf> {
    let base = hub.join(format!("models--{}", repo.replace('/', "--")));
    let snapshots = base.join("snapshots");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&snapshots)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    if let Ok(main) = std::fs::read_to_string(base.join("refs").join("main")) {
        let main = snapshots.join(main.trim());
        if let Some(i) = found.iter().position(|p| *p == main) {
            let m = found.remove(i);
            found.insert(0, m);
        }
    }
    found
}

/// Where to look for the Whisper model `name` (e.g. `whisper-tiny.en`), in order.
pub fn whisper_candidates(name: &str, model_dir: &Path, hub: Option<&Path>) -> Vec<PathBuf> {
    let mut out = vec![model_dir.join(name)];
    if let Some(hub) = hub {
        let repo = WHISPER_MODELS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| (*r).to_owned())
            .unwrap_or_else(|| format!("Systran/faster-{name}"));
        out.extend(hf_snapshots(hub, &repo));
    }
    out
}

/// The folder of Whisper model `name`: the model directory, else the Hugging Face cache.
pub fn find_whisper(name: &str, model_dir: &Path) -> Result<PathBuf, Vec<PathBuf>> {
    let hub = hf_hub_cache();
    let candidates = whisper_candidates(name, model_dir, hub.as_deref());
    candidates
        .iter()
        .find(|d| is_whisper_dir(d))
        .cloned()
        .ok_or(candidates)
}

/// The first Whisper model found, preferring `preferred`, then the others smallest first.
pub fn find_any_whisper(preferred: Option<&str>, model_dir: &Path) -> Option<(String, PathBuf)> {
    let names = preferred
        .into_iter()
        .chain(WHISPER_MODELS.iter().map(|(n, _)| *n))
        .collect::<Vec<_>>();
    names
        .into_iter()
        .find_map(|n| find_whisper(n, model_dir).ok().map(|d| (n.to_owned(), d)))
}

/// The model directory tests and tools use: [`heimdex_core::paths::default_model_dir`].
pub fn default_model_dir() -> PathBuf {
    heimdex_core::paths::default_model_dir().unwrap_or_else(|| PathBuf::from("models"))
}

/// For tests: the folder of model `name` in the default model directory (or the Hugging Face
/// cache). Missing: panics when `CI` is set (CI must run every test), else prints SKIPPED.
pub fn test_model(name: &str) -> Option<PathBuf> {
    let dir = default_model_dir();
    match find_whisper(name, &dir) {
        Ok(found) => Some(found),
        Err(searched) => {
            let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
            assert!(
                !ci,
                "model {name} is missing (looked in {searched:?}): run scripts/fetch-models.sh"
            );
            eprintln!("SKIPPED: model {name} is missing (run scripts/fetch-models.sh)");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_model(dir: &Path) {
        std::fs::create_dir_all(dir).expect("mkdir");
        for f in [
            "model.bin",
            "config.json",
            "tokenizer.json",
            "vocabulary.txt",
        ] {
            std::fs::write(dir.join(f), b"x").expect("write");
        }
    }

    #[test]
    fn finds_the_model_dir_first_then_the_hf_snapshot() {
        let tmp = tempfile::tempdir().expect("tmp");
        let models = tmp.path().join("models");
        let hub = tmp.path().join("hub");
        let repo = hub.join("models--Systran--faster-whisper-tiny.en");
        let old = repo.join("snapshots").join("aaa");
        let new = repo.join("snapshots").join("bbb");
        fake_model(&old);
        fake_model(&new);
        std::fs::create_dir_all(repo.join("refs")).expect("mkdir");
        std::fs::write(repo.join("refs").join("main"), "bbb\n").expect("write");

        let c = whisper_candidates("whisper-tiny.en", &models, Some(&hub));
        assert_eq!(c, vec![models.join("whisper-tiny.en"), new.clone(), old]);
        let first = c.iter().find(|d| is_whisper_dir(d));
        assert_eq!(first, Some(&new));

        fake_model(&models.join("whisper-tiny.en"));
        assert!(is_whisper_dir(&models.join("whisper-tiny.en")));
    }

    #[test]
    fn incomplete_folder_is_not_a_model() {
        let tmp = tempfile::tempdir().expect("tmp");
        std::fs::write(tmp.path().join("model.bin"), b"x").expect("write");
        assert!(!is_whisper_dir(tmp.path()));
    }
}
