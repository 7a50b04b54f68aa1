#!/usr/bin/env bash
# Builds the public search eval set from ../shared/data: each speech clip is muxed onto a scene
# video, after the video's own scenes, over a still tail (the video's last frame held), so the whole
# clip falls in one known scene. Output goes to a cache folder, never into the repository.
# The queries with their expected video and time are committed in tests/eval/queries.jsonl.
# Usage: scripts/make-eval-set.sh [OUT_DIR]   (default: ~/.cache/heimdex/eval-set)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${HEIMDEX_SHARED_DATA:-$HERE/../../shared/data}"
OUT="${1:-$HOME/.cache/heimdex/eval-set}"
mkdir -p "$OUT"

# name  video  video-seconds-kept  audio  audio-filter
mux() {
  local name="$1" video="$2" keep="$3" audio="$4" afilter="$5"
  local out="$OUT/$name"
  [ -s "$out" ] && return 0
  local adur
  adur="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$audio")"
  # The speech starts 0.5 s after the kept part; the held last frame lasts the speech + 1.5 s.
  local tail
  tail="$(python3 -c "print(round($adur + 2.0, 3))")"
  local total
  total="$(python3 -c "print(round($keep + $adur + 2.0, 3))")"
  local delay_ms
  delay_ms="$(python3 -c "print(int(($keep + 0.5) * 1000))")"
  ffmpeg -nostdin -v error -y -i "$video" -i "$audio" -filter_complex \
    "[0:v]fps=25,trim=duration=$keep,setpts=PTS-STARTPTS,scale=640:-2,setsar=1,tpad=stop_mode=clone:stop_duration=$tail,format=yuv420p[v];[1:a]${afilter}aresample=16000,adelay=${delay_ms}:all=1,apad[a]" \
    -map "[v]" -map "[a]" -t "$total" -c:v libx264 -preset veryfast -crf 28 -c:a aac -b:a 64k \
    -metadata title="heimdex eval $name" "$out.part.mp4"
  mv "$out.part.mp4" "$out"
}

mux eval-jfk.mp4 "$DATA/scenes/testvideo.mp4" 24.0 "$DATA/speech/jfk.wav" ""
mux eval-wizard.mp4 "$DATA/scenes/goldeneye-vfr-drop3.mp4" 9.9 "$DATA/speech/stereo_diarization.wav" "pan=mono|c0=c0,"
mux eval-horizon.mp4 "$DATA/scenes/issue-195-aspect-ratio.mp4" 25.0 "$DATA/speech/stereo_diarization.wav" "pan=mono|c0=c1,"
mux eval-license.mp4 "$DATA/scenes/issue-134-rotate.mp4" 10.0 "$DATA/speech/multilingual.mp3" ""
echo "$OUT"
