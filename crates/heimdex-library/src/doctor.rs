//! `heimdex doctor`: what this computer needs for Heimdex, checked one by one, each with what to do
//! when it is wrong — ffmpeg and ffprobe, the model files, the library (folder, database, failed
//! jobs), free disk space where the library lives, and the caption provider. Shared by the command
//! line and (later) the window; nothing here changes anything.

use crate::models;
use crate::provider::ProviderSettings;
use crate::Library;
use heimdex_core::DataPaths;
use serde::Serialize;
use std::path::Path;
use std::process::Command;

/// Below this much free space where the library lives, indexing will fail soon.
const DISK_FAIL_BYTES: u64 = 1 << 30;
/// Below this, say so.
const DISK_WARN_BYTES: u64 = 5 << 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

/// One check: what was looked at, what was found and, when it is not fine, what to do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub verdict: Verdict,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn new(name: &str, verdict: Verdict, detail: impl Into<String>, fix: Option<String>) -> Self {
        Self {
            name: name.into(),
            verdict,
            detail: detail.into(),
            fix,
        }
    }
}

/// Runs every check. `library` is the opened library, or why it could not be opened.
pub async fn run(paths: &DataPaths, library: Result<&Library, String>) -> Vec<Check> {
    let mut out = vec![
        tool("ffmpeg", &heimdex_media::tools::ffmpeg_path()),
        tool("ffprobe", &heimdex_media::tools::ffprobe_path()),
    ];
    out.extend(models::report(paths).into_iter().map(|m| {
        let name = format!("model {}", m.name);
        match (&m.found, m.optional) {
            (Some(p), _) => Check::new(
                &name,
                Verdict::Ok,
                format!("{} ({})", m.purpose, p.display()),
                None,
            ),
            (None, true) => Check::new(
                &name,
                Verdict::Ok,
                format!("not installed (optional): {}", m.purpose),
                Some(m.fix()),
            ),
            (None, false) => Check::new(
                &name,
                Verdict::Warn,
                format!(
                    "missing from {}: {} is off",
                    m.expected.display(),
                    m.purpose
                ),
                Some(m.fix()),
            ),
        }
    }));
    out.push(disk(&paths.data_dir));
    match library {
        Err(e) => out.push(Check::new(
            "library",
            Verdict::Fail,
            format!("{} cannot be opened: {e}", paths.data_dir.display()),
            Some("check the folder's permissions, or choose another with --data-dir".into()),
        )),
        Ok(lib) => {
            out.push(database(lib).await);
            out.push(failed_jobs(lib).await);
            out.push(provider(lib).await);
        }
    }
    out
}

