//! What every command needs: the application layer's [`App`] (the open library, the pipeline
//! with its stages, the provider key's store), opened the same way the window opens it.

pub use heimdex_app::App as Context;
