//! Measures the keyframe-first candidate rule against the full pass: decodes every frame once,
//! scores each frame against the previous one (the detector's exact score) and each reference
//! frame against the previous reference frame (what the cheap pass of `scenes::sparse` sees),
//! and prints, per file, how many sampled intervals hold a frame at or above the threshold, the
//! lowest sampled score among those (the rule must flag them all: its factor must stay below
//! that score / threshold), and the share of intervals and frames each factor would send to a
//! full-decode window.
//!
//! `cargo run --release -p heimdex-media --example candidate_rule -- [--parity] FILE...`

use heimdex_media::decode::{analysis_size, decode_video, DecodeSpec, InputOptions, Size};
use heimdex_media::scenes::content::ContentScorer;
use heimdex_media::scenes::{BgrImage, ContentOptions};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

type BoxError = Box<dyn std::error::Error>;

fn spec(path: &Path, skip: bool) -> Result<DecodeSpec, BoxError> {
    let info = heimdex_media::probe::probe(path, &Default::default())?;
    let source = if info.rotation % 180 == 90 {
        Size::new(info.height, info.width)
    } else {
        Size::new(info.width, info.height)
    };
    Ok(DecodeSpec {
        source,
        analysis: analysis_size(source),
        candidates: None,
        timeout: Duration::from_secs(3600),
        input: InputOptions {
            skip_nonref: skip,
            ..Default::default()
        },
    })
}

fn main() -> Result<(), BoxError> {
    let mut parity = false;
    let mut files = Vec::new();
    for a in std::env::args().skip(1) {
        if a == "--parity" {
            parity = true;
        } else {
            files.push(a);
        }
    }
    let o = if parity {
        ContentOptions::pyscenedetect()
    } else {
        ContentOptions::default()
    };
    let scorer = || ContentScorer::new(o.weights, o.kernel_size).with_grey(o.grey);
    let factors = [1.0 / 3.0, 0.5, 2.0 / 3.0, 1.0];
    for file in &files {
        let path = Path::new(file);
        // The frames the cheap pass decodes, by time.
        let mut refs = BTreeSet::new();
        decode_video(
            path,
            &spec(path, true)?,
            &AtomicBool::new(false),
            |f| {
                if let Some(t) = f.pts_secs {
                    refs.insert((t * 1e6).round() as i64);
                }
            },
            |_| {},
        )?;
        let mut exact = scorer();
        let mut last_ref: Option<Vec<u8>> = None;
        let mut inside_max = 0.0f64;
        let mut gap = 0u64;
        let mut frames = 0u64;
        // (sampled score, luma part, max exact score inside, frames in the interval)
        let mut intervals: Vec<(f64, f64, f64, u64)> = Vec::new();
        decode_video(
            path,
            &spec(path, false)?,
            &AtomicBool::new(false),
            |f| {
                frames += 1;
                let img = BgrImage {
                    width: f.size.width,
                    height: f.size.height,
                    data: f.bgr,
                };
                let (s, _) = exact.score(img);
                inside_max = inside_max.max(s);
                gap += 1;
                let is_ref = f
                    .pts_secs
                    .is_some_and(|t| refs.contains(&((t * 1e6).round() as i64)));
                if !is_ref {
                    return;
                }
                if let Some(prev) = &last_ref {
                    if gap > 1 {
                        let mut sc = scorer();
                        sc.score(BgrImage {
                            data: prev.as_slice(),
                            ..img
                        });
                        let (sampled, parts) = sc.score(img);
                        intervals.push((sampled, parts.delta_lum, inside_max, gap));
                    }
                }
                last_ref = Some(f.bgr.to_vec());
                inside_max = 0.0;
                gap = 0;
            },
            |_| {},
        )?;
        let must: Vec<_> = intervals.iter().filter(|i| i.2 >= o.threshold).collect();
        let lowest = must
            .iter()
            .map(|i| i.0.max(i.1) / o.threshold)
            .fold(f64::INFINITY, f64::min);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        print!(
            "{name}: {frames} frames, {} decoded by the cheap pass, {} gapped intervals, {} hold a frame >= threshold; lowest (sampled score or luma) / threshold among them: {lowest:.2};",
            refs.len(),
            intervals.len(),
            must.len()
        );
        for k in factors {
            let low = o.threshold * k;
            let flagged: Vec<_> = intervals
                .iter()
                .filter(|i| i.0 >= low || i.1 >= low)
                .collect();
            let missed = must.iter().filter(|i| i.0 < low && i.1 < low).count();
            let fr: u64 = flagged.iter().map(|i| i.3).sum();
            print!(
                " factor {k:.2}: {} intervals flagged ({:.0} % of frames), {missed} missed;",
                flagged.len(),
                100.0 * fr as f64 / frames as f64
            );
        }
        println!();
    }
    Ok(())
}
