//! The scene stage's algorithm: one decode pass feeding a detector and keyframe candidates, scenes
//! closed as soon as their cuts are final so only a few pictures are ever held in memory.

use super::sparse::{self, DecodePlan, DecodeReport};
use super::{BgrImage, DetectorKind, FrameRef};
use crate::decode::{
    self, AnalysisFrame, CandidateImage, CandidateSpec, DecodeSpec, DecodeSummary, Size,
};
use crate::keyframes::{self, Picture, PictureWriter, SavedPicture};
use crate::probe::{probe, ProbeError, ProbeLimits};
use heimdex_core::MediaInfo;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Where and how keyframes are saved.
#[derive(Debug, Clone)]
pub struct KeyframeOptions {
    /// Folder for the pictures (the video's cache folder).
    pub dir: PathBuf,
    /// Keyframes are at most this wide (default 1280).
    pub max_width: u32,
    /// Thumbnail width (default 320).
    pub thumb_width: u32,
    /// Candidate pictures per second of video (default 3).
    pub candidates_per_sec: f64,
}

impl KeyframeOptions {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            max_width: 1280,
            thumb_width: 320,
            candidates_per_sec: 3.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub detector: DetectorKind,
    /// `None`: detect cuts only.
    pub keyframes: Option<KeyframeOptions>,
    /// Scenes longer than this get sample frames (default 30 s).
    pub long_scene_secs: f64,
    /// One sample per this many seconds of a long scene (default 10 s).
    pub sample_every_secs: f64,
    /// Limit for the decode pass; `None` derives one from the duration.
    pub timeout: Option<Duration>,
    /// Decode every frame (the default), or keyframe-first where it applies (see
    /// [`DecodePlan`]).
    pub decode: DecodePlan,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        Self {
            detector: DetectorKind::default(),
            keyframes: None,
            long_scene_secs: 30.0,
            sample_every_secs: 10.0,
            timeout: None,
            decode: DecodePlan::Full,
        }
    }
}

/// A picture saved for a scene.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedFrame {
    pub frame: FrameRef,
    pub path: PathBuf,
    pub thumbnail: Option<PathBuf>,
    pub sharpness: f64,
}

/// One scene: frames `[start.number, end_frame)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scene {
    pub idx: u32,
    pub start: FrameRef,
    /// Frame number where the next scene starts (exclusive end).
    pub end_frame: i64,
    pub end_secs: f64,
    pub keyframe: Option<SavedFrame>,
    /// Extra pictures of a long scene, in time order.
    pub samples: Vec<SavedFrame>,
}

impl Scene {
    pub fn start_frame(&self) -> i64 {
        self.start.number
    }

    pub fn start_secs(&self) -> f64 {
        self.start.secs
    }
}

/// The result of [`analyze`].
#[derive(Debug, Clone, Serialize)]
pub struct SceneAnalysis {
    /// Nominal frame rate used for frame numbers.
    pub fps: f64,
    pub frames: u64,
    pub cuts: Vec<FrameRef>,
    pub scenes: Vec<Scene>,
    pub analysis_size: (u32, u32),
    #[serde(skip)]
    pub decode: DecodeSummary,
    /// The file has no video stream (audio only): no scenes, not an error.
    pub no_video: bool,
    /// Which decode path ran (and why the full one, when keyframe-first was not used).
    #[serde(skip)]
    pub decode_report: DecodeReport,
}

