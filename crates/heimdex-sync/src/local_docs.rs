//! Builds the documents to push from the local library, as it is at push time.
//!
//! Everything is read through the library's own functions (`scenes`, `transcripts`,
//! `search::store`); no SQL of the library's tables here.
//!
//! Text: the scene's search text (the sidecar local search indexes, when the embed stage has run;
//! else what was said during the scene). Vectors: the scene's stored vectors, one
//! per kind, of the backend's size; the model id travels with each, so vectors of different models
//! never meet in the backend. Thumbnail: the scene's JPEG from the cache folder, when it is there
//! and small (at most [`MAX_THUMBNAIL_BYTES`]).

use crate::doc::{SceneDoc, VideoDoc, MAX_THUMBNAIL_BYTES};
use crate::error::SyncError;
use crate::ids::{scene_uuid, video_uuid};
use crate::outbox::{Op, OutboxRow};
use heimdex_core::{DataPaths, VideoId};
use heimdex_library::search::store;
use heimdex_library::{scenes, transcripts, videos};
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `YYYY-MM-DD` as seconds since the Unix epoch at midnight UTC.
pub fn day_secs(day: &str) -> Option<f64> {
    let mut it = day.splitn(3, '-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    let date = time::Date::from_calendar_date(
        y.parse().ok()?,
        time::Month::try_from(m.parse::<u8>().ok()?).ok()?,
        d.get(..2)?.parse().ok()?,
    )
    .ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() as f64)
}

/// Documents for a run of upsert rows, and the rows that need no push (their video or scene is
/// gone: a later delete row, or a newer indexing, takes care of it).
#[derive(Debug, Default)]
pub struct Built {
    pub videos: Vec<VideoDoc>,
    pub scenes: Vec<SceneDoc>,
    /// Sequence numbers of the rows the documents came from.
    pub seqs: Vec<i64>,
    /// Rows with nothing to push.
    pub stale: Vec<i64>,
}

/// What to pick among a scene's vectors.
#[derive(Debug, Clone, Default)]
pub struct VectorChoice {
    pub text_dim: usize,
    pub image_dim: usize,
    pub text_model: Option<String>,
}

/// `(scene_idx, kind)` -> `[(model, vector)]` for one video.
type Vectors = HashMap<(i64, String), Vec<(String, Vec<f32>)>>;

async fn vectors_of(pool: &SqlitePool, video: &VideoId) -> Result<Vectors, SyncError> {
    let mut out = Vectors::new();
    for v in store::video_vectors(pool, video).await? {
        let kind = match v.kind {
            heimdex_library::search::VectorKind::Text => "text",
            heimdex_library::search::VectorKind::Image => "image",
        };
        out.entry((i64::from(v.key.scene), kind.to_owned()))
            .or_default()
            .push((v.model_id, v.vector));
    }
    Ok(out)
}

/// The sidecar text local search indexes, per scene; none when it cannot be read (the
/// transcript is pushed instead).
async fn sidecars_of(pool: &SqlitePool, video: &VideoId) -> HashMap<i64, String> {
    match store::sidecars(pool, video).await {
        Ok(texts) => texts.into_iter().map(|(k, v)| (i64::from(k), v)).collect(),
        Err(e) => {
            tracing::debug!("scene_text unreadable, pushing transcripts instead: {e}");
            HashMap::new()
        }
    }
}

fn pick(
    candidates: Option<&Vec<(String, Vec<f32>)>>,
    dim: usize,
    preferred: Option<&str>,
) -> Option<(String, Vec<f32>)> {
    let fits: Vec<&(String, Vec<f32>)> =
        candidates?.iter().filter(|(_, v)| v.len() == dim).collect();
    preferred
        .and_then(|p| fits.iter().find(|(m, _)| m == p))
        .or_else(|| fits.first())
        .map(|(m, v)| (m.clone(), v.clone()))
}

/// The thumbnail's bytes, or `None` when it is missing, unreadable or too large to push.
async fn thumbnail(path: Option<&Path>) -> Option<Vec<u8>> {
    let path = path?;
    let size = tokio::fs::metadata(path).await.ok()?.len();
    if size == 0 || size > MAX_THUMBNAIL_BYTES as u64 {
        tracing::debug!("thumbnail {} not pushed ({size} bytes)", path.display());
        return None;
    }
    tokio::fs::read(path).await.ok()
}

