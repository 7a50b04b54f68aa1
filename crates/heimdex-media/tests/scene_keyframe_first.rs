//! Keyframe-first content detection against the full pass on generated H.264 with hard cuts,
//! fades and flashes: the cuts must be equal, and the keyframe-first pass must really have run
//! (not fallen back). The clip is made here with ffmpeg (x264, non-reference B-frames, a keyframe
//! every 2 s).

use heimdex_media::scenes::analyze::KeyframeOptions;
use heimdex_media::scenes::{
    analyze, AnalyzeOptions, ContentOptions, DecodePlan, DecodeReport, DetectorKind, SceneAnalysis,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

/// 24 s at 30 fps, 480x270: eight shots of test sources joined by hard cuts; one shot fades out
/// to black and the next fades in, one has a 2-frame white flash, one a 1-frame one.
fn clip(dir: &Path) -> PathBuf {
    let out = dir.join("cuts-fades-flashes.mp4");
    let s = "480x270";
    let graph = format!(
        "testsrc2=s={s}:r=30:d=3,setsar=1[s0];\
         smptehdbars=s={s}:r=30:d=3,drawbox=c=white:t=fill:enable='between(n\\,40\\,41)',setsar=1[s1];\
         mandelbrot=s={s}:r=30,trim=duration=3,fade=t=out:st=2:d=1,setsar=1[s2];\
         rgbtestsrc=s={s}:r=30:d=3,fade=t=in:st=0:d=1,setsar=1[s3];\
         testsrc=s={s}:r=30:d=3,drawbox=c=white:t=fill:enable='eq(n\\,50)',setsar=1[s4];\
         life=s=120x68:r=30:mold=10:ratio=0.3:life_color=#e0c060,scale={s}:flags=neighbor,trim=duration=3,setsar=1[s5];\
         testsrc2=s={s}:r=30:d=3,hue=H=2,setsar=1[s6];\
         cellauto=s=120x68:r=30:rule=110,scale={s}:flags=neighbor,trim=duration=3,setsar=1[s7];\
         [s0][s1][s2][s3][s4][s5][s6][s7]concat=n=8:v=1,format=yuv420p[v]"
    );
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-filter_complex", &graph])
        .args([
            "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-bf", "3",
        ])
        .args(["-x264-params", "keyint=60:b-pyramid=none"])
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg failed");
    out
}

fn run(path: &Path, detector: DetectorKind, plan: DecodePlan, kf: Option<&Path>) -> SceneAnalysis {
    let opts = AnalyzeOptions {
        detector,
        decode: plan,
        keyframes: kf.map(KeyframeOptions::new),
        ..Default::default()
    };
    analyze(path, None, &opts, &AtomicBool::new(false), &mut |_, _| {}).expect("analyze")
}

fn cuts(a: &SceneAnalysis) -> Vec<(i64, String)> {
    a.cuts
        .iter()
        .map(|c| (c.number, format!("{:.6}", c.secs)))
        .collect()
}

#[test]
fn keyframe_first_equals_full_decode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = clip(dir.path());
    for detector in [
        DetectorKind::Content(ContentOptions::pyscenedetect()),
        DetectorKind::Content(ContentOptions::default()),
    ] {
        let full = run(&video, detector, DecodePlan::Full, None);
        let first = run(&video, detector, DecodePlan::KeyframeFirst, None);
        let name = detector.name();
        assert!(
            matches!(first.decode_report, DecodeReport::KeyframeFirst(_)),
            "{name}: keyframe-first did not run: {:?}",
            first.decode_report
        );
        assert_eq!(cuts(&full), cuts(&first), "{name}");
        assert_eq!(full.frames, first.frames, "{name}");
        // The seven hard cuts at least (fades and flashes may add some, equally in both).
        assert!(full.cuts.len() >= 6, "{name}: {:?}", cuts(&full));
        let stats = match &first.decode_report {
            DecodeReport::KeyframeFirst(s) => s.clone(),
            DecodeReport::Full { .. } => unreachable!(),
        };
        assert!(stats.sampled < first.frames, "{stats:?}");
    }
}

#[test]
fn keyframe_first_saves_a_keyframe_per_scene() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = clip(dir.path());
    let detector = DetectorKind::default();
    let full = run(
        &video,
        detector,
        DecodePlan::Full,
        Some(&dir.path().join("full")),
    );
    let first_dir = dir.path().join("first");
    let first = run(
        &video,
        detector,
        DecodePlan::KeyframeFirst,
        Some(&first_dir),
    );
    assert!(matches!(
        first.decode_report,
        DecodeReport::KeyframeFirst(_)
    ));
    assert_eq!(cuts(&full), cuts(&first));
    assert_eq!(full.scenes.len(), first.scenes.len());
    for (a, b) in full.scenes.iter().zip(&first.scenes) {
        assert_eq!(a.start, b.start);
        assert_eq!(a.end_frame, b.end_frame);
        let kf = b.keyframe.as_ref().expect("every scene has a keyframe");
        assert!(kf.path.starts_with(&first_dir) && kf.path.exists());
        // Chosen among the frames the cheap pass decoded, inside the scene.
        assert!(kf.frame.number >= b.start.number && kf.frame.number < b.end_frame);
    }
}

#[test]
fn full_plan_and_other_detectors_never_take_the_cheap_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = clip(dir.path());
    let full = run(&video, DetectorKind::default(), DecodePlan::Full, None);
    assert_eq!(full.decode_report, DecodeReport::Full { fallback: None });
    let adaptive = run(
        &video,
        DetectorKind::Adaptive(Default::default()),
        DecodePlan::KeyframeFirst,
        None,
    );
    assert!(matches!(
        adaptive.decode_report,
        DecodeReport::Full { fallback: Some(_) }
    ));
}
