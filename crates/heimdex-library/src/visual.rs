//! Queries on the vision stage's tables: `scene_tags` (what each scene shows, in words),
//! `scene_visuals` (one picture vector per scene and model) and `video_vision` (which model looked
//! at a video, or why none could).

use crate::error::Result;
use heimdex_core::VideoId;
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};
use std::collections::HashMap;

/// A word for what a scene shows, with its score (0..1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneTag {
    pub label: String,
    pub score: f32,
    /// `class` (what the classifier named), `hypernym` (a broader word) or `caption`.
    pub kind: String,
    /// Other names of a class ("tabby" for "tabby cat"), searchable but not shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

impl SceneTag {
    pub fn is_class(&self) -> bool {
        self.kind == "class"
    }
}

/// Everything the vision stage found in one scene.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneVisual {
    pub scene_idx: u32,
    /// Best first: classes, then broader words.
    pub tags: Vec<SceneTag>,
    /// The mean of the scene's keyframe vectors, L2 normalised (`None` when no picture was read).
    pub vector: Option<Vec<f32>>,
    pub pictures: u32,
    /// The likeliest classes (best probability over the scene's pictures), best first.
    pub classes: Vec<(u16, f32)>,
}

/// `(u16, f32)` pairs, little endian.
pub fn classes_to_blob(classes: &[(u16, f32)]) -> Vec<u8> {
    classes
        .iter()
        .flat_map(|(c, p)| c.to_le_bytes().into_iter().chain(p.to_le_bytes()))
        .collect()
}

pub fn blob_to_classes(b: &[u8]) -> Vec<(u16, f32)> {
    b.chunks_exact(6)
        .map(|c| {
            (
                u16::from_le_bytes([c[0], c[1]]),
                f32::from_le_bytes([c[2], c[3], c[4], c[5]]),
            )
        })
        .collect()
}

/// What the vision stage did for one video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisionRun {
    pub model_id: Option<String>,
    /// Why no model looked (the model is missing, its files are damaged).
    pub skipped: Option<String>,
    pub pictures: u32,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Replaces the tags and vectors of `video` with `scenes`, and records the run, in one transaction.
