//! The stages this build runs, one file each.

pub mod caption;
pub mod embed;
pub mod poster;
pub mod scenes;
#[cfg(feature = "whisper")]
pub mod speech;
pub mod vision;

use crate::pipeline::StageRunner;
use std::sync::Arc;

/// Every stage of the default build, in pipeline order. The caption stage finds the provider's API
/// key in `$HEIMDEX_PROVIDER_API_KEY` only; the window and the CLI use
/// [`default_stages_with_secrets`] to give it the keychain.
pub fn default_stages() -> Vec<Arc<dyn StageRunner>> {
    default_stages_with_secrets(Arc::new(crate::provider::NoSecretStore))
}

/// Every stage of the default build, in pipeline order; the caption stage reads the provider's API
/// key from `secrets` (unless `$HEIMDEX_PROVIDER_API_KEY` is set).
pub fn default_stages_with_secrets(
    secrets: Arc<dyn crate::provider::SecretStore>,
) -> Vec<Arc<dyn StageRunner>> {
    vec![
        Arc::new(poster::PosterStage),
        Arc::new(scenes::ScenesStage::default()),
        #[cfg(feature = "whisper")]
        Arc::new(speech::SpeechStage::default()),
        Arc::new(vision::VisionStage),
        Arc::new(embed::EmbedStage::default()),
        Arc::new(caption::CaptionStage::new(secrets)),
    ]
}
