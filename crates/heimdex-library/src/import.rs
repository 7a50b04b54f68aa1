//! Import: walk the given paths, recognise videos by what ffprobe finds in them, hash, register.
//!
//! Every path gets an outcome. A bad file gets a one-line error naming it; it never stops the
//! other files of the same import, and nothing already in the library is touched.

use crate::db::now_ms;
use crate::error::Result;
use crate::hash::content_hash;
use crate::videos::{self, VideoRecord};
use heimdex_core::{Event, Stage, VideoId};
use heimdex_media::{probe, ProbeError, ProbeLimits};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Files probed at once.
const PARALLEL: usize = 4;

/// What happened to one video found by an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// New to the library.
    Added,
    /// Known by its content, found at a new path (moved or renamed); the path was updated.
    Moved,
    /// Already in the library at this path.
    AlreadyPresent,
    /// The same bytes as a video already in the library at another path that still exists
    /// (a copy, a hard or symbolic link): not indexed twice. `duplicate_of` says where.
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedVideo {
    pub id: VideoId,
    pub path: PathBuf,
    pub outcome: ImportOutcome,
    /// For a [`ImportOutcome::Duplicate`]: the path of the video it is a copy of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<PathBuf>,
    /// A video that was at this path before and is gone: the file was replaced by a different
    /// one, so the old video (and what was indexed from it) was removed from the library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<VideoId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportFailure {
    pub path: PathBuf,
    pub error: String,
}

impl std::fmt::Display for ImportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
}

/// The result of one import call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub videos: Vec<ImportedVideo>,
    pub failures: Vec<ImportFailure>,
    /// Files inside folders that are not videos and are not named like one (images, documents):
    /// skipped without an error. A file named like a video that is not one is a failure.
    pub skipped_non_video: usize,
}

/// A file to look at, and whether the user named it (an error) or it was found in a folder
/// (a non-video there is skipped quietly).
struct Candidate {
    path: PathBuf,
    named: bool,
}

