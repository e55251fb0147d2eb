# Replays the corpus of real scale frames (tests/scale-frames/*.txt: frames
# from captures and manuals, each with its source) through `cleanplate-scale
# read` under umockdev, and checks every reading, the count of frames that
# did not parse, and what read says about them. One read per `run:` of a file.
. tests/integration/lib.sh

# Turns one corpus file into DIR/runK.{args,script,want,skipped,stderr}.
# The script waits for the port ($PORT_READY), then sends every frame of the
# run, then its first frame with a reading again: when read has printed that
# last reading, every frame before it has been read, so the skipped count is
# complete. Frames are C-escaped in the corpus and written in umockdev's
# notation here (bytes < 32 as ^@..^_, '^' as ^`); a CR LF goes first so that
# no op starts with a blank (umockdev drops leading blanks of an op's data).
corpus_awk='
function hexval(h) {
    h = tolower(h)
    return (index(hexd, substr(h, 1, 1)) - 1) * 16 + index(hexd, substr(h, 2, 1)) - 1
}
function byte(v) {
    if (v < 32) return "^" sprintf("%c", v + 64)
    if (v == 94) return "^`"
    return sprintf("%c", v)
}
function encode(s,    i, c, out, v) {
    out = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\") {
            c = substr(s, ++i, 1)
            if (c == "r") v = 13
            else if (c == "n") v = 10
            else if (c == "t") v = 9
            else if (c == "x") { v = hexval(substr(s, i + 1, 2)); i += 2 }
            else v = code[c]
        } else {
            v = code[c]
        }
        if (v == "") { print FILENAME ":" FNR ": a byte to write as \\xHH" > "/dev/stderr"; exit 1 }
        out = out byte(v)
    }
    return out
}
function file(ext) { return dir "/run" run "." ext }
function finish() {
    if (run == 0) return
    if (sentinel == "") { print FILENAME ": run " run " has no reading" > "/dev/stderr"; exit 1 }
    printf "w 0 %s\nr 0 ^M^J%s%s\n", mark, data, sentinel > file("script")
    print sentwant > file("want")
    print skipped > file("skipped")
    close(file("script")); close(file("want")); close(file("skipped")); close(file("stderr"))
}
BEGIN { hexd = "0123456789abcdef"; for (i = 32; i < 127; i++) code[sprintf("%c", i)] = i }
/^run: / {
    finish(); run++; data = ""; sentinel = ""; skipped = 0; frames = 0
    print substr($0, 6) > file("args"); close(file("args"))
    printf "" > file("want"); printf "" > file("stderr")
    next
}
/^stderr: / { print substr($0, 9) > file("stderr"); next }
/^frame: "/ {
    s = $0; sub(/^frame: "/, "", s); sub(/"[ \t]*$/, "", s)
    last = encode(s); data = data last; frames++; total++
    next
}
/^want: / {
    w = substr($0, 7)
    if (w == "skipped") skipped++
    else if (w != "nothing") {
        print w > file("want")
        if (sentinel == "") { sentinel = last; sentwant = w }
    }
    next
}
/^(#|source: |means: |$)/ { next }
{ print FILENAME ":" FNR ": not a corpus line: " $0 > "/dev/stderr"; exit 1 }
END { finish(); print total > (dir "/frames") }
'

start=$(date +%s)
nframes=0
nfiles=0
for f in tests/scale-frames/*.txt; do
    rm -f "$TMPDIR"/run*
    LC_ALL=C awk -v dir="$TMPDIR" -v mark="$PORT_READY" "$corpus_awk" "$f" ||
        fail "$f does not read as a corpus file"
    nframes=$((nframes + $(cat "$TMPDIR/frames")))
    nfiles=$((nfiles + 1))
    k=1
    while [ -f "$TMPDIR/run$k.args" ]; do
        # shellcheck disable=SC2046
        set -- $(cat "$TMPDIR/run$k.args")
        proto=$1; shift
        count=$(wc -l <"$TMPDIR/run$k.want")
        scale_replay "$TMPDIR/run$k.script" read --port /dev/ttyUSB0 --protocol "$proto" "$@" \
            --count "$count" --seconds 10 >"$TMPDIR/out" 2>"$TMPDIR/err" ||
            fail "$f run $k: read failed: $(cat "$TMPDIR/err")"
        diff "$TMPDIR/run$k.want" "$TMPDIR/out" >"$TMPDIR/diff" ||
            fail "$f run $k ($proto $*): readings differ (< corpus, > read):
$(cat "$TMPDIR/diff")"
        want_skipped=$(cat "$TMPDIR/run$k.skipped")
        got_skipped=$(sed -n 's/.*read: \([0-9]*\) frames did not parse.*/\1/p' "$TMPDIR/err")
        [ "${got_skipped:-0}" -eq "$want_skipped" ] ||
            fail "$f run $k: ${got_skipped:-0} frames skipped, the corpus says $want_skipped: $(cat "$TMPDIR/err")"
        while IFS= read -r line; do
            grep -qF -- "$line" "$TMPDIR/err" || fail "$f run $k: read did not say '$line': $(cat "$TMPDIR/err")"
        done <"$TMPDIR/run$k.stderr"
        k=$((k + 1))
    done
done
[ "$nfiles" -ge 7 ] || fail "only $nfiles corpus files: one for each of the seven protocols"
echo "scale_corpus: $nframes frames of $nfiles protocols read as their sources say, in $(($(date +%s) - start)) s"
