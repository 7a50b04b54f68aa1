"""faster-whisper side of scripts/bench-speech.sh: one JSON line per file, same fields as
crates/heimdex-speech/examples/speech_bench.rs. Usage: fw_transcribe.py MODEL_DIR THREADS BEAM FILE...

Everything else is faster-whisper's default (temperatures 0, 0.2 ... 1.0, best_of 5, compression
ratio 2.4, log-prob -1, no-speech 0.6, no VAD); BENCH_CONDITION=0|1 sets condition_on_previous_text
(faster-whisper's default: 1)."""
import json
import os
import resource
import sys
import time

from faster_whisper import WhisperModel


def main():
    model_dir, threads, beam, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    vad = os.environ.get("FW_VAD", "0") == "1"
    language = os.environ.get("BENCH_LANGUAGE") or None
    condition = os.environ.get("BENCH_CONDITION", "1") != "0"
    t0 = time.perf_counter()
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
    load_secs = time.perf_counter() - t0
    for f in files:
        t = time.perf_counter()
        segments, info = model.transcribe(f, beam_size=beam, vad_filter=vad, language=language,
                                          condition_on_previous_text=condition)
        segs = [{"start": s.start, "end": s.end, "text": s.text.strip(), "language": info.language,
                 "seek": s.seek, "temperature": s.temperature}
                for s in segments]  # the generator does the work: consume it inside the timing
        secs = time.perf_counter() - t
        print(json.dumps({
            "engine": "faster-whisper" + (" (vad)" if vad else "") + os.environ.get("FW_ENGINE_SUFFIX", ""),
            "file": f,
            "load_secs": load_secs,
            "secs": secs,
            "audio_secs": info.duration,
            "language": info.language,
            "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "condition_on_previous_text": condition,
            # Windows that produced text, and how many of them needed the temperature fallback.
            "stats": {"windows_with_text": len({s["seek"] for s in segs}),
                      "fallback_windows_with_text": len({s["seek"] for s in segs if s["temperature"] > 0})},
            "segments": segs,
        }), flush=True)


if __name__ == "__main__":
    main()
