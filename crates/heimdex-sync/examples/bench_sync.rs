//! Team backend benchmark on a real PostgreSQL 18 + pgvector 0.8 (started like the tests, from
//! `scripts/install-pgserver.sh`). Run through `scripts/bench-sync.sh`.
//!
//! 1. Push throughput: scenes/s through `PgTarget::upsert` (UNNEST batches, as a signed-in user
//!    under row-level security, HNSW index maintained), per batch size.
//! 2. Bulk load to N scenes, then the HNSW index built with the given m / ef_construction.
//! 3. Team search (`search_scenes_by_embedding` under RLS): latency p50/p95/max per ef_search, and
//!    recall@10 against the exact answer (sequential scan, index scans off).
//!
//! Data: 384-dim unit vectors drawn around 2000 random centres (embeddings of real scenes cluster
//! by topic); queries come from the same distribution but are not in the table. Uniformly random
//! vectors would be a harder, unrealistic case for any graph index.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use heimdex_sync::ids::{scene_uuid, video_uuid};
use heimdex_sync::{Identity, PgTarget, SceneDoc, SyncTarget, VideoDoc};
use heimdex_tests::pg::PgServer;
use std::time::Instant;
use uuid::Uuid;

const DIM: usize = 384;
const MODEL: &str = "all-MiniLM-L6-v2";
const SCENES_PER_VIDEO: u32 = 500;

struct Args {
    scenes: usize,
    push_sample: usize,
    batches: Vec<usize>,
    queries: usize,
    efs: Vec<u32>,
    m: u32,
    ef_construction: u32,
    json: Option<String>,
}

fn parse() -> Args {
    let mut a = Args {
        scenes: 100_000,
        push_sample: 20_000,
        batches: vec![100, 500, 2000],
        queries: 200,
        efs: vec![40, 100, 200],
        m: 16,
        ef_construction: 64,
        json: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let list = |s: &str| {
        s.split(',')
            .map(|x| x.trim().parse().expect("a number"))
            .collect()
    };
    let mut i = 0;
    while i < argv.len() {
        let v = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--scenes" => a.scenes = v.parse().expect("--scenes N"),
            "--push-sample" => a.push_sample = v.parse().expect("--push-sample N"),
            "--batches" => a.batches = list(&v),
            "--queries" => a.queries = v.parse().expect("--queries N"),
            "--ef" => a.efs = list(&v).into_iter().map(|x: usize| x as u32).collect(),
            "--m" => a.m = v.parse().expect("--m N"),
            "--ef-construction" => a.ef_construction = v.parse().expect("--ef-construction N"),
            "--json" => a.json = Some(v),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

/// xorshift64* with Box-Muller normals: reproducible, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f32 {
        let (u, v) = (self.unit(), self.unit());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }
}

fn normalise(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= n);
    v
}

struct Gen {
    rng: Rng,
    centres: Vec<Vec<f32>>,
}
impl Gen {
    fn new(seed: u64, clusters: usize) -> Self {
        let mut rng = Rng(seed);
        let centres = (0..clusters)
            .map(|_| normalise((0..DIM).map(|_| rng.normal()).collect()))
            .collect();
        Self { rng, centres }
    }
    fn vector(&mut self) -> Vec<f32> {
        let c = (self.rng.next() % self.centres.len() as u64) as usize;
        let spread = 0.06_f32;
        let centre = &self.centres[c];
        let v = centre
            .iter()
            .map(|x| x + spread * self.rng.normal())
            .collect();
        normalise(v)
    }
}

