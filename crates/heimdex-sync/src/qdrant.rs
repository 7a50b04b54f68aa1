//! Qdrant team backend (gRPC, `qdrant-client`): a collection per team (`heimdex_team_<team>`; a
//! user on no team gets `heimdex_user_<user>`), named vectors `text` and `image` (cosine, HNSW,
//! int8 scalar quantisation searched with rescoring), the scene and its video as payload, the same
//! UUIDv5 point ids as Postgres. Created on first use with keyword indexes on the fields filters
//! use. Writes wait for the server to apply them (`wait=true`).
//!
//! Isolation between teams is the server's: with `service.jwt_rbac` on, each team gets a JWT
//! (signed with the server's API key) that grants read-write on its own collection only, so a
//! member's key cannot reach another team's scenes whatever the client does. Within a team,
//! Qdrant has no per-user row-level security: ownership (never overwrite or delete another
//! member's points) and visibility are enforced here, in the client. Use Postgres where members of
//! one team must not be able to read each other's private scenes.

use crate::doc::{Identity, SceneDoc, TeamScene, VideoDoc};
use crate::error::SyncError;
use crate::target::{SyncTarget, TeamFilter, TeamHit};
use qdrant_client::qdrant::{
    point_id::PointIdOptions, value::Kind, with_payload_selector::SelectorOptions, Condition,
    CreateCollectionBuilder, CreateFieldIndexCollectionBuilder, DeletePointsBuilder, Distance,
    FieldType, Filter, GetPointsBuilder, PointId, PointStruct, QuantizationSearchParamsBuilder,
    QuantizationType, QueryPointsBuilder, Range, ScalarQuantizationBuilder, ScrollPointsBuilder,
    SearchParamsBuilder, UpsertPointsBuilder, Value, VectorParamsBuilder, VectorsConfigBuilder,
};
use qdrant_client::{Payload, Qdrant, QdrantError};
use std::collections::{HashMap, HashSet};
use tokio::sync::Mutex;
use uuid::Uuid;

/// Dimensions of the named vectors (the same embedders as the Postgres schema).
pub const TEXT_DIM: usize = crate::postgres::TEXT_DIM;
pub const IMAGE_DIM: usize = crate::postgres::IMAGE_DIM;
/// Payload key of the thumbnail (base64 JPEG); left out of searches and listings.
const THUMBNAIL: &str = "thumbnail_jpeg";
/// Default prefix of the collection names.
pub const PREFIX: &str = "heimdex";
/// HNSW candidate list at search time (recall@10 vs. latency; see BENCH.md).
pub const HNSW_EF: u64 = 128;
/// Quantised candidates fetched per result before the exact rescoring.
const OVERSAMPLING: f64 = 2.0;

pub struct QdrantTarget {
    client: Qdrant,
    prefix: String,
    /// Collections known to exist (created or checked once per process).
    ready: Mutex<HashSet<String>>,
    hnsw_ef: u64,
}

/// The collection that holds `who`'s scenes: their team's, or their own when on no team.
pub fn collection_name(prefix: &str, who: &Identity) -> String {
    match who.team_id {
        Some(t) => format!("{prefix}_team_{}", t.simple()),
        None => format!("{prefix}_user_{}", who.user_id.simple()),
    }
}

fn map_err(e: QdrantError) -> SyncError {
    match &e {
        // gRPC codes 1 cancelled, 4 deadline exceeded, 14 unavailable: try again later.
        QdrantError::ResponseError { status } if matches!(i32::from(status.code()), 1 | 4 | 14) => {
            SyncError::QdrantUnreachable(e.to_string())
        }
        // The client reports a server it cannot connect to (down, restarting) as code 13
        // "Failed to connect to …", and a connection lost mid-request as 2 "transport error":
        // no row is at fault; keep them queued.
        QdrantError::ResponseError { status }
            if (i32::from(status.code()) == 13
                && status.message().starts_with("Failed to connect"))
                || (i32::from(status.code()) == 2
                    && status.message().contains("transport error")) =>
        {
            SyncError::QdrantUnreachable(e.to_string())
        }
        QdrantError::ResourceExhaustedError { .. } => SyncError::QdrantUnreachable(e.to_string()),
        _ => SyncError::Qdrant(e.to_string()),
    }
}

