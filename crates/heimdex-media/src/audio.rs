//! Audio for speech recognition: 16 kHz mono f32 samples, streamed from the system ffmpeg.
//!
//! ffmpeg decodes and resamples in a child process and writes raw little-endian f32 to a pipe;
//! [`AudioStream`] hands the samples out a second at a time, so an hour of audio never sits in
//! memory at once (16 kHz f32 is 230 MB per hour). Files without an audio stream give `None`, not
//! an error.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Stdio};
use std::thread::JoinHandle;

use crate::tools::{last_error_line, ToolError};

/// Samples per second of the stream.
pub const SAMPLE_RATE: u32 = 16_000;

/// Which channel(s) to hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Channel {
    /// All channels mixed down (the usual choice).
    #[default]
    Mix,
    /// Only the first (left) channel.
    Left,
    /// Only the second (right) channel; the first when there is only one.
    Right,
}

/// How to extract.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AudioOptions {
    pub channel: Channel,
    /// Which audio stream (0 = the first).
    pub stream_index: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error(transparent)]
    Tool(#[from] ToolError),
    #[error("could not decode the audio of {path}: {message}")]
    Decode { path: PathBuf, message: String },
    /// The file has no audio stream of that index ([`open`] turns this into `Ok(None)`).
    #[error("{path} has no audio stream {index}")]
    NoStream { path: PathBuf, index: usize },
    #[error("could not read decoded audio of {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Starts decoding `path`'s audio; `Ok(None)` when it has no such audio stream.
///
/// No ffprobe first (it costs more than 0.1 s a file): ffmpeg maps the stream as optional, and an
/// output without a stream is what "no audio" looks like. The first second is decoded here, so a
/// file ffmpeg can't read fails now, naming the file.
pub fn open(path: &Path, options: &AudioOptions) -> Result<Option<AudioStream>, AudioError> {
    let mut stream = AudioStream::spawn(path, options)?;
    match stream.read_chunk() {
        Some(Ok(first)) => {
            stream.pending = Some(first);
            Ok(Some(stream))
        }
        Some(Err(AudioError::NoStream { .. })) => Ok(None),
        Some(Err(e)) => Err(e),
        // The stream exists and is empty.
        None => Ok(Some(stream)),
    }
}

/// ffmpeg's words when an optional `-map` found nothing to map (5.x ends its output with them;
/// 6.1 and later add lines about failing to open the output after them).
const NO_STREAM: &str = "does not contain any stream";

/// Reads all of `path`'s audio into memory (for short clips and tests); empty when it has none.
pub fn read_all(path: &Path, options: &AudioOptions) -> Result<Vec<f32>, AudioError> {
    let mut all = Vec::new();
    if let Some(stream) = open(path, options)? {
        for chunk in stream {
            all.extend(chunk?);
        }
    }
    Ok(all)
}

/// Decoded samples arriving from ffmpeg; iterate for chunks of up to one second. The iterator
/// ends after the last sample, or with an error when ffmpeg failed.
#[derive(Debug)]
pub struct AudioStream {
    path: PathBuf,
    child: Child,
    stdout: ChildStdout,
    stderr: Option<JoinHandle<String>>,
    /// Bytes of a sample split across two reads.
    carry: Vec<u8>,
    /// The first chunk, read by [`open`] before handing the stream out.
    pending: Option<Vec<f32>>,
    stream_index: usize,
    samples_read: u64,
    done: bool,
}

impl AudioStream {
    fn spawn(path: &Path, options: &AudioOptions) -> Result<Self, AudioError> {
        let mut cmd = crate::tools::ffmpeg();
        cmd.args(["-nostdin", "-hide_banner", "-loglevel", "error"])
            .args(crate::tools::input_args(path))
            .args([
                "-map",
                &format!("0:a:{}?", options.stream_index),
                "-vn",
                "-sn",
                "-dn",
            ]);
        match options.channel {
            Channel::Mix => {
                cmd.args(["-ac", "1"]);
            }
            // pan picks one input channel; "c1" on a mono file would be silence, so clamp to c0
            // through the channel layout (FR falls back to the first channel in ffmpeg).
            Channel::Left => {
                cmd.args(["-af", "pan=mono|c0=c0"]);
            }
            Channel::Right => {
                cmd.args(["-af", "pan=mono|c0=c1"]);
            }
        }
        cmd.args(["-ar", &SAMPLE_RATE.to_string(), "-f", "f32le", "-"]);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = crate::tools::spawn(&mut cmd)?;
        let stdout = child.stdout.take().ok_or_else(|| AudioError::Decode {
            path: path.to_path_buf(),
            message: "ffmpeg gave no output pipe".to_owned(),
        })?;
        let stderr = child.stderr.take().map(|mut s| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = s.read_to_string(&mut text);
                text
            })
        });
        Ok(Self {
            path: path.to_path_buf(),
            child,
            stdout,
            stderr,
            carry: Vec::new(),
            pending: None,
            stream_index: options.stream_index,
            samples_read: 0,
            done: false,
        })
    }

    /// Samples decoded so far (the first second is decoded by [`open`]).
    pub fn samples_read(&self) -> u64 {
        self.samples_read
    }

    fn finish(&mut self) -> Result<(), AudioError> {
        self.done = true;
        let status = self.child.wait().map_err(|source| AudioError::Read {
            path: self.path.clone(),
            source,
        })?;
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        if !status.success() {
            return Err(self.failure(&stderr));
        }
        Ok(())
    }

    /// What ffmpeg's failure means, from what it printed.
    fn failure(&self, stderr: &str) -> AudioError {
        if self.samples_read == 0 && stderr.contains(NO_STREAM) {
            return AudioError::NoStream {
                path: self.path.clone(),
                index: self.stream_index,
            };
        }
        AudioError::Decode {
            path: self.path.clone(),
            message: last_error_line(stderr),
        }
    }

    /// Up to a second of samples from the pipe; `None` after the last.
    fn read_chunk(&mut self) -> Option<Result<Vec<f32>, AudioError>> {
        if self.done {
            return None;
        }
        const CHUNK_BYTES: usize = SAMPLE_RATE as usize * 4;
        let mut bytes = std::mem::take(&mut self.carry);
        let have = bytes.len();
        bytes.resize(CHUNK_BYTES, 0);
        let mut filled = have;
        let mut eof = false;
        while filled < CHUNK_BYTES {
            match self.stdout.read(&mut bytes[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    self.done = true;
                    crate::tools::kill_group(&mut self.child);
                    return Some(Err(AudioError::Read {
                        path: self.path.clone(),
                        source,
                    }));
                }
            }
        }
        bytes.truncate(filled);
        // The end, possibly after a few bytes of a sample ffmpeg never finished writing.
        if filled < 4 && eof {
            return match self.finish() {
                Ok(()) => None,
                Err(e) => Some(Err(e)),
            };
        }
        let whole = filled / 4 * 4;
        self.carry = bytes[whole..].to_vec();
        let samples: Vec<f32> = bytes[..whole]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        self.samples_read += samples.len() as u64;
        Some(Ok(samples))
    }
}

