//! Every file of the shared test media probes to the right metadata.

use heimdex_core::testdata::shared_data;
use heimdex_core::{MediaInfo, Rational};
use heimdex_media::{probe, ProbeLimits};

fn probe_shared(name: &str) -> Option<MediaInfo> {
    let path = shared_data(&format!("scenes/{name}"))?;
    Some(probe(&path, &ProbeLimits::default()).unwrap_or_else(|e| panic!("{name}: {e}")))
}

#[test]
fn rotation_is_read_from_the_display_matrix() {
    let Some(i) = probe_shared("issue-134-rotate.mp4") else {
        return;
    };
    assert_eq!(i.rotation, 90);
    assert_eq!((i.width, i.height), (1280, 544));
    assert_eq!((i.display_width, i.display_height), (544, 1280));
    assert!(i.has_audio);
}

#[test]
fn non_square_pixels() {
    let Some(i) = probe_shared("issue-195-aspect-ratio.mp4") else {
        return;
    };
    assert_eq!(i.sample_aspect, Rational::new(16, 11));
    assert_eq!(i.display_aspect, Rational::new(16, 9));
    assert_eq!((i.width, i.height), (704, 576));
    assert_eq!((i.display_width, i.display_height), (1024, 576));
}

#[test]
fn delayed_start() {
    let Some(i) = probe_shared("delayed_start.mp4") else {
        return;
    };
    assert!(
        (i.start_secs - 1.075).abs() < 1e-6,
        "start {}",
        i.start_secs
    );
    assert_eq!(i.frame_count, Some(24));
    assert!(!i.has_audio);
}

#[test]
fn matroska() {
    let Some(i) = probe_shared("issue-236-split-copy.mkv") else {
        return;
    };
    assert!(i.container.contains("matroska"), "{}", i.container);
    assert_eq!((i.width, i.height), (1920, 1080));
    assert!((i.fps - 23.976).abs() < 0.01);
    assert!(i.has_audio);
    assert_eq!(
        i.creation_time.as_deref(),
        Some("2021-08-30T16:07:24.000000Z")
    );
}

#[test]
fn variable_frame_rate_is_measured() {
    let Some(vfr) = probe_shared("goldeneye-vfr-drop3.mp4") else {
        return;
    };
    assert!(vfr.variable_frame_rate);
    assert_eq!(vfr.frame_count, Some(160));
    assert_eq!(vfr.base_frame_rate, Rational::new(24000, 1001));
    // A constant-rate file with two dropped frames stays constant.
    let Some(cfr) = probe_shared("testvideo.mp4") else {
        return;
    };
    assert!(!cfr.variable_frame_rate);
    assert!((cfr.fps - 29.97).abs() < 0.01);
    assert_eq!(cfr.frame_count, Some(720));
    assert!((cfr.duration_secs - 24.02).abs() < 0.01);
}

#[test]
fn counter_and_fades() {
    let Some(c) = probe_shared("counter.mp4") else {
        return;
    };
    assert_eq!(c.frame_count, Some(30));
    assert!((c.fps - 10.0).abs() < 1e-9);
    let Some(f) = probe_shared("fades.mp4") else {
        return;
    };
    assert_eq!(f.video_codec, "mpeg4");
    assert!((f.duration_secs - 10.0).abs() < 0.01);
}
