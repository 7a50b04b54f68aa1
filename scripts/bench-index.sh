#!/usr/bin/env bash
# End-to-end indexing benchmark (issue #17 item 3): builds a long 720p30 H.264 file with speech
# from the shared media (testvideo.mp4 looped, multilingual.mp3 looped under it), indexes it with
# `heimdex index` and every default stage (scenes, speech, vision, OCR when tesseract is there,
# vectors), and prints wall time, times real time, each stage's share of the wall time, how much
# the stages overlapped, peak RSS, the CPU, and how far the ETA the app reported (the video's time
# left, from `heimdex index --progress-log`) was from the real end once 10 % of the run was done.
#
#   scripts/bench-index.sh [--minutes N]     (default 60)
#
# HEIMDEX_BENCH_BIN=path runs that heimdex binary instead of building this checkout (to compare a
# build of another commit side by side).
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
if [ -n "${HEIMDEX_BENCH_BIN:-}" ]; then
  BIN="$HEIMDEX_BENCH_BIN"
  echo "binary: $BIN (given)"
else
  echo "building heimdex (release)…" >&2
  cargo build --release --locked -p heimdex-cli -q
  BIN="$CARGO_TARGET_DIR/release/heimdex"
  echo "binary: built from $(git log -1 --format=%h)$(git diff --quiet HEAD -- crates Cargo.lock || echo ' + uncommitted changes')"
fi
LIB="$(mktemp -d)"
trap 'rm -rf "$LIB"' EXIT
CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "CPU: $CPU ($(nproc) cores; lscpu: $(lscpu | awk -F: '/Vendor ID|CPU family|Model:/{gsub(/ +/," ",$2); printf "%s%s", sep, $2; sep=","}'))"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $LONG ($(ffprobe -v error -show_entries format=duration -of csv=p=0 "$LONG") s)"
LOG_ARG=()
if "$BIN" index --help 2>/dev/null | grep -q -- --progress-log || "$BIN" index --progress-log /dev/null --help >/dev/null 2>&1; then
  LOG_ARG=(--progress-log "$LIB/progress.jsonl")
fi
T0_MS="$(date +%s%3N)"
/usr/bin/time -v -o "$LIB/time.txt" "$BIN" --data-dir "$LIB/library" index "${LOG_ARG[@]}" "$LONG" >&2 &
TIME_PID=$!
# The indexer's memory over time (to tell which stages were running at the peak).
: >"$LIB/rss.txt"
while kill -0 "$TIME_PID" 2>/dev/null; do
  for child in $(pgrep -P "$TIME_PID"); do
    echo "$(date +%s%3N) $(awk '/VmRSS/{print $2}' "/proc/$child/status" 2>/dev/null)" >>"$LIB/rss.txt"
  done
  sleep 0.5
done
wait "$TIME_PID"
T1_MS="$(date +%s%3N)"
cp "$LIB/progress.jsonl" "$BENCH_DIR/last-progress.jsonl" 2>/dev/null || true
python3 - "$LIB/library/library.db" "$LIB/time.txt" "$LONG" "$LIB/progress.jsonl" "$T0_MS" "$T1_MS" "$LIB/rss.txt" <<'EOF'
import json, os, sqlite3, subprocess, sys
db, timing, video, log = sys.argv[1:5]
t0, t1 = int(sys.argv[5]) / 1000, int(sys.argv[6]) / 1000
rss_log = sys.argv[7]
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
busy = 0.0
spans = []
for stage, state, start, end in rows:
    secs = (end - start) / 1000 if start and end else float("nan")
    if start and end:
        busy += secs
        spans.append((start / 1000, end / 1000))
    print(f"{stage:<8} {state:<7} {secs:8.1f} {100 * secs / elapsed:5.1f}%")
if spans:
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    peak = (0, 0.0)
    for line in open(rss_log):
        parts = line.split()
        if len(parts) == 2 and int(parts[1]) > peak[0]:
            peak = (int(parts[1]), int(parts[0]) / 1000)
    if peak[0]:
        running = [r[0] for r in rows if r[2] and r[3] and r[2] / 1000 <= peak[1] <= r[3] / 1000]
        print(f"sampled peak RSS {peak[0] / 1024:.0f} MiB at {peak[1] - t0:.1f} s, while "
              f"{', '.join(running) or 'no stage'} ran")
    print(f"stages: {busy:.1f} s of stage time in {last - first:.1f} s from the first start to the "
          f"last end (overlap {busy / (last - first):.2f}x); import and start-up "
          f"{first - t0:.1f} s")
# The ETA check: the video's time left as the app reported it, against the real end of its jobs.
if not os.path.exists(log):
    print("ETA: no progress log (this binary has no --progress-log)")
    sys.exit(0)
samples, end = [], None
for line in open(log):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    ev, t = e.get("event", {}), e["t_ms"] / 1000
    u = ev.get("update", {})
    if ev.get("type") != "job":
        continue
    if u.get("kind") in ("done", "failed", "cancelled"):
        end = t if end is None else max(end, t)
    eta = u.get("eta_secs", u.get("etaSecs"))
    if u.get("kind") == "progress" and eta is not None:
        samples.append((t, eta))
if not samples or end is None:
    print("ETA: no estimates reported")
    sys.exit(0)
run = end - t0
worst_total, worst_left, rows_at = 0.0, 0.0, {}
for t, eta in samples:
    done = (t - t0) / run
    if done < 0.10 or t >= end:
        continue
    left = end - t
    err_total = (t + eta - end) / run
    if abs(err_total) > abs(worst_total):
        worst_total = err_total
    if done <= 0.90 and abs((eta - left) / left) > abs(worst_left):
        worst_left = (eta - left) / left
    for mark in (0.1, 0.25, 0.5, 0.75, 0.9):
        if done >= mark and mark not in rows_at:
            rows_at[mark] = (t - t0, eta, left)
print(f"ETA ({len(samples)} reports): worst error once 10 % was done: "
      f"{100 * worst_left:+.0f} % of the time really left (10-90 % of the run), "
      f"{100 * worst_total:+.0f} % of the whole run (predicted end against the real end)")
for mark, (at, eta, left) in sorted(rows_at.items()):
    print(f"  at {100 * mark:3.0f} % ({at:6.1f} s): ETA {eta:6.1f} s, really {left:6.1f} s")
EOF
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
