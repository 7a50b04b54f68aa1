#!/usr/bin/env bash
# End-to-end indexing benchmark (issue #17 item 3): builds a long 720p30 H.264 file with speech
# from the shared media (testvideo.mp4 looped, multilingual.mp3 looped under it), indexes it with
# `heimdex index` and every default stage (scenes, speech, vision, OCR when tesseract is there,
# vectors), and prints wall time, times real time, each stage's share of the wall time, peak RSS
# and the CPU.
#
#   scripts/bench-index.sh [--minutes N]     (default 60)
#
# The file is made once under ~/.cache/heimdex/bench (a 2-minute segment encoded at 720p30, then
# stream-copied N/2 times); the library is a fresh temporary folder each run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
MINUTES=60
while [ "$#" -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    *) echo "usage: $0 [--minutes N]" >&2; exit 2 ;;
  esac
done
DATA="$(pwd)/../shared/data"
BENCH_DIR="${HEIMDEX_BENCH_DIR:-$HOME/.cache/heimdex/bench}"
mkdir -p "$BENCH_DIR"
SEGMENT="$BENCH_DIR/index-segment-720p30-2min.mp4"
LONG="$BENCH_DIR/index-${MINUTES}min-720p30.mp4"
if [ ! -s "$SEGMENT" ]; then
  echo "making a 2-minute 720p30 segment with speech…" >&2
  ffmpeg -nostdin -v error -y -stream_loop -1 -i "$DATA/scenes/testvideo.mp4" \
    -stream_loop -1 -i "$DATA/speech/multilingual.mp3" -t 120 \
    -map 0:v -map 1:a -vf "scale=1280:720,fps=30" -c:v libx264 -preset veryfast -crf 23 \
    -g 60 -c:a aac -b:a 96k -ar 44100 "$SEGMENT.part.mp4"
  mv "$SEGMENT.part.mp4" "$SEGMENT"
fi
if [ ! -s "$LONG" ]; then
  echo "making the ${MINUTES}-minute file (stream copy)…" >&2
  LIST="$BENCH_DIR/index-list.txt"
  : >"$LIST"
  for _ in $(seq 1 $(((MINUTES + 1) / 2))); do echo "file '$SEGMENT'" >>"$LIST"; done
  ffmpeg -nostdin -v error -y -f concat -safe 0 -i "$LIST" -c copy -t "$((MINUTES * 60))" \
    "$LONG.part.mp4"
  mv "$LONG.part.mp4" "$LONG"
fi
echo "building heimdex (release)…" >&2
cargo build --release --locked -p heimdex-cli -q
BIN="$CARGO_TARGET_DIR/release/heimdex"
LIB="$(mktemp -d)"
trap 'rm -rf "$LIB"' EXIT
CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "CPU: $CPU ($(nproc) cores; lscpu: $(lscpu | awk -F: '/Vendor ID|CPU family|Model:/{gsub(/ +/," ",$2); printf "%s%s", sep, $2; sep=","}'))"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $LONG ($(ffprobe -v error -show_entries format=duration -of csv=p=0 "$LONG") s)"
/usr/bin/time -v -o "$LIB/time.txt" "$BIN" --data-dir "$LIB/library" index "$LONG" >&2
python3 - "$LIB/library/library.db" "$LIB/time.txt" "$LONG" <<'EOF'
import sqlite3, subprocess, sys
db, timing, video = sys.argv[1:4]
duration = float(subprocess.check_output(
    ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", video]).decode())
t = {}
for line in open(timing):
    k, _, v = line.strip().rpartition(": ")
    t[k] = v
def wall(s):
    parts = [float(p) for p in s.split(":")]
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return secs
elapsed = wall(t["Elapsed (wall clock) time (h:mm:ss or m:ss)"])
rss_mib = int(t["Maximum resident set size (kbytes)"]) / 1024
con = sqlite3.connect(db)
rows = con.execute(
    "SELECT stage, state, started_at, finished_at FROM jobs ORDER BY stage_order").fetchall()
print(f"wall {elapsed:.1f} s for {duration / 60:.1f} min of video: {duration / elapsed:.2f}x real time")
print(f"peak RSS {rss_mib:.0f} MiB; CPU used {t['Percent of CPU this job got']}")
print(f"{'stage':<8} {'state':<7} {'secs':>8} {'share':>6}")
for stage, state, start, end in rows:
    secs = (end - start) / 1000 if start and end else float("nan")
    print(f"{stage:<8} {state:<7} {secs:8.1f} {100 * secs / elapsed:5.1f}%")
EOF
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