pub async fn replace_for_video(
    pool: &SqlitePool,
    video: &VideoId,
    model_id: &str,
    scenes: &[SceneVisual],
) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM scene_tags WHERE video_id = ? AND kind <> 'caption'")
        .bind(video.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM scene_visuals WHERE video_id = ?")
        .bind(video.as_str())
        .execute(&mut *tx)
        .await?;
    let mut pictures = 0u32;
    for s in scenes {
        pictures += s.pictures;
        for t in &s.tags {
            sqlx::query(
                "INSERT INTO scene_tags (video_id, scene_idx, label, score, kind, names, model_id) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(video.as_str())
            .bind(i64::from(s.scene_idx))
            .bind(&t.label)
            .bind(f64::from(t.score))
            .bind(&t.kind)
            .bind((!t.names.is_empty()).then(|| t.names.join(", ")))
            .bind(model_id)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(v) = &s.vector {
            sqlx::query(
                "INSERT INTO scene_visuals (video_id, scene_idx, model_id, pictures, vector, classes) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(video.as_str())
            .bind(i64::from(s.scene_idx))
            .bind(model_id)
            .bind(i64::from(s.pictures))
            .bind(crate::search::store::vector_to_blob(v))
            .bind(classes_to_blob(&s.classes))
            .execute(&mut *tx)
            .await?;
        }
    }
    upsert_run(&mut tx, video, Some(model_id), None, pictures).await?;
    tx.commit().await?;
    Ok(())
}

/// Records that no model could look at `video`, and why; its earlier tags stay.
pub async fn record_skipped(pool: &SqlitePool, video: &VideoId, why: &str) -> Result<()> {
    let mut tx = pool.begin().await?;
    upsert_run(&mut tx, video, None, Some(why), 0).await?;
    tx.commit().await?;
    Ok(())
}

async fn upsert_run(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    video: &VideoId,
    model_id: Option<&str>,
    skipped: Option<&str>,
    pictures: u32,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO video_vision (video_id, model_id, skipped, pictures, updated_at) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (video_id) DO UPDATE SET model_id = excluded.model_id, \
         skipped = excluded.skipped, pictures = excluded.pictures, updated_at = excluded.updated_at",
    )
    .bind(video.as_str())
    .bind(model_id)
    .bind(skipped)
    .bind(i64::from(pictures))
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What the vision stage did for `video`, if it ran.
pub async fn run_of(pool: &SqlitePool, video: &VideoId) -> Result<Option<VisionRun>> {
    let row =
        sqlx::query("SELECT model_id, skipped, pictures FROM video_vision WHERE video_id = ?")
            .bind(video.as_str())
            .fetch_optional(pool)
            .await?;
    row.map(|r| {
        Ok(VisionRun {
            model_id: r.try_get("model_id")?,
            skipped: r.try_get("skipped")?,
            pictures: u32::try_from(r.try_get::<i64, _>("pictures")?).unwrap_or(0),
        })
    })
    .transpose()
}

/// Videos the vision stage skipped (no model), to queue again once the model is installed.
pub async fn skipped_videos(pool: &SqlitePool) -> Result<Vec<VideoId>> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT video_id FROM video_vision WHERE skipped IS NOT NULL")
            .fetch_all(pool)
            .await?;
    Ok(ids.into_iter().map(VideoId).collect())
}

fn tag_of(r: &sqlx::sqlite::SqliteRow) -> Result<(u32, SceneTag)> {
    let idx: i64 = r.try_get("scene_idx")?;
    let names: Option<String> = r.try_get("names")?;
    Ok((
        u32::try_from(idx).unwrap_or(0),
        SceneTag {
            label: r.try_get("label")?,
            score: r.try_get::<f64, _>("score")? as f32,
            kind: r.try_get("kind")?,
            names: names
                .map(|n| n.split(", ").map(str::to_owned).collect())
                .unwrap_or_default(),
        },
    ))
}

const TAG_ORDER: &str = "ORDER BY scene_idx, kind = 'hypernym', score DESC, label";

/// The tags of every scene of `video`, best first within each scene.
pub async fn tags_for_video(
    pool: &SqlitePool,
    video: &VideoId,
) -> Result<HashMap<u32, Vec<SceneTag>>> {
    let rows = sqlx::query(&format!(
        "SELECT scene_idx, label, score, kind, names FROM scene_tags WHERE video_id = ? {TAG_ORDER}"
    ))
    .bind(video.as_str())
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<u32, Vec<SceneTag>> = HashMap::new();
    for r in &rows {
        let (idx, tag) = tag_of(r)?;
        out.entry(idx).or_default().push(tag);
    }
    Ok(out)
}

/// The tags of one scene, best first.
pub async fn tags_for_scene(
    pool: &SqlitePool,
    video: &VideoId,
    scene: u32,
) -> Result<Vec<SceneTag>> {
    let rows = sqlx::query(&format!(
        "SELECT scene_idx, label, score, kind, names FROM scene_tags \
         WHERE video_id = ? AND scene_idx = ? {TAG_ORDER}"
    ))
    .bind(video.as_str())
    .bind(i64::from(scene))
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| tag_of(r).map(|(_, t)| t)).collect()
}

/// The picture vector of every scene of `video`: (scene, model id, vector).
pub async fn vectors_for_video(
    pool: &SqlitePool,
    video: &VideoId,
) -> Result<Vec<(u32, String, Vec<f32>)>> {
    let rows = sqlx::query(
        "SELECT scene_idx, model_id, vector FROM scene_visuals WHERE video_id = ? ORDER BY scene_idx",
    )
    .bind(video.as_str())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let idx: i64 = r.try_get("scene_idx")?;
            let blob: Vec<u8> = r.try_get("vector")?;
            Ok((
                u32::try_from(idx).unwrap_or(0),
                r.try_get("model_id")?,
                crate::search::store::blob_to_vector(&blob),
            ))
        })
        .collect()
}

/// The likeliest classes of every scene of `video` (or of every video): (video, scene, model id,
/// classes).
pub async fn classes(
    pool: &SqlitePool,
    video: Option<&VideoId>,
) -> Result<Vec<(VideoId, u32, String, Vec<(u16, f32)>)>> {
    let rows = sqlx::query(
        "SELECT video_id, scene_idx, model_id, classes FROM scene_visuals \
         WHERE classes IS NOT NULL AND (?1 IS NULL OR video_id = ?1)",
    )
    .bind(video.map(|v| v.as_str().to_owned()))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let idx: i64 = r.try_get("scene_idx")?;
            let blob: Vec<u8> = r.try_get("classes")?;
            Ok((
                VideoId(r.try_get("video_id")?),
                u32::try_from(idx).unwrap_or(0),
                r.try_get("model_id")?,
                blob_to_classes(&blob),
            ))
        })
        .collect()
}

/// The line a scene's tags add to its sidecar text: every label and name, best first, once each.
pub fn sidecar_words(tags: &[SceneTag]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for t in tags {
        for w in std::iter::once(&t.label).chain(&t.names) {
            if !seen.iter().any(|s| s.eq_ignore_ascii_case(w)) {
                seen.push(w.clone());
            }
        }
    }
    seen.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_trip_through_their_blob() {
        let c = vec![(281u16, 0.5f32), (999, 0.25)];
        assert_eq!(blob_to_classes(&classes_to_blob(&c)), c);
    }

    #[test]
    fn sidecar_words_once_each() {
        let tag = |l: &str, names: &[&str]| SceneTag {
            label: l.into(),
            score: 0.5,
            kind: "class".into(),
            names: names.iter().map(|s| s.to_string()).collect(),
        };
        let tags = vec![
            tag("tabby cat", &["tabby", "tabby cat"]),
            tag("cat", &[]),
            tag("Cat", &[]),
        ];
        assert_eq!(sidecar_words(&tags), "tabby cat, tabby, cat");
    }
}
