//! Which scene a vector or a hit belongs to.

use heimdex_core::VideoId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A scene: its video and its index within the video (0-based, in time order).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SceneKey {
    pub video: VideoId,
    pub scene: u32,
}

impl SceneKey {
    pub fn new(video: VideoId, scene: u32) -> Self {
        Self { video, scene }
    }
}

impl fmt::Display for SceneKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.video, self.scene)
    }
}
