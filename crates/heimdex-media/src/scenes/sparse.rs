//! Keyframe-first content detection: decode only what the cuts need.
//!
//! The content detector's decision for frame `n` depends only on frames `n - 1` and `n` (its
//! score) and on the flash filter, which sees only which frames scored above the threshold. So:
//!
//! 1. **Cheap pass**: one ffmpeg child decodes only the reference frames (`-skip_frame noref`: the
//!    non-reference B-frames, about two frames in three in a typical H.264 stream, are never
//!    decoded; what is decoded is bit-identical to a full decode, since nothing it refers to is
//!    skipped) and feeds the same analysis frames, scorer and keyframe candidates as the full
//!    pass.
//! 2. Between two decoded ("sampled") frames `a < b`:
//!    - `b == a + 1`: the score of `b` is exact (the same two pictures the full pass compares);
//!    - otherwise the sampled score (of `b` against `a`) is a **candidate** test: at or above a
//!      low threshold ([`LOW_THRESHOLD_FACTOR`] of the detector's), the interval may hold a frame
//!      above the threshold, and a **window** decode runs: a second ffmpeg child seeks to the
//!      keyframe at or before `a` and decodes every frame up to `b` at full quality, scoring
//!      `a + 1 ..= b` exactly (with `a` as context). Below it, every frame in between is taken
//!      as below the threshold (the one assumption; the tests and the long set measure it).
//! 3. The flash filter then runs over every frame number in order with those above/below flags,
//!    which gives the full detector's cuts whenever no candidate was missed.
//!
//! Every assumption the frame numbering needs is checked on the way (constant frame rate on the
//! nominal grid, the window's end pictures equal to the cheap pass's, consecutive frames in each
//! window, the frame count); when one fails, or when the windows would cost more than the cheap
//! pass saves, [`run`] gives up with a reason and [`super::analyze`] decodes everything instead.
//!
//! Keyframe pictures come from the cheap pass only (reference frames, about every
//! `1 / candidates_per_sec` seconds): the same rules choose among fewer, better-coded frames.

use super::analyze::{AnalyzeOptions, Assembler, SceneAnalysis, SceneError, Setup};
use super::content::{ContentOptions, ContentScorer};
use super::flash_filter::FlashFilter;
use super::{BgrImage, DetectorKind, FrameRef};
use crate::decode::{
    self, AnalysisFrame, CandidateImage, CandidateSpec, DecodeError, DecodeSpec, InputOptions,
};
use heimdex_core::MediaInfo;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::Hasher;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// A sampled interval is a candidate when its score reaches this share of the threshold.
pub const LOW_THRESHOLD_FACTOR: f64 = 1.0 / 3.0;

/// Window decodes may cover at most this share of the frames (counted from their keyframes);
/// past it the cheap pass is not worth it and the full pass runs.
pub const MAX_WINDOW_SHARE: f64 = 0.5;

/// When the cheap pass decodes more than this share of the frames, B-frames are too few for it
/// to pay (checked after [`DENSITY_CHECK_FRAMES`] frames).
pub const MAX_SAMPLED_SHARE: f64 = 0.6;
const DENSITY_CHECK_FRAMES: i64 = 90;

/// After this many frames, windows that already cover more than [`EARLY_WINDOW_SHARE`] of the
/// frames seen end the pass early (the full pass is then cheaper).
const EARLY_CHECK_FRAMES: i64 = 300;
const EARLY_WINDOW_SHARE: f64 = 0.35;

/// A window is decoded at the latest this many frames after it opened: the keyframe candidates
/// after its start wait for it (about 30 pictures at 3 per second and 30 fps).
const MAX_OPEN_FRAMES: i64 = 300;

/// Files shorter than this many frames are decoded fully (process start-up would dominate).
pub const MIN_FRAMES: u64 = 150;

