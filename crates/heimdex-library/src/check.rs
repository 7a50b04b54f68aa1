//! `heimdex check`: is the library whole after a crash, a kill -9 or a full disk? SQLite's own
//! integrity check, FTS5's, and the counts that must agree between the scene table and what is
//! derived from it (the words index, the vectors, the jobs). With `repair`, what is derived is
//! made again: stray rows go, videos whose search rows are missing get their embed stage queued
//! again, jobs left running by a dead process go back to the queue. The scenes, transcripts and
//! pictures themselves are never changed here.

use crate::error::Result;
use crate::Library;
use heimdex_core::{Stage, VideoId};
use serde::Serialize;

/// One finding: what was counted and how many disagree (0: fine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub name: &'static str,
    pub what: &'static str,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// "ok", or SQLite's first complaints (then the database itself is damaged: restore it).
    pub integrity: String,
    /// "ok", or what FTS5's integrity-check said about the words index.
    pub words_index: String,
    pub findings: Vec<Finding>,
    pub videos: i64,
    pub scenes: i64,
    /// What `repair` did (empty without it).
    pub repaired: Vec<String>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.integrity == "ok"
            && self.words_index == "ok"
            && self.findings.iter().all(|f| f.count == 0)
    }
}

/// Scenes of videos whose embed stage is done but which have no words-index row.
const MISSING_WORDS: &str = "SELECT COUNT(*) FROM scenes s JOIN jobs j ON j.video_id = s.video_id
     AND j.stage = 'embed' AND j.state = 'done'
     WHERE NOT EXISTS (SELECT 1 FROM scene_text t WHERE t.video_id = s.video_id AND t.scene_idx = s.idx)";
const MISSING_WORDS_VIDEOS: &str = "SELECT DISTINCT s.video_id FROM scenes s JOIN jobs j
     ON j.video_id = s.video_id AND j.stage = 'embed' AND j.state = 'done'
     WHERE NOT EXISTS (SELECT 1 FROM scene_text t WHERE t.video_id = s.video_id AND t.scene_idx = s.idx)";
const STRAY_WORDS: &str = "FROM scene_text WHERE NOT EXISTS (SELECT 1 FROM scenes s
     WHERE s.video_id = scene_text.video_id AND s.idx = scene_text.scene_idx)";
const STRAY_VECTORS: &str = "FROM scene_vectors WHERE NOT EXISTS (SELECT 1 FROM scenes s
     WHERE s.video_id = scene_vectors.video_id AND s.idx = scene_vectors.scene_idx)";
const DOUBLE_WORDS: &str = "SELECT COUNT(*) FROM (SELECT video_id, scene_idx FROM scene_text
     GROUP BY video_id, scene_idx HAVING COUNT(*) > 1)";

async fn count(conn: &mut sqlx::SqliteConnection, sql: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(sql).fetch_one(conn).await?)
}

