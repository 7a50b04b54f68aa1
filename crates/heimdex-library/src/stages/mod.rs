//! The stages this build runs, one file each.

pub mod embed;
pub mod poster;
pub mod scenes;
#[cfg(feature = "whisper")]
pub mod speech;

use crate::pipeline::StageRunner;
use std::sync::Arc;

/// Every stage of the default build, in pipeline order.
pub fn default_stages() -> Vec<Arc<dyn StageRunner>> {
    vec![
        Arc::new(poster::PosterStage),
        Arc::new(scenes::ScenesStage::default()),
        #[cfg(feature = "whisper")]
        Arc::new(speech::SpeechStage::default()),
        Arc::new(embed::EmbedStage::default()),
    ]
}