#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    #[error("{path}: {source}")]
    Probe {
        path: PathBuf,
        #[source]
        source: ProbeError,
    },
    #[error(transparent)]
    Decode(#[from] decode::DecodeError),
    #[error(transparent)]
    Image(#[from] keyframes::ImageError),
}

impl SceneError {
    /// True when the file itself is at fault (retrying cannot help).
    pub fn is_permanent(&self) -> bool {
        match self {
            SceneError::Probe { source, .. } => source.is_permanent(),
            SceneError::Decode(decode::DecodeError::Failed { .. }) => true,
            _ => false,
        }
    }
}

/// Sizes derived from the probe.
fn sizes(info: &MediaInfo, kf: Option<&KeyframeOptions>) -> (Size, Option<Size>) {
    let rotated = info.rotation % 180 == 90;
    let source = if rotated {
        Size::new(info.height, info.width)
    } else {
        Size::new(info.width, info.height)
    };
    let candidate = kf.map(|k| {
        let (dw, dh) = if info.display_width > 0 && info.display_height > 0 {
            (info.display_width, info.display_height)
        } else {
            (source.width, source.height)
        };
        let w = (dw.min(k.max_width.max(2)) / 2 * 2).max(2);
        let h = ((u64::from(dh) * u64::from(w) / u64::from(dw.max(1))) as u32 / 2 * 2).max(2);
        Size::new(w, h)
    });
    (source, candidate)
}

/// Detects the scenes of `path` and (optionally) saves their keyframes, in one decode pass.
/// `progress(done, total)` is called per frame (the caller throttles).
pub fn analyze(
    path: &Path,
    info: Option<&MediaInfo>,
    opts: &AnalyzeOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<SceneAnalysis, SceneError> {
    let probed;
    let info = match info {
        Some(i) => i,
        None => match probe(path, &ProbeLimits::default()) {
            Ok(i) => {
                probed = i;
                &probed
            }
            Err(ProbeError::NoVideoStream) => {
                return Ok(SceneAnalysis {
                    fps: 0.0,
                    frames: 0,
                    cuts: Vec::new(),
                    scenes: Vec::new(),
                    analysis_size: (0, 0),
                    decode: DecodeSummary::default(),
                    no_video: true,
                    decode_report: DecodeReport::default(),
                })
            }
            Err(source) => {
                return Err(SceneError::Probe {
                    path: path.to_owned(),
                    source,
                })
            }
        },
    };
    let fps = [info.base_frame_rate.as_f64(), info.fps]
        .into_iter()
        .find(|f| f.is_finite() && *f > 0.0 && *f < 1000.0)
        .unwrap_or(25.0);
    let (source, candidate_size) = sizes(info, opts.keyframes.as_ref());
    let analysis = decode::analysis_size(source);
    let every = opts.keyframes.as_ref().map_or(1, |k| {
        let avg = if info.fps > 0.0 { info.fps } else { fps };
        ((avg / k.candidates_per_sec.max(0.01)).round() as u32).max(1)
    });
    let timeout = opts.timeout.unwrap_or_else(|| {
        Duration::from_secs_f64((info.duration_secs.max(1.0) * 20.0 + 120.0).min(48.0 * 3600.0))
    });
    let setup = Setup {
        fps,
        source,
        analysis,
        candidate: candidate_size,
        every,
        timeout,
    };
    let mut fallback = None;
    if opts.decode != DecodePlan::Full {
        fallback = sparse::not_applicable(info, opts);
        if fallback.is_none() {
            match sparse::run(path, info, opts, &setup, cancel, progress)? {
                Ok(a) => return Ok(a),
                Err(why) => fallback = Some(why),
            }
        }
    }
    let spec = DecodeSpec {
        source,
        analysis,
        candidates: candidate_size.map(|size| CandidateSpec {
            every,
            size,
            min_gap_secs: None,
        }),
        timeout,
        input: Default::default(),
    };
    let total = info.estimated_frames().max(1);

    let mut detector = opts.detector.build();
    let state = RefCell::new(Assembler::new(opts));
    let mut first_pts: Option<f64> = None;
    let mut last_ref: Option<FrameRef> = None;
    let mut error: Option<keyframes::ImageError> = None;

    let summary = decode::decode_video(
        path,
        &spec,
        cancel,
        |f: AnalysisFrame<'_>| {
            let secs = f
                .pts_secs
                .unwrap_or_else(|| last_ref.map_or(info.start_secs, |l| l.secs + 1.0 / fps));
            let base = *first_pts.get_or_insert(secs);
            let number = ((secs - base) * fps).round_ties_even() as i64;
            let fr = FrameRef {
                index: f.index,
                number,
                secs,
            };
            last_ref = Some(fr);
            let image = BgrImage {
                width: f.size.width,
                height: f.size.height,
                data: f.bgr,
            };
            let cuts = detector.process(fr, image);
            let mut state = state.borrow_mut();
            state.frame(fr);
            state.cuts.extend(cuts);
            if let Err(e) = state.advance(detector.settled_before(fr)) {
                error.get_or_insert(e);
            }
            progress(f.index + 1, total.max(f.index + 1));
        },
        |c: CandidateImage| {
            let next = c.index.saturating_add(u64::from(every));
            state.borrow_mut().candidate_at(c, next)
        },
    )?;
    if let Some(e) = error {
        return Err(e.into());
    }
    let mut state = state.into_inner();
    state.next_candidate = u64::MAX;
    if let Some(last) = last_ref {
        state.cuts.extend(detector.finish(last));
        state.advance(i64::MAX)?;
        state.close(last.number + 1, last.secs + 1.0 / fps)?;
    }
    let (cuts, scenes) = state.finish()?;
    Ok(SceneAnalysis {
        fps,
        frames: summary.frames,
        cuts,
        scenes,
        analysis_size: (analysis.width, analysis.height),
        decode: summary,
        no_video: false,
        decode_report: DecodeReport::Full { fallback },
    })
}

/// What the decode passes need to know about a file, derived once.
#[derive(Debug, Clone)]
pub(super) struct Setup {
    pub fps: f64,
    pub source: Size,
    pub analysis: Size,
    /// Size of keyframe candidates (`None`: no keyframes).
    pub candidate: Option<Size>,
    /// Candidate spacing in frames of the full pass.
    pub every: u32,
    pub timeout: Duration,
}

/// A candidate waiting to be placed in its scene.
struct Pending {
    index: u64,
    picture: Picture,
}

/// Best pictures of the scene being built.
struct Building {
    idx: u32,
    start: FrameRef,
    best: Option<(FrameRef, Picture)>,
    segment: Option<(u64, FrameRef, Picture)>,
    /// Best of each finished segment while the scene is still short (at most a few).
    held: Vec<(FrameRef, Picture)>,
    samples: Vec<SavedFrame>,
}

/// Turns the stream of frames, cuts and candidates into finished scenes.
pub(super) struct Assembler<'a> {
    writer: PictureWriter,
    opts: &'a AnalyzeOptions,
    recent: VecDeque<FrameRef>,
    pending: VecDeque<Pending>,
    pub(super) cuts: VecDeque<FrameRef>,
    all_cuts: Vec<FrameRef>,
    building: Option<Building>,
    scenes: Vec<Scene>,
    /// Index of the next candidate the decoder will deliver (`u64::MAX` once all arrived or when
    /// keyframes are off): a scene is closed only after every candidate before its end arrived.
    pub(super) next_candidate: u64,
}

