//! Fixtures shared by the sync test binaries (each includes this module with `mod common;`):
//! documents with simple vectors, a real PostgreSQL with the team schema and three users (Alice
//! and Carol on one team, Bob alone), and a library with sync turned on.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use heimdex_library::Library;
use heimdex_sync::config::{Backend, SyncConfig};
use heimdex_sync::ids::{scene_uuid, video_uuid};
use heimdex_sync::{Identity, PgTarget, SceneDoc, VideoDoc};
use heimdex_tests::pg::PgServer;
use uuid::Uuid;

pub const MODEL: &str = "all-MiniLM-L6-v2";

/// A unit vector pointing mostly along axis `axis`.
pub fn vector(axis: usize, dim: usize) -> Vec<f32> {
    let mut v = vec![0.01_f32; dim];
    v[axis % dim] = 1.0;
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

pub fn video(hash: &str, name: &str, scene_count: Option<i32>) -> VideoDoc {
    VideoDoc {
        id: video_uuid(hash),
        content_hash: hash.into(),
        file_name: name.into(),
        duration_secs: 60.0,
        width: Some(1280),
        height: Some(720),
        scene_count,
        created_at: None,
    }
}

/// Scene `idx` of `hash`, ten seconds long, with a text vector along `axis`.
pub fn scene(hash: &str, idx: u32, text: &str, axis: usize) -> SceneDoc {
    SceneDoc {
        id: scene_uuid(hash, idx),
        video_id: video_uuid(hash),
        scene_index: idx as i32,
        start_secs: f64::from(idx) * 10.0,
        end_secs: f64::from(idx) * 10.0 + 10.0,
        combined_text: text.into(),
        transcript: text.into(),
        thumbnail_ref: None,
        thumbnail_jpeg: None,
        text_vector: Some((MODEL.into(), vector(axis, 384))),
        image_vector: None,
    }
}

pub struct World {
    pub server: PgServer,
    pub target: PgTarget,
    pub alice: Identity,
    pub bob: Identity,
    pub carol: Identity,
}

/// A fresh PostgreSQL with the team schema (applied twice: it is idempotent), Alice and Carol on
/// the team "editors", Bob on no team. `None` (SKIPPED printed) without PostgreSQL outside CI.
pub async fn world() -> Option<World> {
    let server = PgServer::start()?;
    let target = PgTarget::connect(&server.url()).await.unwrap();
    target.apply_schema().await.unwrap();
    target.apply_schema().await.unwrap();
    let (a, b, c, team) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    for u in [a, b, c] {
        sqlx::query("INSERT INTO user_profiles (id) VALUES ($1)")
            .bind(u)
            .execute(target.pool())
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO teams (id, name) VALUES ($1, 'editors')")
        .bind(team)
        .execute(target.pool())
        .await
        .unwrap();
    for u in [a, c] {
        sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
            .bind(team)
            .bind(u)
            .execute(target.pool())
            .await
            .unwrap();
    }
    let member = |user_id, team_id| Identity { user_id, team_id };
    Some(World {
        server,
        target,
        alice: member(a, Some(team)),
        bob: member(b, None),
        carol: member(c, Some(team)),
    })
}

/// `SELECT COUNT(*) …` (or any one bigint) as the superuser.
pub async fn pg_count(t: &PgTarget, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(t.pool()).await.unwrap()
}

/// Turns team sync on for `lib` (Postgres at `url`), so its triggers queue scenes.
pub async fn enable_sync(lib: &Library, url: &str) {
    SyncConfig {
        backend: Backend::Postgres,
        url: url.into(),
        team_id: None,
        text_model: None,
    }
    .save(lib.pool())
    .await
    .unwrap();
}

#[allow(unused_imports)] // not every test binary uses both
pub use heimdex_tests::library::{fake_video, finish_jobs};

pub async fn pending(lib: &Library) -> u64 {
    heimdex_sync::outbox::counts(lib.pool())
        .await
        .unwrap()
        .pending
}

/// Waits until the drainer has recorded a failed push (the backend went away); the rows stay
/// queued, none set aside.
pub async fn wait_for_push_error(lib: &Library) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while heimdex_sync::PushState::load(lib.pool())
        .await
        .unwrap()
        .last_error
        .is_none()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the failure is recorded for `sync status`: {:?} {:?}",
            heimdex_sync::outbox::counts(lib.pool()).await.unwrap(),
            heimdex_sync::outbox::failures(lib.pool()).await.unwrap()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(pending(lib).await > 0);
}

/// Waits until the outbox is empty (after the backend came back).
pub async fn wait_drained(lib: &Library) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while pending(lib).await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the outbox did not drain after the restart"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
