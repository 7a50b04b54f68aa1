//! The one decode pass: a single `ffmpeg` child process turns a video into a stream of small BGR
//! analysis frames (stdout) with each frame's real presentation time (parsed from `showinfo` on
//! stderr), and optionally a second, larger stream of keyframe candidates (every `every`-th frame,
//! RGB, sent over a loopback TCP socket) from the same decoder.
//!
//! Memory stays flat: frames are handed to callbacks one at a time and never accumulated here.

use crate::tools::last_error_line;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A picture size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl Size {
    pub const fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }

    /// Bytes of one packed 8-bit, 3-channel picture.
    pub fn rgb_bytes(self) -> usize {
        self.width as usize * self.height as usize * 3
    }
}

/// The larger keyframe-candidate output.
#[derive(Debug, Clone, Copy)]
pub struct CandidateSpec {
    /// Every `every`-th decoded frame (0, every, 2 * every, ...) becomes a candidate.
    pub every: u32,
    /// Instead of `every`: the first frame and then each frame at least this many seconds after
    /// the last chosen one (for a pass that decodes only some frames; see [`select_by_time`]).
    pub min_gap_secs: Option<f64>,
    /// Size of the candidate pictures (RGB).
    pub size: Size,
}

/// What the decode pass produces.
#[derive(Debug, Clone)]
pub struct DecodeSpec {
    /// Size of the picture after the decoder's automatic rotation.
    pub source: Size,
    /// Size of the analysis frames (BGR, like OpenCV).
    pub analysis: Size,
    pub candidates: Option<CandidateSpec>,
    /// Wall-clock limit for the whole pass; the child is killed after it.
    pub timeout: Duration,
    /// What to decode (default: every frame, from the start).
    pub input: InputOptions,
}

/// Which part of the video a pass decodes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct InputOptions {
    /// Decode only the frames other frames refer to: non-reference frames (most B-frames) are
    /// skipped by the decoder (`-skip_frame noref`), the cheap pass of the keyframe-first scene
    /// detector. The frames it does decode are bit-identical to a full decode's (nothing they
    /// depend on is skipped; `bidir` would also skip B-frames used as references, and the
    /// P-frames after them would differ).
    pub skip_nonref: bool,
    /// Start at the keyframe at or before this time (seconds from the file's start time; input
    /// `-ss` without accurate seeking: every frame from that keyframe on is delivered).
    pub seek_secs: Option<f64>,
    /// Stop after this many frames (`-frames:v`).
    pub max_frames: Option<u64>,
}

/// One analysis frame, borrowed for the duration of the callback.
#[derive(Debug)]
pub struct AnalysisFrame<'a> {
    /// Position in decode order, from 0.
    pub index: u64,
    /// Presentation time in seconds as the container stores it (`-copyts`: a stream that starts
    /// late has its first frame at its real start time, not at 0).
    pub pts_secs: Option<f64>,
    pub size: Size,
    /// Packed BGR, `size.rgb_bytes()` long.
    pub bgr: &'a [u8],
    /// The decoder marked the frame as a keyframe (showinfo's `iskey:1`).
    pub key: bool,
}

/// One keyframe candidate (owned: the caller may keep a few).
#[derive(Debug, Clone)]
pub struct CandidateImage {
    /// Index of the analysis frame this picture belongs to.
    pub index: u64,
    pub size: Size,
    /// Packed RGB, `size.rgb_bytes()` long.
    pub rgb: Vec<u8>,
}

