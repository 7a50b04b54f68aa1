//! The search tables: `scene_vectors`, `scene_text` (FTS5) — writing a video's rows, loading the
//! vectors, BM25, the filters and the rows a hit is made of.

use super::state::StoredVector;
use crate::error::Result;
use heimdex_core::{DataPaths, VideoId};
use heimdex_search::{Candidates, SceneKey, VectorIndexes, VectorKind};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::collections::HashMap;
use std::path::PathBuf;

/// The day a video was recorded (container creation time), else its file date, as `YYYY-MM-DD`.
pub const VIDEO_DATE_SQL: &str = "COALESCE(date(substr(v.media_created_at, 1, 10)), \
     date(v.modified_at, 'unixepoch'))";

/// What the embed stage stores for one scene besides its vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneTextRow {
    pub scene_idx: u32,
    /// Shown in hits: the transcript words of the scene, else its on-screen text.
    pub snippet: String,
    /// Everything searchable about the scene (see `heimdex_search::build_sidecar`).
    pub sidecar: String,
}

fn kind_from_str(s: &str) -> Option<VectorKind> {
    match s {
        "text" => Some(VectorKind::Text),
        "image" => Some(VectorKind::Image),
        _ => None,
    }
}

/// `f32` little endian.
pub fn vector_to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn blob_to_vector(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Replaces every search row of `video` in one transaction.
pub async fn replace_video(
    pool: &SqlitePool,
    video: &VideoId,
    texts: &[SceneTextRow],
    vectors: &[StoredVector],
) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM scene_vectors WHERE video_id = ?")
        .bind(video.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM scene_text WHERE video_id = ?")
        .bind(video.as_str())
        .execute(&mut *tx)
        .await?;
    for t in texts {
        sqlx::query(
            "INSERT INTO scene_text (video_id, scene_idx, snippet, sidecar) VALUES (?, ?, ?, ?)",
        )
        .bind(video.as_str())
        .bind(i64::from(t.scene_idx))
        .bind(&t.snippet)
        .bind(&t.sidecar)
        .execute(&mut *tx)
        .await?;
    }
    for v in vectors {
        sqlx::query(
            "INSERT INTO scene_vectors (video_id, scene_idx, kind, model_id, dim, vector) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(video.as_str())
        .bind(i64::from(v.key.scene))
        .bind(v.kind.as_str())
        .bind(&v.model_id)
        .bind(v.vector.len() as i64)
        .bind(vector_to_blob(&v.vector))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Every stored vector, in one index per (kind, model).
pub async fn load_indexes(pool: &SqlitePool) -> std::result::Result<VectorIndexes, sqlx::Error> {
    let mut indexes = VectorIndexes::new();
    // In pages, so a large library is never held twice in memory.
    let mut after: i64 = 0;
    loop {
        let rows = sqlx::query(
            "SELECT rowid, video_id, scene_idx, kind, model_id, vector FROM scene_vectors \
             WHERE rowid > ? ORDER BY rowid LIMIT 4096",
        )
        .bind(after)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("rowid")?;
        for row in rows {
            let kind: String = row.try_get("kind")?;
            let Some(kind) = kind_from_str(&kind) else {
                continue;
            };
            let video: String = row.try_get("video_id")?;
            let scene: i64 = row.try_get("scene_idx")?;
            let model: String = row.try_get("model_id")?;
            let blob: Vec<u8> = row.try_get("vector")?;
            let key = SceneKey::new(VideoId(video), u32::try_from(scene).unwrap_or(0));
            if let Err(e) = indexes.upsert(kind, &model, key, &blob_to_vector(&blob)) {
                tracing::warn!("stored vector skipped: {e}");
            }
        }
    }
    Ok(indexes)
}

/// The stored vectors of one scene (for "more like this").
pub async fn scene_vectors(pool: &SqlitePool, key: &SceneKey) -> Result<Vec<StoredVector>> {
    stored_vectors(pool, &key.video, Some(key.scene)).await
}

/// Every stored vector of `video`'s scenes, in scene order (what a team push sends).
pub async fn video_vectors(pool: &SqlitePool, video: &VideoId) -> Result<Vec<StoredVector>> {
    stored_vectors(pool, video, None).await
}

async fn stored_vectors(
    pool: &SqlitePool,
    video: &VideoId,
    scene: Option<u32>,
) -> Result<Vec<StoredVector>> {
    let scene = scene.map(i64::from);
    let rows = sqlx::query(
        "SELECT scene_idx, kind, model_id, vector FROM scene_vectors \
         WHERE video_id = ? AND (? IS NULL OR scene_idx = ?) ORDER BY scene_idx, kind, model_id",
    )
    .bind(video.as_str())
    .bind(scene)
    .bind(scene)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let kind: String = r.try_get("kind")?;
        let Some(kind) = kind_from_str(&kind) else {
            continue;
        };
        let idx: i64 = r.try_get("scene_idx")?;
        let blob: Vec<u8> = r.try_get("vector")?;
        out.push(StoredVector {
            key: SceneKey {
                video: video.clone(),
                scene: u32::try_from(idx).unwrap_or(0),
            },
            kind,
            model_id: r.try_get("model_id")?,
            vector: blob_to_vector(&blob),
        });
    }
    Ok(out)
}

/// Each scene's sidecar text for `video`: what BM25 and the text vectors were made from.
pub async fn sidecars(pool: &SqlitePool, video: &VideoId) -> Result<HashMap<u32, String>> {
    let rows = sqlx::query("SELECT scene_idx, sidecar FROM scene_text WHERE video_id = ?")
        .bind(video.as_str())
        .fetch_all(pool)
        .await?;
    let mut out = HashMap::new();
    for r in rows {
        let idx: i64 = r.try_get("scene_idx")?;
        out.insert(u32::try_from(idx).unwrap_or(0), r.try_get("sidecar")?);
    }
    Ok(out)
}

/// Words too common to search for on their own.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on",
    "or", "that", "the", "to", "was", "were", "with",
];

/// An FTS5 query matching any word of `text` (each word quoted, so nothing is read as syntax);
/// `None` when no word is left.
pub fn fts_query(text: &str) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        let w = w.to_lowercase();
        if w.is_empty() || STOP_WORDS.contains(&w.as_str()) || words.contains(&w) {
            continue;
        }
        words.push(w);
    }
    if words.is_empty() {
        // Only stop words ("the who"): search them after all.
        words = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
    }
    (!words.is_empty()).then(|| {
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" OR ")
    })
}

