//! What every command needs: the open library and the pipeline with its stages.

use anyhow::Context as _;
use heimdex_core::DataPaths;
use heimdex_library::{stages, Library, Pipeline};
use std::path::Path;

pub struct Context {
    pub pipeline: Pipeline,
}

impl Context {
    pub async fn open(data_dir: Option<&Path>) -> anyhow::Result<Self> {
        let paths = DataPaths::resolve(data_dir)?;
        let library = Library::open(paths.clone())
            .await
            .with_context(|| format!("cannot open the library in {}", paths.data_dir.display()))?;
        Ok(Self {
            pipeline: Pipeline::new(library, stages::default_stages()),
        })
    }

    pub fn library(&self) -> &Library {
        self.pipeline.library()
    }
}
