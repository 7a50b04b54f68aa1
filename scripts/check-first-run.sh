#!/usr/bin/env bash
# The README's contract as a new user meets it: `scripts/run.sh` in an empty HOME (with the
# distribution's skeleton .profile, as a new account has), then, from a new login shell, the
# `heimdex` that run.sh put on PATH must search with text vectors and what is seen, and name no
# missing model. Fails on a silent degradation (a search that falls back to words alone).
# The Rust toolchain, the build cache and pip's download cache are shared with this account (a new
# user's first build and downloads are the same, only slower); everything else under HOME is new:
# models, library, PATH. scripts/test.sh runs it with HEIMDEX_BUILD=dev (run.sh then installs the
# tests' own build of `heimdex` instead of building a release one).
# Usage: [HEIMDEX_BUILD=dev] scripts/check-first-run.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

NEW_HOME="$(mktemp -d "${TMPDIR:-/tmp}/heimdex-newuser.XXXXXX")"
trap 'rm -rf "$NEW_HOME"' EXIT
for f in .profile .bashrc; do
  [ -f "/etc/skel/$f" ] && cp "/etc/skel/$f" "$NEW_HOME/"
done
echo "first run in HOME=$NEW_HOME"
# What this account's env.sh set must not leak into the new user's run.
env -u DISPLAY -u WAYLAND_DISPLAY -u HEIMDEX_MODEL_DIR -u HEIMDEX_DATA_DIR -u XDG_DATA_HOME -u XDG_CACHE_HOME -u XDG_CONFIG_HOME \
  HOME="$NEW_HOME" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR" PIP_CACHE_DIR="${PIP_CACHE_DIR:-$HOME/.cache/pip}" \
  HEIMDEX_BUILD="${HEIMDEX_BUILD:-release}" bash scripts/run.sh >"$NEW_HOME/run.log" 2>&1 || {
  tail -40 "$NEW_HOME/run.log" >&2
  echo "check-first-run: scripts/run.sh failed" >&2
  exit 1
}
grep -E "installed|indexed|found|missing" "$NEW_HOME/run.log" | tail -12

# A new login shell, nothing inherited but HOME.
login() { env -i HOME="$NEW_HOME" TERM=dumb LANG=C.UTF-8 bash -lc "$1"; }
where="$(login 'command -v heimdex' || true)"
if [ -z "$where" ]; then
  echo "check-first-run: a new login shell does not find heimdex on PATH ($(login 'echo $PATH'))" >&2
  exit 1
fi
echo "a new login shell finds $where"
login 'heimdex search --json "the way to the moon" --limit 3' >"$NEW_HOME/search.json"
python3 - "$NEW_HOME/search.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
problems = []
if d.get("notices"):
    problems.append(f"notices: {d['notices']}")
for signal in ("bm25", "text_vector", "seen"):
    if signal not in d.get("signals", []):
        problems.append(f"the {signal} signal is off (signals: {d.get('signals')})")
if not d.get("hits"):
    problems.append("no hits")
elif d["hits"][0]["scores"].get("text") is None:
    problems.append("the first hit has no text-vector score")
if problems:
    sys.exit("check-first-run: a silent degradation: " + "; ".join(problems))
h = d["hits"][0]
print(f"search from PATH: signals {d['signals']}, no notices; first hit {h['file_name']} "
      f"scene {h['scene_idx']} (text {h['scores']['text']:.2f})")
PY
login 'heimdex doctor' | tail -1