/// The best `depth` scenes by BM25 over the sidecar text (score sign flipped: higher is better),
/// limited to `candidates` when given.
pub async fn bm25(
    pool: &SqlitePool,
    fts: &str,
    depth: usize,
    candidates: Option<&Candidates>,
) -> Result<Vec<(SceneKey, f32)>> {
    // With a filter, read deeper and keep the allowed ones.
    let limit = if candidates.is_some() {
        depth * 20
    } else {
        depth
    };
    let rows = sqlx::query(
        "SELECT video_id, scene_idx, bm25(scene_text) AS r FROM scene_text \
         WHERE scene_text MATCH ? ORDER BY r LIMIT ?",
    )
    .bind(fts)
    .bind(limit as i64)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len().min(depth));
    for r in rows {
        let video: String = r.try_get("video_id")?;
        let scene: i64 = r.try_get("scene_idx")?;
        let rank: f64 = r.try_get("r")?;
        let key = SceneKey::new(VideoId(video), u32::try_from(scene).unwrap_or(0));
        if candidates.is_some_and(|c| !c.contains(&key)) {
            continue;
        }
        out.push((key, -rank as f32));
        if out.len() == depth {
            break;
        }
    }
    Ok(out)
}

/// The filters that limit which scenes a search may return.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SceneFilter {
    pub video: Option<VideoId>,
    /// `YYYY-MM-DD`, inclusive.
    pub from_date: Option<String>,
    /// `YYYY-MM-DD`, exclusive.
    pub until_date: Option<String>,
    pub min_duration_secs: Option<f64>,
    pub max_duration_secs: Option<f64>,
    pub has_speech: Option<bool>,
}