/// As [`map_err`], naming the collection and the fix when the key may not use it.
fn scoped(e: QdrantError, collection: &str) -> SyncError {
    if let QdrantError::ResponseError { status } = &e {
        // gRPC 7 permission denied, 16 unauthenticated.
        match i32::from(status.code()) {
            7 => {
                return SyncError::AccessDenied(format!(
                    "this Qdrant key may not use the collection {collection} (a key for another \
                     team, or one that may not create collections): ask whoever runs the server \
                     for this team's key, or run `heimdex sync setup --qdrant URL` once with the \
                     server's API key to create it ({})",
                    status.message()
                ))
            }
            16 => {
                return SyncError::AccessDenied(format!(
                    "Qdrant refused the API key ({}): run `heimdex sync setup --qdrant URL` again \
                     with the right key",
                    status.message()
                ))
            }
            _ => {}
        }
    }
    map_err(e)
}

fn uuid_of(id: &PointId) -> Option<Uuid> {
    match id.point_id_options.as_ref()? {
        PointIdOptions::Uuid(s) => Uuid::parse_str(s).ok(),
        PointIdOptions::Num(_) => None,
    }
}

fn text(p: &HashMap<String, Value>, k: &str) -> Option<String> {
    match p.get(k)?.kind.as_ref()? {
        Kind::StringValue(s) => Some(s.clone()),
        _ => None,
    }
}

fn num(p: &HashMap<String, Value>, k: &str) -> Option<f64> {
    match p.get(k)?.kind.as_ref()? {
        Kind::DoubleValue(d) => Some(*d),
        Kind::IntegerValue(i) => Some(*i as f64),
        _ => None,
    }
}

fn scene_from(id: Uuid, p: &HashMap<String, Value>) -> Option<TeamScene> {
    Some(TeamScene {
        id,
        video_id: Uuid::parse_str(&text(p, "video_id")?).ok()?,
        content_hash: text(p, "content_hash")?,
        file_name: text(p, "file_name")?,
        owner_id: Uuid::parse_str(&text(p, "owner_id")?).ok()?,
        scene_index: i32::try_from(num(p, "scene_index")? as i64).ok()?,
        start_secs: num(p, "start_secs")?,
        end_secs: num(p, "end_secs")?,
        combined_text: text(p, "combined_text").unwrap_or_default(),
        text_model: text(p, "text_model"),
    })
}

impl QdrantTarget {
    /// Connects to Qdrant's gRPC port (`http://host:6334`), with an API key when it needs one.
    pub async fn connect(url: &str, api_key: Option<&str>) -> Result<Self, SyncError> {
        Self::with_prefix(url, api_key, PREFIX).await
    }

    /// As [`connect`](Self::connect), with collections named `{prefix}_team_…` (tests, benches).
    pub async fn with_prefix(
        url: &str,
        api_key: Option<&str>,
        prefix: &str,
    ) -> Result<Self, SyncError> {
        let client = Qdrant::from_url(url)
            .api_key(api_key.map(str::to_owned))
            .timeout(std::time::Duration::from_secs(30))
            .skip_compatibility_check()
            .build()
            .map_err(|e| SyncError::Connect(format!("{url}: {e}")))?;
        Ok(Self {
            client,
            prefix: prefix.to_owned(),
            ready: Mutex::new(HashSet::new()),
            hnsw_ef: HNSW_EF,
        })
    }

    /// Another HNSW candidate list size for searches (benchmarks).
    pub fn with_hnsw_ef(mut self, ef: u64) -> Self {
        self.hnsw_ef = ef;
        self
    }

    /// The collection `who` reads and writes.
    pub fn collection(&self, who: &Identity) -> String {
        collection_name(&self.prefix, who)
    }

    /// The underlying client (benchmarks, tests).
    pub fn client(&self) -> &Qdrant {
        &self.client
    }

    fn search_params(&self) -> SearchParamsBuilder {
        SearchParamsBuilder::default()
            .hnsw_ef(self.hnsw_ef)
            .quantization(
                QuantizationSearchParamsBuilder::default()
                    .rescore(true)
                    .oversampling(OVERSAMPLING),
            )
    }

