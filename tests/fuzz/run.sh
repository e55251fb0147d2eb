#!/bin/sh
# Builds every tests/fuzz/fuzz_*.c with clang + libFuzzer + ASan/UBSan and runs it
# over its corpus (tests/fuzz/corpus/NAME/). `quick`: a few seconds each, for
# `make check`; `long`: FUZZ_SECONDS each (default 600), for `make fuzz`.
# Inputs that crash are saved under build-fuzz/crashes/ and fail the run;
# copy them into the corpus once fixed so they stay as regression tests.
set -eu
mode=${1:-quick}
case "$mode" in
    quick) seconds=${FUZZ_QUICK_SECONDS:-5} ;;
    long) seconds=${FUZZ_SECONDS:-600} ;;
    *) echo "usage: $0 quick|long" >&2; exit 2 ;;
esac
ls tests/fuzz/fuzz_*.c >/dev/null 2>&1 || { echo "fuzz: no fuzz targets"; exit 0; }
make --no-print-directory BUILD=build-fuzz CC=clang SAN=fuzz fuzz-build >/dev/null
mkdir -p build-fuzz/crashes
passed=0; failed=0
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    corpus=tests/fuzz/corpus/$name
    work=build-fuzz/corpus-work/$name
    mkdir -p "$work"
    [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null || true
    if build-fuzz/fuzz/"$name" -max_total_time="$seconds" -print_final_stats=0 \
        -artifact_prefix=build-fuzz/crashes/"$name"- "$work" \
        >build-fuzz/"$name".log 2>&1; then
        passed=$((passed + 1))
        echo "fuzz $name: ok, $(grep -o 'Done [0-9]* runs' build-fuzz/"$name".log | tail -n 1 | cut -d' ' -f2) runs in ${seconds}s"
    else
        failed=$((failed + 1))
        echo "fuzz $name: FAILED, see build-fuzz/$name.log"
        tail -n 30 build-fuzz/"$name".log
    fi
done
echo "fuzz targets: $passed passed, $failed failed"
[ -z "${CHECK_COUNTS:-}" ] || echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" -eq 0 ]
