#!/usr/bin/env bash
# The long cut set for the keyframe-first scene detector (issue #17 item 1): several minutes of
# 720p and 1080p H.264 with hard cuts, fades to and from black, cross-fades and short flashes.
# Made at run time (idempotent) into ~/.cache/heimdex/long-cut-set (or $1); nothing is committed.
#
#   scripts/make-long-cut-set.sh [DIR]
#
# - synth-720p.mp4   (180 s, 1280x720, 30 fps): ffmpeg test sources (testsrc2, mandelbrot, life,
#   cellauto, SMPTE bars with moving noise, rgbtestsrc, a slowly zooming gradient) joined by hard
#   cuts; some shots fade in or out (to black, 1 s), two 1 s cross-fades, and 2-frame white
#   flashes inside shots.
# - testvideo-1080p.mp4 (240 s, 1920x1080, 29.97 fps): PySceneDetect's testvideo.mp4 (from the
#   shared data) looped 10 times and scaled up: real footage with cuts, fades and motion.
# - synth-1080p-longgop.mp4 (120 s, 1920x1080, 25 fps): like the 720p clip, encoded with one
#   keyframe every 10 s and no scene-cut keyframes (cuts fall inside GOPs: the costly case).
# All x264 preset veryfast (3 B-frames), crf 23, yuv420p. The two synthetic clips keep their
# B-frames as non-reference frames (`b-pyramid=none`, as many encoders do): the keyframe-first
# pass skips only non-reference frames, so x264's default pyramid (half the B-frames are
# references) leaves it little to skip; testvideo-1080p keeps x264's defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-$HOME/.cache/heimdex/long-cut-set}"
DATA="$(pwd)/../shared/data/scenes"
mkdir -p "$OUT"

synth() { # synth W H FPS SECONDS_PER_SHOT SHOTS OUTFILE [x264 params]
  local w=$1 h=$2 r=$3 d=$4 n=$5 out=$6 params=${7:-}
  [ -s "$out" ] && return 0
  local graph="" segs=""
  for i in $(seq 0 $((n - 1))); do
    local len=$(( d + (i * 7) % 5 ))
    case $((i % 7)) in
      0) src="testsrc2=s=${w}x${h}:r=$r:d=$len" ;;
      1) src="mandelbrot=s=${w}x${h}:r=$r,trim=duration=$len" ;;
      2) src="life=s=$((w / 4))x$((h / 4)):r=$r:mold=10:ratio=0.3:death_color=#203040:life_color=#e0c060,scale=${w}x${h}:flags=neighbor,trim=duration=$len" ;;
      3) src="smptehdbars=s=${w}x${h}:r=$r:d=$len,noise=alls=6:allf=t" ;;
      4) src="cellauto=s=$((w / 4))x$((h / 4)):r=$r:rule=110,scale=${w}x${h}:flags=neighbor,trim=duration=$len" ;;
      5) src="rgbtestsrc=s=${w}x${h}:r=$r:d=$len,hue=H=t*20" ;;
      6) src="testsrc=s=${w}x${h}:r=$r:d=$len,zoompan=z='1+on/600':d=1:s=${w}x${h}:fps=$r" ;;
    esac
    local extra="setpts=PTS-STARTPTS,format=yuv420p"
    # Fades to / from black on some shots.
    case $((i % 5)) in
      1) extra="$extra,fade=t=in:st=0:d=1" ;;
      3) extra="$extra,fade=t=out:st=$((len - 1)):d=1" ;;
    esac
    # A 2-frame white flash in the middle of every fourth shot.
    if [ $((i % 4)) -eq 2 ]; then
      extra="$extra,drawbox=c=white:t=fill:enable='between(n\,$((len * r / 2))\,$((len * r / 2 + 1)))'"
    fi
    graph="$graph$src,$extra,settb=1/$r[s$i];"
    segs="$segs[s$i]"
  done
  # Two cross-fades: shots 4/5 and 11/12 (when present) are joined with a 1 s xfade.
  ffmpeg -nostdin -v error -y -filter_complex "${graph}${segs}concat=n=$n:v=1[v]" \
    -map "[v]" -c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p ${params:+-x264-params $params} \
    "$out.tmp.mp4"
  mv "$out.tmp.mp4" "$out"
}

xfades() { # adds two 1 s cross-fades to a clip by blending two of its parts over each other
  local in=$1 out=$2 w=$3 h=$4
  [ -s "$out" ] && return 0
  ffmpeg -nostdin -v error -y -i "$in" -filter_complex \
    "[0:v]split=3[a][b][c];[a]trim=0:40,setpts=PTS-STARTPTS[a1];[b]trim=60:100,setpts=PTS-STARTPTS[b1];[c]trim=120,setpts=PTS-STARTPTS[c1];\
     [a1][b1]xfade=transition=fade:duration=1:offset=39[ab];[ab][c1]xfade=transition=fade:duration=1:offset=78,format=yuv420p[v]" \
    -map "[v]" -c:v libx264 -preset veryfast -crf 23 -x264-params b-pyramid=none "$out.tmp.mp4"
  mv "$out.tmp.mp4" "$out"
}

synth 1280 720 30 5 30 "$OUT/synth-720p-raw.mp4" "b-pyramid=none"
xfades "$OUT/synth-720p-raw.mp4" "$OUT/synth-720p.mp4" 1280 720
rm -f "$OUT/synth-720p-raw.mp4"
synth 1920 1080 25 4 20 "$OUT/synth-1080p-longgop.mp4" "keyint=250:min-keyint=250:scenecut=0:b-pyramid=none"
if [ ! -s "$OUT/testvideo-1080p.mp4" ]; then
  ffmpeg -nostdin -v error -y -stream_loop 9 -i "$DATA/testvideo.mp4" -map 0:v:0 \
    -vf "scale=1920:1080:flags=bicubic,format=yuv420p" -c:v libx264 -preset veryfast -crf 23 \
    "$OUT/testvideo-1080p.tmp.mp4"
  mv "$OUT/testvideo-1080p.tmp.mp4" "$OUT/testvideo-1080p.mp4"
fi
ls -la "$OUT"
