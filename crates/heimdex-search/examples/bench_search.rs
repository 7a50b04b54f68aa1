//! Query latency of hybrid search over synthetic scenes, query embedding included.
//!
//! Usage: bench_search [SIZES] [QUERIES]   e.g. `bench_search 10000,100000,1000000 200`
//!
//! Two modes per size. `text`: what ships while no CLIP weights are installed — the
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
    reciprocal_rank_fusion, RankedList, SceneKey, Signal, VectorHit, VectorIndexes, VectorKind,
    RRF_K,
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let sizes: Vec<usize> = args
        .next()
        .unwrap_or_else(|| "10000,100000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let queries: usize = args.next().map(|q| q.parse()).transpose()?.unwrap_or(200);

    let text_model = MiniLmEmbedder::from_model_dir(&test_model_dir())?;
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
    for &n in &sizes {
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
