//! Cut-detection F1 of the content detector's modes against known cuts: the black-and-white cut
//! set (`scripts/make-bw-cut-set.sh` writes its `truth.json`) and/or PySceneDetect's
//! `ContentDetector.default` goldens of the shared test videos. A detection matches a true cut
//! within ±2 frames (one to one); a detection inside a gradual transition (±2) or next to an
//! `ignore` frame counts neither way. Also prints the best-of-N wall time of each run of
//! [`analyze`] (decode included). `--time FILE` decodes FILE once into memory and times the
//! detectors alone over its frames (best of N, modes interleaved), the cost that differs between
//! the modes.
//!
//! `cargo run --release -p heimdex-media --example cut_f1 -- [--runs N] [--goldens] [TRUTH_JSON]
//! [--time FILE]`

use heimdex_media::decode::{analysis_size, decode_video, DecodeSpec, Size};
use heimdex_media::scenes::{
    analyze, detect_cuts, AnalyzeOptions, BgrImage, ContentDetector, ContentOptions, DetectorKind,
    FrameRef, GreyScoring,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error>;

/// Matching tolerance in frames.
const SLACK: i64 = 2;

#[derive(Debug, Deserialize)]
struct TruthFile {
    clips: Vec<Clip>,
}

#[derive(Debug, Clone, Deserialize)]
struct Clip {
    file: PathBuf,
    cuts: Vec<i64>,
    #[serde(default)]
    gradual: Vec<[i64; 2]>,
    #[serde(default)]
    ignore: Vec<i64>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
    ignored: usize,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.ignored += o.ignored;
    }

    /// F1; `None` when there was nothing to find and nothing was found.
    fn f1(&self) -> Option<f64> {
        let d = 2 * self.tp + self.fp + self.fn_;
        (d > 0).then(|| 2.0 * self.tp as f64 / d as f64)
    }
}

fn score(found: &[i64], clip: &Clip) -> Counts {
    let mut used = vec![false; clip.cuts.len()];
    let mut c = Counts::default();
    for &d in found {
        let best = clip
            .cuts
            .iter()
            .enumerate()
            .filter(|(i, t)| !used[*i] && (d - **t).abs() <= SLACK)
            .min_by_key(|(_, t)| (d - **t).abs());
        if let Some((i, _)) = best {
            used[i] = true;
            c.tp += 1;
        } else if clip
            .gradual
            .iter()
            .any(|[a, b]| d >= a - SLACK && d <= b + SLACK)
            || clip.ignore.iter().any(|i| (d - i).abs() <= SLACK)
        {
            c.ignored += 1;
        } else {
            c.fp += 1;
        }
    }
    c.fn_ = used.iter().filter(|u| !**u).count();
    c
}

/// The modes compared: PySceneDetect's, the default, and the default without edges (to show
/// what the edge component adds).
fn modes() -> Vec<(&'static str, ContentOptions)> {
    let grey = GreyScoring::default();
    vec![
        ("content (PySceneDetect)", ContentOptions::pyscenedetect()),
        ("content-grey (default)", ContentOptions::default()),
        (
            "content-grey, luma only",
            ContentOptions {
                grey: Some(GreyScoring {
                    weights: heimdex_media::scenes::Weights::LUMA_ONLY,
                    ..grey
                }),
                ..ContentOptions::default()
            },
        ),
    ]
}

/// Runs every mode on `path` `runs` times, interleaved (so load changes on a shared machine touch
/// all modes alike): each mode's cuts and best wall time.
fn run_modes(
    path: &Path,
    modes: &[(&str, ContentOptions)],
    runs: usize,
) -> Result<Vec<(Vec<i64>, Duration)>, BoxError> {
    let info = heimdex_media::probe(path, &Default::default())?;
    let mut out = vec![(Vec::new(), Duration::MAX); modes.len()];
    for _ in 0..runs.max(1) {
        for ((_, content), (cuts, best)) in modes.iter().zip(out.iter_mut()) {
            let opts = AnalyzeOptions {
                detector: DetectorKind::Content(*content),
                ..Default::default()
            };
            let t = Instant::now();
            let a = analyze(
                path,
                Some(&info),
                &opts,
                &AtomicBool::new(false),
                &mut |_, _| {},
            )?;
            *best = (*best).min(t.elapsed());
            *cuts = a.cuts.iter().map(|c| c.number).collect();
        }
    }
    Ok(out)
}