impl<'a> Assembler<'a> {
    pub(super) fn new(opts: &'a AnalyzeOptions) -> Self {
        Self {
            writer: PictureWriter::new(),
            opts,
            recent: VecDeque::new(),
            pending: VecDeque::new(),
            cuts: VecDeque::new(),
            all_cuts: Vec::new(),
            building: None,
            scenes: Vec::new(),
            next_candidate: if opts.keyframes.is_some() {
                0
            } else {
                u64::MAX
            },
        }
    }

    /// The cuts and scenes, once every picture is written.
    pub(super) fn finish(self) -> Result<(Vec<FrameRef>, Vec<Scene>), keyframes::ImageError> {
        self.writer.finish()?;
        Ok((self.all_cuts, self.scenes))
    }

    pub(super) fn frame(&mut self, f: FrameRef) {
        if self.building.is_none() {
            self.building = Some(Building::new(0, f));
        }
        self.recent.push_back(f);
        // Keep frame positions only as far back as a waiting candidate needs them.
        let keep_from = self
            .pending
            .front()
            .map_or(f.index, |p| p.index.min(f.index));
        while self.recent.len() > 64 && self.recent.front().is_some_and(|r| r.index < keep_from) {
            self.recent.pop_front();
        }
    }

    /// A candidate picture of frame `c.index`; `next`: no later candidate is for a frame before
    /// it.
    pub(super) fn candidate_at(&mut self, c: CandidateImage, next: u64) {
        if self.opts.keyframes.is_some() {
            self.next_candidate = next;
            let picture = Picture::new(c.rgb, c.size);
            self.pending.push_back(Pending {
                index: c.index,
                picture,
            });
        }
    }

    fn lookup(&self, index: u64) -> Option<FrameRef> {
        let front = self.recent.front()?.index;
        let f = *self
            .recent
            .get(usize::try_from(index.checked_sub(front)?).ok()?)?;
        (f.index == index).then_some(f)
    }