fn docs(gen: &mut Gen, from: usize, n: usize) -> (Vec<VideoDoc>, Vec<SceneDoc>) {
    let mut videos = Vec::new();
    let mut scenes = Vec::with_capacity(n);
    for k in from..from + n {
        let video = k / SCENES_PER_VIDEO as usize;
        let idx = (k % SCENES_PER_VIDEO as usize) as u32;
        let hash = format!("bench{video:010}");
        if idx == 0 || k == from {
            videos.push(VideoDoc {
                id: video_uuid(&hash),
                content_hash: hash.clone(),
                file_name: format!("video-{video}.mp4"),
                duration_secs: 3600.0,
                width: Some(1920),
                height: Some(1080),
                scene_count: None,
            });
        }
        scenes.push(SceneDoc {
            id: scene_uuid(&hash, idx),
            video_id: video_uuid(&hash),
            scene_index: idx as i32,
            start_secs: f64::from(idx) * 7.0,
            end_secs: f64::from(idx) * 7.0 + 7.0,
            combined_text: format!(
                "scene {idx} of video {video}: a person talks about topic {}",
                k % 97
            ),
            transcript: String::new(),
            thumbnail_ref: None,
            text_vector: Some((MODEL.into(), gen.vector())),
            image_vector: None,
        });
    }
    (videos, scenes)
}