/// Times each mode's detector alone over the analysis frames of `path` (decoded once).
fn time_detectors(
    path: &Path,
    modes: &[(&str, ContentOptions)],
    runs: usize,
) -> Result<(), BoxError> {
    let info = heimdex_media::probe(path, &Default::default())?;
    let source = if info.rotation % 180 == 90 {
        Size::new(info.height, info.width)
    } else {
        Size::new(info.width, info.height)
    };
    let spec = DecodeSpec {
        source,
        analysis: analysis_size(source),
        candidates: None,
        timeout: Duration::from_secs(600),
        input: Default::default(),
    };
    let mut frames: Vec<Vec<u8>> = Vec::new();
    decode_video(
        path,
        &spec,
        &AtomicBool::new(false),
        |f| frames.push(f.bgr.to_vec()),
        |_| {},
    )?;
    let (w, h) = (spec.analysis.width, spec.analysis.height);
    println!(
        "\ndetector time alone on {} ({} frames of {w}x{h}; best of {runs})\n",
        path.display(),
        frames.len()
    );
    println!("| mode | total ms | µs per frame | cuts |\n|---|---|---|---|");
    let mut best = vec![(Duration::MAX, Vec::new()); modes.len()];
    for _ in 0..runs.max(1) {
        for ((_, o), (t_best, cuts)) in modes.iter().zip(best.iter_mut()) {
            let mut d = ContentDetector::new(*o);
            let it = frames.iter().enumerate().map(|(i, data)| {
                (
                    FrameRef::at(i as u64, info.fps.max(1.0)),
                    BgrImage {
                        width: w,
                        height: h,
                        data,
                    },
                )
            });
            let t = Instant::now();
            let found = detect_cuts(&mut d, it);
            *t_best = (*t_best).min(t.elapsed());
            *cuts = found.iter().map(|c| c.number).collect();
        }
    }
    for ((name, _), (t, cuts)) in modes.iter().zip(&best) {
        println!(
            "| {name} | {:.1} | {:.1} | {cuts:?} |",
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e6 / frames.len().max(1) as f64
        );
    }
    Ok(())
}

fn goldens() -> Result<Vec<Clip>, BoxError> {
    let dir = heimdex_core::testdata::shared_data("scenes/goldens").ok_or("no shared goldens")?;
    let mut clips = Vec::new();
    for e in std::fs::read_dir(&dir)? {
        let path = e?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(video) = name.strip_suffix(".ContentDetector.default.json") else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)?;
        let cuts = v["cuts"]
            .as_array()
            .ok_or("golden without cuts")?
            .iter()
            .filter_map(|c| c.as_i64())
            .collect();
        clips.push(Clip {
            file: dir.join("..").join(video),
            cuts,
            gradual: Vec::new(),
            ignore: Vec::new(),
        });
    }
    clips.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(clips)
}

fn main() -> Result<(), BoxError> {
    let mut runs = 1usize;
    let mut sets: Vec<(String, Vec<Clip>)> = Vec::new();
    let mut timed: Vec<PathBuf> = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().ok_or("--runs N")?.parse()?,
            "--time" => timed.push(it.next().ok_or("--time FILE")?.into()),
            "--goldens" => sets.push(("ContentDetector.default goldens".into(), goldens()?)),
            _ => {
                let path = PathBuf::from(&a);
                let truth: TruthFile = serde_json::from_slice(&std::fs::read(&path)?)?;
                let base = path.parent().unwrap_or(Path::new("."));
                let clips = truth
                    .clips
                    .into_iter()
                    .map(|c| Clip {
                        file: base.join(&c.file),
                        ..c
                    })
                    .collect();
                sets.push((a, clips));
            }
        }
    }
    if sets.is_empty() && timed.is_empty() {
        return Err("usage: cut_f1 [--runs N] [--goldens] [TRUTH_JSON] [--time FILE]".into());
    }
    let modes = modes();
    for path in &timed {
        time_detectors(path, &modes, runs)?;
    }
    for (title, clips) in sets {
        println!(
            "\n{title} (cuts matched within ±{SLACK} frames; TP/FP/FN, ignored; best of {runs})\n"
        );
        let mut header = "| clip | true cuts |".to_owned();
        for (name, _) in &modes {
            header.push_str(&format!(" {name} |"));
        }
        println!("{header}");
        println!("|---|---|{}", "---|".repeat(modes.len()));
        let mut totals = vec![Counts::default(); modes.len()];
        for clip in &clips {
            let name = clip
                .file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("?");
            let mut row = format!("| {name} | {:?} |", clip.cuts);
            let results = run_modes(&clip.file, &modes, runs)?;
            for (i, (found, took)) in results.into_iter().enumerate() {
                let c = score(&found, clip);
                totals[i].add(c);
                let ign = if c.ignored > 0 {
                    format!(", {} ign.", c.ignored)
                } else {
                    String::new()
                };
                row.push_str(&format!(
                    " {:?} {}/{}/{}{ign} ({} ms) |",
                    found,
                    c.tp,
                    c.fp,
                    c.fn_,
                    took.as_millis()
                ));
            }
            println!("{row}");
        }
        let mut row = "| **all** | |".to_owned();
        for c in &totals {
            let f1 = c.f1().map_or("-".to_owned(), |f| format!("{f:.3}"));
            row.push_str(&format!(" **F1 {f1}** ({}/{}/{}) |", c.tp, c.fp, c.fn_));
        }
        println!("{row}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoring_matches_within_slack_and_ignores_transitions() {
        let clip = Clip {
            file: PathBuf::new(),
            cuts: vec![30, 100],
            gradual: vec![[50, 60]],
            ignore: vec![200],
        };
        let c = score(&[32, 55, 90, 201], &clip);
        assert_eq!((c.tp, c.fp, c.fn_, c.ignored), (1, 1, 1, 2));
        assert_eq!(c.f1(), Some(0.5));
    }
}
