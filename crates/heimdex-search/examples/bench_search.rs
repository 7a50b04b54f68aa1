//! Vector search: the exact scan against the 1-bit scan with exact re-ranking (`QuantIndex`), side
//! by side in one run, on MiniLM vectors of real text scaled up to each size.
//!
//! Usage: bench_search [SIZES] [QUERIES] [--vectors DOCS.f32 --queries QUERIES.f32
//!        --query-texts QUERIES.txt] [--rerank N] [--clip]
//!
//! `DOCS.f32`/`QUERIES.f32` are raw little-endian f32 MiniLM vectors (384 per text) written by the
//! `embed_texts` example; `QUERIES.txt` holds the texts of the query vectors, one a line (embedded
//! again, live, for the latency with query embedding). Up to the number of real vectors the
//! index holds them as they are; beyond, row `i` is `normalise(a + λ·b + ε)` with `a`, `b` two real
//! vectors drawn at random, `λ` uniform in [0, 0.5) and `ε` Gaussian of norm ~0.3 (seeded, so every
//! run builds the same set): near-paraphrases of real sentences, as scenes of one video are.
//! Without `--vectors`, rows and queries are uniform random (no structure: recall is easier to get
//! wrong, latency is the same).
//!
//! Per size and index it prints: build time, RSS added by the index, recall@10 against the exact
//! scan (of a k = 100 search, as the library asks for), search p50/p95 (vector search of k = 100 +
//! fusion with a BM25 list), and the same with the live query embedding (all-MiniLM-L6-v2) in
//! front, and the embedding's own p50. Queries alternate which index goes first.
//!
//! `--clip` runs the earlier benchmark instead: two modes per size. `text`: what ships while no CLIP weights are installed — the
//! all-MiniLM-L6-v2 query vector (real model, from $HEIMDEX_MODEL_DIR), exact search of the
//! 384-dim text vectors, reciprocal-rank fusion with a BM25 list. `text+clip`: in addition, on a
//! second thread (as the library runs it), the CLIP text-tower query vector (ViT-B/32 shape with
//! random weights: the real amount of work) and exact search of the 512-dim image vectors. BM25
//! itself (SQLite FTS5) is not part of this benchmark. Prints a table and one JSON line per row;
//! `rest` is the total minus the slower query embedding (vector scans and fusion).

use heimdex_core::VideoId;
use heimdex_embed::local::clip::config::HfClipConfig;
use heimdex_embed::local::clip::tiny::write_random_clip;
use heimdex_embed::testing::test_model_dir;
use heimdex_embed::{ClipEmbedder, ImageEmbedder, MiniLmEmbedder, TextEmbedder};
use heimdex_search::{
    reciprocal_rank_fusion, ExactIndex, QuantIndex, RankedList, SceneKey, Signal, VectorHit,
    VectorIndex, VectorIndexes, VectorKind, RRF_K,
};
use std::time::Instant;

const TEXT_MODEL: &str = MiniLmEmbedder::MODEL_ID;
const IMAGE_MODEL: &str = "openai/clip-vit-base-patch32";
const SCENES_PER_VIDEO: usize = 40;

const QUERIES: &[&str] = &[
    "dog running on the beach at sunset",
    "birthday cake candles",
    "ask not what your country can do for you",
    "red car driving at night in the city",
    "kids playing football in the park",
    "snow covered mountains",
    "someone talking about the budget meeting",
    "fireworks over the river",
    "cat sleeping on the sofa",
    "wedding speech",
    "a plane taking off",
    "cooking pasta in the kitchen",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    }
    fn vector(&mut self, dim: usize) -> Vec<f32> {
        (0..dim).map(|_| self.next()).collect()
    }
}

fn key(i: usize) -> SceneKey {
    SceneKey::new(
        VideoId(format!("{:016x}", i / SCENES_PER_VIDEO)),
        (i % SCENES_PER_VIDEO) as u32,
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Options {
    sizes: Vec<usize>,
    queries: usize,
    vectors: Option<String>,
    query_vectors: Option<String>,
    query_texts: Option<String>,
    rerank: usize,
    clip: bool,
}

fn options() -> Result<Options, Box<dyn std::error::Error>> {
    let mut o = Options {
        sizes: vec![10_000, 100_000, 1_000_000],
        queries: 200,
        vectors: None,
        query_vectors: None,
        query_texts: None,
        rerank: QuantIndex::RERANK,
        clip: false,
    };
    let mut positional = 0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--vectors" => o.vectors = Some(value()?),
            "--queries" => o.query_vectors = Some(value()?),
            "--query-texts" => o.query_texts = Some(value()?),
            "--rerank" => o.rerank = value()?.parse()?,
            "--clip" => o.clip = true,
            _ if positional == 0 => {
                positional += 1;
                o.sizes = a
                    .split(',')
                    .map(|s| s.trim().parse())
                    .collect::<Result<_, _>>()?;
            }
            _ if positional == 1 => {
                positional += 1;
                o.queries = a.parse()?;
            }
            _ => return Err(format!("unexpected argument {a}").into()),
        }
    }
    Ok(o)
}