    /// Places candidates and closes scenes up to `settled` (no future cut lies before it).
    pub(super) fn advance(&mut self, settled: i64) -> Result<(), keyframes::ImageError> {
        let settled = settled.max(self.cuts.back().map_or(i64::MIN, |c| c.number + 1));
        loop {
            let cand = self.pending.front().and_then(|p| self.lookup(p.index));
            let cand = cand.filter(|f| f.number < settled);
            let cut = self.cuts.front().copied();
            match (cand, cut) {
                (Some(f), Some(c)) if f.number < c.number => self.place(f)?,
                (_, Some(c)) if c.number < settled && self.next_candidate >= c.index => {
                    self.cuts.pop_front();
                    self.all_cuts.push(c);
                    self.close(c.number, c.secs)?;
                    if let Some(b) = self.building.as_mut() {
                        b.start = c;
                    }
                }
                (Some(f), None) => self.place(f)?,
                _ => break,
            }
        }
        Ok(())
    }

    fn place(&mut self, f: FrameRef) -> Result<(), keyframes::ImageError> {
        let Some(p) = self.pending.pop_front() else {
            return Ok(());
        };
        let opts = self.opts;
        let Some(b) = self.building.as_mut() else {
            return Ok(());
        };
        let seg = ((f.secs - b.start.secs).max(0.0) / opts.sample_every_secs.max(0.1)) as u64;
        if b.segment.as_ref().is_some_and(|(s, _, _)| *s != seg) {
            if let Some((_, sf, sp)) = b.segment.take() {
                b.held.push((sf, sp));
            }
            if f.secs - b.start.secs > opts.long_scene_secs {
                b.flush_samples(opts, &self.writer)?;
            }
        }
        let replace_seg = b
            .segment
            .as_ref()
            .is_none_or(|(_, _, q)| p.picture.quality.better_than(&q.quality));
        if replace_seg {
            b.segment = Some((seg, f, p.picture.clone()));
        }
        if b.best
            .as_ref()
            .is_none_or(|(_, q)| p.picture.quality.better_than(&q.quality))
        {
            b.best = Some((f, p.picture));
        }
        Ok(())
    }

    /// Finishes the scene being built at `end_frame` and starts the next one.
    pub(super) fn close(
        &mut self,
        end_frame: i64,
        end_secs: f64,
    ) -> Result<(), keyframes::ImageError> {
        let Some(mut b) = self.building.take() else {
            return Ok(());
        };
        let next_idx = b.idx + 1;
        let mut scene = Scene {
            idx: b.idx,
            start: b.start,
            end_frame,
            end_secs,
            keyframe: None,
            samples: Vec::new(),
        };
        if let Some(kf) = &self.opts.keyframes {
            if end_secs - b.start.secs > self.opts.long_scene_secs {
                if let Some((_, sf, sp)) = b.segment.take() {
                    b.held.push((sf, sp));
                }
                b.flush_samples(self.opts, &self.writer)?;
            }
            scene.samples = std::mem::take(&mut b.samples);
            if let Some((f, p)) = &b.best {
                let saved = self.writer.save(
                    &kf.dir,
                    &keyframes::keyframe_name(b.idx),
                    Some((&keyframes::thumbnail_name(b.idx), kf.thumb_width)),
                    p,
                );
                scene.keyframe = Some(saved_frame(*f, saved, p));
            }
        }
        self.scenes.push(scene);
        // The start of the next scene is set by the caller (the cut); a placeholder until then.
        self.building = Some(Building::new(
            next_idx,
            FrameRef {
                index: 0,
                number: end_frame,
                secs: end_secs,
            },
        ));
        Ok(())
    }
}

fn saved_frame(frame: FrameRef, saved: SavedPicture, p: &Picture) -> SavedFrame {
    SavedFrame {
        frame,
        path: saved.path,
        thumbnail: saved.thumbnail,
        sharpness: p.quality.sharpness,
    }
}

impl Building {
    fn new(idx: u32, start: FrameRef) -> Self {
        Self {
            idx,
            start,
            best: None,
            segment: None,
            held: Vec::new(),
            samples: Vec::new(),
        }
    }

    /// Writes the held segment pictures as samples of this (long) scene.
    fn flush_samples(
        &mut self,
        opts: &AnalyzeOptions,
        writer: &PictureWriter,
    ) -> Result<(), keyframes::ImageError> {
        let Some(kf) = &opts.keyframes else {
            self.held.clear();
            return Ok(());
        };
        for (f, p) in self.held.drain(..) {
            let k = self.samples.len();
            let saved = writer.save(&kf.dir, &keyframes::sample_name(self.idx, k), None, &p);
            self.samples.push(saved_frame(f, saved, &p));
        }
        Ok(())
    }
}