/// How the scene stage decodes a file.
///
/// The default is [`DecodePlan::Full`]: on the shared test videos and the long cut set the
/// keyframe-first pass was not faster (x264's default B-pyramid makes half the B-frames
/// references, long GOPs make every window decode from a distant keyframe, and motion and fades
/// make many candidate windows; see BENCH.md), so it is opt-in until it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DecodePlan {
    /// Decode every frame (the reference path).
    #[default]
    Full,
    /// Keyframe-first where it applies (content detector; H.264 or HEVC; constant frame rate;
    /// at least [`MIN_FRAMES`]), falling back to the full pass whenever a check fails or the
    /// pass turns out not to pay (checked early: few non-reference frames, windows covering
    /// too much).
    Auto,
    /// Keyframe-first whenever the file allows it, without `Auto`'s length and cost checks (for
    /// measuring; still falls back to the full pass when a correctness check fails).
    KeyframeFirst,
}

/// What the keyframe-first pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseStats {
    /// Frames the cheap pass decoded.
    pub sampled: u64,
    /// Window decodes run.
    pub windows: u32,
    /// Frames the windows decoded (from their keyframes).
    pub window_frames: u64,
}

/// Which path produced a [`SceneAnalysis`].
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeReport {
    /// Every frame decoded; `fallback` says why the keyframe-first pass was not used or given up.
    Full {
        fallback: Option<String>,
    },
    KeyframeFirst(SparseStats),
}

impl Default for DecodeReport {
    fn default() -> Self {
        Self::Full { fallback: None }
    }
}

/// Why keyframe-first does not apply to this file at all (`None`: it may be tried).
pub fn not_applicable(info: &MediaInfo, opts: &AnalyzeOptions) -> Option<String> {
    let why = match opts.detector {
        DetectorKind::Content(_) => None,
        _ => Some("only the content detector has a keyframe-first pass".to_owned()),
    };
    why.or_else(|| {
        let codec = info.video_codec.as_str();
        (!matches!(codec, "h264" | "hevc"))
            .then(|| format!("codec {codec}: B-frame skipping not used"))
    })
    .or_else(|| {
        info.variable_frame_rate
            .then(|| "variable frame rate: frame numbers need every frame".to_owned())
    })
    .or_else(|| {
        (opts.decode == DecodePlan::Auto && info.estimated_frames() < MIN_FRAMES)
            .then(|| format!("fewer than {MIN_FRAMES} frames"))
    })
}

/// A decoded frame of the cheap pass.
#[derive(Debug, Clone, Copy)]
struct Sampled {
    number: i64,
    secs: f64,
    hash: u64,
}

/// The state of the keyframe-first pass.
struct State<'a> {
    fps: f64,
    threshold: f64,
    low: f64,
    base: Option<f64>,
    scorer: ContentScorer,
    fresh_scorer: ContentScorer,
    filter: FlashFilter,
    prev: Option<Sampled>,
    /// Hashes of sampled pictures still needed to check windows.
    hashes: BTreeMap<i64, u64>,
    /// Keyframes seen (number, seconds).
    keyframes: VecDeque<(i64, f64)>,
    /// The candidate window being grown: frames `a ..= b` (both sampled).
    open: Option<(i64, i64)>,
    /// Frames known to score at or above the threshold.
    above: BTreeSet<i64>,
    /// Real times of frames seen (sampled or in a window), until fed.
    secs: BTreeMap<i64, f64>,
    /// Frames `< fed` went through the flash filter and the assembler.
    fed: i64,
    assembler: Assembler<'a>,
    /// Candidate pictures not yet matched to a sampled frame, and the frames chosen for them.
    unmatched: VecDeque<CandidateImage>,
    chosen: VecDeque<i64>,
    last_chosen: Option<f64>,
    min_gap: Option<f64>,
    stats: SparseStats,
    /// Window frames allowed (`u64::MAX` under [`DecodePlan::KeyframeFirst`]: no cost checks).
    budget: u64,
    /// Give up early when the pass does not pay ([`DecodePlan::Auto`]).
    cost_checks: bool,
    bail: Option<String>,
    image_error: Option<crate::keyframes::ImageError>,
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

