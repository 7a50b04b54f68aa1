//! Every detector over every video that has a PySceneDetect golden: the cut frames must match.
//! The content detector runs in its PySceneDetect (parity) mode; the default mode, which adds the
//! grey rule, must give the same cuts on the `ContentDetector.default` goldens too (every shared
//! video is colour footage or has no cuts). Content runs go through both decode plans: the full
//! pass and keyframe-first.

use heimdex_media::scenes::{
    analyze, AdaptiveOptions, AnalyzeOptions, ContentOptions, DecodePlan, DetectorKind,
    ThresholdOptions,
};
use std::sync::atomic::AtomicBool;

fn golden(path: &std::path::Path) -> Vec<i64> {
    let text = std::fs::read_to_string(path).expect("read golden");
    let v: serde_json::Value = serde_json::from_str(&text).expect("golden json");
    v["cuts"]
        .as_array()
        .expect("cuts")
        .iter()
        .map(|c| c.as_i64().expect("frame"))
        .collect()
}

/// The detectors whose cuts must equal the golden `name.params`.
fn detectors_for(name: &str, params: &str) -> Vec<DetectorKind> {
    let parity = ContentOptions::pyscenedetect();
    match (name, params) {
        ("ContentDetector", "default") => vec![
            DetectorKind::Content(parity),
            DetectorKind::Content(ContentOptions::default()),
        ],
        ("ContentDetector", "t30") => vec![DetectorKind::Content(ContentOptions {
            threshold: 30.0,
            ..parity
        })],
        _ => detector_for(name, params).into_iter().collect(),
    }
}

fn detector_for(name: &str, params: &str) -> Option<DetectorKind> {
    match (name, params) {
        ("AdaptiveDetector", "default") => Some(DetectorKind::Adaptive(AdaptiveOptions::default())),
        ("AdaptiveDetector", "t5") => Some(DetectorKind::Adaptive(AdaptiveOptions {
            adaptive_threshold: 5.0,
            ..Default::default()
        })),
        ("ThresholdDetector", "default") => {
            Some(DetectorKind::Threshold(ThresholdOptions::default()))
        }
        _ => None,
    }
}

#[test]
fn cuts_match_pyscenedetect_goldens() {
    let Some(dir) = heimdex_core::testdata::shared_data("scenes/goldens") else {
        return;
    };
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("goldens dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for g in entries {
        let name = g
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        let parts: Vec<&str> = stem.rsplitn(3, '.').collect();
        let [params, det, video] = parts[..] else {
            continue;
        };
        let video_path = dir.join("..").join(video);
        let want = golden(&g);
        let runs = detectors_for(det, params).into_iter().flat_map(|kind| {
            // The content detector also runs keyframe-first: it must give the same cuts (on these
            // files it either runs or falls back to the full pass; both must match).
            let plans: &[DecodePlan] = match kind {
                DetectorKind::Content(_) => &[DecodePlan::Full, DecodePlan::KeyframeFirst],
                _ => &[DecodePlan::Full],
            };
            plans.iter().map(move |&plan| (kind, plan))
        });
        for (kind, plan) in runs {
            let opts = AnalyzeOptions {
                detector: kind,
                decode: plan,
                ..Default::default()
            };
            let result = analyze(
                &video_path,
                None,
                &opts,
                &AtomicBool::new(false),
                &mut |_, _| {},
            )
            .unwrap_or_else(|e| panic!("{video}: {e}"));
            let ours: Vec<i64> = result.cuts.iter().map(|c| c.number).collect();
            let mode = format!("{} {plan:?}", kind.name());
            checked += 1;
            eprintln!("{name} ({mode}): ours {ours:?} golden {want:?}");
            if ours != want {
                failures.push(format!("{name} ({mode}): ours {ours:?} != golden {want:?}"));
            }
        }
    }
    assert!(checked >= 27, "only {checked} goldens checked");
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}