/// What the pass saw.
#[derive(Debug, Clone, Default)]
pub struct DecodeSummary {
    pub frames: u64,
    pub candidates: u64,
    /// ffmpeg exited with an error after delivering frames (truncated or damaged file).
    pub ended_early: bool,
    /// Decode errors ffmpeg reported and skipped.
    pub decode_errors: u64,
    pub last_error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{path}: ffmpeg could not decode any frame: {reason}")]
    Failed { path: PathBuf, reason: String },
    #[error("{path}: decoding took longer than {secs} s and was stopped")]
    Timeout { path: PathBuf, secs: u64 },
    #[error("decoding was cancelled")]
    Cancelled,
    #[error("ffmpeg is not installed or not on PATH (install ffmpeg: apt-get install ffmpeg)")]
    Missing,
    #[error("could not run ffmpeg: {0}")]
    Io(#[from] std::io::Error),
}

/// The size PySceneDetect analyses a frame at: its auto-downscale factor is
/// `max(width, height) / 256` (no scaling below 256), and the new size is rounded half-to-even.
pub fn analysis_size(source: Size) -> Size {
    let longest = source.width.max(source.height);
    if longest < 256 || longest == 0 {
        return source;
    }
    let factor = f64::from(longest) / 256.0;
    let scale = |v: u32| ((f64::from(v) / factor).round_ties_even() as u32).max(1);
    Size::new(scale(source.width), scale(source.height))
}

/// Replays the choice `select` makes with [`CandidateSpec::min_gap_secs`]: whether a frame at `t`
/// seconds is chosen when the last chosen one was at `prev`. Pick `gap` half a frame away from a
/// multiple of the frame duration so that rounding cannot tip the comparison.
pub fn select_by_time(prev: Option<f64>, t: f64, gap: f64) -> bool {
    prev.is_none_or(|p| t - p >= gap)
}

/// Kills the child when dropped (errors, panics, cancellation).
struct ChildGuard(Arc<Mutex<Child>>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(mut c) = self.0.lock() {
            crate::tools::kill_group(&mut c);
        }
    }
}

