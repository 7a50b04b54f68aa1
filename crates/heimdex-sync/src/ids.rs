//! Stable ids shared by every backend: the same scene gets the same UUID on every machine.

use uuid::Uuid;

/// Namespace of Heimdex's name-based (v5) UUIDs.
const NAMESPACE: Uuid = Uuid::from_u128(0x5a1d_6e7c_2b4f_4c1e_9a0d_7f3b_1c2e_8d4f);

/// The id of a video in every backend: from its full content hash.
pub fn video_uuid(content_hash: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("video:{content_hash}").as_bytes())
}

/// The id of a scene in every backend: from its video's content hash and its index.
pub fn scene_uuid(content_hash: &str, scene_index: u32) -> Uuid {
    Uuid::new_v5(
        &NAMESPACE,
        format!("scene:{content_hash}:{scene_index}").as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(scene_uuid("abc", 1), scene_uuid("abc", 1));
        assert_ne!(scene_uuid("abc", 1), scene_uuid("abc", 2));
        assert_ne!(scene_uuid("abc", 0), video_uuid("abc"));
        assert_eq!(scene_uuid("abc", 1).get_version_num(), 5);
    }
}
