# Downloads pinned binary wheels from PyPI and checks their SHA-256 (sourced, not run).
#   pypi_wheels TAG DIR SUMS_ARRAY_NAME SPEC...
# SUMS_ARRAY_NAME names an associative array: wheel file name -> sha256. A wheel that comes back
# without a listed checksum, or with another one, stops the script.
pypi_wheels() {
  local tag="$1" dir="$2" spec
  local -n sums="$3"
  shift 3
  ${PIP:-python3 -m pip} download --quiet --no-deps --disable-pip-version-check --only-binary=:all: \
    --platform manylinux1_x86_64 -d "$dir" "$@"
  for w in "$dir"/*.whl; do
    spec="${sums[$(basename "$w")]:-}"
    [[ -n "$spec" ]] || { echo "$tag: unexpected file $(basename "$w")" >&2; return 1; }
    [[ "$(sha256sum "$w" | cut -d' ' -f1)" == "$spec" ]] ||
      { echo "$tag: checksum mismatch for $(basename "$w")" >&2; return 1; }
  done
}

# Installs pinned wheels' contents into a folder, all or nothing (sourced, not run).
#   pypi_install TAG VERSION DEST SUMS_ARRAY_NAME SPEC... <<'PY' (Python code) PY
# Downloads and checks the wheels (pypi_wheels) into a temporary folder, runs the Python code on
# standard input with the arguments (wheel folder, DEST.tmp, VERSION), then puts DEST.tmp in
# DEST's place.
pypi_install() {
  local tag="$1" version="$2" dest="$3" sums_name="$4" work
  shift 4
  work="$(mktemp -d "${TMPDIR:-/tmp}/heimdex-$tag.XXXXXX")"
  # shellcheck disable=SC2064 # the folder is known now
  trap "rm -rf '$work'" EXIT
  pypi_wheels "$tag" "$work" "$sums_name" "$@" </dev/null
  python3 - "$work" "$dest.tmp" "$version"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
}