/// The tool runs and says its version.
fn tool(name: &str, path: &Path) -> Check {
    match Command::new(path).arg("-version").output() {
        Ok(o) if o.status.success() => {
            let first = String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            Check::new(name, Verdict::Ok, first, None)
        }
        Ok(o) => Check::new(
            name,
            Verdict::Fail,
            format!(
                "{} -version failed: {}",
                path.display(),
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Some("reinstall ffmpeg (apt-get install ffmpeg)".into()),
        ),
        Err(e) => Check::new(
            name,
            Verdict::Fail,
            format!("{} cannot be run: {e}", path.display()),
            Some(format!(
                "install ffmpeg (apt-get install ffmpeg, brew install ffmpeg) or point {} at it",
                if name == "ffmpeg" {
                    heimdex_media::tools::FFMPEG_ENV
                } else {
                    heimdex_media::tools::FFPROBE_ENV
                }
            )),
        ),
    }
}

/// Free space on the disk that holds `dir` (its nearest existing parent).
fn disk(dir: &Path) -> Check {
    let mut at = dir;
    while !at.exists() {
        match at.parent() {
            Some(p) => at = p,
            None => break,
        }
    }
    match free_bytes(at) {
        Some(free) => {
            let gib = free as f64 / f64::from(1u32 << 30);
            let detail = format!("{gib:.1} GiB free at {}", at.display());
            if free < DISK_FAIL_BYTES {
                Check::new(
                    "disk",
                    Verdict::Fail,
                    detail,
                    Some(
                        "free some space: indexing writes keyframes, audio and thumbnails there"
                            .into(),
                    ),
                )
            } else if free < DISK_WARN_BYTES {
                Check::new(
                    "disk",
                    Verdict::Warn,
                    detail,
                    Some("free some space before indexing many videos".into()),
                )
            } else {
                Check::new("disk", Verdict::Ok, detail, None)
            }
        }
        None => Check::new(
            "disk",
            Verdict::Warn,
            format!("free space at {} is unknown", at.display()),
            None,
        ),
    }
}

#[cfg(unix)]
fn free_bytes(at: &Path) -> Option<u64> {
    let s = rustix::fs::statvfs(at).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_at: &Path) -> Option<u64> {
    None
}

async fn database(lib: &Library) -> Check {
    let found: Result<String, sqlx::Error> = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(lib.pool())
        .await;
    let db = lib.paths().data_dir.join("library.db");
    match found {
        Ok(s) if s == "ok" => {
            let videos: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM videos")
                .fetch_one(lib.pool())
                .await
                .unwrap_or(0);
            Check::new(
                "library",
                Verdict::Ok,
                format!("{} ({videos} videos; database intact)", db.display()),
                None,
            )
        }
        Ok(s) => Check::new(
            "library",
            Verdict::Fail,
            format!("{} is damaged: {s}", db.display()),
            Some("restore it from a backup, or move it aside and index again".into()),
        ),
        Err(e) => Check::new(
            "library",
            Verdict::Fail,
            format!("{}: {e}", db.display()),
            None,
        ),
    }
}

async fn failed_jobs(lib: &Library) -> Check {
    let failed: Vec<(String, String)> = sqlx::query_as(
        "SELECT v.file_name, j.stage FROM jobs j JOIN videos v ON v.id = j.video_id \
         WHERE j.state = 'failed' ORDER BY v.file_name LIMIT 50",
    )
    .fetch_all(lib.pool())
    .await
    .unwrap_or_default();
    if failed.is_empty() {
        return Check::new("jobs", Verdict::Ok, "no failed stage", None);
    }
    let names: Vec<String> = failed
        .iter()
        .take(5)
        .map(|(f, s)| format!("{f} ({s})"))
        .collect();
    Check::new(
        "jobs",
        Verdict::Warn,
        format!("{} failed stage(s): {}", failed.len(), names.join(", ")),
        Some("`heimdex videos` says why; `heimdex retry <video>` runs them again".into()),
    )
}

async fn provider(lib: &Library) -> Check {
    match ProviderSettings::load(lib.pool()).await {
        Err(e) => Check::new(
            "provider",
            Verdict::Warn,
            format!("settings unreadable: {e}"),
            None,
        ),
        Ok(s) => match s.caption_server() {
            None => Check::new(
                "provider",
                Verdict::Ok,
                "none: local models only (no captions)",
                None,
            ),
            Some(url) => Check::new(
                "provider",
                Verdict::Ok,
                format!("captions from {url} with {}", s.caption_model()),
                None,
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fresh_library_passes_and_a_missing_tool_is_named_with_its_fix() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut paths = DataPaths::under(dir.path().join("data"));
        paths.model_dir = dir.path().join("no-models");
        let lib = Library::open(paths.clone()).await.expect("opens");
        let checks = run(&paths, Ok(&lib)).await;
        let by = |n: &str| by_name(&checks, n).clone();
        assert_eq!(by("library").verdict, Verdict::Ok, "{:?}", by("library"));
        assert_eq!(by("jobs").verdict, Verdict::Ok);
        assert_ne!(by("disk").verdict, Verdict::Fail);
        let minilm = by("model all-MiniLM-L6-v2");
        assert_eq!(minilm.verdict, Verdict::Warn);
        assert!(minilm
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("fetch-models")));
        // A tool that is not there.
        let t = tool("ffmpeg", Path::new("/nonexistent/ffmpeg"));
        assert_eq!(t.verdict, Verdict::Fail);
        assert!(t.detail.contains("/nonexistent/ffmpeg"), "{}", t.detail);
        assert!(t
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("HEIMDEX_FFMPEG")));
        // A library that cannot be opened.
        let checks = run(&paths, Err("permission denied".into())).await;
        assert_eq!(by_name(&checks, "library").verdict, Verdict::Fail);
    }

    fn by_name<'a>(checks: &'a [Check], n: &str) -> &'a Check {
        checks.iter().find(|c| c.name == n).expect("present")
    }
}
