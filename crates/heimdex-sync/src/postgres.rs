//! Postgres + pgvector team backend (Supabase or any Postgres with the `vector` extension).
//!
//! Every request runs in a transaction as the `authenticated` role with the caller's claims in
//! `request.jwt.claims`, exactly as Supabase's PostgREST does, so row-level security decides what
//! each user sees and writes.
//!
//! Pushed scenes land fresh (`indexed = false`, `migrations/postgres/0002_fresh_scenes.sql`):
//! committed and searchable at once (search ranks fresh rows exactly and merges them with the HNSW
//! answer); [`SyncTarget::index_fresh`] moves them into the HNSW graph afterwards, so a push does
//! not wait on index maintenance.

use crate::doc::{Identity, SceneDoc, TeamScene, VideoDoc};
use crate::error::SyncError;
use crate::target::{SyncTarget, TeamFilter, TeamHit};
use pgvector::Vector;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

/// Dimensions of the vector columns in `migrations/postgres`.
pub const TEXT_DIM: usize = 384;
pub const IMAGE_DIM: usize = 512;

/// The schema of the team backend, applied by an administrator (`heimdex sync init`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// `hnsw.ef_search` for team search: the size of the candidate list the HNSW scan keeps. Higher is
/// slower and more exact (pgvector's default is 40): 200 keeps p95 under 50 ms at 1M scenes on 2
/// cores (recall@10 0.89 there, 1.00 at 100k; BENCH.md).
pub const DEFAULT_EF_SEARCH: u32 = 200;

#[derive(Clone)]
pub struct PgTarget {
    pool: PgPool,
    ef_search: u32,
    iterative_scan: bool,
}

