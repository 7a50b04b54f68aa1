//! Finding and running the ffmpeg tools.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Environment variable naming the ffmpeg binary (default: `ffmpeg` on `PATH`).
pub const FFMPEG_ENV: &str = "HEIMDEX_FFMPEG";
/// Environment variable naming the ffprobe binary (default: `ffprobe` on `PATH`).
pub const FFPROBE_ENV: &str = "HEIMDEX_FFPROBE";

/// The demuxers ffmpeg and ffprobe may use on a user's file: video containers, and the audio,
/// picture and subtitle formats a mislabelled file may hold (so it is told "not a video" rather
/// than "damaged"). Left out on purpose: lists and playlists that name other files or URLs
/// (concat/ffconcat, HLS, DASH, SDP, image sequences), devices and generators: a file must never
/// make ffmpeg read anything but itself.
pub const DEMUXERS: &str = "mov,matroska,avi,flv,mpegts,mpeg,mpegvideo,asf,mxf,ogg,dv,rm,gif,nut,\
h264,hevc,m4v,ivf,yuv4mpegpipe,mjpeg,wtv,mp3,wav,aac,flac,w64,aiff,amr,ac3,eac3,png_pipe,\
jpeg_pipe,webp_pipe,bmp_pipe,tiff_pipe,gif_pipe,srt,ass,webvtt";

/// What goes before a user's file on an ffmpeg or ffprobe command line: only the `file` protocol
/// (no network, no pipes, no `concat:`) and only [`DEMUXERS`], then `-i PATH` with the path's own
/// bytes (a name need not be UTF-8).
pub fn input_args(path: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        DEMUXERS,
        "-i",
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    args.push(path.as_os_str().to_owned());
    args
}

/// Whether ffmpeg refused the file because its format is not one of [`DEMUXERS`].
pub fn refused_format(stderr: &str) -> bool {
    stderr.contains("not on whitelist")
}

/// A command for `program` that runs as the leader of its own process group (so a timeout or a
/// cancel kills it with everything it started: see [`kill_group`]) and, on Linux, is killed by
/// the kernel when the process that started it dies, even by `kill -9`: no ffmpeg outlives the
/// indexer that ran it.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        cmd.process_group(0);
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt as _;
        #[allow(unsafe_code)]
        // SAFETY: the closure runs in the child between fork and exec and only calls prctl(2),
        // which is async-signal-safe; it touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    cmd
}

/// `ffmpeg`, as a [`command`].
pub fn ffmpeg() -> Command {
    command(ffmpeg_path())
}

/// `ffprobe`, as a [`command`].
pub fn ffprobe() -> Command {
    command(ffprobe_path())
}

/// Kills a child started by [`command`] and its whole process group, then reaps it.
pub fn kill_group(child: &mut std::process::Child) {
    if let Ok(Some(_)) = child.try_wait() {
        // Already ended and reaped: its id may belong to another process by now.
        return;
    }
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        #[allow(unsafe_code)]
        // SAFETY: kill(2) with a negative pid signals the process group led by our own child,
        // which has not been reaped yet (we wait below), so the group id cannot have been reused.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

pub fn ffmpeg_path() -> PathBuf {
    tool_path(FFMPEG_ENV, "ffmpeg")
}

pub fn ffprobe_path() -> PathBuf {
    tool_path(FFPROBE_ENV, "ffprobe")
}

fn tool_path(env: &str, default: &str) -> PathBuf {
    std::env::var_os(env)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{tool} is not installed or not on PATH (install ffmpeg: apt-get install ffmpeg)")]
    Missing { tool: String },
    #[error("could not run {tool}: {source}")]
    Spawn {
        tool: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{tool} took longer than {secs} s and was stopped")]
    Timeout { tool: String, secs: u64 },
}

/// What a finished tool printed.
#[derive(Debug)]
pub struct Output {
    pub success: bool,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Starts `cmd`, telling a missing tool apart from other start failures.
pub fn spawn(cmd: &mut Command) -> Result<std::process::Child, ToolError> {
    cmd.spawn().map_err(|source| {
        let tool = cmd.get_program().to_string_lossy().into_owned();
        if source.kind() == std::io::ErrorKind::NotFound {
            ToolError::Missing { tool }
        } else {
            ToolError::Spawn { tool, source }
        }
    })
}

/// Runs `cmd` to completion, killing it after `timeout`. Output is collected on helper threads so a
/// chatty process cannot block on a full pipe.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Result<Output, ToolError> {
    let tool = cmd.get_program().to_string_lossy().into_owned();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn(&mut cmd)?;
    let stdout = child.stdout.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            buf
        })
    });
    let stderr = child.stderr.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            buf
        })
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&mut child);
                return Err(ToolError::Timeout {
                    tool,
                    secs: timeout.as_secs(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(source) => return Err(ToolError::Spawn { tool, source }),
        }
    };
    let stdout = stdout.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok(Output {
        success: status.success(),
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

/// The last meaningful line of a tool's stderr, for error messages.
pub fn last_error_line(stderr: &str) -> String {
    stderr
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("no error output")
        .to_owned()
}