impl State<'_> {
    fn number(&self, secs: f64) -> i64 {
        ((secs - self.base.unwrap_or(secs)) * self.fps).round_ties_even() as i64
    }

    /// Feeds frames `fed .. upto` to the flash filter and the assembler.
    fn feed_until(&mut self, upto: i64) {
        while self.fed < upto {
            let n = self.fed;
            let secs = self
                .secs
                .remove(&n)
                .unwrap_or_else(|| self.base.unwrap_or(0.0) + n as f64 / self.fps);
            let fr = FrameRef {
                index: n as u64,
                number: n,
                secs,
            };
            let above = self.above.remove(&n);
            let cut = self.filter.filter(fr, above);
            self.assembler.frame(fr);
            self.assembler.cuts.extend(cut);
            let settled = self.filter.pending_since().unwrap_or(n + 1);
            if let Err(e) = self.assembler.advance(settled) {
                self.image_error.get_or_insert(e);
            }
            self.fed += 1;
        }
        // Hashes before the oldest window start that may still be checked are not needed.
        let keep = self.open.map_or(upto, |(a, _)| a.min(upto));
        while self
            .hashes
            .first_key_value()
            .is_some_and(|(&k, _)| k < keep)
        {
            self.hashes.pop_first();
        }
    }

    /// Matches candidate pictures that arrived to the sampled frames the filter chose.
    fn match_candidates(&mut self) {
        while !self.unmatched.is_empty() && !self.chosen.is_empty() {
            let (Some(mut c), Some(n)) = (self.unmatched.pop_front(), self.chosen.pop_front())
            else {
                break;
            };
            c.index = n as u64;
            self.assembler.candidate_at(c, n as u64 + 1);
        }
    }

    fn bail(&mut self, why: impl Into<String>) {
        self.bail.get_or_insert_with(|| why.into());
    }
}