/// Builds the documents for `rows` (upsert rows; others are ignored) from the library in
/// `paths`, through the library's own queries.
pub async fn build(
    pool: &SqlitePool,
    paths: &DataPaths,
    rows: &[OutboxRow],
    choice: &VectorChoice,
) -> Result<Built, SyncError> {
    let mut built = Built::default();
    let mut order: Vec<&VideoId> = Vec::new();
    let mut by_video: HashMap<&VideoId, Vec<&OutboxRow>> = HashMap::new();
    for r in rows {
        if matches!(r.op, Op::UpsertScene { .. }) {
            let e = by_video.entry(&r.video_id).or_default();
            if e.is_empty() {
                order.push(&r.video_id);
            }
            e.push(r);
        }
    }
    for vid in order {
        let rows = &by_video[vid];
        let record = videos::get(pool, vid).await?;
        let Some(record) = record.filter(|v| v.content_hash == rows[0].content_hash) else {
            built.stale.extend(rows.iter().map(|r| r.seq));
            continue;
        };
        let stored = scenes_of(pool, paths, vid).await?;
        let spoken: HashMap<i64, String> = transcripts::scene_texts(pool, vid)
            .await?
            .into_iter()
            .map(|t| (t.scene_idx, t.text))
            .collect();
        let sidecars = sidecars_of(pool, vid).await;
        let vectors = vectors_of(pool, vid).await?;
        let video_uuid = video_uuid(&record.content_hash);
        built.videos.push(VideoDoc {
            id: video_uuid,
            content_hash: record.content_hash.clone(),
            file_name: record.file_name.clone(),
            duration_secs: record.info.duration_secs,
            width: i32::try_from(record.info.width).ok(),
            height: i32::try_from(record.info.height).ok(),
            scene_count: i32::try_from(stored.len()).ok(),
            created_at: store::video_date(pool, vid)
                .await?
                .as_deref()
                .and_then(day_secs),
        });
        for r in rows {
            let Op::UpsertScene { scene_idx } = r.op else {
                continue;
            };
            let idx = i64::from(scene_idx);
            let Some(scene) = stored.get(&idx) else {
                built.stale.push(r.seq);
                continue;
            };
            let transcript = spoken.get(&idx).cloned().unwrap_or_default();
            let combined = sidecars
                .get(&idx)
                .cloned()
                .unwrap_or_else(|| transcript.clone());
            built.scenes.push(SceneDoc {
                id: scene_uuid(&record.content_hash, scene_idx),
                video_id: video_uuid,
                scene_index: i32::try_from(scene_idx).unwrap_or(i32::MAX),
                start_secs: scene.start_secs,
                end_secs: scene.end_secs,
                combined_text: combined,
                transcript,
                thumbnail_ref: None,
                thumbnail_jpeg: thumbnail(scene.thumbnail.as_deref()).await,
                text_vector: pick(
                    vectors.get(&(idx, "text".to_owned())),
                    choice.text_dim,
                    choice.text_model.as_deref(),
                ),
                image_vector: pick(
                    vectors.get(&(idx, "image".to_owned())),
                    choice.image_dim,
                    None,
                ),
            });
            built.seqs.push(r.seq);
        }
    }
    Ok(built)
}

/// What the push needs of one stored scene (its pictures otherwise stay local).
struct StoredScene {
    start_secs: f64,
    end_secs: f64,
    thumbnail: Option<PathBuf>,
}

/// `idx` -> the video's scenes.
async fn scenes_of(
    pool: &SqlitePool,
    paths: &DataPaths,
    video: &VideoId,
) -> Result<HashMap<i64, StoredScene>, SyncError> {
    Ok(scenes::list_for_video(pool, paths, video)
        .await?
        .into_iter()
        .map(|s| {
            (
                i64::from(s.idx),
                StoredScene {
                    start_secs: s.start_secs,
                    end_secs: s.end_secs,
                    thumbnail: s.thumbnail_path,
                },
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_become_midnight_utc() {
        assert_eq!(day_secs("2024-01-10"), Some(1_704_844_800.0));
        assert_eq!(day_secs("1970-01-01"), Some(0.0));
        assert_eq!(day_secs("2024-13-01"), None);
        assert_eq!(day_secs("yesterday"), None);
    }

    #[test]
    fn picks_the_preferred_model_of_the_right_size() {
        let c = vec![
            ("big".to_owned(), vec![0.0; 1536]),
            ("mini".to_owned(), vec![0.0; 384]),
            ("mini2".to_owned(), vec![1.0; 384]),
        ];
        assert_eq!(
            pick(Some(&c), 384, None).map(|p| p.0).as_deref(),
            Some("mini")
        );
        assert_eq!(
            pick(Some(&c), 384, Some("mini2")).map(|p| p.0).as_deref(),
            Some("mini2")
        );
        assert_eq!(pick(Some(&c), 512, None), None);
        assert_eq!(pick(None, 384, None), None);
    }
}
