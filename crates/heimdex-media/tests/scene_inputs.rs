//! The scene pass on generated inputs: keyframes, timing, and bad files.

use heimdex_media::scenes::analyze::KeyframeOptions;
use heimdex_media::scenes::{analyze, AnalyzeOptions, SceneAnalysis};
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

fn run(path: &Path, keyframes: Option<&Path>) -> SceneAnalysis {
    let opts = AnalyzeOptions {
        keyframes: keyframes.map(KeyframeOptions::new),
        ..Default::default()
    };
    analyze(path, None, &opts, &AtomicBool::new(false), &mut |_, _| {}).expect("analyze")
}

/// Two shots (a test pattern fading in from black, then bars) with a hard cut at frame 50.
fn two_shots(dir: &Path, size: &str, ext: &str) -> PathBuf {
    let graph = format!(
        "testsrc2=s={size}:r=25:d=2,fade=t=in:st=0:d=1.2[a];\
         smptebars=s={size}:r=25:d=2[b];[a][b]concat=n=2:v=1,format=yuv420p[v]"
    );
    make(
        dir,
        &format!("two_shots.{ext}"),
        &["-filter_complex", &graph, "-map", "[v]"],
    )
}

#[test]
fn finds_cut_and_saves_sharp_non_black_keyframes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = two_shots(dir.path(), "640x360", "mp4");
    let cache = dir.path().join("cache");
    let a = run(&video, Some(&cache));
    let cuts: Vec<i64> = a.cuts.iter().map(|c| c.number).collect();
    // The fade is gradual: no cut there; the bars start at 50.
    assert_eq!(cuts, vec![50]);
    assert_eq!(a.scenes.len(), cuts.len() + 1);
    assert_eq!(a.scenes[0].start.number, 0);
    assert_eq!(a.scenes.last().expect("scene").end_frame, 100);
    for s in &a.scenes {
        let kf = s.keyframe.as_ref().expect("every scene has a keyframe");
        let img = image::open(&kf.path).expect("keyframe decodes").to_rgb8();
        assert_eq!(img.width(), 640);
        let mean: f64 =
            img.as_raw().iter().map(|&v| f64::from(v)).sum::<f64>() / img.as_raw().len() as f64;
        assert!(
            mean > 30.0,
            "scene {} keyframe is black (mean {mean})",
            s.idx
        );
        let thumb = image::open(kf.thumbnail.as_ref().expect("thumb")).expect("thumb decodes");
        assert_eq!(thumb.width(), 320);
        assert!(kf.frame.number >= s.start.number && kf.frame.number < s.end_frame);
        assert!(s.samples.is_empty(), "short scenes have no samples");
    }
    assert!((a.scenes.last().expect("scene").start.secs - 2.0).abs() < 0.05);
}

#[test]
fn long_scene_gets_sample_frames() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = make(
        dir.path(),
        "long.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x180:r=5:d=42",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    let cache = dir.path().join("cache");
    let a = run(&video, Some(&cache));
    assert_eq!(a.scenes.len(), 1);
    let s = &a.scenes[0];
    assert!(s.end_secs > 41.0);
    assert!(s.samples.len() >= 4, "samples: {}", s.samples.len());
    for w in s.samples.windows(2) {
        assert!(w[0].frame.secs < w[1].frame.secs);
    }
    assert!(s.samples.iter().all(|x| x.path.exists()));
}

#[test]
fn non_zero_start_gives_real_times() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph =
        "testsrc2=s=320x240:r=25:d=1[a];smptebars=s=320x240:r=25:d=1[b];[a][b]concat=n=2:v=1[v]";
    let video = make(
        dir.path(),
        "late.mkv",
        &[
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-output_ts_offset",
            "1.5",
        ],
    );
    let a = run(&video, None);
    assert_eq!(
        a.cuts.iter().map(|c| c.number).collect::<Vec<_>>(),
        vec![25]
    );
    assert!(
        (a.scenes[0].start.secs - 1.5).abs() < 0.01,
        "{:?}",
        a.scenes[0].start
    );
    assert!((a.cuts[0].secs - 2.5).abs() < 0.01, "{:?}", a.cuts[0]);
}

