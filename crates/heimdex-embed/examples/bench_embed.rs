//! Text embedding throughput of the local all-MiniLM-L6-v2 (scripts/bench-search.sh compares it
//! with sentence-transformers on the same sentences).
//!
//! Usage: bench_embed SENTENCES_FILE [BATCH]   (one sentence per line; model from
//! $HEIMDEX_MODEL_DIR, default ~/.local/share/heimdex/models). Prints one JSON line.

use heimdex_embed::testing::test_model_dir;
use heimdex_embed::{MiniLmEmbedder, TextEmbedder};
use std::time::Instant;

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .ok_or("usage: bench_embed SENTENCES_FILE [BATCH]")?;
    let batch: usize = args.next().map(|b| b.parse()).transpose()?.unwrap_or(32);
    let text = std::fs::read_to_string(&file)?;
    let sentences: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();

    let t = Instant::now();
    let model = MiniLmEmbedder::from_model_dir(&test_model_dir())?.with_batch_size(batch);
    let load_s = t.elapsed().as_secs_f64();

    // Warm up (first-call allocations, page faults on the mapped weights).
    model.embed(&sentences[..sentences.len().min(batch)])?;

    let t = Instant::now();
    let vectors = model.embed(&sentences)?;
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(vectors.len(), sentences.len());

    // One query at a time, as at search time.
    let mut single = Vec::new();
    for s in sentences.iter().take(50) {
        let t = Instant::now();
        model.embed_one(s)?;
        single.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    single.sort_by(f64::total_cmp);
    println!(
        "{{\"impl\":\"heimdex candle\",\"sentences\":{},\"batch\":{batch},\"seconds\":{secs:.3},\"per_second\":{:.1},\"load_seconds\":{load_s:.3},\"single_query_ms_p50\":{:.2},\"peak_rss_mb\":{:.0}}}",
        sentences.len(),
        sentences.len() as f64 / secs,
        single[single.len() / 2],
        peak_rss_mb().unwrap_or(f64::NAN)
    );
    Ok(())
}