    /// Creates `who`'s collection (with the server's API key: a team's key may not create
    /// collections) now rather than on the first push; returns its name.
    pub async fn prepare(&self, who: &Identity) -> Result<String, SyncError> {
        self.ensure(who).await
    }

    /// Creates `who`'s collection and its payload indexes the first time they are needed; returns
    /// its name.
    async fn ensure(&self, who: &Identity) -> Result<String, SyncError> {
        let collection = self.collection(who);
        let mut ready = self.ready.lock().await;
        if ready.contains(&collection) {
            return Ok(collection);
        }
        let exists = self
            .client
            .collection_exists(&collection)
            .await
            .map_err(|e| scoped(e, &collection))?;
        if !exists {
            self.create(&collection).await?;
        }
        ready.insert(collection.clone());
        Ok(collection)
    }

    async fn create(&self, collection: &str) -> Result<(), SyncError> {
        let mut vectors = VectorsConfigBuilder::default();
        for (name, dim) in [("text", TEXT_DIM), ("image", IMAGE_DIM)] {
            vectors.add_named_vector_params(
                name,
                VectorParamsBuilder::new(dim as u64, Distance::Cosine).quantization_config(
                    ScalarQuantizationBuilder::default()
                        .r#type(QuantizationType::Int8.into())
                        .quantile(0.99)
                        .always_ram(true),
                ),
            );
        }
        if let Err(e) = self
            .client
            .create_collection(CreateCollectionBuilder::new(collection).vectors_config(vectors))
            .await
        {
            // Another client may have created it meanwhile.
            if !self
                .client
                .collection_exists(collection)
                .await
                .map_err(|e| scoped(e, collection))?
            {
                return Err(scoped(e, collection));
            }
        }
        let fields = [
            ("owner_id", FieldType::Keyword),
            ("team_id", FieldType::Keyword),
            ("video_id", FieldType::Keyword),
            ("text_model", FieldType::Keyword),
            ("image_model", FieldType::Keyword),
            ("scene_index", FieldType::Integer),
            ("created_at", FieldType::Float),
        ];
        for (field, kind) in fields {
            self.client
                .create_field_index(
                    CreateFieldIndexCollectionBuilder::new(collection, field, kind).wait(true),
                )
                .await
                .map_err(|e| scoped(e, collection))?;
        }
        Ok(())
    }

    /// Scenes `who` may see: their own, and their team's.
    fn visible(who: &Identity) -> Filter {
        let mut should = vec![Condition::matches("owner_id", who.user_id.to_string())];
        if let Some(t) = who.team_id {
            should.push(Condition::matches("team_id", t.to_string()));
        }
        Filter::should(should)
    }

    /// Refuses the batch when one of its points belongs to someone else.
    async fn check_owner(
        &self,
        collection: &str,
        who: &Identity,
        ids: &[Uuid],
    ) -> Result<(), SyncError> {
        let points: Vec<PointId> = ids.iter().map(|u| PointId::from(u.to_string())).collect();
        let got = self
            .client
            .get_points(
                GetPointsBuilder::new(collection, points)
                    .with_payload(SelectorOptions::Include(vec!["owner_id".to_owned()].into()))
                    .with_vectors(false),
            )
            .await
            .map_err(|e| scoped(e, collection))?;
        let me = who.user_id.to_string();
        if let Some(p) = got
            .result
            .iter()
            .find(|p| text(&p.payload, "owner_id").is_some_and(|o| o != me))
        {
            return Err(SyncError::Qdrant(format!(
                "scene {} belongs to another user; it is not yours to overwrite",
                p.id.as_ref()
                    .and_then(uuid_of)
                    .map(|u| u.to_string())
                    .unwrap_or_default()
            )));
        }
        Ok(())
    }
}

/// Every payload field but the thumbnail (which only [`SyncTarget::thumbnails`] fetches).
fn without_thumbnail() -> SelectorOptions {
    SelectorOptions::Exclude(vec![THUMBNAIL.to_owned()].into())
}

