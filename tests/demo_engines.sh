#!/bin/sh
# The demo's month on both engines: make demo's run on SQLite (demo-out/), then the
# same on a throw-away PostgreSQL (demo-out-pg/), which fails unless the metrics
# CSVs and the published red/black CSV are the same bytes as on SQLite (the
# comparison is scripts/demo.sh's). Run from the top of the tree; about 3 minutes.
# Usage: tests/demo_engines.sh [BUILD_DIR]
set -eu
build=${1:-build}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
./scripts/demo.sh "$build" sqlite >"$log" || { tail -n 20 "$log"; exit 1; }
./tests/with-pg.sh ./scripts/demo.sh "$build" pg >"$log" || { tail -n 20 "$log"; exit 1; }
tail -n 2 "$log"
