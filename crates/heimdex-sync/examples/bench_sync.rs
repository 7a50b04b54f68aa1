//! Team backend benchmark on a real PostgreSQL 18 + pgvector 0.8 (started like the tests, from
//! `scripts/install-pgserver.sh`; shared_buffers raised to 1 GB as on a real server). Run through
//! `scripts/bench-sync.sh`.
//!
//! 1. Bulk load to N scenes through `PgTarget::upsert` (UNNEST batches, as a signed-in user under
//!    row-level security) with no vector index, then the HNSW index built once (m /
//!    ef_construction as given), as a first sync of a large archive would be done.
//! 2. Steady state, on the N-scene archive with its index: the old path (each pushed vector
//!    inserted into the HNSW graph inside the push; 1 and 2 connections), then the current path
//!    (pushed scenes land fresh, searchable at once; 1 and 2 connections), search while they are
//!    fresh, and index maintenance (`index_fresh_scenes` on two sessions, as the drainer runs it).
//! 3. Team search (`search_scenes_by_embedding` under RLS): latency p50/p95/max per ef_search,
//!    recall@10 against the exact answer (sequential scan, index scans off) over what the user may
//!    see; and the same queries as the superuser (no RLS) to see whether RLS costs recall.
//!
//! Data: 384-dim unit vectors drawn around 2000 random centres (embeddings of real scenes cluster
//! by topic); queries come from the same distribution but are not in the table. Uniformly random
//! vectors would be a harder, unrealistic case for any graph index. `--foreign F` gives that share
//! of the scenes to another user who keeps them private, so RLS hides them from the searcher.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use heimdex_sync::{Identity, PgTarget, SyncTarget};
use heimdex_tests::pg::PgServer;
use std::time::Instant;
use uuid::Uuid;

#[path = "shared/bench_data.rs"]
mod bench_data;
use bench_data::{docs, loadavg, percentile, Gen, MODEL};

struct Args {
    scenes: usize,
    push_sample: usize,
    inline_sample: usize,
    batch: usize,
    queries: usize,
    efs: Vec<u32>,
    m: u32,
    ef_construction: u32,
    foreign: f64,
    json: Option<String>,
}

