#!/usr/bin/env bash
# Builds the black-and-white cut set: short greyscale clips with known cut frames, for measuring
# scene detection on black-and-white (archive) footage, where only luma changes at a cut.
#
# Pictures: real greyscale photographs (and colour ones converted to grey) shipped inside the
# scikit-image wheel (skimage/data/*; BSD-3-Clause, see the wheel's licence files). The wheel is
# fetched once with `pip download` into ~/.cache/heimdex/wheels and read with Python's zipfile:
# nothing is installed. Each shot has a slow zoom or pan, so no two frames are identical; clips are
# 640x480, 25 fps, H.264 yuv420p. One clip has film grain and faint chroma noise (a telecine
# transfer of a black-and-white print), one a cross-fade, one a dip to black, and one (when the
# shared test data is there) is PySceneDetect's testvideo.mp4 desaturated with hue=s=0.
#
# OUT_DIR/truth.json holds, per clip, the hard cuts (`cuts`: a cut at frame N starts a new shot at
# N), the gradual transitions (`gradual`: [first, last] frames of the blend), which are not hard
# cuts, and frames where a detection counts neither way (`ignore`). Every generated hard cut is
# checked to be where the frame difference peaks. The build is idempotent: clips already there (same set version) are kept.
#
# Usage: scripts/make-bw-cut-set.sh [OUT_DIR]   (default: ~/.cache/heimdex/bw-cut-set)
# Then:  cargo run --release -p heimdex-media --example cut_f1 -- OUT_DIR/truth.json
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${HEIMDEX_SHARED_DATA:-$HERE/../../shared/data}"
OUT="${1:-$HOME/.cache/heimdex/bw-cut-set}"
WHEELS="$HOME/.cache/heimdex/wheels"
SKIMAGE_VERSION=0.26.0
mkdir -p "$OUT" "$WHEELS"

wheel="$(ls "$WHEELS"/scikit_image-"$SKIMAGE_VERSION"-*.whl 2>/dev/null | head -n 1 || true)"
if [[ -z "$wheel" ]]; then
  # Any platform's wheel holds the same pictures; ask for this Python's first, then a common one.
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$WHEELS" \
    "scikit-image==$SKIMAGE_VERSION" ||
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$WHEELS" \
      --python-version 3.12 --platform manylinux_2_28_x86_64 "scikit-image==$SKIMAGE_VERSION"
  wheel="$(ls "$WHEELS"/scikit_image-"$SKIMAGE_VERSION"-*.whl | head -n 1)"
fi

python3 - "$OUT" "$wheel" "$DATA" <<'PY'
import json, os, shutil, subprocess, sys, tempfile, zipfile

out, wheel, data = sys.argv[1], sys.argv[2], sys.argv[3]
VERSION = 2  # bump when a recipe changes: clips are rebuilt
FPS = 25
W, H = 640, 480

