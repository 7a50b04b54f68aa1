#!/usr/bin/env bash
# Installs the system packages Heimdex needs to build, test and run on Debian/Ubuntu.
# Idempotent: packages already present are not fetched again. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  # media: the system ffmpeg/ffprobe drive every stage
  ffmpeg
  # ct2rs builds CTranslate2 from source
  cmake pkg-config build-essential
  # the Tauri window (WebKitGTK), its playback plugins and its end-to-end tests
  libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev
  gstreamer1.0-libav gstreamer1.0-plugins-good gstreamer1.0-plugins-base
  xvfb webkit2gtk-driver
  # the OS keychain (Secret Service over D-Bus) for sign-in tokens
  libdbus-1-dev
  # test media: synthesised speech
  espeak-ng
  # search: on-screen text of keyframes, and a font for test videos with drawn text
  tesseract-ocr tesseract-ocr-eng fonts-dejavu-core
  # benchmark virtualenvs
  python3-venv
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
