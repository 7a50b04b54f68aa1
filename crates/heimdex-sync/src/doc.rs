//! What is pushed to a team backend.

use crate::error::SyncError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who is asking: the `sub` of the access token (the owner of what they push), and the team their
/// new rows are shared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user_id: Uuid,
    pub team_id: Option<Uuid>,
}

impl Identity {
    /// The signed-in user of `session` (the access token's `sub`), sharing with `team_id`.
    pub fn from_user(user: &heimdex_auth::User, team_id: Option<Uuid>) -> Result<Self, SyncError> {
        let user_id = Uuid::parse_str(&user.id).map_err(|_| {
            SyncError::Config(format!("the signed-in user id {:?} is not a UUID", user.id))
        })?;
        Ok(Self { user_id, team_id })
    }

    /// The JWT claims Postgres sees (`request.jwt.claims`), as Supabase sets them.
    pub fn claims_json(&self) -> String {
        serde_json::json!({ "sub": self.user_id, "role": "authenticated" }).to_string()
    }
}

/// Larger thumbnails are not pushed (the library writes 320-pixel-wide JPEGs of a few tens of KiB).
pub const MAX_THUMBNAIL_BYTES: usize = 128 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoDoc {
    pub id: Uuid,
    pub content_hash: String,
    pub file_name: String,
    pub duration_secs: f64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// How many scenes the video has now: the backend drops its scenes from this index on (a video
    /// indexed again may have fewer). `None` leaves them alone.
    pub scene_count: Option<i32>,
    /// The video's day (recorded, else the file's date) as seconds since the Unix epoch at
    /// midnight UTC, for date filters.
    #[serde(default)]
    pub created_at: Option<f64>,
}

/// One scene with its text and vectors. The model id travels with every vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneDoc {
    pub id: Uuid,
    pub video_id: Uuid,
    pub scene_index: i32,
    pub start_secs: f64,
    pub end_secs: f64,
    pub combined_text: String,
    pub transcript: String,
    pub thumbnail_ref: Option<String>,
    /// The scene's thumbnail (the library's small JPEG, at most [`MAX_THUMBNAIL_BYTES`]), so
    /// teammates without the video file still see the scene.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_jpeg: Option<Vec<u8>>,
    pub text_vector: Option<(String, Vec<f32>)>,
    pub image_vector: Option<(String, Vec<f32>)>,
}

/// A scene of the team archive as listed for `heimdex sync pull` (no vectors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamScene {
    pub id: Uuid,
    pub video_id: Uuid,
    pub content_hash: String,
    pub file_name: String,
    pub owner_id: Uuid,
    pub scene_index: i32,
    pub start_secs: f64,
    pub end_secs: f64,
    pub combined_text: String,
    pub text_model: Option<String>,
}