/// Checks the library; with `repair`, makes the derived rows again (see the module docs).
/// `runner_idle`: no process runs jobs now (the caller holds the runner lock), so a job marked
/// running was left by one that died.
pub async fn check(lib: &Library, repair: bool, runner_idle: bool) -> Result<CheckReport> {
    let pool = lib.pool();
    // One connection for the whole check and repair: FTS5 keeps its index structure per
    // connection, and the words index is checked right after the repair changed it.
    let mut conn = pool.acquire().await?;
    let conn = &mut *conn;
    // FTS5's own check first: it reads the index afresh. SQLite's integrity_check also checks
    // FTS5 tables, but with the index structure this connection last read; after another
    // connection changed the index it reported "malformed inverted index" for a whole one.
    let words_index =
        match sqlx::query("INSERT INTO scene_text (scene_text) VALUES ('integrity-check')")
            .execute(&mut *conn)
            .await
        {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.to_string(),
        };
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check(5)")
        .fetch_all(&mut *conn)
        .await?;
    let integrity = integrity.join("; ");
    let mut findings = vec![
        Finding {
            name: "missing_words",
            what: "scenes of indexed videos missing from the words index",
            count: count(conn, MISSING_WORDS).await?,
        },
        Finding {
            name: "stray_words",
            what: "words-index rows of scenes that do not exist",
            count: count(conn, &format!("SELECT COUNT(*) {STRAY_WORDS}")).await?,
        },
        Finding {
            name: "double_words",
            what: "scenes in the words index more than once",
            count: count(conn, DOUBLE_WORDS).await?,
        },
        Finding {
            name: "stray_vectors",
            what: "vectors of scenes that do not exist",
            count: count(conn, &format!("SELECT COUNT(*) {STRAY_VECTORS}")).await?,
        },
    ];
    if runner_idle {
        findings.push(Finding {
            name: "orphan_jobs",
            what: "jobs marked running with no process running them",
            count: count(conn, "SELECT COUNT(*) FROM jobs WHERE state = 'running'").await?,
        });
    }
    let mut repaired = Vec::new();
    if repair && findings.iter().any(|f| f.count > 0) {
        let stray_words = sqlx::query(&format!("DELETE {STRAY_WORDS}"))
            .execute(&mut *conn)
            .await?
            .rows_affected();
        let stray_vectors = sqlx::query(&format!("DELETE {STRAY_VECTORS}"))
            .execute(&mut *conn)
            .await?
            .rows_affected();
        let stray = stray_words + stray_vectors;
        if stray > 0 {
            repaired.push(format!("removed {stray} stray search rows"));
        }
        // Doubled or missing words: that video's search rows are written again by its embed
        // stage (which replaces them whole).
        let mut again: Vec<String> = sqlx::query_scalar(MISSING_WORDS_VIDEOS)
            .fetch_all(&mut *conn)
            .await?;
        let doubled: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT video_id FROM scene_text GROUP BY video_id, scene_idx HAVING COUNT(*) > 1",
        )
        .fetch_all(&mut *conn)
        .await?;
        again.extend(doubled);
        again.sort();
        again.dedup();
        for v in &again {
            crate::jobs::requeue_stages(pool, &VideoId(v.clone()), &[Stage::Embed]).await?;
        }
        if !again.is_empty() {
            repaired.push(format!(
                "queued the embed stage again for {} video(s) to rebuild their search rows",
                again.len()
            ));
            lib.notify_work();
        }
        if runner_idle {
            let n = crate::jobs::recover_orphans(pool).await?;
            if n > 0 {
                repaired.push(format!(
                    "{n} job(s) left running by a stopped process queued again"
                ));
            }
        }
    }
    Ok(CheckReport {
        integrity,
        words_index,
        findings,
        videos: count(conn, "SELECT COUNT(*) FROM videos").await?,
        scenes: count(conn, "SELECT COUNT(*) FROM scenes").await?,
        repaired,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use heimdex_core::DataPaths;

    #[tokio::test]
    async fn finds_and_repairs_what_disagrees_with_the_scene_table() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let lib = Library::open(DataPaths::under(tmp.path().join("data")))
            .await
            .expect("opens");
        let pool = lib.pool();
        let clean = check(&lib, false, true).await.expect("checks");
        assert!(clean.is_clean(), "{clean:?}");
        // A words row and a vector of a scene that does not exist (as a crash between two
        // writes could leave).
        sqlx::query("INSERT INTO scene_text (video_id, scene_idx, snippet, sidecar) VALUES ('v', 3, '', 'x')")
            .execute(pool)
            .await
            .expect("insert");
        let found = check(&lib, false, true).await.expect("checks");
        assert!(!found.is_clean());
        let stray = found.findings.iter().find(|f| f.name == "stray_words");
        assert_eq!(stray.map(|f| f.count), Some(1));
        let fixed = check(&lib, true, true).await.expect("repairs");
        assert_eq!(fixed.repaired.len(), 1, "{fixed:?}");
        let after = check(&lib, false, true).await.expect("checks");
        assert!(after.is_clean(), "{after:?}");
        // Repeated, as after many kills: still clean, the words index still whole.
        for _ in 0..20 {
            sqlx::query("INSERT INTO scene_text (video_id, scene_idx, snippet, sidecar) VALUES ('w', 1, '', 'y z')")
                .execute(pool)
                .await
                .expect("insert");
            let fixed = check(&lib, true, true).await.expect("repairs");
            assert_eq!(fixed.repaired.len(), 1, "{fixed:?}");
            let after = check(&lib, false, true).await.expect("checks");
            assert!(after.is_clean(), "{after:?}");
        }
    }
}
