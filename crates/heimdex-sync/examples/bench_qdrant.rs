//! Team backend benchmark on a real Qdrant server (built from its source by
//! `scripts/qdrant-server.sh build`, started like the tests), through `QdrantTarget`: the same data
//! as `bench_sync` (pgvector), so the two compare. Run through `scripts/bench-sync.sh --qdrant`.
//!
//! 1. Bulk push to N scenes (batches of 500 with `wait=true`, 2 concurrent pushes), then the time
//!    until Qdrant's optimiser has built HNSW (m 16, ef_construct 100) and int8 scalar
//!    quantisation over them (searches are exact over unindexed segments meanwhile).
//! 2. Steady state: 20k more scenes pushed into the indexed N-scene collection (1 and 2
//!    connections), and the time until they are indexed as well.
//! 3. Team search (`QdrantTarget::search_text`: visibility and model filter, quantised HNSW with
//!    rescoring): p50/p95/max per hnsw_ef, recall@10 against Qdrant's exact search (`exact=true`)
//!    with the same filter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "shared/bench_data.rs"]
mod bench_data;
use bench_data::{docs, loadavg, percentile, Gen, MODEL};

use heimdex_sync::qdrant::QdrantTarget;
use heimdex_sync::{Identity, SyncTarget};
use heimdex_tests::qdrant::QdrantServer;
use qdrant_client::qdrant::{Condition, Filter, QueryPointsBuilder, SearchParamsBuilder};
use std::time::{Duration, Instant};
use uuid::Uuid;

struct Args {
    scenes: usize,
    push_sample: usize,
    batch: usize,
    queries: usize,
    efs: Vec<u64>,
    json: Option<String>,
}

