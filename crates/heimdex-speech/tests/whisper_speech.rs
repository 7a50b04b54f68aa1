//! Whisper on real speech (../shared/data/speech) and on generated videos.
//!
//! Needs the model folders from `scripts/fetch-models.sh`: missing models skip the test locally and
//! fail it in CI. Generated media needs ffmpeg and espeak-ng.
#![cfg(feature = "whisper")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use heimdex_core::testdata::shared_data;
use heimdex_media::audio::{self, AudioOptions, Channel};
use heimdex_speech::model_dir::test_model;
use heimdex_speech::speech::whisper::{WhisperConfig, WhisperModel};
use heimdex_speech::speech::{SpeechToText, TranscribeOptions, Transcript};

/// What jfk.wav says (../shared/data/speech/README.md).
const JFK: &str = "And so my fellow Americans, ask not what your country can do for you, ask what \
                   you can do for your country.";

/// Models are loaded once per test binary; transcriptions take turns (each uses every core).
fn model(name: &'static str) -> Option<&'static Mutex<WhisperModel>> {
    static TINY: OnceLock<Option<Mutex<WhisperModel>>> = OnceLock::new();
    static BASE: OnceLock<Option<Mutex<WhisperModel>>> = OnceLock::new();
    let cell = if name == "whisper-base" { &BASE } else { &TINY };
    cell.get_or_init(|| {
        let dir = test_model(name)?;
        Some(Mutex::new(
            WhisperModel::load(&dir, &WhisperConfig::default()).expect("model loads"),
        ))
    })
    .as_ref()
}

fn transcribe(
    name: &'static str,
    file: &Path,
    channel: Channel,
    options: &TranscribeOptions,
) -> Option<Transcript> {
    let model = model(name)?;
    let model = model
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut stream = audio::open(
        file,
        &AudioOptions {
            channel,
            stream_index: 0,
        },
    )
    .expect("audio decodes")
    .expect("file has audio");
    let mut last = -1.0;
    let t = model
        .transcribe(&mut stream, options, &mut |secs| {
            assert!(secs >= last, "progress goes forward");
            last = secs;
            true
        })
        .expect("transcribes");
    eprintln!("{}: {:#?}", file.display(), t.segments);
    Some(t)
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('/', " ")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c.is_whitespace() {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Word error rate of `hyp` against `reference`.
fn wer(reference: &str, hyp: &str) -> f64 {
    let (r, h) = (words(reference), words(hyp));
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    for (i, x) in r.iter().enumerate() {
        let mut cur = vec![i + 1; h.len() + 1];
        for (j, y) in h.iter().enumerate() {
            cur[j + 1] = (prev[j + 1] + 1)
                .min(cur[j] + 1)
                .min(prev[j] + usize::from(x != y));
        }
        prev = cur;
    }
    prev[h.len()] as f64 / r.len().max(1) as f64
}

fn joined(t: &Transcript) -> String {
    t.segments
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn wer_helper_counts_edits() {
    assert_eq!(wer("a b c d", "a x c d"), 0.25);
    assert_eq!(wer("a b", "a b"), 0.0);
    assert_eq!(wer("Ask not, what", "ask not what"), 0.0);
}

#[test]
fn jfk_is_transcribed_with_accurate_times() {
    let Some(file) = shared_data("speech/jfk.wav") else {
        return;
    };
    let Some(t) = transcribe(
        "whisper-tiny.en",
        &file,
        Channel::Mix,
        &TranscribeOptions::default(),
    ) else {
        return;
    };
    let w = wer(JFK, &joined(&t));
    assert!(w <= 0.10, "WER {w:.3}: {}", joined(&t));
    let first = t.segments.first().expect("speech found");
    let last = t.segments.last().expect("speech found");
    assert!(
        first.start_secs.abs() <= 0.5,
        "starts at {}",
        first.start_secs
    );
    assert!(
        (last.end_secs - 11.0).abs() <= 0.5,
        "ends at {}",
        last.end_secs
    );
    assert_eq!(t.language.as_deref(), Some("en"));
    assert!((t.audio_secs - 11.0).abs() < 0.1);
}

#[test]
fn stats_count_the_windows_and_decoder_runs() {
    let Some(file) = shared_data("speech/jfk.wav") else {
        return;
    };
    let Some(model) = model("whisper-tiny.en") else {
        return;
    };
    let model = model
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut stream = audio::open(&file, &AudioOptions::default())
        .expect("decodes")
        .expect("has audio");
    let (t, stats) = model
        .transcribe_with_stats(&mut stream, &TranscribeOptions::default(), &mut |_| true)
        .expect("transcribes");
    assert!(!t.segments.is_empty());
    // 11 s of speech: one window, given only its own frames (not 30 s) plus a second of silence.
    assert_eq!(stats.windows, 1, "{stats:?}");
    assert!(stats.attempts >= 1, "{stats:?}");
    assert!((1100..=1300).contains(&stats.encoded_frames), "{stats:?}");
}

/// With two cores the next window is encoded and decoded (by a second copy of the model) while the
/// current one is decoded; that must not change a word or a time against one core.
#[test]
fn encoding_ahead_changes_nothing() {
    let Some(jfk) = shared_data("speech/jfk.wav") else {
        return;
    };
    let Some(dir) = test_model("whisper-tiny.en") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    // jfk, 3 s of silence, jfk, 3 s of silence, jfk: three windows, so that the third is
    // conditioned on text (the first window's: a window's context lags one window behind).
    let thrice = tmp.path().join("thrice.wav");
    run(Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
        .arg(&jfk)
        .args(["-i"])
        .arg(&jfk)
        .args(["-i"])
        .arg(&jfk)
        .args([
            "-filter_complex",
            "[0:a]aformat=sample_rates=16000:channel_layouts=mono,apad=pad_dur=3[a];\
             [1:a]aformat=sample_rates=16000:channel_layouts=mono,apad=pad_dur=3[b];\
             [2:a]aformat=sample_rates=16000:channel_layouts=mono[c];\
             [a][b][c]concat=n=3:v=0:a=1",
        ])
        .arg(&thrice));
    let run_opts = |threads: usize, file: &Path, options: &TranscribeOptions| {
        let model = WhisperModel::load(
            &dir,
            &WhisperConfig {
                threads,
                ..WhisperConfig::default()
            },
        )
        .expect("model loads");
        let mut stream = audio::open(file, &AudioOptions::default())
            .expect("decodes")
            .expect("has audio");
        model
            .transcribe_with_stats(&mut stream, options, &mut |_| true)
            .expect("transcribes")
    };
    let run_with =
        |threads: usize, file: &Path| run_opts(threads, file, &TranscribeOptions::default());
    let (one, one_stats) = run_with(1, &thrice);
    let (two, two_stats) = run_with(2, &thrice);
    assert_eq!(one_stats.overlapped_windows, 0, "{one_stats:?}");
    assert!(two_stats.overlapped_windows >= 1, "{two_stats:?}");
    assert_eq!(two_stats.wasted_encodings, 0, "{two_stats:?}");
    assert_eq!(one.segments, two.segments);
    let no_context = TranscribeOptions {
        condition_on_previous_text: false,
        ..TranscribeOptions::default()
    };
    let (_, alone) = run_opts(2, &thrice, &no_context);
    assert!(
        two_stats.prompt_tokens > alone.prompt_tokens,
        "a window was conditioned on earlier text: {two_stats:?} vs {alone:?}"
    );
    assert_eq!(one_stats.prompt_tokens, two_stats.prompt_tokens);
    assert!(
        wer(&format!("{JFK} {JFK} {JFK}"), &joined(&two)) <= 0.1,
        "{}",
        joined(&two)
    );
    // multilingual.mp3 has a window the model leaves unfinished (the next one starts inside it)
    // after windows encoded ahead: the result must still be the same. Only comparable without
    // the temperature fallback, which samples at random.
    let Some(multi) = shared_data("speech/multilingual.mp3") else {
        return;
    };
    let (one, one_stats) = run_with(1, &multi);
    let (two, two_stats) = run_with(2, &multi);
    if one_stats.fallback_windows == 0 && two_stats.fallback_windows == 0 {
        assert_eq!(one.segments, two.segments, "{one_stats:?} {two_stats:?}");
    } else {
        eprintln!("the fallback sampled: {one_stats:?} {two_stats:?}");
    }
}

#[test]
fn stereo_channels_are_transcribed_separately() {
    let Some(file) = shared_data("speech/stereo_diarization.wav") else {
        return;
    };
    let opts = TranscribeOptions::default();
    let Some(left) = transcribe("whisper-tiny.en", &file, Channel::Left, &opts) else {
        return;
    };
    let Some(right) = transcribe("whisper-tiny.en", &file, Channel::Right, &opts) else {
        return;
    };
    let left_ref = "He began a confused complaint against the wizard, who had vanished behind the curtain on the left.";
    let right_ref = "The horizon seems extremely distant.";
    let (wl, wr) = (
        wer(left_ref, &joined(&left)),
        wer(right_ref, &joined(&right)),
    );
    assert!(wl <= 0.2, "left WER {wl:.2}: {}", joined(&left));
    assert!(wr <= 0.2, "right WER {wr:.2}: {}", joined(&right));
}

#[test]
fn english_part_of_multilingual_with_tiny_en() {
    let Some(file) = shared_data("speech/multilingual.mp3") else {
        return;
    };
    let Some(t) = transcribe(
        "whisper-tiny.en",
        &file,
        Channel::Mix,
        &TranscribeOptions::default(),
    ) else {
        return;
    };
    let english: String = t
        .segments
        .iter()
        .filter(|s| s.end_secs <= 32.0)
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let reference = "Permission is hereby granted, free of charge, to any person obtaining a copy of this \
        software and associated documentation files (the Software), to deal in the Software without \
        restriction, including without limitation the rights to use, copy, modify, merge, publish, \
        distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the \
        Software is furnished to do so, subject to the following conditions: The above copyright notice \
        and this permission notice shall be included in all copies or substantial portions of the Software.";
    let w = wer(reference, &english);
    assert!(w <= 0.2, "WER {w:.2}: {english}");
}

#[test]
fn language_switch_is_detected_with_the_multilingual_model() {
    let Some(file) = shared_data("speech/multilingual.mp3") else {
        return;
    };
    let Some(t) = transcribe(
        "whisper-base",
        &file,
        Channel::Mix,
        &TranscribeOptions::default(),
    ) else {
        return;
    };
    let langs: Vec<&str> = t
        .segments
        .iter()
        .filter_map(|s| s.language.as_deref())
        .collect();
    assert_eq!(langs.first().copied(), Some("en"), "{langs:?}");
    assert!(langs.contains(&"de"), "no German segment: {langs:?}");
    // About as much of each is spoken: either may be the main language.
    assert!(
        matches!(t.language.as_deref(), Some("en" | "de")),
        "{:?}",
        t.language
    );
}

#[test]
fn initial_prompt_teaches_a_hot_word() {
    let Some(file) = shared_data("speech/hotwords.mp3") else {
        return;
    };
    let opts = TranscribeOptions {
        initial_prompt: Some("ComfyUI".to_owned()),
        ..TranscribeOptions::default()
    };
    let Some(t) = transcribe("whisper-tiny.en", &file, Channel::Mix, &opts) else {
        return;
    };
    assert!(joined(&t).contains("ComfyUI"), "{}", joined(&t));
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("tool runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 1-fps video: `before` s of silence, espeak-ng saying `text`, `after` s of silence. Returns the
/// path and the speech's (start, end) in seconds.
fn speech_video(dir: &Path, text: &str, before: f64, after: f64) -> (PathBuf, f64, f64) {
    let speech = dir.join("speech.wav");
    run(Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&speech)
        .arg(text));
    let info = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(&speech)
        .output()
        .expect("ffprobe runs");
    let speech_secs: f64 = String::from_utf8_lossy(&info.stdout)
        .trim()
        .parse()
        .expect("duration");
    let total = before + speech_secs + after;
    let video = dir.join("talk.mp4");
    let delay_ms = (before * 1000.0) as u64;
    run(Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("color=c=gray:size=64x64:rate=5:duration={total}"))
        .arg("-i")
        .arg(&speech)
        .arg("-filter_complex")
        .arg(format!("[1:a]adelay={delay_ms},apad,atrim=0:{total}[a]"))
        .args([
            "-map", "0:v", "-map", "[a]", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-ar", "22050",
        ])
        .arg(&video));
    (video, before, before + speech_secs)
}

#[test]
fn silence_around_speech_stays_empty() {
    if model("whisper-tiny.en").is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let text = "The quick brown fox jumps over the lazy dog. Please call me back tomorrow morning.";
    let (video, start, end) = speech_video(dir.path(), text, 8.0, 10.0);
    let Some(t) = transcribe(
        "whisper-tiny.en",
        &video,
        Channel::Mix,
        &TranscribeOptions::default(),
    ) else {
        return;
    };
    assert!(!t.segments.is_empty(), "speech found");
    for s in &t.segments {
        assert!(
            s.start_secs >= start - 0.7 && s.end_secs <= end + 0.7,
            "segment outside the speech ({start:.1}-{end:.1}): {s:?}"
        );
    }
    let w = wer(text, &joined(&t));
    assert!(w <= 0.3, "WER {w:.2}: {}", joined(&t));
}

#[test]
fn video_without_audio_has_no_transcript_and_no_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let video = dir.path().join("mute.mp4");
    run(Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x64:rate=5:duration=2",
        ])
        .args(["-pix_fmt", "yuv420p"])
        .arg(&video));
    assert!(audio::open(&video, &AudioOptions::default())
        .expect("no error")
        .is_none());
}

#[test]
fn corrupt_audio_fails_clearly_or_degrades_gracefully() {
    let dir = tempfile::tempdir().expect("tmp");
    let (video, _, _) = speech_video(
        dir.path(),
        "Testing a damaged audio track, one two three.",
        1.0,
        1.0,
    );
    // Overwrite the middle of the file (inside the media data) with garbage.
    let mut bytes = std::fs::read(&video).expect("read");
    let (a, b) = (bytes.len() / 3, bytes.len() * 2 / 3);
    for (i, byte) in bytes[a..b].iter_mut().enumerate() {
        *byte = (i as u8).wrapping_mul(151).wrapping_add(7);
    }
    let broken = dir.path().join("broken.mp4");
    std::fs::write(&broken, &bytes).expect("write");
    match audio::read_all(&broken, &AudioOptions::default()) {
        Ok(samples) => {
            // Graceful: whatever decoded is usable audio.
            assert!(samples.iter().all(|s| s.is_finite()));
            if let Some(m) = model("whisper-tiny.en") {
                let m = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let mut src = heimdex_speech::speech::SliceSource::new(&samples);
                m.transcribe(&mut src, &TranscribeOptions::default(), &mut |_| true)
                    .expect("transcribes");
            }
        }
        Err(e) => assert!(
            e.to_string().contains("broken.mp4"),
            "error names the file: {e}"
        ),
    }
}

#[test]
fn cancel_stops_transcription() {
    let Some(file) = shared_data("speech/jfk.wav") else {
        return;
    };
    let Some(model) = model("whisper-tiny.en") else {
        return;
    };
    let model = model
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut stream = audio::open(&file, &AudioOptions::default())
        .expect("decodes")
        .expect("has audio");
    let r = model.transcribe(&mut stream, &TranscribeOptions::default(), &mut |_| false);
    assert!(
        matches!(r, Err(heimdex_speech::SpeechError::Cancelled)),
        "{r:?}"
    );
}