# name, [(picture, frames, motion), ...], transitions between shots ("cut", "xfade", "dip"),
# post-processing ("" or "grain").
CLIPS = [
    # The issue's example: a moon photo cut to a brick wall cut to coins.
    ("bw-stills", [("moon.png", 75, "zoom_in"), ("brick.png", 75, "pan_right"),
                   ("coins.png", 75, "zoom_out"), ("camera.png", 75, "pan_down")],
     ["cut", "cut", "cut"], ""),
    # Textures of similar brightness, shots of 2 to 4 s.
    ("bw-textures", [("grass.png", 60, "pan_right"), ("gravel.png", 90, "zoom_in"),
                     ("brick.png", 50, "pan_left"), ("page.png", 100, "zoom_out"),
                     ("text.png", 70, "pan_right")],
     ["cut", "cut", "cut", "cut"], ""),
    # Colour photographs converted to grey.
    ("bw-from-colour", [("rocket.jpg", 80, "zoom_in"), ("astronaut.png", 65, "pan_down"),
                        ("coffee.png", 75, "pan_right"), ("chelsea.png", 90, "zoom_out"),
                        ("motorcycle_left.png", 60, "pan_left")],
     ["cut", "cut", "cut", "cut"], ""),
    # A telecine transfer: moving film grain on luma, faint noise on chroma.
    ("bw-grain", [("camera.png", 70, "zoom_in"), ("clock_motion.png", 80, "pan_right"),
                  ("hubble_deep_field.jpg", 75, "zoom_out"), ("cell.png", 65, "pan_up")],
     ["cut", "cut", "cut"], "grain"),
    # A one-second cross-fade between two hard cuts.
    ("bw-crossfade", [("camera.png", 75, "pan_right"), ("moon.png", 75, "zoom_in"),
                      ("coins.png", 75, "pan_left"), ("gravel.png", 75, "zoom_out")],
     ["cut", "xfade", "cut"], ""),
    # A one-second dip to black between two hard cuts.
    ("bw-dip", [("page.png", 60, "zoom_in"), ("clock_motion.png", 75, "pan_left"),
                ("cell.png", 75, "zoom_out"), ("rocket.jpg", 75, "pan_right")],
     ["cut", "dip", "cut"], ""),
]
TRANSITION_FRAMES = FPS  # cross-fade and dip length: 1 s


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def shot_filter(motion, n):
    """A grey 640x480 shot of n frames from one still, with a slow zoom or pan."""
    if motion.startswith("zoom"):
        # zoompan on a 4x upscale, so the zoom moves by sub-pixel steps (no jitter).
        z = f"1+0.12*on/{n}" if motion == "zoom_in" else f"1.12-0.12*on/{n}"
        return (f"format=gray,scale={4*W}:{4*H}:force_original_aspect_ratio=increase,"
                f"crop={4*W}:{4*H},zoompan=z='{z}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'"
                f":d={n}:s={W}x{H}:fps={FPS}")
    # Pan: a 640x480 window moving 160 (or 120) pixels across an 800x600 picture.
    x, y = "80", "60"
    if motion == "pan_right":
        x = f"160*n/{n}"
    elif motion == "pan_left":
        x = f"160-160*n/{n}"
    elif motion == "pan_down":
        y = f"120*n/{n}"
    elif motion == "pan_up":
        y = f"120-120*n/{n}"
    return (f"format=gray,scale=800:600:force_original_aspect_ratio=increase,crop=800:600,"
            f"crop={W}:{H}:x='{x}':y='{y}'")


def make_clip(name, shots, transitions, post, pictures, tmp):
    parts = []
    for i, (pic, n, motion) in enumerate(shots):
        part = os.path.join(tmp, f"{name}-{i}.mkv")
        loop = [] if motion.startswith("zoom") else ["-loop", "1", "-framerate", str(FPS)]
        ffmpeg(*loop, "-i", os.path.join(pictures, pic),
               "-vf", shot_filter(motion, n) + f",trim=end_frame={n},setpts=N/{FPS}/TB,setsar=1",
               "-frames:v", str(n), "-c:v", "ffv1", part)
        parts.append(part)
    inputs = []
    for p in parts:
        inputs += ["-i", p]
    graph = []
    for i in range(len(parts)):
        graph.append(f"[{i}:v]settb=1/{FPS},setpts=N,format=gray[s{i}]")
    cur, length = "s0", shots[0][1]
    cuts, gradual = [], []
    for i, t in enumerate(transitions, start=1):
        n, nxt = shots[i][1], f"s{i}"
        if t == "cut":
            graph.append(f"[{cur}][{nxt}]concat=n=2:v=1,settb=1/{FPS},setpts=N[c{i}]")
            cuts.append(length)
            length += n
        else:
            d = TRANSITION_FRAMES
            kind = "fade" if t == "xfade" else "fadeblack"
            offset = (length - d) / FPS
            graph.append(f"[{cur}][{nxt}]xfade=transition={kind}:duration={d / FPS}"
                         f":offset={offset},settb=1/{FPS},setpts=N[c{i}]")
            gradual.append([length - d, length - 1])
            length += n - d
        cur = f"c{i}"
    tail, crf = "format=yuv420p", "20"
    if post == "grain":
        crf = "24"  # grain costs bits; the clip stays a few MB
        tail = ("noise=alls=14:allf=t+u,format=yuv420p,"
                "noise=c0s=0:c1s=3:c2s=3:c1f=t:c2f=t")
    graph.append(f"[{cur}]{tail}[v]")
    dest = os.path.join(out, name + ".mp4")
    ffmpeg(*inputs, "-filter_complex", ";".join(graph), "-map", "[v]",
           "-c:v", "libx264", "-preset", "medium", "-crf", crf,
           "-pix_fmt", "yuv420p", "-fps_mode", "passthrough", dest + ".part.mp4")
    os.replace(dest + ".part.mp4", dest)
    return {"file": name + ".mp4", "fps": FPS, "frames": length, "cuts": cuts,
            "gradual": gradual, "ignore": [], "source": "scikit-image " + os.path.basename(wheel),
            "shots": [{"picture": p, "frames": n, "motion": m} for p, n, m in shots]}