fn parse() -> Args {
    let mut a = Args {
        scenes: 100_000,
        push_sample: 20_000,
        batch: 500,
        queries: 200,
        efs: vec![64, 128, 256],
        json: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let v = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--scenes" => a.scenes = v.parse().expect("--scenes N"),
            "--push-sample" => a.push_sample = v.parse().expect("--push-sample N"),
            "--batch" => a.batch = v.parse().expect("--batch N"),
            "--queries" => a.queries = v.parse().expect("--queries N"),
            "--ef" => {
                a.efs = v
                    .split(',')
                    .map(|x| x.trim().parse().expect("a number"))
                    .collect()
            }
            "--json" => a.json = Some(v),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

/// Pushes scenes `from..from + n` as `who` over `conns` concurrent pushes; scenes/s.
#[allow(clippy::too_many_arguments)]
async fn push(
    url: &str,
    key: &str,
    who: &Identity,
    seed: u64,
    from: usize,
    n: usize,
    batch: usize,
    conns: usize,
) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..conns {
        let target = QdrantTarget::connect(url, Some(key)).await.unwrap();
        let who = who.clone();
        tasks.push(tokio::spawn(async move {
            let mut gen = Gen::new(seed ^ (from as u64) ^ ((c as u64) << 40), 2000);
            let mut k = c;
            while k * batch < n {
                let start = from + k * batch;
                let len = batch.min(from + n - start);
                let (v, s) = docs(&mut gen, start, len);
                target.upsert(&who, &v, &s).await.expect("push");
                k += conns;
            }
        }));
    }
    for t in tasks {
        t.await.expect("push task");
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Seconds until every point of the collection is in the HNSW index (status green, indexed count
/// = points count).
async fn wait_indexed(t: &QdrantTarget, who: &Identity) -> f64 {
    let started = Instant::now();
    let name = t.collection(who);
    loop {
        let info = t.client().collection_info(&name).await.unwrap();
        let r = info.result.unwrap();
        let points = r.points_count.unwrap_or(0);
        let indexed = r.indexed_vectors_count.unwrap_or(0);
        // One named vector in use (text): indexed vectors count over all named vectors.
        if r.status == 1 && indexed >= points {
            return started.elapsed().as_secs_f64();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Exact top-10 ids per query over what `who` may see.
async fn exact(t: &QdrantTarget, who: &Identity, queries: &[Vec<f32>]) -> (Vec<Vec<Uuid>>, f64) {
    let started = Instant::now();
    let mut out = Vec::new();
    for q in queries {
        let filter = Filter {
            should: vec![Condition::matches("owner_id", who.user_id.to_string())],
            must: vec![Condition::matches("text_model", MODEL.to_owned())],
            ..Filter::default()
        };
        let got = t
            .client()
            .query(
                QueryPointsBuilder::new(t.collection(who))
                    .query(q.clone())
                    .using("text")
                    .filter(filter)
                    .params(SearchParamsBuilder::default().exact(true))
                    .limit(10),
            )
            .await
            .unwrap();
        out.push(
            got.result
                .iter()
                .filter_map(|p| match p.id.as_ref()?.point_id_options.as_ref()? {
                    qdrant_client::qdrant::point_id::PointIdOptions::Uuid(s) => {
                        Uuid::parse_str(s).ok()
                    }
                    _ => None,
                })
                .collect(),
        );
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0 / queries.len().max(1) as f64;
    (out, ms)
}

async fn measure(
    t: &QdrantTarget,
    who: &Identity,
    queries: &[Vec<f32>],
    truth: &[Vec<Uuid>],
) -> serde_json::Value {
    for q in queries.iter().take(10) {
        t.search_text(who, MODEL, q, 10).await.unwrap();
    }
    let mut lat = Vec::new();
    let mut hits = 0usize;
    for (q, tr) in queries.iter().zip(truth) {
        let started = Instant::now();
        let got = t.search_text(who, MODEL, q, 10).await.unwrap();
        lat.push(started.elapsed().as_secs_f64() * 1000.0);
        hits += got.iter().filter(|h| tr.contains(&h.scene_id)).count();
    }
    lat.sort_by(f64::total_cmp);
    serde_json::json!({
        "p50_ms": percentile(&lat, 0.5), "p95_ms": percentile(&lat, 0.95),
        "max_ms": lat[lat.len() - 1],
        "recall_at_10": hits as f64 / (10 * queries.len()) as f64,
    })
}

#[tokio::main]
async fn main() {
    let a = parse();
    let q = QdrantServer::start().expect("a Qdrant binary (scripts/qdrant-server.sh build)");
    let version = std::process::Command::new(heimdex_tests::qdrant::binary())
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    println!("{version}, {} scenes, load {}", a.scenes, loadavg());
    let (url, key) = (q.url(), q.api_key.clone());
    let who = Identity {
        user_id: Uuid::new_v4(),
        team_id: Some(Uuid::new_v4()),
    };
    let t = QdrantTarget::connect(&url, Some(&key)).await.unwrap();
    let mut report = serde_json::json!({ "server": version, "scenes": a.scenes });

    let bulk = push(&url, &key, &who, 1, 0, a.scenes, a.batch, 2).await;
    let bulk_index = wait_indexed(&t, &who).await;
    println!(
        "bulk push: {bulk:.0} scenes/s (2 pushes); indexed {bulk_index:.1} s after the last push (load {})",
        loadavg()
    );
    report["bulk_push_per_s"] = bulk.into();
    report["bulk_index_wait_s"] = bulk_index.into();

    let half = a.push_sample / 2;
    let one = push(&url, &key, &who, 2, a.scenes, half, a.batch, 1).await;
    let two = push(&url, &key, &who, 3, a.scenes + half, half, a.batch, 2).await;
    let steady_index = wait_indexed(&t, &who).await;
    println!(
        "push into the indexed archive: {one:.0} / {two:.0} scenes/s (1 / 2 pushes); \
         indexed {steady_index:.1} s after (load {})",
        loadavg()
    );
    report["push_per_s_1"] = one.into();
    report["push_per_s_2"] = two.into();
    report["steady_index_wait_s"] = steady_index.into();

    let mut gen = Gen::new(0xC0FFEE, 2000);
    let queries: Vec<Vec<f32>> = (0..a.queries).map(|_| gen.vector()).collect();
    let (truth, exact_ms) = exact(&t, &who, &queries).await;
    println!("exact search: {exact_ms:.1} ms per query");
    report["exact_ms"] = exact_ms.into();
    let mut rows = Vec::new();
    for &ef in &a.efs {
        let te = QdrantTarget::connect(&url, Some(&key))
            .await
            .unwrap()
            .with_hnsw_ef(ef);
        let m = measure(&te, &who, &queries, &truth).await;
        println!(
            "hnsw_ef {ef}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms, recall@10 {:.3} (load {})",
            m["p50_ms"].as_f64().unwrap_or(0.0),
            m["p95_ms"].as_f64().unwrap_or(0.0),
            m["max_ms"].as_f64().unwrap_or(0.0),
            m["recall_at_10"].as_f64().unwrap_or(0.0),
            loadavg()
        );
        rows.push(serde_json::json!({ "hnsw_ef": ef, "search": m }));
    }
    report["search"] = rows.into();
    if let Some(p) = a.json {
        std::fs::write(&p, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    }
}