#[test]
fn variable_frame_rate_times_are_presentation_times() {
    let Some(video) = heimdex_core::testdata::shared_data("scenes/goldeneye-vfr-drop3.mp4") else {
        return;
    };
    let a = run(&video, None);
    let secs: Vec<f64> = a.cuts.iter().map(|c| c.secs).collect();
    // PySceneDetect reports these cuts at 00:00:03.754 and 00:00:08.759.
    assert!(
        (secs[0] - 3.754).abs() < 0.001 && (secs[1] - 8.759).abs() < 0.001,
        "{secs:?}"
    );
    // 160 frames decoded, numbered on the 23.976 fps timeline.
    assert_eq!(a.frames, 160);
}

#[test]
fn one_frame_video() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = make(
        dir.path(),
        "one.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:r=25",
            "-frames:v",
            "1",
        ],
    );
    let a = run(&video, Some(&dir.path().join("cache")));
    assert_eq!(a.frames, 1);
    assert_eq!(a.scenes.len(), 1);
    assert!(a.scenes[0].keyframe.is_some());
}

#[test]
fn audio_only_file_has_no_scenes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audio = make(dir.path(), "tone.m4a", &["-f", "lavfi", "-i", "sine=d=1"]);
    let a = run(&audio, None);
    assert!(a.no_video);
    assert!(a.scenes.is_empty());
}

#[test]
fn eight_k_video_is_downscaled_before_analysis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph = "testsrc2=s=7680x4320:r=5:d=1[a];smptebars=s=7680x4320:r=5:d=4[b];[a][b]concat=n=2:v=1,format=yuv420p[v]";
    let video = make(
        dir.path(),
        "8k.mp4",
        &[
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ],
    );
    let opts = AnalyzeOptions {
        keyframes: Some(KeyframeOptions::new(dir.path().join("cache"))),
        detector: heimdex_media::scenes::DetectorKind::Content(
            heimdex_media::scenes::ContentOptions {
                min_scene_len: 3,
                ..Default::default()
            },
        ),
        ..Default::default()
    };
    let a = analyze(&video, None, &opts, &AtomicBool::new(false), &mut |_, _| {}).expect("analyze");
    assert_eq!(a.analysis_size, (256, 144));
    assert_eq!(a.cuts.iter().map(|c| c.number).collect::<Vec<_>>(), vec![5]);
    let kf = a.scenes[0].keyframe.as_ref().expect("keyframe");
    assert_eq!(
        image::image_dimensions(&kf.path).expect("dims"),
        (1280, 720)
    );
}

#[test]
fn corrupt_middle_is_skipped_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph =
        "testsrc2=s=320x240:r=25:d=2[a];smptebars=s=320x240:r=25:d=2[b];[a][b]concat=n=2:v=1[v]";
    let video = make(
        dir.path(),
        "clip.ts",
        &[
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-c:v",
            "mpeg2video",
        ],
    );
    let mut bytes = std::fs::read(&video).expect("read");
    let len = bytes.len();
    for b in &mut bytes[len / 3..len / 3 + 4000] {
        *b = 0x5a;
    }
    let broken = dir.path().join("broken.ts");
    std::fs::write(&broken, &bytes).expect("write");
    let a = run(&broken, Some(&dir.path().join("cache")));
    assert!(a.frames > 50, "frames {}", a.frames);
    assert!(!a.scenes.is_empty());
}

#[test]
fn truncated_file_ends_early_without_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = make(
        dir.path(),
        "clip.ts",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:r=25:d=4",
            "-c:v",
            "mpeg2video",
        ],
    );
    let bytes = std::fs::read(&video).expect("read");
    let cut = dir.path().join("cut.ts");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let a = run(&cut, None);
    assert!(a.frames > 10 && a.frames < 100, "frames {}", a.frames);
    assert_eq!(a.scenes.len(), 1);
}

#[test]
fn cancellation_stops_the_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = make(
        dir.path(),
        "clip.mp4",
        &["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=20"],
    );
    let cancel = AtomicBool::new(false);
    let opts = AnalyzeOptions::default();
    let r = analyze(&video, None, &opts, &cancel, &mut |done, _| {
        if done == 10 {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    assert!(matches!(
        r,
        Err(heimdex_media::scenes::SceneError::Decode(
            heimdex_media::decode::DecodeError::Cancelled
        ))
    ));
}
