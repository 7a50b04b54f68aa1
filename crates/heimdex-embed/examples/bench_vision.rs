//! Throughput of the vision stage's model (EfficientNet-Lite0 on candle): picture files decoded,
//! cropped and scaled on every core, then classified and embedded in batches.
//! scripts/bench-vision.sh runs it beside PyTorch on the same pictures.
//!
//! Usage: bench_vision PICTURE_DIR [BATCH]   (model from $HEIMDEX_MODEL_DIR, default
//! ~/.local/share/heimdex/models). Prints one JSON line.

use heimdex_embed::local::vision::{preprocess, TagPolicy, IMAGE_SIZE};
use heimdex_embed::testing::test_model_dir;
use heimdex_embed::VisionModel;
use std::path::PathBuf;
use std::time::Instant;

/// As the `heimdex` binary and the window do (see crates/heimdex-cli/src/main.rs).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: bench_vision PICTURE_DIR [BATCH]")?,
    );
    let batch: usize = args.next().map(|b| b.parse()).transpose()?.unwrap_or(16);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("png"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no .jpg or .png in {}", dir.display()).into());
    }

    let t = Instant::now();
    let model = VisionModel::from_model_dir(&test_model_dir())?;
    let load_s = t.elapsed().as_secs_f64();
    // Warm up.
    for r in model.analyze_files(&files[..files.len().min(batch)]) {
        r?;
    }

    // End to end: files in, tags and vectors out, as the vision stage runs it.
    let t = Instant::now();
    let mut tags = 0usize;
    for chunk in files.chunks(batch) {
        for r in model.analyze_files(chunk) {
            tags += model.tags(&r?, &TagPolicy::default()).len();
        }
    }
    let secs = t.elapsed().as_secs_f64();

    // The network alone, on inputs prepared beforehand.
    let inputs: Vec<Vec<f32>> = files
        .iter()
        .map(|f| preprocess::load_image(f, IMAGE_SIZE))
        .collect::<Result<_, _>>()?;
    let t = Instant::now();
    for chunk in inputs.chunks(batch) {
        model.analyze_inputs(chunk)?;
    }
    let net_secs = t.elapsed().as_secs_f64();

    println!(
        "{{\"impl\":\"heimdex candle\",\"pictures\":{},\"batch\":{batch},\"seconds\":{secs:.3},\"per_second\":{:.1},\"network_per_second\":{:.1},\"load_seconds\":{load_s:.3},\"tags\":{tags},\"threads\":{},\"peak_rss_mb\":{:.0}}}",
        files.len(),
        files.len() as f64 / secs,
        files.len() as f64 / net_secs,
        rayon_threads(),
        peak_rss_mb().unwrap_or(f64::NAN)
    );
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
