//! Cuts between black-and-white shots (issue #15, "grey cuts"): the default content detector finds
//! them, PySceneDetect's (the parity mode) keeps its exact results on colour footage.
//! The clips are made here with ffmpeg; the whole file runs in a few seconds.

use heimdex_media::scenes::{analyze, AnalyzeOptions, ContentOptions, DetectorKind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

/// Runs ffmpeg with `args` (inputs and filters) writing `name` in `dir`.
fn make(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg failed making {name}");
    out
}

fn cuts(path: &Path, content: ContentOptions) -> Vec<i64> {
    let opts = AnalyzeOptions {
        detector: DetectorKind::Content(content),
        ..Default::default()
    };
    let a = analyze(path, None, &opts, &AtomicBool::new(false), &mut |_, _| {}).expect("analyze");
    a.cuts.iter().map(|c| c.number).collect()
}

fn assert_near(found: &[i64], want: &[i64], slack: i64) {
    assert_eq!(found.len(), want.len(), "found {found:?}, want {want:?}");
    for (f, w) in found.iter().zip(want) {
        assert!((f - w).abs() <= slack, "found {found:?}, want {want:?}");
    }
}

/// Three textured grey shots of the same mean brightness, each moving (a drifting pattern, a
/// grating changing phase, rings moving sideways), cut at frames 30 and 60.
fn grey_shots(dir: &Path) -> PathBuf {
    let shot = |expr: &str, label: &str| {
        format!("color=s=320x240:r=25:d=1.2,format=gray,geq=lum='{expr}'[{label}]")
    };
    let graph = [
        shot("128+90*sin((X+2*N)/9)*sin(Y/11)", "a"),
        shot("128+90*sin((X+Y)/6+N/8)", "b"),
        shot("128+70*sin(hypot(X-160-N,Y-120)/5)", "c"),
        "[a][b][c]concat=n=3:v=1,format=yuv420p[v]".to_owned(),
    ]
    .join(";");
    make(
        dir,
        "grey.mp4",
        &[
            "-filter_complex",
            &graph,
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ],
    )
}

#[test]
fn default_finds_cuts_between_grey_shots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = grey_shots(dir.path());
    assert_near(&cuts(&video, ContentOptions::default()), &[30, 60], 1);
    // The bug the default fixes: PySceneDetect scores these cuts about 22 (luma delta / 3).
    assert!(cuts(&video, ContentOptions::pyscenedetect()).is_empty());
}

#[test]
fn desaturated_colour_footage_keeps_its_cuts() {
    let Some(src) = heimdex_core::testdata::shared_data("scenes/testvideo.mp4") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let src = src.to_string_lossy().into_owned();
    // The first 250 frames: cuts at 30 and 180, then a fade in from a black title card at 211 (a
    // luma change of 2/255 whose edge map changes completely: not a cut).
    let video = make(
        dir.path(),
        "grey.mp4",
        &[
            "-i",
            &src,
            "-vf",
            "hue=s=0,scale=320:-2",
            "-frames:v",
            "250",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ],
    );
    assert_near(&cuts(&video, ContentOptions::default()), &[30, 180], 1);
}

#[test]
fn both_modes_match_the_colour_golden() {
    let Some(video) = heimdex_core::testdata::shared_data("scenes/testvideo.mp4") else {
        return;
    };
    // PySceneDetect's ContentDetector golden for this video.
    let golden = [30, 180, 394];
    assert_eq!(cuts(&video, ContentOptions::pyscenedetect()), golden);
    assert_eq!(cuts(&video, ContentOptions::default()), golden);
}