/// Runs the keyframe-first pass. `Ok(Err(reason))`: it gave up (nothing useful was produced; the
/// caller runs the full pass).
pub(super) fn run(
    path: &Path,
    info: &MediaInfo,
    opts: &AnalyzeOptions,
    setup: &Setup,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Result<SceneAnalysis, String>, SceneError> {
    let DetectorKind::Content(content) = opts.detector else {
        return Ok(Err("not the content detector".into()));
    };
    let fps = setup.fps;
    let total = info.estimated_frames().max(1);
    let every = f64::from(setup.every.max(1));
    // Half a frame away from any multiple of the frame duration (see `select_by_time`).
    let min_gap = setup.candidate.map(|_| (every - 0.5).max(0.5) / fps);
    let spec = DecodeSpec {
        source: setup.source,
        analysis: setup.analysis,
        candidates: setup.candidate.map(|size| CandidateSpec {
            every: 1,
            size,
            min_gap_secs: min_gap,
        }),
        timeout: setup.timeout,
        input: InputOptions {
            skip_nonref: true,
            ..Default::default()
        },
    };
    let state = RefCell::new(State {
        fps,
        threshold: content.threshold,
        low: content.threshold * LOW_THRESHOLD_FACTOR,
        base: None,
        scorer: scorer(&content),
        fresh_scorer: scorer(&content),
        filter: FlashFilter::new(content.filter_mode, content.min_scene_len),
        prev: None,
        hashes: BTreeMap::new(),
        keyframes: VecDeque::new(),
        open: None,
        above: BTreeSet::new(),
        secs: BTreeMap::new(),
        fed: 0,
        assembler: Assembler::new(opts),
        unmatched: VecDeque::new(),
        chosen: VecDeque::new(),
        last_chosen: None,
        min_gap,
        stats: SparseStats::default(),
        budget: if opts.decode == DecodePlan::Auto {
            (total as f64 * MAX_WINDOW_SHARE) as u64
        } else {
            u64::MAX
        },
        cost_checks: opts.decode == DecodePlan::Auto,
        bail: None,
        image_error: None,
    });
    // The cheap pass stops on the caller's cancel or on a bail.
    let stop = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if cancel.load(Ordering::Relaxed) {
                    stop.store(true, Ordering::Relaxed);
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        });
        let r = decode::decode_video(
            path,
            &spec,
            &stop,
            |f: AnalysisFrame<'_>| {
                let mut s = state.borrow_mut();
                if s.bail.is_none() {
                    sampled(&mut s, &f, path, setup, info, cancel);
                }
                if let Some(p) = s.prev {
                    progress((p.number + 1).max(0) as u64, total);
                }
                if s.bail.is_some() || s.image_error.is_some() {
                    stop.store(true, Ordering::Relaxed);
                }
            },
            |c: CandidateImage| {
                let mut s = state.borrow_mut();
                s.unmatched.push_back(c);
                s.match_candidates();
            },
        );
        done.store(true, Ordering::Relaxed);
        r
    });
    let mut s = state.into_inner();
    if cancel.load(Ordering::Relaxed) {
        return Err(DecodeError::Cancelled.into());
    }
    if let Some(e) = s.image_error.take() {
        return Err(e.into());
    }
    if let Some(why) = s.bail.take() {
        return Ok(Err(why));
    }
    let mut summary = match result {
        Ok(sum) => sum,
        Err(DecodeError::Cancelled) => return Err(DecodeError::Cancelled.into()),
        Err(e) => return Ok(Err(format!("cheap pass failed: {e}"))),
    };
    if summary.ended_early || summary.decode_errors > 0 {
        return Ok(Err("the cheap pass reported decode errors".into()));
    }
    let Some(last_sampled) = s.prev else {
        return Ok(Err("the cheap pass decoded no frame".into()));
    };
    if let Some((a, b)) = s.open.take() {
        if let Err(why) = window(&mut s, a, b, false, path, setup, info, cancel)? {
            return Ok(Err(why));
        }
    }
    // The frames after the last decoded one (none in a stream that ends on a P-frame).
    let mut last = last_sampled.number;
    let needs_tail = match info.frame_count {
        Some(c) if c as i64 == last + 1 => false,
        Some(c) if (c as i64) < last + 1 => {
            return Ok(Err(format!(
                "the container counts {c} frames, fewer than decoded"
            )))
        }
        _ => true,
    };
    if needs_tail {
        match window(&mut s, last, i64::MAX, true, path, setup, info, cancel)? {
            Ok(end) => last = end,
            Err(why) => return Ok(Err(why)),
        }
    }
    let last_secs = s
        .secs
        .get(&last)
        .copied()
        .unwrap_or(s.base.unwrap_or(last_sampled.secs) + last as f64 / fps);
    s.feed_until(last + 1);
    s.match_candidates();
    if let Some(e) = s.image_error.take() {
        return Err(e.into());
    }
    let mut asm = s.assembler;
    asm.next_candidate = u64::MAX;
    asm.advance(i64::MAX)?;
    asm.close(last + 1, last_secs + 1.0 / fps)?;
    let (cuts, scenes) = asm.finish()?;
    summary.frames = (last + 1) as u64;
    Ok(Ok(SceneAnalysis {
        fps,
        frames: (last + 1) as u64,
        cuts,
        scenes,
        analysis_size: (setup.analysis.width, setup.analysis.height),
        decode: summary,
        no_video: false,
        decode_report: DecodeReport::KeyframeFirst(s.stats),
    }))
}

fn scorer(o: &ContentOptions) -> ContentScorer {
    ContentScorer::new(o.weights, o.kernel_size).with_grey(o.grey)
}