async fn push(
    target: &PgTarget,
    who: &Identity,
    gen: &mut Gen,
    from: usize,
    n: usize,
    batch: usize,
) -> f64 {
    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let k = batch.min(n - done);
        let (v, s) = docs(gen, from + done, k);
        target.upsert(who, &v, &s).await.expect("push");
        done += k;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn exec(target: &PgTarget, sql: &str) {
    sqlx::query(sql)
        .execute(target.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::main]
async fn main() {
    let args = parse();
    let Some(server) = PgServer::start() else {
        eprintln!("PostgreSQL is not installed: run scripts/install-pgserver.sh");
        std::process::exit(2);
    };
    let target = PgTarget::connect(&server.url()).await.expect("connect");
    target.apply_schema().await.expect("schema");
    let who = Identity {
        user_id: Uuid::new_v4(),
        team_id: None,
    };
    sqlx::query("INSERT INTO user_profiles (id) VALUES ($1)")
        .bind(who.user_id)
        .execute(target.pool())
        .await
        .unwrap();
    let mut gen = Gen::new(0x5eed, 2000);
    let mut report = serde_json::json!({ "load_at_start": loadavg(), "args": {
        "scenes": args.scenes, "m": args.m, "ef_construction": args.ef_construction, "queries": args.queries } });
    println!("load average at start: {}", loadavg());

    // 1. Push throughput with the HNSW index in place (the steady state of a team archive).
    exec(&target, "DROP INDEX IF EXISTS video_scenes_text_hnsw").await;
    exec(&target, &format!(
        "CREATE INDEX video_scenes_text_hnsw ON video_scenes USING hnsw (text_embedding vector_cosine_ops) WITH (m = {}, ef_construction = {})",
        args.m, args.ef_construction)).await;
    let mut pushes = Vec::new();
    for &b in &args.batches {
        exec(&target, "TRUNCATE videos CASCADE").await;
        let rate = push(&target, &who, &mut gen, 0, args.push_sample, b).await;
        println!("push, HNSW maintained: batch {b:>5}: {rate:>8.0} scenes/s ({} scenes into an empty table)", args.push_sample);
        pushes.push(serde_json::json!({ "batch": b, "index": true, "scenes_per_sec": rate }));
    }
    // Same without the index (initial bulk sync: load, then build the index once).
    exec(&target, "TRUNCATE videos CASCADE").await;
    exec(&target, "DROP INDEX video_scenes_text_hnsw").await;
    let best = *args.batches.iter().max().unwrap_or(&500);
    let started = Instant::now();
    let rate = push(&target, &who, &mut gen, 0, args.scenes, best).await;
    println!(
        "push, no index:        batch {best:>5}: {rate:>8.0} scenes/s ({} scenes)",
        args.scenes
    );
    pushes.push(serde_json::json!({ "batch": best, "index": false, "scenes_per_sec": rate, "scenes": args.scenes }));
    let load_secs = started.elapsed().as_secs_f64();

    // 2. HNSW build.
    let started = Instant::now();
    let mut conn = target.pool().acquire().await.unwrap();
    sqlx::query("SET maintenance_work_mem = '2GB'")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(&format!(
        "CREATE INDEX video_scenes_text_hnsw ON video_scenes USING hnsw (text_embedding vector_cosine_ops) WITH (m = {}, ef_construction = {})",
        args.m, args.ef_construction)).execute(&mut *conn).await.unwrap();
    drop(conn);
    exec(&target, "VACUUM ANALYZE video_scenes").await;
    let build = started.elapsed().as_secs_f64();
    let total = load_secs + build;
    println!(
        "HNSW build (m={}, ef_construction={}): {build:.1} s; load + build: {:.0} scenes/s overall",
        args.m,
        args.ef_construction,
        args.scenes as f64 / total
    );

    // 3. Search.
    let queries: Vec<Vec<f32>> = (0..args.queries).map(|_| gen.vector()).collect();
    let mut exact = Vec::with_capacity(queries.len());
    let started = Instant::now();
    for q in &queries {
        let mut tx = target.pool().begin().await.unwrap();
        sqlx::query("SET LOCAL enable_indexscan = off")
            .execute(&mut *tx)
            .await
            .unwrap();
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM video_scenes WHERE text_model = $1 ORDER BY text_embedding <=> $2 LIMIT 10")
            .bind(MODEL).bind(pgvector::Vector::from(q.clone())).fetch_all(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        exact.push(ids);
    }
    let exact_ms = started.elapsed().as_secs_f64() * 1000.0 / queries.len() as f64;
    println!("exact search (sequential scan): {exact_ms:.1} ms per query");
    let mut searches = Vec::new();
    for &ef in &args.efs {
        let t = target.clone().with_ef_search(ef);
        // Warm up (plans, caches).
        for q in queries.iter().take(10) {
            t.search_text(&who, MODEL, q, 10).await.unwrap();
        }
        let mut lat = Vec::with_capacity(queries.len());
        let mut hits = 0usize;
        for (q, truth) in queries.iter().zip(&exact) {
            let started = Instant::now();
            let got = t.search_text(&who, MODEL, q, 10).await.unwrap();
            lat.push(started.elapsed().as_secs_f64() * 1000.0);
            hits += got.iter().filter(|h| truth.contains(&h.scene_id)).count();
        }
        lat.sort_by(f64::total_cmp);
        let recall = hits as f64 / (10 * queries.len()) as f64;
        let (p50, p95, max) = (
            percentile(&lat, 0.5),
            percentile(&lat, 0.95),
            lat[lat.len() - 1],
        );
        println!("search ef_search={ef:>4}: p50 {p50:6.2} ms  p95 {p95:6.2} ms  max {max:6.2} ms  recall@10 {recall:.3}");
        searches.push(serde_json::json!({ "ef_search": ef, "p50_ms": p50, "p95_ms": p95, "max_ms": max, "recall_at_10": recall }));
    }
    let plan: Vec<String> = {
        let mut tx = target.pool().begin().await.unwrap();
        sqlx::query("SET LOCAL ROLE authenticated")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("SELECT set_config('request.jwt.claims', $1, true)")
            .bind(who.claims_json())
            .execute(&mut *tx)
            .await
            .unwrap();
        let rows: Vec<String> =
            sqlx::query_scalar("EXPLAIN SELECT * FROM search_scenes_by_embedding($1, 10, $2)")
                .bind(pgvector::Vector::from(queries[0].clone()))
                .bind(MODEL)
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        tx.rollback().await.unwrap();
        rows
    };
    let uses_index = plan.iter().any(|l| l.contains("hnsw"));
    println!("plan uses the HNSW index: {uses_index}");
    println!("load average at end: {}", loadavg());
    report["push"] = pushes.into();
    report["hnsw_build_secs"] = build.into();
    report["exact_ms_per_query"] = exact_ms.into();
    report["search"] = searches.into();
    report["plan_uses_hnsw"] = uses_index.into();
    report["load_at_end"] = loadavg().into();
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap())
            .expect("write the report");
        println!("report: {path}");
    }
}
