//! What every command needs: the open library and the pipeline with its stages.

use anyhow::Context as _;
use heimdex_library::provider::SecretStore;
use heimdex_library::{stages, Library, Pipeline};
use std::path::Path;
use std::sync::Arc;

pub struct Context {
    pub pipeline: Pipeline,
    /// Where the caption provider's API key lives (the OS keychain).
    pub secrets: Arc<dyn SecretStore>,
}

impl Context {
    pub async fn open(data_dir: Option<&Path>) -> anyhow::Result<Self> {
        // The folders chosen in the window's Settings count here too.
        let paths = heimdex_library::folders::open_paths(data_dir)?;
        let library = Library::open(paths.clone())
            .await
            .with_context(|| format!("cannot open the library in {}", paths.data_dir.display()))?;
        let secrets: Arc<dyn SecretStore> =
            Arc::new(crate::commands::provider::KeychainSecret::default());
        Ok(Self {
            pipeline: Pipeline::new(
                library,
                stages::default_stages_with_secrets(secrets.clone()),
            ),
            secrets,
        })
    }

    pub fn library(&self) -> &Library {
        self.pipeline.library()
    }
}