def check_cuts(path, cuts):
    """Each hard cut must be where the frame difference peaks, within 5 frames either side."""
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-vf",
                        "tblend=all_mode=difference,signalstats,"
                        "metadata=print:key=lavfi.signalstats.YAVG:file=-", "-f", "null", "-"],
                       check=True, capture_output=True, text=True)
    # tblend's n-th output is the difference of frames n and n+1.
    diff = [0.0] + [float(l.split("=")[1]) for l in r.stdout.splitlines() if "YAVG=" in l]
    for c in cuts:
        near = diff[max(c - 5, 0):c] + diff[c + 1:c + 6]
        if diff[c] <= max(near):
            sys.exit(f"{path}: no clear cut at frame {c} ({diff[max(c - 5, 0):c + 6]})")


def frame_count(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                        "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path],
                       check=True, capture_output=True, text=True)
    return int(r.stdout.strip())


truth_path = os.path.join(out, "truth.json")
old = {}
if os.path.exists(truth_path):
    with open(truth_path) as f:
        t = json.load(f)
    if t.get("version") == VERSION:
        old = {c["file"]: c for c in t["clips"]}

clips = []


def save():
    """Writes truth.json (after every clip, so an interrupted build resumes)."""
    with open(truth_path + ".part", "w") as f:
        json.dump({"version": VERSION, "clips": clips}, f, indent=1)
    os.replace(truth_path + ".part", truth_path)


with tempfile.TemporaryDirectory() as tmp:
    pictures = os.path.join(tmp, "pictures")
    os.mkdir(pictures)
    with zipfile.ZipFile(wheel) as z:
        for _, shots, _, _ in CLIPS:
            for pic, _, _ in shots:
                target = os.path.join(pictures, pic)
                if not os.path.exists(target):
                    with open(target, "wb") as f:
                        f.write(z.read("skimage/data/" + pic))
    for name, shots, transitions, post in CLIPS:
        file = name + ".mp4"
        if file in old and os.path.exists(os.path.join(out, file)):
            clips.append(old[file])
            continue
        print(f"making {file}", file=sys.stderr)
        clip = make_clip(name, shots, transitions, post, pictures, tmp)
        got = frame_count(os.path.join(out, file))
        if got != clip["frames"]:
            sys.exit(f"{file}: {got} frames, expected {clip['frames']}")
        check_cuts(os.path.join(out, file), clip["cuts"])
        clips.append(clip)
        save()

    # Colour footage with known cuts, desaturated: the same cuts must be found without colour.
    src = os.path.join(data, "scenes", "testvideo.mp4")
    file = "testvideo-grey.mp4"
    if file in old and os.path.exists(os.path.join(out, file)):
        clips.append(old[file])
    elif os.path.exists(src):
        print(f"making {file}", file=sys.stderr)
        dest = os.path.join(out, file)
        ffmpeg("-i", src, "-map", "0:v:0", "-vf", "hue=s=0", "-fps_mode", "passthrough",
               "-c:v", "libx264", "-preset", "medium", "-crf", "20", "-pix_fmt", "yuv420p",
               dest + ".part.mp4")
        os.replace(dest + ".part.mp4", dest)
        # The true cuts of testvideo.mp4 (PySceneDetect's ContentDetector golden). The video also
        # goes from a black title card to a very dark shot at 211 and back to black at 360 and
        # 693 (mean luma changes under 3 of 255): boundaries too, that the golden does not count,
        # so a detection there is neither right nor wrong.
        clips.append({"file": file, "fps": 30000 / 1001, "frames": frame_count(dest),
                      "cuts": [30, 180, 394], "gradual": [], "ignore": [211, 360, 693],
                      "source": "PySceneDetect testvideo.mp4 (scenes/LICENSE), hue=s=0"})
    else:
        print(f"{src} not found: {file} skipped", file=sys.stderr)

save()
PY
echo "$OUT"