#[async_trait::async_trait]
impl SyncTarget for QdrantTarget {
    fn kind(&self) -> &'static str {
        "qdrant"
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
        for s in scenes {
            s.check_dims(self.dims())?;
        }
        let collection = self.ensure(who).await?;
        let ids: Vec<Uuid> = scenes.iter().map(|s| s.id).collect();
        if !ids.is_empty() {
            self.check_owner(&collection, who, &ids).await?;
        }
        let by_id: HashMap<Uuid, &VideoDoc> = videos.iter().map(|v| (v.id, v)).collect();
        // Scenes past a video's current count belong to an older indexing.
        for v in videos {
            if let Some(n) = v.scene_count {
                let filter = Filter::must([
                    Condition::matches("video_id", v.id.to_string()),
                    Condition::matches("owner_id", who.user_id.to_string()),
                    Condition::range(
                        "scene_index",
                        Range {
                            gte: Some(f64::from(n)),
                            ..Range::default()
                        },
                    ),
                ]);
                self.client
                    .delete_points(
                        DeletePointsBuilder::new(&collection)
                            .points(filter)
                            .wait(true),
                    )
                    .await
                    .map_err(|e| scoped(e, &collection))?;
            }
        }
        if scenes.is_empty() {
            return Ok(());
        }
        let mut points = Vec::with_capacity(scenes.len());
        for s in scenes {
            let video = by_id.get(&s.video_id);
            let mut payload = serde_json::json!({
                "video_id": s.video_id.to_string(),
                "owner_id": who.user_id.to_string(),
                "team_id": who.team_id.map(|t| t.to_string()),
                "scene_index": s.scene_index,
                "start_secs": s.start_secs,
                "end_secs": s.end_secs,
                "combined_text": s.combined_text,
                "transcript": s.transcript,
                "thumbnail_ref": s.thumbnail_ref,
                "text_model": s.text_vector.as_ref().map(|v| v.0.clone()),
                "image_model": s.image_vector.as_ref().map(|v| v.0.clone()),
            });
            if let Some(obj) = payload.as_object_mut() {
                if let Some(v) = video {
                    obj.insert("content_hash".into(), v.content_hash.clone().into());
                    obj.insert("file_name".into(), v.file_name.clone().into());
                    obj.insert("duration_secs".into(), v.duration_secs.into());
                    if let Some(day) = v.created_at {
                        obj.insert("created_at".into(), day.into());
                    }
                }
                if let Some(jpeg) = &s.thumbnail_jpeg {
                    use base64::Engine as _;
                    let b64 = base64::engine::general_purpose::STANDARD.encode(jpeg);
                    obj.insert(THUMBNAIL.into(), b64.into());
                }
            }
            let payload =
                Payload::try_from(payload).map_err(|e| SyncError::Qdrant(e.to_string()))?;
            let mut vectors: HashMap<String, Vec<f32>> = HashMap::new();
            if let Some((_, v)) = &s.text_vector {
                vectors.insert("text".into(), v.clone());
            }
            if let Some((_, v)) = &s.image_vector {
                vectors.insert("image".into(), v.clone());
            }
            points.push(PointStruct::new(s.id.to_string(), vectors, payload));
        }
        self.client
            .upsert_points(UpsertPointsBuilder::new(&collection, points).wait(true))
            .await
            .map_err(|e| scoped(e, &collection))?;
        Ok(())
    }

    async fn delete_videos(&self, who: &Identity, videos: &[Uuid]) -> Result<(), SyncError> {
        if videos.is_empty() {
            return Ok(());
        }
        let collection = self.ensure(who).await?;
        let filter = Filter {
            must: vec![Condition::matches("owner_id", who.user_id.to_string())],
            should: videos
                .iter()
                .map(|v| Condition::matches("video_id", v.to_string()))
                .collect(),
            ..Filter::default()
        };
        self.client
            .delete_points(
                DeletePointsBuilder::new(&collection)
                    .points(filter)
                    .wait(true),
            )
            .await
            .map_err(|e| scoped(e, &collection))?;
        Ok(())
    }

    async fn search_filtered(
        &self,
        who: &Identity,
        model: &str,
        vector: &[f32],
        limit: usize,
        narrow: &TeamFilter,
    ) -> Result<Vec<TeamHit>, SyncError> {
        crate::dims::check("query vector", vector.len(), TEXT_DIM)?;
        let collection = self.ensure(who).await?;
        let mut filter = Self::visible(who);
        filter
            .must
            .push(Condition::matches("text_model", model.to_owned()));
        if let Some(v) = narrow.video {
            filter
                .must
                .push(Condition::matches("video_id", v.to_string()));
        }
        if let Some(o) = narrow.owner {
            filter
                .must
                .push(Condition::matches("owner_id", o.to_string()));
        }
        if narrow.from.is_some() || narrow.until.is_some() {
            filter.must.push(Condition::range(
                "created_at",
                Range {
                    gte: narrow.from,
                    lt: narrow.until,
                    ..Range::default()
                },
            ));
        }
        let found = self
            .client
            .query(
                QueryPointsBuilder::new(&collection)
                    .query(vector.to_vec())
                    .using("text")
                    .filter(filter)
                    .params(self.search_params())
                    .limit(limit as u64)
                    .with_payload(without_thumbnail()),
            )
            .await
            .map_err(|e| scoped(e, &collection))?;
        Ok(found
            .result
            .iter()
            .filter_map(|p| {
                let id = p.id.as_ref().and_then(uuid_of)?;
                let s = scene_from(id, &p.payload)?;
                Some(TeamHit {
                    scene_id: s.id,
                    video_id: s.video_id,
                    file_name: s.file_name,
                    scene_index: s.scene_index,
                    start_secs: s.start_secs,
                    end_secs: s.end_secs,
                    combined_text: s.combined_text,
                    similarity: f64::from(p.score),
                })
            })
            .collect())
    }

    async fn list_scenes(
        &self,
        who: &Identity,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<TeamScene>, SyncError> {
        let collection = self.ensure(who).await?;
        let mut req = ScrollPointsBuilder::new(&collection)
            .filter(Self::visible(who))
            .limit(u32::try_from(limit + 1).unwrap_or(u32::MAX))
            .with_payload(without_thumbnail())
            .with_vectors(false);
        if let Some(a) = after {
            req = req.offset(PointId::from(a.to_string()));
        }
        let got = self
            .client
            .scroll(req)
            .await
            .map_err(|e| scoped(e, &collection))?;
        Ok(got
            .result
            .iter()
            .filter_map(|p| {
                let id = p.id.as_ref().and_then(uuid_of)?;
                scene_from(id, &p.payload)
            })
            .filter(|s| Some(s.id) != after)
            .take(limit)
            .collect())
    }

    async fn thumbnails(
        &self,
        who: &Identity,
        scenes: &[Uuid],
    ) -> Result<Vec<(Uuid, Vec<u8>)>, SyncError> {
        use base64::Engine as _;
        if scenes.is_empty() {
            return Ok(Vec::new());
        }
        let collection = self.ensure(who).await?;
        let points: Vec<PointId> = scenes
            .iter()
            .map(|u| PointId::from(u.to_string()))
            .collect();
        let got = self
            .client
            .get_points(
                GetPointsBuilder::new(&collection, points)
                    .with_payload(SelectorOptions::Include(
                        vec![
                            THUMBNAIL.to_owned(),
                            "owner_id".to_owned(),
                            "team_id".to_owned(),
                        ]
                        .into(),
                    ))
                    .with_vectors(false),
            )
            .await
            .map_err(|e| scoped(e, &collection))?;
        let me = who.user_id.to_string();
        let team = who.team_id.map(|t| t.to_string());
        Ok(got
            .result
            .iter()
            .filter(|p| {
                // Visibility is the client's job here (no row-level security in Qdrant).
                text(&p.payload, "owner_id").as_deref() == Some(me.as_str())
                    || (team.is_some() && text(&p.payload, "team_id") == team)
            })
            .filter_map(|p| {
                let id = p.id.as_ref().and_then(uuid_of)?;
                let b64 = text(&p.payload, THUMBNAIL)?;
                let jpeg = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
                Some((id, jpeg))
            })
            .collect())
    }
}