/// Decodes `path` once, calling `on_frame` for every analysis frame in order and `on_candidate`
/// for every candidate picture (interleaved; a candidate may arrive slightly before or after its
/// analysis frame). `cancel` is polled; when it turns true the child is killed and
/// [`DecodeError::Cancelled`] returned.
pub fn decode_video(
    path: &Path,
    spec: &DecodeSpec,
    cancel: &AtomicBool,
    mut on_frame: impl FnMut(AnalysisFrame<'_>),
    mut on_candidate: impl FnMut(CandidateImage),
) -> Result<DecodeSummary, DecodeError> {
    let listener = match spec.candidates {
        Some(_) => Some(TcpListener::bind(("127.0.0.1", 0))?),
        None => None,
    };
    let args = ffmpeg_args(
        path,
        spec,
        listener.as_ref().map(|l| l.local_addr()).transpose()?,
    );
    let mut cmd = crate::tools::ffmpeg();
    cmd.args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == ErrorKind::NotFound {
            DecodeError::Missing
        } else {
            DecodeError::Io(e)
        }
    })?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| std::io::Error::other("no stdout"))?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| std::io::Error::other("no stderr"))?;
    let child = Arc::new(Mutex::new(child));
    let _guard = ChildGuard(child.clone());

    // stderr: showinfo timestamps and error lines.
    let (pts_tx, pts_rx) = mpsc::channel::<PtsLine>();
    let errors = Arc::new(Mutex::new(ErrorLog::default()));
    let stderr_thread = {
        let errors = errors.clone();
        std::thread::spawn(move || read_stderr(stderr, &pts_tx, &errors))
    };

    // Watchdog: kills the child on cancellation or timeout, which ends every read below.
    let done = Arc::new(AtomicBool::new(false));
    let timed_out = Arc::new(AtomicBool::new(false));
    let cancelled = Arc::new(AtomicBool::new(false));
    // The watchdog polls a flag it owns; the caller's `cancel` is copied into it by the main loop
    // and by a scoped helper below.
    let deadline = Instant::now() + spec.timeout;

    // Candidate reader.
    let (cand_tx, cand_rx) = mpsc::channel::<CandidateImage>();
    let cand_thread = match (listener, spec.candidates) {
        (Some(listener), Some(cs)) => {
            let done = done.clone();
            Some(std::thread::spawn(move || {
                read_candidates(&listener, cs, &done, &cand_tx)
            }))
        }
        _ => None,
    };

    let frame_bytes = spec.analysis.rgb_bytes();
    let mut buf = vec![0u8; frame_bytes];
    let mut bgr = vec![0u8; frame_bytes];
    let mut summary = DecodeSummary::default();
    let mut pending_pts: VecDeque<PtsLine> = VecDeque::new();
    let mut pts_open = true;

    let result = std::thread::scope(|scope| -> Result<(), DecodeError> {
        let watchdog = {
            let child = child.clone();
            let done = done.clone();
            let timed_out = timed_out.clone();
            let cancelled = cancelled.clone();
            scope.spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    let stop_cancel = cancel.load(Ordering::Relaxed);
                    let stop_time = Instant::now() >= deadline;
                    if stop_cancel || stop_time {
                        if stop_cancel {
                            cancelled.store(true, Ordering::Relaxed);
                        } else {
                            timed_out.store(true, Ordering::Relaxed);
                        }
                        if let Ok(mut c) = child.lock() {
                            crate::tools::kill_group(&mut c);
                        }
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        let mut index = 0u64;
        loop {
            if !read_full(&mut stdout, &mut buf)? {
                break;
            }
            // The showinfo line for frame n is written before the frame reaches the muxer.
            let mut pts = None;
            let mut key = false;
            while pts_open {
                if let Some(&(n, t, k)) = pending_pts.front() {
                    if n < index {
                        pending_pts.pop_front();
                        continue;
                    }
                    if n == index {
                        pts = t;
                        key = k;
                        pending_pts.pop_front();
                    }
                    break;
                }
                match pts_rx.recv_timeout(Duration::from_secs(5)) {
                    Ok(v) => pending_pts.push_back(v),
                    Err(_) => pts_open = false,
                }
            }
            while let Ok(c) = cand_rx.try_recv() {
                summary.candidates += 1;
                on_candidate(c);
            }
            yuv444_to_bgr(&buf, &mut bgr);
            on_frame(AnalysisFrame {
                index,
                pts_secs: pts,
                size: spec.analysis,
                bgr: &bgr,
                key,
            });
            index += 1;
            if cancel.load(Ordering::Relaxed) {
                cancelled.store(true, Ordering::Relaxed);
                break;
            }
        }
        summary.frames = index;
        done.store(true, Ordering::Relaxed);
        let _ = watchdog.join();
        Ok(())
    });
    done.store(true, Ordering::Relaxed);
    if cancelled.load(Ordering::Relaxed) {
        return Err(DecodeError::Cancelled);
    }
    result?;
    let status = child
        .lock()
        .map_err(|_| std::io::Error::other("child lock poisoned"))?
        .wait()?;
    if let Some(t) = cand_thread {
        let _ = t.join();
    }
    while let Ok(c) = cand_rx.try_recv() {
        summary.candidates += 1;
        on_candidate(c);
    }
    let _ = stderr_thread.join();
    if timed_out.load(Ordering::Relaxed) {
        return Err(DecodeError::Timeout {
            path: path.to_owned(),
            secs: spec.timeout.as_secs(),
        });
    }
    let log = errors.lock().map(|e| e.clone()).unwrap_or_default();
    summary.decode_errors = log.count;
    summary.last_error = log.last.clone();
    if !status.success() {
        if summary.frames == 0 {
            return Err(DecodeError::Failed {
                path: path.to_owned(),
                reason: log.last.unwrap_or_else(|| last_error_line("")),
            });
        }
        summary.ended_early = true;
    }
    Ok(summary)
}

/// The ffmpeg command line for `spec`.
fn ffmpeg_args(
    path: &Path,
    spec: &DecodeSpec,
    tcp: Option<std::net::SocketAddr>,
) -> Vec<std::ffi::OsString> {
    let a = spec.analysis;
    // Very large inputs are first brought down cheaply in YUV so the full-size RGB conversion
    // below never touches 8K pictures.
    let longest = spec.source.width.max(spec.source.height);
    let pre = if longest > 2048 {
        "scale=w='if(gte(iw,ih),1024,-2)':h='if(gte(iw,ih),-2,1024)':flags=area,".to_owned()
    } else {
        String::new()
    };
    // Point-sample the YUV planes down (for an odd integer factor this picks exactly the pixels
    // cv2.resize's bilinear filter lands on, with their 4:2:0 chroma), then convert to BGR here
    // with swscale's own arithmetic (see `yuv444_to_bgr`): the same pixels OpenCV's VideoCapture +
    // cv2.resize give, without converting full-size pictures to RGB.
    let analysis_chain = format!(
        "{pre}scale={}:{}:flags=neighbor,format=yuv444p,showinfo=checksum=0",
        a.width, a.height
    );
    // What follows the input: the filters and the outputs.
    let mut args: Vec<String> = Vec::new();
    match (spec.candidates, tcp) {
        (Some(c), Some(addr)) => {
            let graph = format!(
                "[0:v:0]split=2[a][b];[a]{analysis_chain}[va];\
                 [b]select='{select}',scale={w}:{h}:flags=bilinear,format=rgb24[vb]",
                select = match c.min_gap_secs {
                    Some(gap) =>
                        format!("isnan(prev_selected_t)+gte(t-prev_selected_t\\,{gap:.6})"),
                    None => format!("not(mod(n\\,{}))", c.every.max(1)),
                },
                w = c.size.width,
                h = c.size.height
            );
            args.extend(["-filter_complex".into(), graph]);
            args.extend(
                [
                    "-map",
                    "[va]",
                    "-fps_mode",
                    "passthrough",
                    "-f",
                    "rawvideo",
                    "pipe:1",
                ]
                .iter()
                .map(|s| (*s).to_owned()),
            );
            args.extend(
                ["-map", "[vb]", "-fps_mode", "passthrough", "-f", "rawvideo"]
                    .iter()
                    .map(|s| (*s).to_owned()),
            );
            args.push(format!("tcp://{addr}"));
        }
        _ => {
            args.extend(["-map".into(), "0:v:0".into(), "-vf".into(), analysis_chain]);
            args.extend(
                ["-fps_mode", "passthrough", "-f", "rawvideo", "pipe:1"]
                    .iter()
                    .map(|s| (*s).to_owned()),
            );
        }
    }
    if let Some(n) = spec.input.max_frames {
        // An output option: before the first output's name (the analysis stream on stdout).
        let at = args
            .iter()
            .position(|a| a == "pipe:1")
            .unwrap_or(args.len());
        args.splice(at..at, ["-frames:v".to_owned(), n.to_string()]);
    }
    let global = [
        "-nostdin",
        "-hide_banner",
        "-nostats",
        "-loglevel",
        "info",
        "-copyts",
    ];
    let mut input: Vec<String> = Vec::new();
    if spec.input.skip_nonref {
        input.extend(["-skip_frame".into(), "noref".into()]);
    }
    if let Some(t) = spec.input.seek_secs {
        input.extend([
            "-noaccurate_seek".into(),
            "-ss".into(),
            format!("{:.6}", t.max(0.0)),
        ]);
    }
    global
        .into_iter()
        .map(std::ffi::OsString::from)
        .chain(input.into_iter().map(Into::into))
        .chain(crate::tools::input_args(path))
        .chain(args.into_iter().map(Into::into))
        .collect()
}

/// Converts planar 8-bit YUV 4:4:4 (BT.601, limited range) to packed BGR exactly as FFmpeg's
/// swscale does for `yuv420p -> bgr24` at the same size (its x86 SIMD path, which OpenCV's
/// VideoCapture uses): 16-bit fixed-point products (`pmulhw`), each colour a saturated sum of a
/// luma term and one or two chroma terms. Checked against ffmpeg 5.1 for every (Y, U, V).
pub fn yuv444_to_bgr(planes: &[u8], out: &mut [u8]) {
    let n = (planes.len() / 3).min(out.len() / 3);
    let (y, rest) = planes.split_at(planes.len() / 3);
    let (u, v) = rest.split_at(planes.len() / 3);
    // (value * 8 - offset) * coefficient >> 16, as pmulhw computes it: plain arithmetic (no
    // table lookups) so that the compiler vectorises it.
    #[inline(always)]
    fn term(x: u8, off: i32, c: i32) -> i32 {
        ((i32::from(x) * 8 - off) * c) >> 16
    }
    for (((px, &y), &u), &v) in out
        .chunks_exact_mut(3)
        .zip(&y[..n])
        .zip(&u[..n])
        .zip(&v[..n])
    {
        let yc = term(y, 128, 9539);
        px[0] = (yc + term(u, 1024, 16525)).clamp(0, 255) as u8;
        px[1] = (yc + term(u, 1024, -3209) + term(v, 1024, -6660)).clamp(0, 255) as u8;
        px[2] = (yc + term(v, 1024, 13075)).clamp(0, 255) as u8;
    }
}

/// Fills `buf` completely; `Ok(false)` at a clean or partial end of stream.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => return Ok(false),
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

#[derive(Debug, Clone, Default)]
struct ErrorLog {
    count: u64,
    last: Option<String>,
}

/// A showinfo line as the reader thread passes it on: frame counter, time, keyframe flag.
type PtsLine = (u64, Option<f64>, bool);

fn read_stderr(stderr: impl Read, pts_tx: &mpsc::Sender<PtsLine>, errors: &Mutex<ErrorLog>) {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(stderr);
    let mut line = Vec::new();
    // showinfo's input time base: exact times from the integer pts (its pts_time has only six
    // significant digits, 10 ms steps past 1000 s).
    let mut time_base: Option<(i64, i64)> = None;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        if let Some(tb) = parse_time_base(&text) {
            time_base.get_or_insert(tb);
        } else if let Some(f) = parse_showinfo(&text) {
            let secs = match (f.pts, time_base) {
                (Some(pts), Some((num, den))) => Some(pts as f64 * num as f64 / den as f64),
                _ => f.pts_time,
            };
            let _ = pts_tx.send((f.n, secs, f.key));
        } else if looks_like_error(&text) {
            if let Ok(mut e) = errors.lock() {
                e.count += 1;
                e.last = Some(text.trim().to_owned());
            }
        }
    }
}