/// Imports `paths` (files and folders, recursively) into the library and queues `stages` for each
/// new video.
pub async fn import_paths(
    library: &crate::Library,
    paths: &[PathBuf],
    stages: &[Stage],
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut candidates = Vec::new();
    for p in paths {
        collect(p, &mut candidates, &mut report.failures);
    }
    let limits = Arc::new(ProbeLimits::default());
    let sem = Arc::new(Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for (order, cand) in candidates.into_iter().enumerate() {
        let limits = limits.clone();
        let sem = sem.clone();
        let pool = library.pool().clone();
        tasks.spawn(async move {
            let _permit = sem.acquire_owned().await;
            // In a folder, a file whose name is not a video's is probed only when its first
            // bytes are a video container's: thousands of photos and documents beside the
            // videos cost a read each, not an ffprobe each.
            let outcome = if !cand.named
                && !has_video_extension(&cand.path)
                && !starts_like_a_video(&cand.path)
            {
                Examined::NotVideo("not a video".into())
            } else {
                examine(&pool, &cand.path, &limits).await
            };
            (order, cand, outcome)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(r) = joined {
            results.push(r);
        }
    }
    results.sort_by_key(|(order, _, _)| *order);

    let pool = library.pool();
    for (_, cand, outcome) in results {
        match outcome {
            Examined::Known { record } => {
                let outcome = if record.path == cand.path {
                    ImportOutcome::AlreadyPresent
                } else if !record.path.exists() {
                    videos::update_path(pool, &record.id, &cand.path).await?;
                    ImportOutcome::Moved
                } else {
                    ImportOutcome::Duplicate
                };
                clear_failure(pool, &cand.path).await?;
                // Stages added by a newer version are queued for videos imported before it.
                crate::jobs::enqueue(pool, &record.id, stages).await?;
                if outcome == ImportOutcome::Moved {
                    library.emit(Event::VideoImported {
                        video: record.id.clone(),
                        path: cand.path.display().to_string(),
                        moved: true,
                    });
                }
                report.videos.push(ImportedVideo {
                    duplicate_of: (outcome == ImportOutcome::Duplicate).then_some(record.path),
                    id: record.id,
                    path: cand.path,
                    outcome,
                    replaced: None,
                });
            }
            Examined::New {
                mut record,
                modified_at,
            } => {
                // Two names for one new file in the same import: the first one wins; two files
                // whose samples are equal but whose bytes are not are told apart by a full hash.
                if let Some(existing) = videos::by_hash(pool, &record.content_hash).await? {
                    match identify(pool, &existing, &cand.path).await {
                        Identity::Same(known) => {
                            report.videos.push(ImportedVideo {
                                duplicate_of: Some(known.path),
                                id: known.id,
                                path: cand.path,
                                outcome: ImportOutcome::Duplicate,
                                replaced: None,
                            });
                            continue;
                        }
                        Identity::Distinct(hash) => {
                            record.id = VideoId::from_content_hash(&hash);
                            record.content_hash = hash;
                        }
                        Identity::Error(error) => {
                            report.failures.push(ImportFailure {
                                path: cand.path,
                                error,
                            });
                            continue;
                        }
                    }
                }
                // A different file now at the path of a video in the library: that video's file
                // is gone (replaced), so it goes, rather than showing the new file's pictures.
                let replaced = match videos::by_path(pool, &cand.path).await? {
                    Some(old) if old.content_hash != record.content_hash => {
                        crate::videos::remove_with_derived(library, &old.id).await?;
                        Some(old.id)
                    }
                    _ => None,
                };
                videos::insert(pool, &record, modified_at).await?;
                crate::jobs::enqueue(pool, &record.id, stages).await?;
                clear_failure(pool, &cand.path).await?;
                library.emit(Event::VideoImported {
                    video: record.id.clone(),
                    path: cand.path.display().to_string(),
                    moved: false,
                });
                report.videos.push(ImportedVideo {
                    id: record.id,
                    path: cand.path,
                    outcome: ImportOutcome::Added,
                    duplicate_of: None,
                    replaced,
                });
            }
            // In a folder, a file with no video in it, or a bad one, is skipped quietly unless its
            // name says it is a video (then the user expects it indexed and must hear why not).
            Examined::NotVideo(_) | Examined::Unreadable(_) | Examined::Bad(_)
                if !cand.named && !has_video_extension(&cand.path) =>
            {
                report.skipped_non_video += 1
            }
            Examined::NotVideo(error) | Examined::Unreadable(error) | Examined::Bad(error) => {
                report.failures.push(ImportFailure {
                    path: cand.path,
                    error,
                });
            }
        }
    }
    for failure in &report.failures {
        record_failure(pool, failure).await?;
        library.emit(Event::ImportFailed {
            path: failure.path.display().to_string(),
            error: failure.error.clone(),
        });
    }
    library.notify_work();
    Ok(report)
}

enum Examined {
    Known {
        record: VideoRecord,
    },
    New {
        record: VideoRecord,
        modified_at: Option<i64>,
    },
    NotVideo(String),
    /// ffprobe could not read it: a damaged video, or not media at all.
    Unreadable(String),
    Bad(String),
}

/// File name extensions of video containers, to tell a damaged video from a stray document.
const VIDEO_EXTENSIONS: &[&str] = &[
    "3g2", "3gp", "asf", "avi", "dv", "f4v", "flv", "m2ts", "m2v", "m4v", "mkv", "mov", "mp4",
    "mpeg", "mpg", "mts", "mxf", "ogv", "qt", "rm", "rmvb", "ts", "vob", "webm", "wmv",
];

/// Whether the file starts like a video container (by its magic bytes), or an animated picture
/// format that ffprobe reads as video (GIF).
fn starts_like_a_video(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; 8192];
    let Ok(mut f) = std::fs::File::open(path) else {
        // Unreadable: let examine say why.
        return true;
    };
    let n = f.read(&mut head).unwrap_or(0);
    let head = &head[..n];
    infer::is_video(head) || infer::get(head).is_some_and(|t| t.mime_type() == "image/gif")
}

fn has_video_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Expands folders; records paths that cannot be read at all.
fn collect(path: &Path, out: &mut Vec<Candidate>, failures: &mut Vec<ImportFailure>) {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match std::fs::metadata(&abs) {
        Err(e) => failures.push(ImportFailure {
            path: abs,
            error: io_reason(&e),
        }),
        Ok(m) if m.is_dir() => {
            let mut found: Vec<PathBuf> = Vec::new();
            for entry in walkdir::WalkDir::new(&abs).follow_links(true) {
                match entry {
                    Ok(e) if e.file_type().is_file() => {
                        let hidden = e.file_name().to_string_lossy().starts_with('.');
                        if !hidden {
                            found.push(e.into_path());
                        }
                    }
                    // A pipe, socket or device named like a video: said, never opened (reading
                    // a pipe would wait for ever, a device would never end).
                    Ok(e) if !e.file_type().is_dir() && has_video_extension(e.path()) => failures
                        .push(ImportFailure {
                            path: e.into_path(),
                            error: NOT_REGULAR.into(),
                        }),
                    Ok(_) => {}
                    Err(e) => failures.push(ImportFailure {
                        path: e
                            .path()
                            .map(Path::to_path_buf)
                            .unwrap_or_else(|| abs.clone()),
                        error: e.io_error().map(io_reason).unwrap_or_else(|| e.to_string()),
                    }),
                }
            }
            found.sort();
            out.extend(
                found
                    .into_iter()
                    .map(|path| Candidate { path, named: false }),
            );
        }
        Ok(m) if m.is_file() => out.push(Candidate {
            path: abs,
            named: true,
        }),
        Ok(_) => failures.push(ImportFailure {
            path: abs,
            error: NOT_REGULAR.into(),
        }),
    }
}

const NOT_REGULAR: &str = "not a regular file (a pipe, socket or device): not read";

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "file not found".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied: the file cannot be read".into(),
        _ => format!("cannot read the file: {e}"),
    }
}