/// One frame of the cheap pass.
fn sampled(
    s: &mut State<'_>,
    f: &AnalysisFrame<'_>,
    path: &Path,
    setup: &Setup,
    info: &MediaInfo,
    cancel: &AtomicBool,
) {
    let Some(secs) = f.pts_secs else {
        return s.bail("a frame without a time");
    };
    if s.base.is_none() {
        if !f.key {
            return s.bail("the first decoded frame is not a keyframe");
        }
        s.base = Some(secs);
    }
    let n = s.number(secs);
    let grid = s.base.unwrap_or(secs) + n as f64 / s.fps;
    if (secs - grid).abs() > 0.1 / s.fps {
        return s.bail(format!(
            "frame at {secs:.4} s is off the nominal frame grid"
        ));
    }
    if s.prev.is_some_and(|p| n <= p.number) {
        return s.bail(format!("frame numbers not increasing at {secs:.4} s"));
    }
    if s.cost_checks
        && n >= DENSITY_CHECK_FRAMES
        && (s.stats.sampled + 1) as f64 > MAX_SAMPLED_SHARE * (n + 1) as f64
    {
        return s.bail("few B-frames: the cheap pass would decode most frames");
    }
    if s.cost_checks
        && n >= EARLY_CHECK_FRAMES
        && s.stats.window_frames as f64 > EARLY_WINDOW_SHARE * n as f64
    {
        return s.bail("the windows decode too much of the file so far");
    }
    s.stats.sampled += 1;
    let image = BgrImage {
        width: f.size.width,
        height: f.size.height,
        data: f.bgr,
    };
    let (score, parts) = s.scorer.score(image);
    let cur = Sampled {
        number: n,
        secs,
        hash: hash(f.bgr),
    };
    if f.key {
        s.keyframes.push_back((n, secs));
    }
    s.secs.insert(n, secs);
    s.hashes.insert(n, cur.hash);
    if let Some(gap) = s.min_gap {
        if decode::select_by_time(s.last_chosen, secs, gap) {
            s.last_chosen = Some(secs);
            s.chosen.push_back(n);
        }
    }
    let prev = s.prev.replace(cur);
    if let Some(p) = prev {
        if n == p.number + 1 {
            if score >= s.threshold {
                s.above.insert(n);
            }
        } else if score >= s.low || parts.delta_lum >= s.low {
            // A candidate interval: grow the open window when the new one would start its
            // decode no later than (about) where the open one ends, else run the open one.
            let merge = s.open.is_some_and(|(_, b)| {
                key_before(&s.keyframes, p.number).is_some_and(|(k, _)| k <= b + 15)
            });
            match s.open {
                Some((a, _)) if merge => s.open = Some((a, n)),
                _ => {
                    if let Some((a, b)) = s.open.take() {
                        match window(s, a, b, false, path, setup, info, cancel) {
                            Ok(Ok(_)) => {}
                            Ok(Err(why)) => return s.bail(why),
                            Err(_) => return s.bail("window decode failed"),
                        }
                    }
                    s.open = Some((p.number, n));
                }
            }
        }
    }
    // An open window is run once a keyframe past it shows no later candidate can share its decode,
    // or once it has been open for MAX_OPEN_FRAMES (candidate pictures wait for it: memory).
    if let Some((a, b)) = s.open {
        if (f.key && n > b + 15) || n - a > MAX_OPEN_FRAMES {
            s.open = None;
            match window(s, a, b, false, path, setup, info, cancel) {
                Ok(Ok(_)) => {}
                Ok(Err(why)) => return s.bail(why),
                Err(_) => return s.bail("window decode failed"),
            }
        }
    }
    let upto = s.open.map_or(n + 1, |(a, _)| a + 1);
    s.feed_until(upto);
    // Keyframes before the one the next window could start from are not needed any more.
    let oldest = s.open.map_or(n, |(a, _)| a);
    while s.keyframes.len() > 1 && s.keyframes.get(1).is_some_and(|&(k, _)| k <= oldest) {
        s.keyframes.pop_front();
    }
    s.match_candidates();
}