fn looks_like_error(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    l.contains("error")
        || l.contains("invalid")
        || l.contains("corrupt")
        || l.contains("no such file")
        || l.contains("does not contain")
        || l.contains("matches no streams")
}

/// What a showinfo frame line says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ShowInfo {
    pub n: u64,
    pub pts: Option<i64>,
    pub pts_time: Option<f64>,
    pub key: bool,
}

/// Parses a showinfo frame line
/// (`[Parsed_showinfo_2 @ 0x..] n:   3 pts:   3003 pts_time:0.1001 ...`).
pub(crate) fn parse_showinfo(line: &str) -> Option<ShowInfo> {
    if !line.contains("showinfo") {
        return None;
    }
    let value = |key: &str| {
        line.find(key)
            .and_then(|i| line[i + key.len()..].split_whitespace().next())
    };
    let n: u64 = value(" n:")?.parse().ok()?;
    let pts = value(" pts:").and_then(|s| s.parse::<i64>().ok());
    let pts_time = value("pts_time:")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|v| v.is_finite());
    let key = value("iskey:") == Some("1");
    Some(ShowInfo {
        n,
        pts,
        pts_time,
        key,
    })
}

/// Parses showinfo's `config in time_base: 1/30000, ...` line.
fn parse_time_base(line: &str) -> Option<(i64, i64)> {
    if !line.contains("showinfo") {
        return None;
    }
    let rest = &line[line.find("config in time_base:")? + 20..];
    let tb = rest.split([',', ' ']).find(|s| !s.is_empty())?;
    let (a, b) = tb.split_once('/')?;
    let (num, den) = (a.parse().ok()?, b.parse::<i64>().ok()?);
    (num > 0 && den > 0).then_some((num, den))
}

