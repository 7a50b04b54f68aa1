//! `heimdex scenes <video> [--json]`: the scene cuts of a video file (detected now, one decode
//! pass), or the stored scenes of a library video.

use crate::context::Context;
use anyhow::{Context as _, Result};
use heimdex_media::scenes::{
    analyze, AdaptiveOptions, AnalyzeOptions, ContentOptions, DetectorKind, ThresholdOptions,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DetectorArg {
    /// The library's detector: PySceneDetect's ContentDetector, plus cuts between
    /// black-and-white shots (frames without colour are compared on brightness and edges).
    #[value(alias = "grey")]
    ContentGrey,
    /// PySceneDetect's ContentDetector exactly (HSV difference, fixed threshold; also
    /// `pyscenedetect`, `content-parity`); misses cuts where only the brightness changes, as in
    /// black-and-white footage.
    #[value(aliases = ["pyscenedetect", "content-parity"])]
    Content,
    /// PySceneDetect's AdaptiveDetector (ratio to neighbouring frames).
    Adaptive,
    /// PySceneDetect's ThresholdDetector (fades to black).
    Threshold,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A video file, or a library video (id, path or file name).
    pub video: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Which detector to run on a file (content-grey is the one the library uses).
    #[arg(long, value_enum, default_value = "content-grey")]
    pub detector: DetectorArg,
    /// The detector's threshold (content-grey and content: 27, adaptive: 3, threshold: 12).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Minimum scene length in frames (default 15).
    #[arg(long)]
    pub min_scene_len: Option<i64>,
}

#[derive(Debug, Serialize)]
struct Cut {
    frame: i64,
    secs: f64,
    timecode: String,
}

#[derive(Debug, Serialize)]
struct SceneRow {
    idx: u32,
    start_frame: i64,
    end_frame: i64,
    start_secs: f64,
    end_secs: f64,
    start_timecode: String,
    end_timecode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    keyframe: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbnail: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct Report {
    file: PathBuf,
    source: &'static str,
    fps: Option<f64>,
    frames: Option<u64>,
    cuts: Vec<Cut>,
    scenes: Vec<SceneRow>,
}

/// `HH:MM:SS.mmm`.
pub fn timecode(secs: f64) -> String {
    let ms = (secs.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

fn detector(args: &Args) -> DetectorKind {
    match args.detector {
        DetectorArg::ContentGrey | DetectorArg::Content => {
            let d = if args.detector == DetectorArg::Content {
                ContentOptions::pyscenedetect()
            } else {
                ContentOptions::default()
            };
            DetectorKind::Content(ContentOptions {
                threshold: args.threshold.unwrap_or(d.threshold),
                min_scene_len: args.min_scene_len.unwrap_or(d.min_scene_len),
                ..d
            })
        }
        DetectorArg::Adaptive => {
            let d = AdaptiveOptions::default();
            DetectorKind::Adaptive(AdaptiveOptions {
                adaptive_threshold: args.threshold.unwrap_or(d.adaptive_threshold),
                min_scene_len: args.min_scene_len.unwrap_or(d.min_scene_len),
                ..d
            })
        }
        DetectorArg::Threshold => {
            let d = ThresholdOptions::default();
            DetectorKind::Threshold(ThresholdOptions {
                threshold: args.threshold.unwrap_or(d.threshold),
                min_scene_len: args.min_scene_len.unwrap_or(d.min_scene_len),
                ..d
            })
        }
    }
}

/// Detects the scenes of a file now (no pictures are saved).
async fn detect_file(path: &Path, args: &Args) -> Result<Report> {
    let opts = AnalyzeOptions {
        detector: detector(args),
        ..Default::default()
    };
    let p = path.to_owned();
    let a = tokio::task::spawn_blocking(move || {
        analyze(&p, None, &opts, &AtomicBool::new(false), &mut |_, _| {})
    })
    .await
    .context("scene detection stopped")?
    .with_context(|| format!("could not detect the scenes of {}", path.display()))?;
    Ok(Report {
        file: path.to_owned(),
        source: "detected",
        fps: (!a.no_video).then_some(a.fps),
        frames: Some(a.frames),
        cuts: a
            .cuts
            .iter()
            .map(|c| Cut {
                frame: c.number,
                secs: c.secs,
                timecode: timecode(c.secs),
            })
            .collect(),
        scenes: a
            .scenes
            .iter()
            .map(|s| SceneRow {
                idx: s.idx,
                start_frame: s.start.number,
                end_frame: s.end_frame,
                start_secs: s.start.secs,
                end_secs: s.end_secs,
                start_timecode: timecode(s.start.secs),
                end_timecode: timecode(s.end_secs),
                keyframe: None,
                thumbnail: None,
            })
            .collect(),
    })
}

/// The scenes the library stored for a video.
async fn stored(
    library: &heimdex_library::Library,
    video: &heimdex_library::VideoRecord,
) -> Result<Report> {
    let scenes =
        heimdex_library::scenes::list_for_video(library.pool(), library.paths(), &video.id).await?;
    Ok(Report {
        file: video.path.clone(),
        source: "library",
        fps: Some(video.info.fps),
        frames: None,
        cuts: scenes
            .iter()
            .skip(1)
            .map(|s| Cut {
                frame: s.start_frame,
                secs: s.start_secs,
                timecode: timecode(s.start_secs),
            })
            .collect(),
        scenes: scenes
            .iter()
            .map(|s| SceneRow {
                idx: s.idx,
                start_frame: s.start_frame,
                end_frame: s.end_frame,
                start_secs: s.start_secs,
                end_secs: s.end_secs,
                start_timecode: timecode(s.start_secs),
                end_timecode: timecode(s.end_secs),
                keyframe: s.keyframe_path.clone(),
                thumbnail: s.thumbnail_path.clone(),
            })
            .collect(),
    })
}

fn print(report: &Report, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    let fps = report
        .fps
        .map(|f| format!(" at {f:.3} fps"))
        .unwrap_or_default();
    let frames = report
        .frames
        .map(|f| format!(", {f} frames"))
        .unwrap_or_default();
    println!(
        "{}: {} scenes{frames}{fps} ({})",
        report.file.display(),
        report.scenes.len(),
        report.source
    );
    println!(
        "{:>5}  {:>11}  {:>9}  {:<12}  {:<12}  {:>8}",
        "scene", "start frame", "end frame", "start", "end", "length"
    );
    for s in &report.scenes {
        println!(
            "{:>5}  {:>11}  {:>9}  {:<12}  {:<12}  {:>7.3}s",
            s.idx,
            s.start_frame,
            s.end_frame,
            s.start_timecode,
            s.end_timecode,
            s.end_secs - s.start_secs
        );
    }
    let cuts: Vec<String> = report
        .cuts
        .iter()
        .map(|c| format!("{} ({})", c.frame, c.timecode))
        .collect();
    println!(
        "cuts: {}",
        if cuts.is_empty() {
            "none".to_owned()
        } else {
            cuts.join(", ")
        }
    );
    Ok(())
}

/// Runs the command: a library video with stored scenes prints those (with keyframe paths);
/// otherwise a video file is analysed now (one decode pass, nothing saved).
pub async fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let library = ctx.library();
    // The library's scenes come from the default detector (content-grey) at its defaults.
    let custom = args.detector != DetectorArg::ContentGrey
        || args.threshold.is_some()
        || args.min_scene_len.is_some();
    let in_library = heimdex_library::videos::resolve(library.pool(), &args.video).await;
    let report = match in_library {
        Ok(video)
            if !custom
                && heimdex_library::scenes::count_for_video(library.pool(), &video.id).await?
                    > 0 =>
        {
            stored(library, &video).await?
        }
        Ok(video) if video.path.is_file() => detect_file(&video.path, &args).await?,
        _ if Path::new(&args.video).is_file() => detect_file(Path::new(&args.video), &args).await?,
        Ok(video) => anyhow::bail!(
            "{}: the file is missing and its scenes are not indexed yet",
            video.path.display()
        ),
        Err(e) => return Err(e.into()),
    };
    print(&report, args.json)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(detector: DetectorArg) -> Args {
        Args {
            video: String::new(),
            json: false,
            detector,
            threshold: None,
            min_scene_len: None,
        }
    }

    #[test]
    fn detector_names_pick_the_content_modes() {
        use clap::ValueEnum;
        let parse = |s: &str| DetectorArg::from_str(s, false).expect(s);
        assert_eq!(parse("content-grey"), DetectorArg::ContentGrey);
        assert_eq!(parse("content"), DetectorArg::Content);
        assert_eq!(parse("pyscenedetect"), DetectorArg::Content);
        assert_eq!(parse("content-parity"), DetectorArg::Content);
        assert_eq!(
            detector(&args(DetectorArg::ContentGrey)),
            DetectorKind::default()
        );
        assert_eq!(
            detector(&args(DetectorArg::Content)),
            DetectorKind::Content(ContentOptions::pyscenedetect())
        );
    }

    #[test]
    fn formats_timecodes() {
        assert_eq!(timecode(0.0), "00:00:00.000");
        assert_eq!(timecode(13.146), "00:00:13.146");
        assert_eq!(timecode(3725.5), "01:02:05.500");
    }
}
