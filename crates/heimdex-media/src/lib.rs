//! Media I/O through the system `ffmpeg` and `ffprobe`, run as child processes with time limits.
//!
//! Running the tools as separate processes keeps a crashing or hanging decoder away from the
//! library: a corrupt file costs one failed job, never the app.

pub mod audio;
pub mod decode;
pub mod keyframes;
pub mod probe;
pub mod scenes;
pub mod tools;

pub use probe::{probe, ProbeError, ProbeLimits};
pub use tools::{ffmpeg_path, ffprobe_path, ToolError};