fn key_before(keys: &VecDeque<(i64, f64)>, n: i64) -> Option<(i64, f64)> {
    keys.iter().rev().find(|&&(k, _)| k <= n).copied()
}

/// Decodes frames `a ..= b` fully (from the keyframe at or before `a`) and records which of
/// `a + 1 ..= b` score above the threshold. `to_end`: `b` is unknown, decode to the end of the
/// file. Returns the last frame number decoded.
#[allow(clippy::too_many_arguments)]
fn window(
    s: &mut State<'_>,
    a: i64,
    b: i64,
    to_end: bool,
    path: &Path,
    setup: &Setup,
    info: &MediaInfo,
    cancel: &AtomicBool,
) -> Result<Result<i64, String>, SceneError> {
    let Some((key, key_secs)) = key_before(&s.keyframes, a) else {
        return Ok(Err(format!("no keyframe before frame {a}")));
    };
    let count = if to_end {
        None
    } else {
        Some((b - key + 1) as u64)
    };
    if let Some(c) = count {
        if s.stats.window_frames.saturating_add(c) > s.budget {
            return Ok(Err("the windows would decode too much of the file".into()));
        }
    }
    let spec = DecodeSpec {
        source: setup.source,
        analysis: setup.analysis,
        candidates: None,
        timeout: setup.timeout,
        input: InputOptions {
            skip_nonref: false,
            // Relative to the file's start; a quarter frame late so that rounding cannot land on
            // the keyframe before (a video that starts after the file lands earlier: still fine).
            seek_secs: Some(key_secs - info.start_secs + 0.25 / s.fps),
            max_frames: count,
        },
    };
    let mut scorer = s.fresh_scorer.clone();
    let mut expect: Option<i64> = None;
    let mut seen_end = a;
    let mut error: Option<String> = None;
    let mut above = Vec::new();
    let mut times = Vec::new();
    let mut decoded = 0u64;
    let base = s.base.unwrap_or(0.0);
    let fps = s.fps;
    let hashes = &s.hashes;
    let result = decode::decode_video(
        path,
        &spec,
        cancel,
        |f: AnalysisFrame<'_>| {
            decoded += 1;
            if error.is_some() {
                return;
            }
            let Some(secs) = f.pts_secs else {
                error = Some("a window frame without a time".into());
                return;
            };
            let n = ((secs - base) * fps).round_ties_even() as i64;
            if n < a {
                if expect.is_none() && n > key {
                    error = Some(format!("seek for frame {a} landed after its keyframe"));
                }
                expect = Some(n + 1);
                return;
            }
            if expect.is_some_and(|e| e != n) || (expect.is_none() && n != a) {
                error = Some(format!("window frames not consecutive at {n}"));
                return;
            }
            if n > b {
                return;
            }
            expect = Some(n + 1);
            if let Some(&h) = hashes.get(&n) {
                if h != hash(f.bgr) {
                    error = Some(format!("frame {n} differs between the passes"));
                    return;
                }
            }
            let image = BgrImage {
                width: f.size.width,
                height: f.size.height,
                data: f.bgr,
            };
            let (score, _) = scorer.score(image);
            if n > a {
                times.push((n, secs));
                if score >= s.threshold {
                    above.push(n);
                }
            }
            seen_end = n;
        },
        |_| {},
    );
    match result {
        Ok(sum) if sum.decode_errors == 0 && !sum.ended_early => {}
        Ok(_) => return Ok(Err("a window decode reported errors".into())),
        Err(DecodeError::Cancelled) => return Err(DecodeError::Cancelled.into()),
        Err(e) => return Ok(Err(format!("window decode failed: {e}"))),
    }
    if let Some(e) = error {
        return Ok(Err(e));
    }
    if !to_end && seen_end != b {
        return Ok(Err(format!("window {a}..={b} ended at {seen_end}")));
    }
    s.stats.windows += 1;
    s.stats.window_frames += decoded;
    s.above.extend(above);
    s.secs.extend(times);
    Ok(Ok(seen_end))
}
