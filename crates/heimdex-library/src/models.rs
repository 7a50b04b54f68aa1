//! The models the pipeline uses and whether each is installed: one list for `heimdex status`,
//! `heimdex doctor`, search notices and the window's Settings.

use heimdex_core::DataPaths;
use heimdex_embed::{ClipEmbedder, MiniLmEmbedder, VisionModel};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One model folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelState {
    /// Folder name under the model directory.
    pub name: String,
    /// What it is for, in words.
    pub purpose: String,
    /// Where it was found (complete), if anywhere.
    pub found: Option<PathBuf>,
    /// Where it is expected.
    pub expected: PathBuf,
    /// Not installed by `scripts/fetch-models.sh`; the user supplies it.
    pub optional: bool,
}

impl ModelState {
    pub fn installed(&self) -> bool {
        self.found.is_some()
    }

    /// What to do when it is missing.
    pub fn fix(&self) -> String {
        if self.optional {
            format!(
                "optional: put a Hugging Face {} folder at {}",
                self.name,
                self.expected.display()
            )
        } else {
            "run scripts/fetch-models.sh".to_owned()
        }
    }
}

fn whisper(name: &str, model_dir: &Path) -> Option<PathBuf> {
    heimdex_speech::model_dir::find_whisper(name, model_dir).ok()
}

/// Every model the stages can use, with where it was found.
pub fn report(paths: &DataPaths) -> Vec<ModelState> {
    let dir = &paths.model_dir;
    let entry = |name: &str, purpose: &str, found: Option<PathBuf>, optional: bool| ModelState {
        name: name.into(),
        purpose: purpose.into(),
        found,
        expected: dir.join(name),
        optional,
    };
    vec![
        entry(
            "whisper-base",
            "Speech to text (transcripts; the default)",
            whisper("whisper-base", dir),
            false,
        ),
        entry(
            "whisper-tiny.en",
            "Speech to text, English only, faster",
            whisper("whisper-tiny.en", dir),
            false,
        ),
        entry(
            "all-MiniLM-L6-v2",
            "Text vectors (search by meaning)",
            MiniLmEmbedder::locate(dir),
            false,
        ),
        entry(
            "efficientnet-lite0",
            "Pictures: tags and picture vectors (search by what is shown, by a picture)",
            VisionModel::locate(dir),
            false,
        ),
        entry(
            "clip-vit-base-patch32",
            "CLIP: typed words against pictures (optional, user-supplied)",
            ClipEmbedder::locate(dir),
            true,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_model_dir_reports_everything_missing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let paths = DataPaths {
            data_dir: tmp.path().into(),
            cache_dir: tmp.path().join("c"),
            model_dir: tmp.path().join("m"),
        };
        let r = report(&paths);
        assert_eq!(r.len(), 5);
        let vision = r
            .iter()
            .find(|m| m.name == "efficientnet-lite0")
            .expect("listed");
        assert!(!vision.installed());
        assert_eq!(vision.expected, tmp.path().join("m/efficientnet-lite0"));
        assert_eq!(vision.fix(), "run scripts/fetch-models.sh");
        assert!(
            r.iter()
                .find(|m| m.name.starts_with("clip"))
                .expect("clip")
                .optional
        );
    }
}
