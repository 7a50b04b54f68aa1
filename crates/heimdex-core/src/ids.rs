//! Stable identifiers.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A video's id: the first 16 hex digits of its content hash. Stable across moves and renames,
/// and the same on every machine that holds the same file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VideoId(pub String);

impl VideoId {
    /// Length in hex digits of an id taken from a content hash.
    pub const LEN: usize = 16;

    /// The id of a video whose full content hash (hex) is `hash`.
    pub fn from_content_hash(hash: &str) -> Self {
        Self(hash.chars().take(Self::LEN).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VideoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_hash_prefix() {
        let id = VideoId::from_content_hash("0123456789abcdef0123456789abcdef");
        assert_eq!(id.as_str(), "0123456789abcdef");
        assert_eq!(id.to_string().len(), VideoId::LEN);
    }
}
