#!/usr/bin/env bash
# A real Qdrant server for the team-sync tests and benchmarks (no registry package ships one).
#
#   scripts/qdrant-server.sh build QDRANT_GIT RAFT_GIT TONIC_GIT
#       Builds Qdrant v1.18.3 once (release) from git checkouts or mirrors of qdrant/qdrant,
#       tikv/raft-rs and qdrant/tonic (e.g. those `fetch github:qdrant/qdrant` etc. leave under
#       /work/.mirror/OWNER+NAME/repo), into the tools cache beside tauri-driver. Cargo cannot fetch
#       Qdrant's two git dependencies here, so they are archived from the mirrors and patched in by
#       path (see ../shared/design/GOTCHAS.md). About 30 minutes on 2 cores.
#   scripts/qdrant-server.sh run [--keep-storage DIR] -- COMMAND [ARGS...]
#       Starts the built server on a temporary storage folder and free HTTP and gRPC ports, waits
#       until it is ready, runs COMMAND with HEIMDEX_TEST_QDRANT_URL (gRPC) and QDRANT_HTTP_URL set,
#       and stops the server when COMMAND ends (whatever its outcome). Exit status: COMMAND's.
#   scripts/qdrant-server.sh path
#       Prints the binary's path and exits 0 when it is built, 1 otherwise.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${HEIMDEX_TOOLS_DIR:-$HOME/.cache/heimdex/tools}"
BIN="$TOOLS/bin/qdrant"
VERSION="v1.18.3"
RAFT_REV="aafb07c7bab439c6139926a77dfafc5b10e9bc84"
# Branch v0.14.5-qdrant of qdrant/tonic; it has the one API Qdrant needs from v0.14.6-qdrant.
TONIC_REV="f8f18b7"

die() { echo "qdrant-server.sh: $*" >&2; exit 2; }

build() {
  local qgit="${1:-}" rgit="${2:-}" tgit="${3:-}"
  [[ -n "$qgit" && -n "$rgit" && -n "$tgit" ]] ||
    die "usage: build QDRANT_GIT RAFT_GIT TONIC_GIT (git dirs or checkouts of qdrant/qdrant, tikv/raft-rs, qdrant/tonic)"
  if [[ -x "$BIN" ]] && "$BIN" --version 2>/dev/null | grep -q "${VERSION#v}"; then
    echo "Qdrant ${VERSION} is already built: $BIN"
    return 0
  fi
  local missing=()
  for p in clang lld protobuf-compiler libprotobuf-dev libunwind-dev cmake; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "Installing Qdrant's build packages: ${missing[*]}"
    local sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get install -y --no-install-recommends "${missing[@]}"
  fi
  local src="$TOOLS/qdrant-src"
  rm -rf "$src" && mkdir -p "$src/qdrant" "$src/raft-rs" "$src/tonic-src"
  git --git-dir="$(gitdir "$qgit")" archive "$VERSION" | tar -x -C "$src/qdrant"
  git --git-dir="$(gitdir "$rgit")" archive "$RAFT_REV" | tar -x -C "$src/raft-rs"
  # The tonic repo's root holds a blob some mirrors lack: take the crate's folder only.
  git --git-dir="$(gitdir "$tgit")" archive "$TONIC_REV" tonic | tar -x -C "$src/tonic-src"
  local tonic="$src/tonic-src/tonic"
  python3 - "$tonic/Cargo.toml" "$src/qdrant/Cargo.toml" "$src/raft-rs" "$tonic" <<'EOF'
import re, sys
tonic_toml, qdrant_toml, raft, tonic = sys.argv[1:]
t = open(tonic_toml).read()
t = re.sub(r'(?m)^version = "0\.14\.5"$', 'version = "0.14.6"', t, count=1)
t = t.replace('rust-version = {workspace = true}', 'rust-version = "1.75"')
t = re.sub(r'(?m)^\[lints\]\nworkspace = true\n', '', t)
open(tonic_toml, 'w').write(t)
q = open(qdrant_toml).read()
git = 'git = "https://github.com/tikv/raft-rs", rev = "aafb07c7bab439c6139926a77dfafc5b10e9bc84"'
assert q.count(git) == 2, "raft-rs dependency lines changed"
q = q.replace('raft-proto = { ' + git, f'raft-proto = {{ path = "{raft}/proto"')
q = q.replace('raft = { ' + git, f'raft = {{ path = "{raft}"')
old = 'tonic = { git = "https://github.com/qdrant/tonic", branch = "v0.14.6-qdrant" }'
assert old in q, "tonic patch line changed"
q = q.replace(old, f'tonic = {{ path = "{tonic}" }}')
open(qdrant_toml, 'w').write(q)
EOF
  echo "Building Qdrant ${VERSION} (release; about 30 minutes on 2 cores)..."
  (cd "$src/qdrant" && CARGO_TARGET_DIR="$TOOLS/qdrant-target" cargo build --release --bin qdrant)
  mkdir -p "$TOOLS/bin"
  cp "$TOOLS/qdrant-target/release/qdrant" "$BIN"
  echo "Built: $BIN ($("$BIN" --version))"
  echo "(the build folder $TOOLS/qdrant-target can be removed to free disk space)"
}

