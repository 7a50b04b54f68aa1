//! `heimdex sync pull`: the team's scenes (what the backend lets this user see) into the local
//! `team_scenes` table, so the app can show what the team has, which of it is on this machine
//! (same content hash), and search its text offline; then the thumbnails of the team's scenes
//! whose video is not in this library, into the cache folder (`pull_thumbnails`), so they can be
//! shown without the file.

use crate::doc::Identity;
use crate::error::SyncError;
use crate::target::SyncTarget;
use heimdex_core::DataPaths;
use heimdex_library::{settings, Library};
use sqlx::SqlitePool;
use std::collections::HashSet;
use std::path::PathBuf;
use uuid::Uuid;

/// Scenes per request.
pub const PAGE: usize = 2000;
/// Thumbnails per request (a few tens of KiB each).
pub const THUMBNAIL_PAGE: usize = 200;

/// What a pull found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pulled {
    pub scenes: u64,
    pub videos: u64,
    /// Of those videos, how many this library also holds (same content hash).
    pub videos_here: u64,
}

fn local(e: sqlx::Error) -> SyncError {
    SyncError::Local(e.to_string())
}

/// Replaces the local copy of the team's scene list with the backend's, page by page, in one
/// local transaction (a failed pull leaves the previous copy).
pub async fn pull(
    pool: &SqlitePool,
    target: &dyn SyncTarget,
    who: &Identity,
    mut progress: impl FnMut(u64),
) -> Result<Pulled, SyncError> {
    let now = heimdex_library::db::now_ms();
    let mut tx = pool.begin().await.map_err(local)?;
    sqlx::query("DELETE FROM team_scenes")
        .execute(&mut *tx)
        .await
        .map_err(local)?;
    let mut after = None;
    let mut scenes = 0u64;
    loop {
        let page = target.list_scenes(who, after, PAGE).await?;
        for s in &page {
            sqlx::query(
                "INSERT OR REPLACE INTO team_scenes (id, video_id, content_hash, file_name, owner_id, scene_index, \
                 start_secs, end_secs, combined_text, text_model, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(s.id.to_string())
            .bind(s.video_id.to_string())
            .bind(&s.content_hash)
            .bind(&s.file_name)
            .bind(s.owner_id.to_string())
            .bind(s.scene_index)
            .bind(s.start_secs)
            .bind(s.end_secs)
            .bind(&s.combined_text)
            .bind(&s.text_model)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(local)?;
        }
        scenes += page.len() as u64;
        progress(scenes);
        match page.last() {
            Some(last) if page.len() == PAGE => after = Some(last.id),
            _ => break,
        }
    }
    tx.commit().await.map_err(local)?;
    settings::set(pool, crate::config::keys::LAST_PULL_MS, &now.to_string()).await?;
    summary(pool).await.map(|s| Pulled { scenes, ..s })
}

/// Counts of the pulled copy.
pub async fn summary(pool: &SqlitePool) -> Result<Pulled, SyncError> {
    let (scenes, videos, here): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM team_scenes), \
                (SELECT COUNT(DISTINCT video_id) FROM team_scenes), \
                (SELECT COUNT(DISTINCT t.video_id) FROM team_scenes t JOIN videos v ON v.content_hash = t.content_hash)",
    )
    .fetch_one(pool)
    .await
    .map_err(local)?;
    Ok(Pulled {
        scenes: scenes.max(0) as u64,
        videos: videos.max(0) as u64,
        videos_here: here.max(0) as u64,
    })
}

/// One team video in the pulled copy.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TeamVideo {
    pub video_id: String,
    pub file_name: String,
    pub owner_id: String,
    pub scenes: u64,
    /// The local id when this library holds the same file.
    pub local_id: Option<String>,
}

/// The pulled team videos, by file name.
pub async fn team_videos(pool: &SqlitePool) -> Result<Vec<TeamVideo>, SyncError> {
    let rows: Vec<(String, String, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT t.video_id, t.file_name, t.owner_id, COUNT(*), v.id FROM team_scenes t \
         LEFT JOIN videos v ON v.content_hash = t.content_hash \
         GROUP BY t.video_id ORDER BY t.file_name, t.video_id",
    )
    .fetch_all(pool)
    .await
    .map_err(local)?;
    Ok(rows
        .into_iter()
        .map(|(video_id, file_name, owner_id, n, local_id)| TeamVideo {
            video_id,
            file_name,
            owner_id,
            scenes: n.max(0) as u64,
            local_id,
        })
        .collect())
}

/// Where the pulled thumbnails of team scenes live: `<cache>/team-thumbnails`.
pub fn thumbnail_dir(paths: &DataPaths) -> PathBuf {
    paths.cache_dir.join("team-thumbnails")
}

/// The pulled thumbnail of team scene `scene` (the file exists only when the backend had one and
/// this library lacks the video; a local video has its own thumbnails).
pub fn thumbnail_path(paths: &DataPaths, scene: Uuid) -> PathBuf {
    thumbnail_dir(paths).join(format!("{scene}.jpg"))
}

/// Fetches the thumbnails of the pulled team scenes whose video this library does not hold and
/// that are not here yet, and deletes those no longer needed (scene gone, or its video now
/// here). Returns how many it wrote. Run after [`pull`].
pub async fn pull_thumbnails(
    lib: &Library,
    target: &dyn SyncTarget,
    who: &Identity,
) -> Result<u64, SyncError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT t.id FROM team_scenes t WHERE NOT EXISTS \
         (SELECT 1 FROM videos v WHERE v.content_hash = t.content_hash) ORDER BY t.id",
    )
    .fetch_all(lib.pool())
    .await
    .map_err(local)?;
    let wanted: HashSet<Uuid> = ids.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect();
    let dir = thumbnail_dir(lib.paths());
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| SyncError::Local(format!("{}: {e}", dir.display())))?;
    // Forget what is no longer wanted.
    let mut have = HashSet::new();
    let mut entries = tokio::fs::read_dir(&dir)
        .await
        .map_err(|e| SyncError::Local(format!("{}: {e}", dir.display())))?;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| Uuid::parse_str(s).ok());
        match id {
            Some(id) if wanted.contains(&id) && path.extension().is_some_and(|e| e == "jpg") => {
                have.insert(id);
            }
            _ => {
                let _ = tokio::fs::remove_file(&path).await;
            }
        }
    }
    let missing: Vec<Uuid> = {
        let mut m: Vec<Uuid> = wanted.difference(&have).copied().collect();
        m.sort();
        m
    };
    let mut written = 0u64;
    for chunk in missing.chunks(THUMBNAIL_PAGE) {
        for (id, jpeg) in target.thumbnails(who, chunk).await? {
            if !wanted.contains(&id) {
                continue;
            }
            let path = thumbnail_path(lib.paths(), id);
            let shown = path.display().to_string();
            tokio::task::spawn_blocking(move || {
                heimdex_core::atomic_file::write_cache(&path, &jpeg)
            })
            .await
            .map_err(|e| SyncError::Local(format!("{shown}: {e}")))?
            .map_err(|e| SyncError::Local(format!("{shown}: {e}")))?;
            written += 1;
        }
    }
    Ok(written)
}