impl PgTarget {
    /// Connects to `url` (`postgres://user:pass@host:port/db`).
    pub async fn connect(url: &str) -> Result<Self, SyncError> {
        let opts =
            PgConnectOptions::from_str(url).map_err(|e| SyncError::Connect(e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(|e| SyncError::Connect(e.to_string()))?;
        Ok(Self {
            pool,
            ef_search: DEFAULT_EF_SEARCH,
            iterative_scan: true,
        })
    }

    /// Sets `hnsw.ef_search` for searches (at least 1, at most pgvector's 1000).
    pub fn with_ef_search(mut self, ef: u32) -> Self {
        self.ef_search = ef.clamp(1, 1000);
        self
    }

    /// Whether the HNSW scan goes on past `ef_search` candidates when filters (row-level
    /// security, the model) drop some (`hnsw.iterative_scan = relaxed_order`; on by default).
    pub fn with_iterative_scan(mut self, on: bool) -> Self {
        self.iterative_scan = on;
        self
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies the team schema (needs a role that may create extensions, roles and policies).
    pub async fn apply_schema(&self) -> Result<(), SyncError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// A transaction acting as `who` under row-level security.
    async fn as_user(&self, who: &Identity) -> Result<Transaction<'static, Postgres>, SyncError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET LOCAL ROLE authenticated")
            .execute(&mut *tx)
            .await?;
        sqlx::query("SELECT set_config('request.jwt.claims', $1, true)")
            .bind(who.claims_json())
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

/// The scene's vector of one kind as pgvector takes it, with its model id.
fn split(v: &Option<(String, Vec<f32>)>) -> (Option<String>, Option<Vector>) {
    match v {
        None => (None, None),
        Some((model, vec)) => (Some(model.clone()), Some(Vector::from(vec.clone()))),
    }
}

#[async_trait::async_trait]
impl SyncTarget for PgTarget {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn dims(&self) -> (usize, usize) {
        (TEXT_DIM, IMAGE_DIM)
    }

    async fn upsert(
        &self,
        who: &Identity,
        videos: &[VideoDoc],
        scenes: &[SceneDoc],
    ) -> Result<(), SyncError> {
        let mut tx = self.as_user(who).await?;
        if !videos.is_empty() {
            sqlx::query(
                "INSERT INTO videos (id, content_hash, owner_id, team_id, file_name, duration_secs, width, height,
                                     created_at)
                 SELECT id, hash, (SELECT auth.uid()), $2, name, dur, w, h, to_timestamp(day)
                 FROM UNNEST($1::uuid[], $3::text[], $4::text[], $5::float8[], $6::int4[], $7::int4[],
                             $8::float8[])
                      AS t(id, hash, name, dur, w, h, day)
                 ON CONFLICT (id) DO UPDATE SET file_name = excluded.file_name, team_id = excluded.team_id,
                     duration_secs = excluded.duration_secs, width = excluded.width, height = excluded.height,
                     created_at = excluded.created_at, updated_at = now()",
            )
            .bind(videos.iter().map(|v| v.id).collect::<Vec<_>>())
            .bind(who.team_id)
            .bind(videos.iter().map(|v| v.content_hash.clone()).collect::<Vec<_>>())
            .bind(videos.iter().map(|v| v.file_name.clone()).collect::<Vec<_>>())
            .bind(videos.iter().map(|v| v.duration_secs).collect::<Vec<_>>())
            .bind(videos.iter().map(|v| v.width).collect::<Vec<_>>())
            .bind(videos.iter().map(|v| v.height).collect::<Vec<_>>())
            .bind(videos.iter().map(|v| v.created_at).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
            // Scenes past the video's current count belong to an older indexing: drop them.
            let (ids, counts): (Vec<Uuid>, Vec<i32>) = videos
                .iter()
                .filter_map(|v| v.scene_count.map(|n| (v.id, n)))
                .unzip();
            if !ids.is_empty() {
                sqlx::query(
                    "DELETE FROM video_scenes s USING UNNEST($1::uuid[], $2::int4[]) AS t(vid, n)
                     WHERE s.video_id = t.vid AND s.scene_index >= t.n",
                )
                .bind(ids)
                .bind(counts)
                .execute(&mut *tx)
                .await?;
            }
        }
        if !scenes.is_empty() {
            let mut text_models = Vec::with_capacity(scenes.len());
            let mut text_vecs = Vec::with_capacity(scenes.len());
            let mut image_models = Vec::with_capacity(scenes.len());
            let mut image_vecs = Vec::with_capacity(scenes.len());
            for s in scenes {
                s.check_dims(self.dims())?;
                let (m, v) = split(&s.text_vector);
                text_models.push(m);
                text_vecs.push(v);
                let (m, v) = split(&s.image_vector);
                image_models.push(m);
                image_vecs.push(v);
            }
            // A new scene starts fresh (`indexed` defaults to false: searched exactly until
            // index_fresh_scenes moves it into the HNSW graph, off the push path); an unchanged
            // re-push keeps its place, a changed vector makes it fresh again.
            sqlx::query(
                "INSERT INTO video_scenes (id, video_id, owner_id, team_id, scene_index, start_secs, end_secs,
                                           combined_text, transcript, thumbnail_ref, thumbnail_jpeg, text_model,
                                           text_embedding, image_model, image_embedding)
                 SELECT id, vid, (SELECT auth.uid()), $2, idx, s, e, ct, tr, th, tj, tm, tv, im, iv
                 FROM UNNEST($1::uuid[], $3::uuid[], $4::int4[], $5::float8[], $6::float8[], $7::text[], $8::text[],
                             $9::text[], $10::bytea[], $11::text[], $12::vector[], $13::text[], $14::vector[])
                      AS t(id, vid, idx, s, e, ct, tr, th, tj, tm, tv, im, iv)
                 ON CONFLICT (id) DO UPDATE SET team_id = excluded.team_id, start_secs = excluded.start_secs,
                     end_secs = excluded.end_secs, combined_text = excluded.combined_text,
                     transcript = excluded.transcript, thumbnail_ref = excluded.thumbnail_ref,
                     thumbnail_jpeg = excluded.thumbnail_jpeg,
                     text_model = excluded.text_model, text_embedding = excluded.text_embedding,
                     image_model = excluded.image_model, image_embedding = excluded.image_embedding,
                     indexed = video_scenes.indexed
                         AND video_scenes.text_embedding IS NOT DISTINCT FROM excluded.text_embedding
                         AND video_scenes.image_embedding IS NOT DISTINCT FROM excluded.image_embedding,
                     updated_at = now()",
            )
            .bind(scenes.iter().map(|s| s.id).collect::<Vec<_>>())
            .bind(who.team_id)
            .bind(scenes.iter().map(|s| s.video_id).collect::<Vec<_>>())
            .bind(scenes.iter().map(|s| s.scene_index).collect::<Vec<_>>())
            .bind(scenes.iter().map(|s| s.start_secs).collect::<Vec<_>>())
            .bind(scenes.iter().map(|s| s.end_secs).collect::<Vec<_>>())
            .bind(scenes.iter().map(|s| s.combined_text.clone()).collect::<Vec<_>>())
            .bind(scenes.iter().map(|s| s.transcript.clone()).collect::<Vec<_>>())
            .bind(scenes.iter().map(|s| s.thumbnail_ref.clone()).collect::<Vec<_>>())
            .bind(
                scenes
                    .iter()
                    .map(|s| s.thumbnail_jpeg.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(text_models)
            .bind(text_vecs)
            .bind(image_models)
            .bind(image_vecs)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_videos(&self, who: &Identity, videos: &[Uuid]) -> Result<(), SyncError> {
        let mut tx = self.as_user(who).await?;
        sqlx::query("DELETE FROM videos WHERE id = ANY($1)")
            .bind(videos)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn search_filtered(
        &self,
        who: &Identity,
        model: &str,
        vector: &[f32],
        limit: usize,
        filter: &TeamFilter,
    ) -> Result<Vec<TeamHit>, SyncError> {
        crate::dims::check("query vector", vector.len(), TEXT_DIM)?;
        let mut tx = self.as_user(who).await?;
        // SET cannot take parameters; the value is a clamped integer. The iterative scan goes on
        // past ef_search candidates when row-level security or the model filter drop some, so a
        // user who sees a small part of the archive still gets `limit` hits.
        sqlx::query(&format!("SET LOCAL hnsw.ef_search = {}", self.ef_search))
            .execute(&mut *tx)
            .await?;
        if self.iterative_scan {
            sqlx::query("SET LOCAL hnsw.iterative_scan = relaxed_order")
                .execute(&mut *tx)
                .await?;
        }
        let rows = if filter.is_empty() {
            sqlx::query(
                "SELECT scene_id, video_id, file_name, scene_index, start_secs, end_secs, combined_text, similarity
                 FROM search_scenes_by_embedding($1, $2, $3)",
            )
            .bind(Vector::from(vector.to_vec()))
            .bind(i32::try_from(limit).unwrap_or(i32::MAX))
            .bind(model)
            .fetch_all(&mut *tx)
            .await?
        } else {
            // Narrowed: the same ranking under the same row-level security, filtered in the scan
            // (the iterative HNSW scan keeps going until `limit` rows pass), then re-sorted.
            sqlx::query(
                "SELECT * FROM (
                   SELECT s.id AS scene_id, s.video_id, v.file_name, s.scene_index, s.start_secs,
                          s.end_secs, s.combined_text, 1 - (s.text_embedding <=> $1) AS similarity
                   FROM video_scenes s JOIN videos v ON v.id = s.video_id
                   WHERE s.text_model = $3 AND s.text_embedding IS NOT NULL
                     AND ($4::uuid IS NULL OR s.video_id = $4)
                     AND ($5::uuid IS NULL OR s.owner_id = $5)
                     AND ($6::float8 IS NULL OR v.created_at >= to_timestamp($6))
                     AND ($7::float8 IS NULL OR v.created_at < to_timestamp($7))
                   ORDER BY s.text_embedding <=> $1
                   LIMIT $2) hits
                 ORDER BY similarity DESC, scene_id",
            )
            .bind(Vector::from(vector.to_vec()))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(model)
            .bind(filter.video)
            .bind(filter.owner)
            .bind(filter.from)
            .bind(filter.until)
            .fetch_all(&mut *tx)
            .await?
        };
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(TeamHit {
                    scene_id: r.try_get("scene_id")?,
                    video_id: r.try_get("video_id")?,
                    file_name: r.try_get("file_name")?,
                    scene_index: r.try_get("scene_index")?,
                    start_secs: r.try_get("start_secs")?,
                    end_secs: r.try_get("end_secs")?,
                    combined_text: r.try_get("combined_text")?,
                    similarity: r.try_get("similarity")?,
                })
            })
            .collect()
    }

    async fn list_scenes(
        &self,
        who: &Identity,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<TeamScene>, SyncError> {
        let mut tx = self.as_user(who).await?;
        let rows = sqlx::query(
            "SELECT s.id, s.video_id, v.content_hash, v.file_name, s.owner_id, s.scene_index, s.start_secs,
                    s.end_secs, s.combined_text, s.text_model
             FROM video_scenes s JOIN videos v ON v.id = s.video_id
             WHERE ($1::uuid IS NULL OR s.id > $1)
             ORDER BY s.id LIMIT $2",
        )
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(TeamScene {
                    id: r.try_get("id")?,
                    video_id: r.try_get("video_id")?,
                    content_hash: r.try_get("content_hash")?,
                    file_name: r.try_get("file_name")?,
                    owner_id: r.try_get("owner_id")?,
                    scene_index: r.try_get("scene_index")?,
                    start_secs: r.try_get("start_secs")?,
                    end_secs: r.try_get("end_secs")?,
                    combined_text: r.try_get("combined_text")?,
                    text_model: r.try_get("text_model")?,
                })
            })
            .collect()
    }

    async fn thumbnails(
        &self,
        who: &Identity,
        scenes: &[Uuid],
    ) -> Result<Vec<(Uuid, Vec<u8>)>, SyncError> {
        if scenes.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.as_user(who).await?;
        let rows: Vec<(Uuid, Vec<u8>)> = sqlx::query_as(
            "SELECT id, thumbnail_jpeg FROM video_scenes WHERE id = ANY($1) AND thumbnail_jpeg IS NOT NULL",
        )
        .bind(scenes)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn index_fresh(&self, who: &Identity, max: usize) -> Result<u64, SyncError> {
        let mut tx = self.as_user(who).await?;
        let moved: i32 = sqlx::query_scalar("SELECT index_fresh_scenes($1)")
            .bind(i32::try_from(max).unwrap_or(i32::MAX))
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(u64::try_from(moved).unwrap_or(0))
    }

    async fn fresh_count(&self, who: &Identity) -> Result<u64, SyncError> {
        let mut tx = self.as_user(who).await?;
        let n: i64 = sqlx::query_scalar("SELECT fresh_scene_count()")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
