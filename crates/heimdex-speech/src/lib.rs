//! Local models of Heimdex: speech-to-text (Whisper on CTranslate2, feature `whisper`) and
//! locating model folders on disk.

pub mod model_dir;
pub mod speech;

pub use speech::{Segment, SpeechError, SpeechToText, TranscribeOptions, Transcript};