async fn examine(pool: &SqlitePool, path: &Path, limits: &Arc<ProbeLimits>) -> Examined {
    let p = path.to_path_buf();
    let hashed = tokio::task::spawn_blocking(move || -> std::result::Result<_, String> {
        let meta = std::fs::metadata(&p).map_err(|e| io_reason(&e))?;
        if meta.len() == 0 {
            return Err("empty file (0 bytes)".into());
        }
        // Opening proves we can read it before ffprobe gives a vaguer message.
        std::fs::File::open(&p).map_err(|e| io_reason(&e))?;
        let hash = content_hash(&p).map_err(|e| io_reason(&e))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64);
        Ok((hash, meta.len(), modified))
    })
    .await;
    let (hash, size, modified_at) = match hashed {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return Examined::Bad(e),
        Err(e) => return Examined::Bad(format!("internal error while reading: {e}")),
    };
    let hash = match videos::by_hash(pool, &hash).await {
        Ok(Some(record)) => match identify(pool, &record, path).await {
            Identity::Same(record) => return Examined::Known { record: *record },
            Identity::Distinct(full) => full,
            Identity::Error(e) => return Examined::Bad(e),
        },
        Ok(None) => hash,
        Err(e) => return Examined::Bad(format!("library database: {e}")),
    };
    let p = path.to_path_buf();
    let limits = limits.clone();
    let probed = tokio::task::spawn_blocking(move || probe(&p, &limits)).await;
    let info = match probed {
        Ok(Ok(info)) => info,
        Ok(Err(e @ ProbeError::NoVideoStream)) => return Examined::NotVideo(e.to_string()),
        Ok(Err(e @ ProbeError::Unreadable { .. })) => return Examined::Unreadable(e.to_string()),
        Ok(Err(e)) => return Examined::Bad(e.to_string()),
        Err(e) => return Examined::Bad(format!("internal error while probing: {e}")),
    };
    let record = VideoRecord {
        id: VideoId::from_content_hash(&hash),
        content_hash: hash,
        path: path.to_path_buf(),
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        size_bytes: size,
        info,
        imported_at_ms: now_ms(),
    };
    Examined::New {
        record,
        modified_at,
    }
}

/// Who a file is, given a video in the library with the same sampled hash.
enum Identity {
    /// That video (the same bytes, or its file is gone so it cannot be compared: moved), or the
    /// video already told apart from it by a full hash.
    Same(Box<VideoRecord>),
    /// A different file: its full hash, not yet in the library.
    Distinct(String),
    Error(String),
}

/// Compares `path` with `known` (same sampled hash) byte for byte when both exist at different
/// paths: equal samples with different bytes must never merge two videos.
async fn identify(pool: &SqlitePool, known: &VideoRecord, path: &Path) -> Identity {
    if known.path == path || !known.path.exists() {
        return Identity::Same(Box::new(known.clone()));
    }
    let (a, b) = (known.path.clone(), path.to_path_buf());
    let compared = tokio::task::spawn_blocking(move || -> std::io::Result<Option<String>> {
        if crate::hash::same_bytes(&a, &b)? {
            Ok(None)
        } else {
            crate::hash::full_hash(&b).map(Some)
        }
    })
    .await;
    match compared {
        Ok(Ok(None)) => Identity::Same(Box::new(known.clone())),
        Ok(Ok(Some(full))) => match videos::by_hash(pool, &full).await {
            Ok(Some(record)) => Identity::Same(Box::new(record)),
            Ok(None) => Identity::Distinct(full),
            Err(e) => Identity::Error(format!("library database: {e}")),
        },
        Ok(Err(e)) => Identity::Error(io_reason(&e)),
        Err(e) => Identity::Error(format!("internal error while comparing: {e}")),
    }
}

async fn record_failure(pool: &SqlitePool, failure: &ImportFailure) -> Result<()> {
    sqlx::query(
        "INSERT INTO import_failures (path, error, failed_at) VALUES (?, ?, ?)
         ON CONFLICT (path) DO UPDATE SET error = excluded.error, failed_at = excluded.failed_at",
    )
    .bind(crate::db::path_to_db(&failure.path))
    .bind(&failure.error)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

async fn clear_failure(pool: &SqlitePool, path: &Path) -> Result<()> {
    sqlx::query("DELETE FROM import_failures WHERE path = ?")
        .bind(crate::db::path_to_db(path))
        .execute(pool)
        .await?;
    Ok(())
}

/// Paths that could not be imported, newest first.
pub async fn failures(pool: &SqlitePool) -> Result<Vec<ImportFailure>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT path, error FROM import_failures ORDER BY failed_at DESC, path")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(path, error)| ImportFailure {
            path: crate::db::path_from_db(&path),
            error,
        })
        .collect())
}

/// Forgets the recorded failure of `path` (after the user dismissed it).
pub async fn dismiss_failure(pool: &SqlitePool, path: &Path) -> Result<bool> {
    let done = sqlx::query("DELETE FROM import_failures WHERE path = ?")
        .bind(crate::db::path_to_db(path))
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