impl Iterator for AudioStream {
    type Item = Result<Vec<f32>, AudioError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(first) = self.pending.take() {
            return Some(Ok(first));
        }
        self.read_chunk()
    }
}

impl Drop for AudioStream {
    fn drop(&mut self) {
        if !self.done {
            crate::tools::kill_group(&mut self.child);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ffmpeg(args: &[&str]) {
        let status = crate::tools::ffmpeg()
            .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
            .args(args)
            .status()
            .expect("ffmpeg runs");
        assert!(status.success(), "ffmpeg {args:?}");
    }

    #[test]
    fn decodes_a_tone_to_16k_mono() {
        let dir = tempfile::tempdir().expect("tmp");
        let wav = dir.path().join("tone.wav");
        let wav_s = wav.to_str().expect("utf-8");
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100:duration=2.5",
            "-ac",
            "2",
            wav_s,
        ]);
        let samples = read_all(&wav, &AudioOptions::default()).expect("decodes");
        // 2.5 s at 16 kHz, give or take the resampler's edge.
        assert!(
            (samples.len() as i64 - 40_000).abs() < 400,
            "{} samples",
            samples.len()
        );
        let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.05, "peak {peak}");
    }

    #[test]
    fn picks_one_channel() {
        let dir = tempfile::tempdir().expect("tmp");
        let wav = dir.path().join("lr.wav");
        // Left: a tone; right: silence.
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:sample_rate=16000:duration=1",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=16000:cl=mono",
            "-filter_complex",
            "[0:a][1:a]join=inputs=2:channel_layout=stereo[a]",
            "-map",
            "[a]",
            "-t",
            "1",
            wav.to_str().expect("utf-8"),
        ]);
        let energy = |c: Channel| {
            let s = read_all(
                &wav,
                &AudioOptions {
                    channel: c,
                    stream_index: 0,
                },
            )
            .expect("decodes");
            s.iter().map(|x| x * x).sum::<f32>() / s.len().max(1) as f32
        };
        assert!(energy(Channel::Left) > 0.001);
        assert!(energy(Channel::Right) < 1e-6);
    }

    #[test]
    fn no_audio_stream_is_none() {
        let dir = tempfile::tempdir().expect("tmp");
        let mp4 = dir.path().join("silent.mp4");
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x64:rate=10:duration=1",
            "-pix_fmt",
            "yuv420p",
            mp4.to_str().expect("utf-8"),
        ]);
        assert!(open(&mp4, &AudioOptions::default())
            .expect("probes")
            .is_none());
        assert!(read_all(&mp4, &AudioOptions::default())
            .expect("no error")
            .is_empty());
    }

    #[test]
    fn no_stream_is_recognised_in_the_words_of_ffmpeg_5_and_6() {
        let dir = tempfile::tempdir().expect("tmp");
        let wav = dir.path().join("a.wav");
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=16000:cl=mono",
            "-t",
            "0.1",
            wav.to_str().expect("utf-8"),
        ]);
        let mut stream = open(&wav, &AudioOptions::default())
            .expect("opens")
            .expect("has audio");
        stream.by_ref().for_each(drop);
        stream.samples_read = 0;
        // ffmpeg 5.1 ends with the words; 6.1 and later go on about the output file.
        let v5 = "Output file #0 does not contain any stream\n";
        let v6 = "Output file #0 does not contain any stream\nError opening output file -.\n\
                  Error opening output files: Invalid argument\n";
        for text in [v5, v6] {
            assert!(
                matches!(stream.failure(text), AudioError::NoStream { index: 0, .. }),
                "{text}"
            );
        }
        let other = stream.failure("Invalid data found when processing input\n");
        assert!(
            matches!(&other, AudioError::Decode { message, .. } if message.contains("Invalid data")),
            "{other}"
        );
        assert!(other.to_string().contains("a.wav"), "{other}");
    }

    #[test]
    fn missing_file_is_a_clear_error() {
        let err = open(
            Path::new("/nonexistent/video.mp4"),
            &AudioOptions::default(),
        )
        .expect_err("fails");
        assert!(err.to_string().contains("video.mp4"), "{err}");
    }
}