fn parse() -> Args {
    let mut a = Args {
        scenes: 100_000,
        push_sample: 20_000,
        inline_sample: 4_000,
        batch: 500,
        queries: 200,
        efs: vec![40, 100, 200],
        m: 32,
        ef_construction: 128,
        foreign: 0.0,
        json: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let list = |s: &str| -> Vec<u32> {
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
            "--inline-sample" => a.inline_sample = v.parse().expect("--inline-sample N"),
            "--batch" => a.batch = v.parse().expect("--batch N"),
            "--foreign" => a.foreign = v.parse().expect("--foreign 0.5"),
            "--queries" => a.queries = v.parse().expect("--queries N"),
            "--ef" => a.efs = list(&v),
            "--m" => a.m = v.parse().expect("--m N"),
            "--ef-construction" => a.ef_construction = v.parse().expect("--ef-construction N"),
            "--json" => a.json = Some(v),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

/// Pushes scenes `from..from + n` in batches of `batch` over `conns` concurrent connections
/// (interleaved batches); batch `k` goes to `other` instead of `who` when `foreign(k)`. Returns
/// scenes/s.
#[allow(clippy::too_many_arguments)]
async fn push(
    target: &PgTarget,
    who: &Identity,
    other: &Identity,
    foreign: f64,
    seed: u64,
    from: usize,
    n: usize,
    batch: usize,
    conns: usize,
) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..conns {
        let (target, who, other) = (target.clone(), who.clone(), other.clone());
        tasks.push(tokio::spawn(async move {
            let mut gen = Gen::new(seed ^ (from as u64) ^ ((c as u64) << 40), 2000);
            let mut k = c;
            while k * batch < n {
                let start = from + k * batch;
                let len = batch.min(from + n - start);
                let (v, s) = docs(&mut gen, start, len);
                let mine = !is_foreign(start / batch, foreign);
                let as_who = if mine { &who } else { &other };
                target.upsert(as_who, &v, &s).await.expect("push");
                k += conns;
            }
        }));
    }
    for t in tasks {
        t.await.expect("push task");
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Whether batch `k` belongs to the other user (deterministic, spread evenly).
fn is_foreign(k: usize, share: f64) -> bool {
    share > 0.0 && ((k as f64 + 0.5) * share).floor() != ((k as f64 - 0.5) * share).floor()
}

/// Moves every fresh scene into the index on `sessions` concurrent sessions (as
/// `Drainer::index_step` does); returns scenes/s.
async fn index_backlog(target: &PgTarget, who: &Identity, sessions: usize) -> (u64, f64) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..sessions {
        let (target, who) = (target.clone(), who.clone());
        tasks.push(tokio::spawn(async move {
            let mut moved = 0;
            loop {
                let n = target.index_fresh(&who, 500).await.expect("index_fresh");
                if n == 0 {
                    return moved;
                }
                moved += n;
            }
        }));
    }
    let mut moved = 0;
    for t in tasks {
        moved += t.await.expect("index task");
    }
    (moved, moved as f64 / started.elapsed().as_secs_f64())
}

async fn exec(target: &PgTarget, sql: &str) {
    sqlx::query(sql)
        .execute(target.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn create_index_sql(a: &Args) -> String {
    format!(
        "CREATE INDEX video_scenes_text_hnsw ON video_scenes USING hnsw (text_embedding vector_cosine_ops) \
         WITH (m = {}, ef_construction = {}) WHERE indexed",
        a.m, a.ef_construction
    )
}

/// Exact top-10 ids per query over the scenes `owner` may see (index scans off).
async fn exact(target: &PgTarget, owner: Uuid, queries: &[Vec<f32>]) -> (Vec<Vec<Uuid>>, f64) {
    let mut out = Vec::with_capacity(queries.len());
    let started = Instant::now();
    for q in queries {
        let mut tx = target.pool().begin().await.unwrap();
        sqlx::query("SET LOCAL enable_indexscan = off")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("SET LOCAL enable_bitmapscan = off")
            .execute(&mut *tx)
            .await
            .unwrap();
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM video_scenes WHERE text_model = $1 AND owner_id = $3 \
             ORDER BY text_embedding <=> $2 LIMIT 10",
        )
        .bind(MODEL)
        .bind(pgvector::Vector::from(q.clone()))
        .bind(owner)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        out.push(ids);
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0 / queries.len().max(1) as f64;
    (out, ms)
}

/// Latency and recall of team search as `who` with `target`'s settings.
async fn measure(
    target: &PgTarget,
    who: &Identity,
    queries: &[Vec<f32>],
    truth: &[Vec<Uuid>],
) -> serde_json::Value {
    for q in queries.iter().take(10) {
        target.search_text(who, MODEL, q, 10).await.unwrap();
    }
    let mut lat = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for (q, t) in queries.iter().zip(truth) {
        let started = Instant::now();
        let got = target.search_text(who, MODEL, q, 10).await.unwrap();
        lat.push(started.elapsed().as_secs_f64() * 1000.0);
        hits += got.iter().filter(|h| t.contains(&h.scene_id)).count();
    }
    lat.sort_by(f64::total_cmp);
    let recall = hits as f64 / (10 * queries.len()) as f64;
    serde_json::json!({
        "p50_ms": percentile(&lat, 0.5), "p95_ms": percentile(&lat, 0.95),
        "max_ms": lat[lat.len() - 1], "recall_at_10": recall,
    })
}

/// Recall of the bare HNSW query as the superuser (no RLS, no model filter in the function).
async fn recall_without_rls(
    target: &PgTarget,
    ef: u32,
    queries: &[Vec<f32>],
    truth: &[Vec<Uuid>],
) -> f64 {
    let mut hits = 0usize;
    for (q, t) in queries.iter().zip(truth) {
        let mut tx = target.pool().begin().await.unwrap();
        sqlx::query(&format!("SET LOCAL hnsw.ef_search = {ef}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM video_scenes WHERE indexed ORDER BY text_embedding <=> $1 LIMIT 10",
        )
        .bind(pgvector::Vector::from(q.clone()))
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        hits += ids.iter().filter(|i| t.contains(i)).count();
    }
    hits as f64 / (10 * queries.len()) as f64
}

fn print(label: &str, m: &serde_json::Value) {
    println!(
        "{label}: p50 {:6.2} ms  p95 {:6.2} ms  max {:6.2} ms  recall@10 {:.3}",
        m["p50_ms"].as_f64().unwrap_or(0.0),
        m["p95_ms"].as_f64().unwrap_or(0.0),
        m["max_ms"].as_f64().unwrap_or(0.0),
        m["recall_at_10"].as_f64().unwrap_or(0.0)
    );
}

async fn add_user(target: &PgTarget, id: Uuid) {
    sqlx::query("INSERT INTO user_profiles (id) VALUES ($1)")
        .bind(id)
        .execute(target.pool())
        .await
        .unwrap();
}

#[tokio::main]
async fn main() {
    let a = parse();
    let Some(server) = PgServer::start() else {
        eprintln!("PostgreSQL is not installed: run scripts/install-pgserver.sh");
        std::process::exit(2);
    };
    {
        let admin = PgTarget::connect(&server.url()).await.expect("connect");
        exec(&admin, "ALTER SYSTEM SET shared_buffers = '1GB'").await;
        exec(&admin, "ALTER SYSTEM SET maintenance_work_mem = '4GB'").await;
    }
    server.kill();
    server.start_again();
    let target = PgTarget::connect(&server.url()).await.expect("connect");
    target.apply_schema().await.expect("schema");
    let who = Identity {
        user_id: Uuid::new_v4(),
        team_id: None,
    };
    let other = Identity {
        user_id: Uuid::new_v4(),
        team_id: None,
    };
    add_user(&target, who.user_id).await;
    add_user(&target, other.user_id).await;
    let mut report = serde_json::json!({ "load_at_start": loadavg(), "args": {
        "scenes": a.scenes, "m": a.m, "ef_construction": a.ef_construction, "queries": a.queries,
        "batch": a.batch, "push_sample": a.push_sample, "inline_sample": a.inline_sample,
        "foreign": a.foreign } });
    println!("load average at start: {}", loadavg());

    // 1. Bulk load without a vector index (rows marked indexed), then one index build.
    exec(&target, "DROP INDEX IF EXISTS video_scenes_text_hnsw").await;
    exec(
        &target,
        "ALTER TABLE video_scenes ALTER COLUMN indexed SET DEFAULT true",
    )
    .await;
    let bulk = push(&target, &who, &other, a.foreign, 1, 0, a.scenes, 2000, 1).await;
    println!(
        "bulk load, no vector index (batch 2000): {bulk:>8.0} scenes/s ({} scenes)",
        a.scenes
    );
    let started = Instant::now();
    exec(&target, &create_index_sql(&a)).await;
    exec(&target, "VACUUM ANALYZE video_scenes").await;
    let build = started.elapsed().as_secs_f64();
    println!(
        "HNSW build (m={}, ef_construction={}): {build:.1} s ({:.0} scenes/s); load {}",
        a.m,
        a.ef_construction,
        a.scenes as f64 / build,
        loadavg()
    );
    let mut next = a.scenes;

    // 2a. The old path: every pushed vector goes into the HNSW graph inside the push.
    let mut pushes = Vec::new();
    for conns in [1, 2] {
        let rate = push(
            &target,
            &who,
            &other,
            0.0,
            2 + conns as u64,
            next,
            a.inline_sample,
            a.batch,
            conns,
        )
        .await;
        next += a.inline_sample;
        println!(
            "push, HNSW kept inside the push, {conns} connection(s), batch {}: {rate:>7.0} scenes/s; load {}",
            a.batch,
            loadavg()
        );
        pushes.push(
            serde_json::json!({ "path": "inline_hnsw", "connections": conns, "batch": a.batch,
            "scenes": a.inline_sample, "scenes_per_sec": rate, "load": loadavg() }),
        );
    }
    exec(
        &target,
        "ALTER TABLE video_scenes ALTER COLUMN indexed SET DEFAULT false",
    )
    .await;

    // 2b. The current path: pushed scenes land fresh (searchable at once), indexed afterwards.
    let half = a.push_sample / 2;
    for conns in [1, 2] {
        let rate = push(
            &target,
            &who,
            &other,
            0.0,
            8 + conns as u64,
            next,
            half,
            a.batch,
            conns,
        )
        .await;
        next += half;
        println!(
            "push, fresh (searchable at once), {conns} connection(s), batch {}: {rate:>7.0} scenes/s; load {}",
            a.batch,
            loadavg()
        );
        pushes.push(
            serde_json::json!({ "path": "fresh", "connections": conns, "batch": a.batch,
            "scenes": half, "scenes_per_sec": rate, "load": loadavg() }),
        );
    }
    let total = next;
    let fresh = target.fresh_count(&who).await.unwrap();

    // 3. Search: truth over everything `who` may see, now (fresh rows included).
    let mut gen = Gen::new(0x9e3779b9, 2000);
    let queries: Vec<Vec<f32>> = (0..a.queries).map(|_| gen.vector()).collect();
    let (truth, exact_ms) = exact(&target, who.user_id, &queries).await;
    println!("exact search (sequential scan over {total} scenes): {exact_ms:.1} ms per query");
    let default_ef = heimdex_sync::postgres::DEFAULT_EF_SEARCH;
    let while_fresh = measure(&target, &who, &queries, &truth).await;
    print(
        &format!("search with {fresh} fresh scenes, ef_search={default_ef}"),
        &while_fresh,
    );

    let (moved, index_rate) = index_backlog(&target, &who, 2).await;
    println!(
        "index maintenance (2 sessions): {moved} scenes at {index_rate:.0} scenes/s; load {}",
        loadavg()
    );
    exec(&target, "VACUUM ANALYZE video_scenes").await;

    let mut searches = Vec::new();
    for &ef in &a.efs {
        let t = target.clone().with_ef_search(ef);
        let m = measure(&t, &who, &queries, &truth).await;
        print(&format!("search ef_search={ef:>4}"), &m);
        let mut m = m;
        m["ef_search"] = ef.into();
        m["load"] = loadavg().into();
        if a.foreign > 0.0 {
            let off = measure(
                &t.clone().with_iterative_scan(false),
                &who,
                &queries,
                &truth,
            )
            .await;
            print("  same, iterative scan off", &off);
            m["without_iterative_scan"] = off;
        } else {
            let bare = recall_without_rls(&target, ef, &queries, &truth).await;
            println!("  same HNSW query as the superuser (no RLS): recall@10 {bare:.3}");
            m["recall_without_rls"] = bare.into();
        }
        searches.push(m);
    }
    println!("load average at end: {}", loadavg());
    report["bulk_load_scenes_per_sec"] = bulk.into();
    report["hnsw_build_secs"] = build.into();
    report["push"] = pushes.into();
    report["fresh_at_search"] = fresh.into();
    report["search_while_fresh"] = while_fresh;
    report["index_maintenance"] =
        serde_json::json!({ "scenes": moved, "scenes_per_sec": index_rate, "sessions": 2 });
    report["exact_ms_per_query"] = exact_ms.into();
    report["search"] = searches.into();
    report["total_scenes"] = total.into();
    report["load_at_end"] = loadavg().into();
    if let Some(path) = a.json {
        std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap())
            .expect("write the report");
        println!("report: {path}");
    }
}