fn read_candidates(
    listener: &TcpListener,
    spec: CandidateSpec,
    done: &AtomicBool,
    tx: &mpsc::Sender<CandidateImage>,
) {
    let Some(mut stream) = accept_until(listener, done) else {
        return;
    };
    let bytes = spec.size.rgb_bytes();
    let mut k = 0u64;
    loop {
        let mut rgb = vec![0u8; bytes];
        match read_full(&mut stream, &mut rgb) {
            Ok(true) => {}
            _ => return,
        }
        let image = CandidateImage {
            index: k * u64::from(spec.every.max(1)),
            size: spec.size,
            rgb,
        };
        if tx.send(image).is_err() {
            return;
        }
        k += 1;
    }
}

/// Accepts ffmpeg's connection (from loopback only), giving up once `done` is set.
fn accept_until(listener: &TcpListener, done: &AtomicBool) -> Option<TcpStream> {
    listener.set_nonblocking(true).ok()?;
    loop {
        match listener.accept() {
            Ok((stream, peer)) if peer.ip().is_loopback() => {
                stream.set_nonblocking(false).ok()?;
                return Some(stream);
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if done.load(Ordering::Relaxed) {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysis_size_matches_pyscenedetect() {
        assert_eq!(analysis_size(Size::new(1280, 720)), Size::new(256, 144));
        assert_eq!(analysis_size(Size::new(1920, 1080)), Size::new(256, 144));
        assert_eq!(analysis_size(Size::new(480, 320)), Size::new(256, 171));
        assert_eq!(analysis_size(Size::new(704, 576)), Size::new(256, 209));
        assert_eq!(analysis_size(Size::new(200, 100)), Size::new(200, 100));
        assert_eq!(analysis_size(Size::new(720, 1280)), Size::new(144, 256));
    }

    #[test]
    fn yuv_conversion_matches_swscale() {
        // (Y, U, V) -> (B, G, R) as `ffmpeg -pix_fmt yuv420p ... -vf format=bgr24` prints them.
        let cases = [
            ([16u8, 128, 128], [0u8, 0, 0]),
            ([235, 128, 128], [255, 255, 255]),
            ([128, 128, 128], [130, 130, 130]),
            ([81, 90, 240], [0, 0, 253]),
        ];
        for (yuv, want) in cases {
            let mut out = [0u8; 3];
            yuv444_to_bgr(&yuv, &mut out);
            assert_eq!(out, want, "yuv {yuv:?}");
        }
    }

    #[test]
    fn parses_showinfo_lines() {
        let l = "[Parsed_showinfo_2 @ 0x55d] n:  12 pts:  12012 pts_time:0.4004  duration:1001";
        let want = ShowInfo {
            n: 12,
            pts: Some(12012),
            pts_time: Some(0.4004),
            key: false,
        };
        assert_eq!(parse_showinfo(l), Some(want));
        let l = "[Parsed_showinfo_2 @ 0x55d] n:   0 pts:NOPTS pts_time:NOPTS duration:1";
        assert_eq!(
            parse_showinfo(l),
            Some(ShowInfo {
                n: 0,
                pts: None,
                pts_time: None,
                key: false,
            })
        );
        let l = "[Parsed_showinfo_2 @ 0x55d] n:   0 pts:      0 pts_time:0       pos:       40 \
                 fmt:yuv420p sar:1/1 s:1280x720 i:P iskey:1 type:I checksum:3C0E41EB";
        assert!(parse_showinfo(l).is_some_and(|s| s.key && s.pts == Some(0)));
        let l = "[Parsed_showinfo_1 @ 0x55] config in time_base: 1/30000, frame_rate: 30000/1001";
        assert_eq!(parse_time_base(l), Some((1, 30000)));
        assert_eq!(parse_showinfo(l), None);
        assert_eq!(
            parse_showinfo("[Parsed_showinfo_2 @ 0x55d] color_range:tv"),
            None
        );
        assert_eq!(parse_showinfo("frame=  10 fps=0.0"), None);
    }
}