impl SceneFilter {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The scenes `filter` allows.
pub async fn candidates(pool: &SqlitePool, filter: &SceneFilter) -> Result<Candidates> {
    let mut q: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
        "SELECT s.video_id, s.idx FROM scenes s JOIN videos v ON v.id = s.video_id WHERE 1 = 1",
    );
    if let Some(video) = &filter.video {
        q.push(" AND v.id = ").push_bind(video.as_str().to_owned());
    }
    if let Some(d) = &filter.from_date {
        q.push(format!(" AND {VIDEO_DATE_SQL} >= "))
            .push_bind(d.clone());
    }
    if let Some(d) = &filter.until_date {
        q.push(format!(" AND {VIDEO_DATE_SQL} < "))
            .push_bind(d.clone());
    }
    if let Some(d) = filter.min_duration_secs {
        q.push(" AND v.duration_secs >= ").push_bind(d);
    }
    if let Some(d) = filter.max_duration_secs {
        q.push(" AND v.duration_secs <= ").push_bind(d);
    }
    if let Some(speech) = filter.has_speech {
        q.push(if speech { " AND " } else { " AND NOT " });
        q.push(
            "EXISTS (SELECT 1 FROM transcript_segments g WHERE g.video_id = s.video_id \
             AND g.start_secs < s.end_secs AND g.end_secs > s.start_secs)",
        );
    }
    let rows = q.build().fetch_all(pool).await?;
    let mut out = Candidates::with_capacity(rows.len());
    for r in rows {
        let video: String = r.try_get(0)?;
        let idx: i64 = r.try_get(1)?;
        out.insert(SceneKey::new(
            VideoId(video),
            u32::try_from(idx).unwrap_or(0),
        ));
    }
    Ok(out)
}

/// Everything a hit shows about its scene and video.
#[derive(Debug, Clone)]
pub struct HitRow {
    pub file_name: String,
    pub path: PathBuf,
    pub start_secs: f64,
    pub end_secs: f64,
    pub thumbnail_path: Option<PathBuf>,
    pub keyframe_path: Option<PathBuf>,
    pub video_date: Option<String>,
    pub snippet: String,
}

/// The rows of `keys` (scenes that no longer exist are left out).
pub async fn hit_rows(
    pool: &SqlitePool,
    paths: &DataPaths,
    keys: &[SceneKey],
) -> Result<HashMap<SceneKey, HitRow>> {
    let mut out = HashMap::with_capacity(keys.len());
    for key in keys {
        let row = sqlx::query(&format!(
            "SELECT v.file_name, v.path, s.start_secs, s.end_secs, s.thumbnail_path, \
             s.keyframe_path, {VIDEO_DATE_SQL} AS day, \
             (SELECT t.snippet FROM scene_text t WHERE t.video_id = s.video_id \
              AND t.scene_idx = s.idx LIMIT 1) AS snippet \
             FROM scenes s JOIN videos v ON v.id = s.video_id WHERE s.video_id = ? AND s.idx = ?"
        ))
        .bind(key.video.as_str())
        .bind(i64::from(key.scene))
        .fetch_optional(pool)
        .await?;
        let Some(r) = row else { continue };
        let abs = |p: Option<String>| p.map(|p| paths.cache_dir.join(p));
        let path: String = r.try_get("path")?;
        out.insert(
            key.clone(),
            HitRow {
                file_name: r.try_get("file_name")?,
                path: crate::db::path_from_db(&path),
                start_secs: r.try_get("start_secs")?,
                end_secs: r.try_get("end_secs")?,
                thumbnail_path: abs(r.try_get("thumbnail_path")?),
                keyframe_path: abs(r.try_get("keyframe_path")?),
                video_date: r.try_get("day")?,
                snippet: r
                    .try_get::<Option<String>, _>("snippet")?
                    .unwrap_or_default(),
            },
        );
    }
    Ok(out)
}

/// The recording (else file) date of `video`, `YYYY-MM-DD`.
pub async fn video_date(pool: &SqlitePool, video: &VideoId) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT {VIDEO_DATE_SQL} FROM videos v WHERE v.id = ?"
    ))
    .bind(video.as_str())
    .fetch_optional(pool)
    .await?
    .flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_query_quotes_words_and_drops_stop_words() {
        assert_eq!(
            fts_query("the dog's ball, NEAR(x)").as_deref(),
            Some("\"dog\" OR \"s\" OR \"ball\" OR \"near\" OR \"x\"")
        );
        assert_eq!(fts_query("the a").as_deref(), Some("\"the\" OR \"a\""));
        assert_eq!(fts_query(" ,. "), None);
    }

    #[test]
    fn blobs_round_trip() {
        let v = vec![1.5f32, -0.25, 3.0e-8];
        assert_eq!(blob_to_vector(&vector_to_blob(&v)), v);
    }
}
