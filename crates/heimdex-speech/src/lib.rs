//! Local models of Heimdex: speech-to-text (Whisper on CTranslate2, feature `whisper`) and
//! locating model folders on disk.

pub mod model_dir;
pub mod speech;

pub use speech::{Segment, SpeechError, SpeechToText, TranscribeOptions, Transcript};

/// Process-wide settings of the speech engine (today: CTranslate2's CPU kernels on AMD CPUs with
/// AVX-512). Call it at the start of `main`, before any other thread starts: it may set an
/// environment variable.
pub fn prepare_process() {
    #[cfg(feature = "whisper")]
    speech::whisper::choose_cpu_kernels();
}