fn read_vectors(path: &str, dim: usize) -> Result<Vec<Vec<f32>>, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    if bytes.len() % (dim * 4) != 0 {
        return Err(format!("{path}: not a whole number of {dim}-dim f32 vectors").into());
    }
    Ok(bytes
        .chunks_exact(dim * 4)
        .map(|v| {
            v.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
        .collect())
}

fn normalise(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
    v
}

/// Row `i` of the benchmark set (see the module docs).
fn row(i: usize, real: &[Vec<f32>], rng: &mut Rng, dim: usize) -> Vec<f32> {
    if real.is_empty() {
        return rng.vector(dim);
    }
    if i < real.len() {
        return real[i].clone();
    }
    let pick = |r: &mut Rng| ((r.next() + 0.5) * real.len() as f32) as usize % real.len();
    let a = &real[pick(rng)];
    let b = &real[pick(rng)];
    let lambda = (rng.next() + 0.5) * 0.5;
    // Sum of 4 uniforms (variance 1/3) scaled to sd 0.3/sqrt(dim) per dimension.
    let sd = 0.3 / (dim as f32).sqrt() * 3f32.sqrt();
    normalise(
        a.iter()
            .zip(b)
            .map(|(x, y)| x + lambda * y + sd * (0..4).map(|_| rng.next()).sum::<f32>())
            .collect(),
    )
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// User + system CPU time of this process so far (from /proc/self/stat, in clock ticks of 10 ms).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("unknown")
        .trim()
        .to_string();
    let cores = cpu.lines().filter(|l| l.starts_with("processor")).count();
    println!("cpu (/proc/cpuinfo): {model}, {cores} logical CPUs");
    if let Ok(out) = std::process::Command::new("lscpu").output() {
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let keep = [
                "Model name",
                "CPU(s):",
                "Thread(s) per core",
                "L2 cache",
                "L3 cache",
            ];
            if keep.iter().any(|k| line.starts_with(k)) {
                println!(
                    "lscpu: {}",
                    line.split_whitespace().collect::<Vec<_>>().join(" ")
                );
            }
        }
    }
    println!("load average at start: {}", loadavg());
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[derive(Default)]
struct Timings {
    search: Vec<f64>,
    full: Vec<f64>,
    embed: Vec<f64>,
    found: usize,
    wanted: usize,
}

/// One query as the library runs its text signal: (embed), search k = 100, fuse with BM25.
fn run_query(
    index: &dyn VectorIndex,
    qv: &[f32],
    bm25: &RankedList,
) -> Result<Vec<VectorHit>, Box<dyn std::error::Error>> {
    let hits = index.search(qv, 100, None)?;
    let lists = [
        bm25.clone(),
        RankedList::new(
            Signal::TextVector,
            hits.iter().map(|h| (h.key.clone(), h.score)).collect(),
        ),
    ];
    let fused = reciprocal_rank_fusion(&lists, RRF_K, 20);
    assert_eq!(fused.len(), 20);
    Ok(hits)
}

fn compare(o: &Options, text_model: &MiniLmEmbedder) -> Result<(), Box<dyn std::error::Error>> {
    let dim = MiniLmEmbedder::DIM;
    let real = match &o.vectors {
        Some(p) => read_vectors(p, dim)?,
        None => Vec::new(),
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let query_vectors: Vec<Vec<f32>> = match &o.query_vectors {
        Some(p) => read_vectors(p, dim)?,
        None => (0..o.queries).map(|_| rng.vector(dim)).collect(),
    };
    let query_texts: Vec<String> = match &o.query_texts {
        Some(p) => std::fs::read_to_string(p)?
            .lines()
            .map(str::to_string)
            .collect(),
        None => QUERIES.iter().map(|q| q.to_string()).collect(),
    };
    if query_vectors.is_empty() || query_texts.is_empty() {
        return Err("no queries".into());
    }
    println!(
        "data: {} real MiniLM vectors{}, {} query vectors, {} query texts, rerank {}",
        real.len(),
        o.vectors
            .as_deref()
            .map(|p| format!(" from {p}"))
            .unwrap_or_else(|| " (none: uniform random rows)".into()),
        query_vectors.len(),
        query_texts.len(),
        o.rerank
    );
    println!(
        "{:>8} {:>6} {:>7} {:>7} {:>9} | {:>6} {:>7} {:>7} {:>7} | {:>6} {:>7} {:>7} | {:>6} {:>6} {:>6} | {:>7}",
        "scenes",
        "index",
        "build s",
        "rss MB",
        "recall@10",
        "srchMin",
        "srch50",
        "srch95",
        "srchCPU",
        "fullMin",
        "full50",
        "full95",
        "emb50",
        "emb95",
        "embCPU",
        "load1"
    );
    for &n in &o.sizes {
        let mut rows_rng = Rng(0x5EED_0000 ^ n as u64);
        let rss0 = rss_mb();
        let t = Instant::now();
        let mut quant = QuantIndex::new(TEXT_MODEL, dim).with_rerank(o.rerank);
        quant.reserve(n);
        let mut exact_rows = Vec::with_capacity(n);
        for i in 0..n {
            let v = row(i, &real, &mut rows_rng, dim);
            exact_rows.push(v);
        }
        let gen_s = t.elapsed().as_secs_f64();
        let rss_rows = rss_mb();
        let t = Instant::now();
        for (i, v) in exact_rows.iter().enumerate() {
            quant.upsert(key(i), v)?;
        }
        let quant_build = t.elapsed().as_secs_f64();
        let rss_quant = rss_mb() - rss_rows;
        let t = Instant::now();
        let mut exact = ExactIndex::new(TEXT_MODEL, dim);
        exact.reserve(n);
        for (i, v) in exact_rows.iter().enumerate() {
            exact.upsert(key(i), v)?;
        }
        let exact_build = t.elapsed().as_secs_f64();
        let rss_exact = rss_mb() - rss_rows - rss_quant;
        drop(exact_rows);
        eprintln!(
            "{n}: rows generated in {gen_s:.1} s (rss {:.0} MB before, {:.0} MB now)",
            rss0,
            rss_mb()
        );

        let mut results = [Timings::default(), Timings::default()];
        let indexes: [&dyn VectorIndex; 2] = [&exact, &quant];
        for qi in 0..o.queries + 3 {
            let qv = &query_vectors[qi % query_vectors.len()];
            let text = &query_texts[qi % query_texts.len()];
            let bm25 = RankedList::new(
                Signal::Bm25,
                (0..50)
                    .map(|r| (key((qi * 7919 + r * 104_729) % n), 20.0 - r as f32 * 0.3))
                    .collect(),
            );
            let order = if qi % 2 == 0 { [0, 1] } else { [1, 0] };
            let mut tops: [Vec<SceneKey>; 2] = [Vec::new(), Vec::new()];
            for &which in &order {
                let index = indexes[which];
                // Search alone, on the stored query vector.
                let t0 = Instant::now();
                let hits = run_query(index, qv, &bm25)?;
                let search_ms = t0.elapsed().as_secs_f64() * 1000.0;
                tops[which] = hits.iter().take(10).map(|h| h.key.clone()).collect();
                // The whole text signal: live query embedding, search, fusion.
                let t0 = Instant::now();
                let tv = text_model.embed_one(text)?;
                let embed_ms = t0.elapsed().as_secs_f64() * 1000.0;
                run_query(index, &tv, &bm25)?;
                let full_ms = t0.elapsed().as_secs_f64() * 1000.0;
                if qi >= 3 {
                    let r = &mut results[which];
                    r.search.push(search_ms);
                    r.full.push(full_ms);
                    r.embed.push(embed_ms);
                }
            }
            if qi >= 3 {
                for which in 0..2 {
                    let r = &mut results[which];
                    r.wanted += tops[0].len();
                    r.found += tops[0].iter().filter(|k| tops[which].contains(k)).count();
                }
            }
        }
        // CPU time per search (both threads), each index alone: what the scan costs whatever the
        // other processes on the machine do (wall time ≈ CPU time / 2 on two idle cores).
        let mut cpu_ms = [0f64; 2];
        for (which, index) in indexes.iter().enumerate() {
            let c0 = cpu_seconds();
            for qv in query_vectors.iter().cycle().take(o.queries) {
                index.search(qv, 100, None)?;
            }
            cpu_ms[which] = (cpu_seconds() - c0) * 1000.0 / o.queries as f64;
        }
        // The same for the query embedding (candle runs it on both cores too).
        let c0 = cpu_seconds();
        for text in query_texts.iter().cycle().take(o.queries) {
            text_model.embed_one(text)?;
        }
        let embed_cpu_ms = (cpu_seconds() - c0) * 1000.0 / o.queries as f64;
        let load1 = loadavg()
            .split_whitespace()
            .next()
            .unwrap_or("?")
            .to_string();
        for (which, r) in results.iter_mut().enumerate() {
            for v in [&mut r.search, &mut r.full, &mut r.embed] {
                v.sort_by(f64::total_cmp);
            }
            let (name, build, rss) = if which == 0 {
                ("exact", exact_build, rss_exact)
            } else if quant.is_approximate(100) {
                ("1bit", quant_build, rss_quant)
            } else {
                ("1bit=ex", quant_build, rss_quant)
            };
            let recall = r.found as f64 / r.wanted.max(1) as f64;
            println!(
                "{:>8} {:>6} {:>7.2} {:>7.0} {:>9.4} | {:>7.2} {:>7.2} {:>7.2} {:>7.2} | {:>7.2} {:>7.2} {:>7.2} | {:>6.2} {:>6.2} {:>6.2} | {:>7}",
                n,
                name,
                build,
                rss,
                recall,
                r.search[0],
                percentile(&r.search, 0.5),
                percentile(&r.search, 0.95),
                cpu_ms[which],
                r.full[0],
                percentile(&r.full, 0.5),
                percentile(&r.full, 0.95),
                percentile(&r.embed, 0.5),
                percentile(&r.embed, 0.95),
                embed_cpu_ms,
                load1,
            );
            println!(
                "{{\"scenes\":{n},\"index\":\"{name}\",\"queries\":{},\"rerank\":{},\"build_s\":{build:.3},\"rss_mb\":{rss:.0},\"recall_at_10\":{recall:.4},\"search_min_ms\":{:.3},\"search_p50_ms\":{:.3},\"search_p95_ms\":{:.3},\"search_cpu_ms\":{:.3},\"full_min_ms\":{:.3},\"full_p50_ms\":{:.3},\"full_p95_ms\":{:.3},\"embed_p50_ms\":{:.3},\"embed_p95_ms\":{:.3},\"embed_cpu_ms\":{embed_cpu_ms:.3},\"load1\":\"{load1}\"}}",
                o.queries,
                o.rerank,
                r.search[0],
                percentile(&r.search, 0.5),
                percentile(&r.search, 0.95),
                cpu_ms[which],
                r.full[0],
                percentile(&r.full, 0.5),
                percentile(&r.full, 0.95),
                percentile(&r.embed, 0.5),
                percentile(&r.embed, 0.95),
            );
        }
    }
    println!("load average at end: {}", loadavg());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options()?;
    let text_model = MiniLmEmbedder::from_model_dir(&test_model_dir())?;
    print_machine();
    if o.clip {
        return text_and_clip(&o.sizes, o.queries, &text_model);
    }
    compare(&o, &text_model)
}

/// The earlier benchmark (`--clip`): random vectors, text and text+CLIP modes, default indexes.
fn text_and_clip(
    sizes: &[usize],
    queries: usize,
    text_model: &MiniLmEmbedder,
) -> Result<(), Box<dyn std::error::Error>> {
    let clip_dir = tempfile::tempdir()?;
    let clip_path = clip_dir.path().join("clip-vit-base-patch32");
    let vit_b32: HfClipConfig = serde_json::from_str("{}")?;
    eprintln!("writing a ViT-B/32-shaped CLIP with random weights to time its text tower...");
    write_random_clip(&clip_path, &vit_b32)?;
    let clip = ClipEmbedder::load(&clip_path)?;
    assert_eq!(clip.dim(), 512);

    println!(
        "{:>9} {:>9} {:>8} {:>8} {:>8} | {:>9} {:>9} {:>9} {:>9}",
        "scenes", "mode", "p50 ms", "p95 ms", "mean", "minilm50", "clip50", "rest50", "rest95"
    );
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for &n in sizes {
        let mut indexes = VectorIndexes::new();
        for i in 0..n {
            indexes.upsert(VectorKind::Text, TEXT_MODEL, key(i), &rng.vector(384))?;
            indexes.upsert(VectorKind::Image, IMAGE_MODEL, key(i), &rng.vector(512))?;
        }
        for with_clip in [false, true] {
            let mode = if with_clip { "text+clip" } else { "text" };
            let mut total = Vec::new();
            let mut minilm = Vec::new();
            let mut clip_ms = Vec::new();
            let mut search = Vec::new();
            for qi in 0..queries + 3 {
                let query = QUERIES[qi % QUERIES.len()];
                // A BM25 list as FTS5 would return it (random scenes, decreasing scores).
                let bm25 = RankedList::new(
                    Signal::Bm25,
                    (0..50)
                        .map(|r| (key((qi * 7919 + r * 104_729) % n), 20.0 - r as f32 * 0.3))
                        .collect(),
                );
                let t0 = Instant::now();
                // As the library runs a query: each vector signal embeds the query and searches its
                // index on its own thread; the BM25 list is fused with both.
                let image_side = || -> Result<(Vec<VectorHit>, f64), String> {
                    let s = Instant::now();
                    let iv = clip.embed_query_text(query).map_err(|e| e.to_string())?;
                    let embedded = s.elapsed().as_secs_f64() * 1000.0;
                    let hits = indexes
                        .search(VectorKind::Image, IMAGE_MODEL, &iv, 100, None)
                        .map_err(|e| e.to_string())?;
                    Ok((hits, embedded))
                };
                let ((text_hits, t_embed), image) = std::thread::scope(|scope| {
                    let image = with_clip.then(|| scope.spawn(image_side));
                    let s = Instant::now();
                    let tv = text_model.embed_one(query).map_err(|e| e.to_string())?;
                    let embedded = s.elapsed().as_secs_f64() * 1000.0;
                    let hits = indexes
                        .search(VectorKind::Text, TEXT_MODEL, &tv, 100, None)
                        .map_err(|e| e.to_string())?;
                    let image = match image {
                        Some(h) => Some(
                            h.join()
                                .map_err(|_| "image thread panicked".to_string())??,
                        ),
                        None => None,
                    };
                    Ok::<_, String>(((hits, embedded), image))
                })?;
                let mut lists = vec![bm25];
                lists.push(RankedList::new(
                    Signal::TextVector,
                    text_hits.into_iter().map(|h| (h.key, h.score)).collect(),
                ));
                let mut c_embed = 0.0;
                if let Some((hits, e)) = image {
                    c_embed = e;
                    lists.push(RankedList::new(
                        Signal::ImageVector,
                        hits.into_iter().map(|h| (h.key, h.score)).collect(),
                    ));
                }
                let hits = reciprocal_rank_fusion(&lists, RRF_K, 20);
                let t3 = Instant::now();
                assert_eq!(hits.len(), 20);
                if qi < 3 {
                    continue; // warm-up
                }
                let all_ms = (t3 - t0).as_secs_f64() * 1000.0;
                total.push(all_ms);
                minilm.push(t_embed);
                clip_ms.push(c_embed);
                // What is left besides the slower embedding: the vector scans and the fusion.
                search.push(all_ms - t_embed.max(c_embed));
            }
            for v in [&mut total, &mut minilm, &mut clip_ms, &mut search] {
                v.sort_by(f64::total_cmp);
            }
            let mean = total.iter().sum::<f64>() / total.len() as f64;
            println!(
                "{:>9} {:>9} {:>8.2} {:>8.2} {:>8.2} | {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                n,
                mode,
                percentile(&total, 0.5),
                percentile(&total, 0.95),
                mean,
                percentile(&minilm, 0.5),
                percentile(&clip_ms, 0.5),
                percentile(&search, 0.5),
                percentile(&search, 0.95),
            );
            println!(
                "{{\"scenes\":{n},\"mode\":\"{mode}\",\"queries\":{queries},\"p50_ms\":{:.2},\"p95_ms\":{:.2},\"mean_ms\":{mean:.2},\"minilm_p50_ms\":{:.2},\"clip_text_p50_ms\":{:.2},\"search_p50_ms\":{:.2},\"search_p95_ms\":{:.2}}}",
                percentile(&total, 0.5),
                percentile(&total, 0.95),
                percentile(&minilm, 0.5),
                percentile(&clip_ms, 0.5),
                percentile(&search, 0.5),
                percentile(&search, 0.95),
            );
        }
    }
    Ok(())
}
