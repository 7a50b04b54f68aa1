//! Keyframe-first vs full decode: runs the scene analysis both ways on each file and prints the
//! cuts, whether they are equal, what the keyframe-first pass did and the wall time of each
//! (interleaved, best of N).
//!
//! `cargo run --release -p heimdex-media --example sparse_check -- [--runs N] [--parity]
//!  [--keyframes] FILE...`

use heimdex_media::scenes::analyze::KeyframeOptions;
use heimdex_media::scenes::{
    analyze, AnalyzeOptions, ContentOptions, DecodePlan, DecodeReport, DetectorKind,
};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let mut runs = 1usize;
    let mut parity = false;
    let mut keyframes = false;
    let mut files = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().ok_or("--runs N")?.parse()?,
            "--parity" => parity = true,
            "--keyframes" => keyframes = true,
            _ => files.push(PathBuf::from(a)),
        }
    }
    let detector = if parity {
        DetectorKind::Content(ContentOptions::pyscenedetect())
    } else {
        DetectorKind::default()
    };
    let mut all_equal = true;
    for file in &files {
        let info = heimdex_media::probe::probe(file, &Default::default())?;
        let mut best = [f64::MAX; 2];
        let mut cuts: [Vec<(i64, String)>; 2] = Default::default();
        let mut report = DecodeReport::default();
        let mut scenes = [0usize; 2];
        for _ in 0..runs {
            for (k, plan) in [DecodePlan::Full, DecodePlan::KeyframeFirst]
                .into_iter()
                .enumerate()
            {
                let dir = tempfile::tempdir()?;
                let opts = AnalyzeOptions {
                    detector,
                    decode: plan,
                    keyframes: keyframes.then(|| KeyframeOptions::new(dir.path())),
                    ..Default::default()
                };
                let t = Instant::now();
                let a = analyze(
                    file,
                    Some(&info),
                    &opts,
                    &AtomicBool::new(false),
                    &mut |_, _| {},
                )?;
                best[k] = best[k].min(t.elapsed().as_secs_f64());
                cuts[k] = a
                    .cuts
                    .iter()
                    .map(|c| (c.number, format!("{:.4}", c.secs)))
                    .collect();
                scenes[k] = a.scenes.iter().filter(|s| s.keyframe.is_some()).count();
                if k == 1 {
                    report = a.decode_report.clone();
                }
            }
        }
        let equal = cuts[0] == cuts[1];
        all_equal &= equal;
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        println!(
            "{name}: full {:.3} s, keyframe-first {:.3} s ({:.2}x), cuts equal: {equal}, {} cuts, keyframes {}/{}; {report:?}",
            best[0],
            best[1],
            best[0] / best[1],
            cuts[0].len(),
            scenes[0],
            scenes[1],
        );
        if !equal {
            let nums = |v: &[(i64, String)]| v.iter().map(|c| c.0).collect::<Vec<_>>();
            println!("  full  {:?}\n  first {:?}", nums(&cuts[0]), nums(&cuts[1]));
        }
    }
    if !all_equal {
        return Err("cuts differ".into());
    }
    Ok(())
}
