#!/usr/bin/env bash
# Speech benchmark: Heimdex's Whisper stage against faster-whisper, side by side, same model folder,
# same audio, beam 5, int8, 2 threads. Prints speed (x real time, RTF), the speed-up, WER and peak
# memory. Not a test: timings vary with the machine.
#
#   scripts/bench-speech.sh [MODEL_NAME]      (default whisper-tiny.en; needs scripts/fetch-models.sh)
#
# faster-whisper is installed into a virtualenv ($HEIMDEX_BENCH_VENV, default
# ~/.cache/heimdex/venv-whisper). Set FW_VAD=1 to add a faster-whisper run with its VAD filter on,
# FW_ALSO_THREADS=N to add one with N threads.
# Both engines get the same decoding settings: beam 5, temperatures 0, 0.2 ... 1.0 (best of 5),
# compression ratio 2.4, log-prob -1, no-speech 0.6, and condition_on_previous_text from
# BENCH_CONDITION (default 1, faster-whisper's default). Run it under
# `flock /tmp/heimdex-bench.lock`; it prints the load average before and after.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/env.sh"
MODEL_NAME="${1:-whisper-tiny.en}"
MODEL_DIR="${HEIMDEX_MODEL_DIR:-$HOME/.local/share/heimdex/models}/$MODEL_NAME"
DATA="${HEIMDEX_SHARED_DATA:-$ROOT/../shared/data}/speech"
VENV="${HEIMDEX_BENCH_VENV:-$HOME/.cache/heimdex/venv-whisper}"
WORK="${HEIMDEX_BENCH_DIR:-$HOME/.cache/heimdex/bench-speech}"
THREADS="${BENCH_THREADS:-2}"
export BENCH_CONDITION="${BENCH_CONDITION:-1}"
BEAM="${BENCH_BEAM:-5}"

[[ -f "$MODEL_DIR/model.bin" ]] || { echo "model $MODEL_DIR missing: run scripts/fetch-models.sh" >&2; exit 1; }
[[ -f "$DATA/jfk.wav" ]] || { echo "test media missing in $DATA" >&2; exit 1; }

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c "import faster_whisper" 2>/dev/null; then
  echo "installing faster-whisper into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "faster-whisper==1.2.1"
fi

# The 10-minute file: (jfk + multilingual) nine times, as 16 kHz mono WAV so the pieces join exactly.
mkdir -p "$WORK"
LONG="$WORK/long-10min.wav"
if [[ ! -f "$LONG" ]]; then
  ffmpeg -nostdin -loglevel error -y -i "$DATA/jfk.wav" -ac 1 -ar 16000 "$WORK/jfk16.wav"
  ffmpeg -nostdin -loglevel error -y -i "$DATA/multilingual.mp3" -ac 1 -ar 16000 "$WORK/multi16.wav"
  : >"$WORK/list.txt"
  for _ in $(seq 9); do printf "file '%s'\nfile '%s'\n" "$WORK/jfk16.wav" "$WORK/multi16.wav" >>"$WORK/list.txt"; done
  ffmpeg -nostdin -loglevel error -y -f concat -safe 0 -i "$WORK/list.txt" -c copy "$LONG"
fi

# Reference spans for WER: (start s, end s, reference key). The German half has no reference.
python3 - "$WORK" >"$WORK/spans.json" <<'PY'
import json, subprocess, sys
w = sys.argv[1]
dur = lambda f: float(subprocess.check_output(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                               "-of", "csv=p=0", f]).strip())
jfk, multi = dur(f"{w}/jfk16.wav"), dur(f"{w}/multi16.wav")
english = 31.0  # the English paragraph of multilingual.mp3 ends at ~31 s
long_spans = []
for k in range(9):
    o = k * (jfk + multi)
    long_spans += [(o, o + jfk, "jfk"), (o + jfk, o + jfk + english, "mit_en")]
print(json.dumps({"jfk.wav": [(0, jfk, "jfk")], "multilingual.mp3": [(0, english, "mit_en")],
                  "long-10min.wav": long_spans}))
PY

# BENCH_PROFILE=dev reuses the dev build (CTranslate2 is compiled -O3 in every profile, and
# heimdex-speech is opt-level 3 in dev) to save the ~6 min CTranslate2 build of a release profile.
PROFILE="${BENCH_PROFILE:-release}"
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  echo "building the Heimdex bench ($PROFILE)..." >&2
  # The whole workspace's features, as the test command builds them: with `-p heimdex-speech` alone
  # the dev profile would build CTranslate2 a second time with other features.
  (cd "$ROOT" && cargo build --profile "$PROFILE" -q --workspace \
    $HEIMDEX_APP_FEATURES --example speech_bench)
fi
PROFILE_DIR="$PROFILE"; [[ "$PROFILE" == dev ]] && PROFILE_DIR=debug
BIN="$CARGO_TARGET_DIR/$PROFILE_DIR/examples/speech_bench"

FILES=("$DATA/jfk.wav" "$DATA/multilingual.mp3" "$LONG")
OUT="$WORK/results.jsonl"
: >"$OUT"
echo "model $MODEL_DIR, beam $BEAM, int8, $THREADS threads, condition_on_previous_text=$BENCH_CONDITION, build $PROFILE" >&2
echo "load before: $(uptime)" >&2
# Warm-up (page cache, lazy init) for both, not reported.
"$BIN" "$MODEL_DIR" "$THREADS" "$BEAM" "$DATA/jfk.wav" >/dev/null
# One file at a time, the two engines back to back, each in its own process (peak memory per engine).
for f in "${FILES[@]}"; do
  echo "  $(basename "$f"): faster-whisper..." >&2
  "$VENV/bin/python" "$ROOT/scripts/bench/fw_transcribe.py" "$MODEL_DIR" "$THREADS" "$BEAM" "$f" >>"$OUT"
  # FW_ALSO_THREADS=1: faster-whisper once more with that many threads (on 2 cores it is faster
  # with 1 than with 2: the decoder's steps are too small to split between threads).
  if [[ -n "${FW_ALSO_THREADS:-}" ]]; then
    FW_ENGINE_SUFFIX=" ($FW_ALSO_THREADS thr)" "$VENV/bin/python" "$ROOT/scripts/bench/fw_transcribe.py" \
      "$MODEL_DIR" "$FW_ALSO_THREADS" "$BEAM" "$f" >>"$OUT"
  fi
  if [[ "${FW_VAD:-0}" == 1 ]]; then
    FW_VAD=1 "$VENV/bin/python" "$ROOT/scripts/bench/fw_transcribe.py" "$MODEL_DIR" "$THREADS" "$BEAM" "$f" >>"$OUT"
  fi
  echo "  $(basename "$f"): heimdex..." >&2
  "$BIN" "$MODEL_DIR" "$THREADS" "$BEAM" "$f" >>"$OUT"
done
echo "load after:  $(uptime)" >&2
python3 "$ROOT/scripts/bench/report.py" "$WORK/spans.json" <"$OUT"
echo "raw results: $OUT" >&2
