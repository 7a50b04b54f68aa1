"""faster-whisper side of scripts/bench-speech.sh: one JSON line per file, same fields as
crates/heimdex-models/examples/speech_bench.rs. Usage: fw_transcribe.py MODEL_DIR THREADS BEAM FILE..."""
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
    t0 = time.perf_counter()
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
    load_secs = time.perf_counter() - t0
    for f in files:
        t = time.perf_counter()
        segments, info = model.transcribe(f, beam_size=beam, vad_filter=vad, language=language)
        segs = [{"start": s.start, "end": s.end, "text": s.text.strip(), "language": info.language}
                for s in segments]  # the generator does the work: consume it inside the timing
        secs = time.perf_counter() - t
        print(json.dumps({
            "engine": "faster-whisper" + (" (vad)" if vad else ""),
            "file": f,
            "load_secs": load_secs,
            "secs": secs,
            "audio_secs": info.duration,
            "language": info.language,
            "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "segments": segs,
        }), flush=True)


if __name__ == "__main__":
    main()
