//! Transcribes audio files with Heimdex's Whisper stage and prints one JSON line per file (timing,
//! segments, peak memory) for `scripts/bench-speech.sh`, which runs faster-whisper beside it.
//!
//! `cargo run --release -p heimdex-speech --example speech_bench -- MODEL_DIR THREADS BEAM FILE...`
//!
//! `BENCH_CONDITION=0|1` sets `condition_on_previous_text` (default: the stage's own default);
//! `BENCH_LANGUAGE` forces a language. Each line also says where the time went (`stats`: windows,
//! decoder runs, fallbacks, seconds in features / encoder / decoder).

use std::path::Path;
use std::time::Instant;

use heimdex_media::audio::{self, AudioOptions};
use heimdex_speech::speech::whisper::{Precision, WhisperConfig, WhisperModel};
use heimdex_speech::speech::TranscribeOptions;

/// Peak resident memory of this process (kB), from /proc.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: speech_bench MODEL_DIR THREADS BEAM FILE...");
        std::process::exit(2);
    }
    let threads: usize = args[1].parse()?;
    let beam: usize = args[2].parse()?;
    let t0 = Instant::now();
    let model = WhisperModel::load(
        Path::new(&args[0]),
        &WhisperConfig {
            threads,
            precision: Precision::Int8,
        },
    )?;
    let load_secs = t0.elapsed().as_secs_f64();
    let defaults = TranscribeOptions::default();
    let condition = match std::env::var("BENCH_CONDITION").as_deref() {
        Ok("0") => false,
        Ok("1") => true,
        _ => defaults.condition_on_previous_text,
    };
    let options = TranscribeOptions {
        beam_size: beam,
        language: std::env::var("BENCH_LANGUAGE")
            .ok()
            .filter(|l| !l.is_empty()),
        condition_on_previous_text: condition,
        ..defaults
    };
    for file in &args[3..] {
        let t = Instant::now();
        let mut stream = audio::open(Path::new(file), &AudioOptions::default())?
            .ok_or_else(|| format!("{file} has no audio"))?;
        let (transcript, stats) =
            model.transcribe_with_stats(&mut stream, &options, &mut |_| true)?;
        let secs = t.elapsed().as_secs_f64();
        let line = serde_json::json!({
            "engine": "heimdex",
            "file": file,
            "load_secs": load_secs,
            "secs": secs,
            "audio_secs": transcript.audio_secs,
            "language": transcript.language,
            "peak_rss_kb": peak_rss_kb(),
            "condition_on_previous_text": options.condition_on_previous_text,
            "stats": stats,
            "segments": transcript.segments.iter().map(|s| serde_json::json!({
                "start": s.start_secs, "end": s.end_secs, "text": s.text, "language": s.language,
                "avg_logprob": s.avg_logprob, "no_speech_prob": s.no_speech_prob,
            })).collect::<Vec<_>>(),
        });
        println!("{line}");
    }
    Ok(())
}
