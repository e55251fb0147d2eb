#!/bin/sh
# make bench: every benchmark, each beside a baseline measured in the same run.
set -eu
build=${1:-build}
echo "CleanPlate benchmarks ($(nproc) cores, $(date +%Y-%m-%d))"
for b in "$build"/bench/*; do
    [ -x "$b" ] || continue
    echo
    echo "## $(basename "$b")"
    "$b" "$build"
done