gitdir() {
  if [[ -d "$1/.git" ]]; then echo "$1/.git"; else echo "$1"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

run() {
  local keep=""
  while [[ $# -gt 0 && "$1" != "--" ]]; do
    case "$1" in
      --keep-storage) keep="$2"; shift 2 ;;
      *) die "run: unknown option $1" ;;
    esac
  done
  [[ "${1:-}" == "--" ]] && shift
  [[ $# -gt 0 ]] || die "usage: run [--keep-storage DIR] -- COMMAND [ARGS...]"
  [[ -x "$BIN" ]] || die "Qdrant is not built: run scripts/qdrant-server.sh build QDRANT_GIT RAFT_GIT TONIC_GIT"
  local dir http grpc
  dir="$(mktemp -d "${TMPDIR:-/tmp}/heimdex-qdrant.XXXXXX")"
  local storage="${keep:-$dir/storage}"
  http="$(free_port)"; grpc="$(free_port)"
  while [[ "$grpc" == "$http" ]]; do grpc="$(free_port)"; done
  (cd "$dir" && QDRANT__SERVICE__HOST=127.0.0.1 QDRANT__SERVICE__HTTP_PORT="$http" \
    QDRANT__SERVICE__GRPC_PORT="$grpc" QDRANT__STORAGE__STORAGE_PATH="$storage" \
    QDRANT__STORAGE__SNAPSHOTS_PATH="$dir/snapshots" QDRANT__LOG_LEVEL=WARN \
    exec "$BIN" --disable-telemetry >"$dir/qdrant.log" 2>&1) &
  local pid=$!
  # shellcheck disable=SC2064
  trap "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf '$dir'" EXIT
  local ready=""
  for _ in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$http/readyz" >/dev/null 2>&1; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$ready" ]]; then
    cat "$dir/qdrant.log" >&2
    die "Qdrant did not become ready on 127.0.0.1:$http"
  fi
  echo "Qdrant ${VERSION} ready: HTTP http://127.0.0.1:$http, gRPC http://127.0.0.1:$grpc (pid $pid, storage $storage)" >&2
  local rc=0
  HEIMDEX_TEST_QDRANT_URL="http://127.0.0.1:$grpc" QDRANT_HTTP_URL="http://127.0.0.1:$http" \
    QDRANT_PID="$pid" QDRANT_BIN="$BIN" QDRANT_STORAGE="$storage" "$@" || rc=$?
  return "$rc"
}

case "${1:-}" in
  build) shift; build "$@" ;;
  run) shift; run "$@" ;;
  path) [[ -x "$BIN" ]] && echo "$BIN" ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
