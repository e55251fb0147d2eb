# make install into a staging folder (DESTDIR, no root): every file in its place,
# the units started from PREFIX/bin, the installed configurations accepted by the
# programs and never overwritten, the man pages rendering without warnings, and
# every command and long option that the programs' --help (and each command's
# --help) print documented in their man pages, an option under its command.
. tests/integration/lib.sh

if ! command -v groff >/dev/null || ! command -v man >/dev/null; then
    fail "groff and man are needed to check the man pages: apt-get install groff-base man-db"
fi

dest="$TMPDIR/dest"
prefix=/usr/local
make --no-print-directory install DESTDIR="$dest" PREFIX="$prefix" BUILD="$BUILD" \
    >"$TMPDIR/make.log" 2>&1 || fail "make install: $(tail -n 5 "$TMPDIR/make.log")"

# 1. every file in its place
for f in bin/cleanplate-pos bin/cleanplate-scale bin/cleanplate-office; do
    [ -x "$dest$prefix/$f" ] || fail "not installed or not executable: $prefix/$f"
done
for f in share/man/man1/cleanplate-pos.1 share/man/man1/cleanplate-scale.1 \
         share/man/man1/cleanplate-office.1 \
         share/doc/cleanplate/examples/pos.ini.example \
         share/doc/cleanplate/examples/station.ini.example \
         share/cleanplate/pos.ini.example share/cleanplate/udev/70-cleanplate-readers.rules; do
    [ -f "$dest$prefix/$f" ] || fail "not installed: $prefix/$f"
done
for f in etc/cleanplate/pos.ini etc/cleanplate/station.ini \
         etc/udev/rules.d/70-cleanplate-readers.rules \
         etc/udev/rules.d/70-cleanplate-printers.rules \
         etc/systemd/system/cleanplate-pos@.service \
         etc/systemd/system/cleanplate-station@.service \
         etc/systemd/system/cleanplate-serve.service; do
    [ -f "$dest/$f" ] || fail "not installed: /$f"
done

# 2. the units start the programs from PREFIX/bin, on the tty of the instance, in
#    Chinese: inside fbterm when it is installed (the text console has no Chinese
#    characters), else the program alone (which then shows English)
unit="$dest/etc/systemd/system/cleanplate-pos@.service"
grep -q "^ExecStart=.* $prefix/bin/cleanplate-pos --config /etc/cleanplate/pos.ini\$" "$unit" ||
    fail "pos unit: $(grep ExecStart "$unit")"
unit="$dest/etc/systemd/system/cleanplate-station@.service"
grep -q "^ExecStart=.* $prefix/bin/cleanplate-scale station --config /etc/cleanplate/station.ini\$" \
    "$unit" || fail "station unit: $(grep ExecStart "$unit")"
# the server's unit: the program from PREFIX/bin, its address from the environment
serve_unit="$dest/etc/systemd/system/cleanplate-serve.service"
grep -qx "ExecStart=$prefix/bin/cleanplate-office serve --listen \${CLEANPLATE_LISTEN}" "$serve_unit" ||
    fail "serve unit: $(grep ExecStart "$serve_unit")"
if command -v systemd-analyze >/dev/null; then
    # (the program is under DESTDIR, not yet where the unit names it)
    systemd-analyze verify "$serve_unit" 2>&1 | grep -v "man:\|Command 'man\|is not executable" |
        grep . && fail "systemd-analyze verify $serve_unit"
fi
for u in "$dest"/etc/systemd/system/*@.service; do
    ! grep -q '@BINDIR@' "$u" || fail "@BINDIR@ left in $u"
    grep -qx 'TTYPath=/dev/%I' "$u" || fail "no TTYPath in $u"
    grep -qx 'Conflicts=getty@%i.service' "$u" || fail "no Conflicts with getty in $u"
    grep -q '^Environment=.*LANG=zh_CN.UTF-8' "$u" || fail "not Chinese: $u"
    grep -q '^SupplementaryGroups=.*video' "$u" || fail "fbterm cannot open /dev/fb0: $u"
    if command -v systemd-analyze >/dev/null; then
        systemd-analyze verify "$u" 2>&1 | grep -v "man:\|Command 'man" | grep . &&
            fail "systemd-analyze verify $u"
    fi
done
# The ExecStart as systemd runs it ($$ is a dollar), with a stand-in for the
# program: with no fbterm on PATH it runs alone, with one it runs inside it.
cmd=$(sed -n 's/^ExecStart=//p' "$unit" | sed 's/\$\$/$/g; s# [^ ]*/cleanplate-scale station .*##')
mkdir -p "$TMPDIR/nofb" "$TMPDIR/fb"
printf '#!/bin/sh\necho "program $*"\n' >"$TMPDIR/prog" && chmod +x "$TMPDIR/prog"
printf '#!/bin/sh\necho "fbterm $*"\n' >"$TMPDIR/fb/fbterm" && chmod +x "$TMPDIR/fb/fbterm"
out=$(PATH="$TMPDIR/nofb" eval "$cmd '$TMPDIR/prog' station --config x.ini")
[ "$out" = "program station --config x.ini" ] || fail "without fbterm the unit runs: $out"
out=$(PATH="$TMPDIR/fb:$TMPDIR/nofb" eval "$cmd '$TMPDIR/prog' station --config x.ini")
[ "$out" = "fbterm -- $TMPDIR/prog station --config x.ini" ] || fail "with fbterm the unit runs: $out"

# 2b. the Chinese catalog is installed, and the installed programs find it there
[ -f "$dest$prefix/share/locale/zh_CN/LC_MESSAGES/cleanplate.mo" ] || fail "no catalog installed"
LANG=zh_CN.UTF-8 "$dest$prefix/bin/cleanplate-office" --help 2>/dev/null | grep -q '^用法' ||
    fail "the installed office does not speak Chinese: $(LANG=zh_CN.UTF-8 "$dest$prefix/bin/cleanplate-office" --help 2>&1 | head -n 3)"

# 3. the installed configurations are what the programs accept (the devices of the
#    example replaced on the command line, which wins over the file)
"$OFFICE" init >/dev/null
"$OFFICE" canteen add C1 "机关一食堂" >/dev/null
"$OFFICE" terminal add POS1 --canteen C1 --kind pos >/dev/null
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
"$dest$prefix/bin/cleanplate-pos" --config "$dest/etc/cleanplate/pos.ini" --headless \
    --db "$CLEANPLATE_DB" --reader stdin --printer none </dev/null 2>"$TMPDIR/err" ||
    fail "pos.ini: $(cat "$TMPDIR/err")"
"$SCALE" sim --protocol and --link "$TMPDIR/scale" >/dev/null 2>"$TMPDIR/sim.err" &
sim=$!
i=0; while [ ! -e "$TMPDIR/scale" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$dest$prefix/bin/cleanplate-scale" station --config "$dest/etc/cleanplate/station.ini" \
    --headless --db "$CLEANPLATE_DB" --port "$TMPDIR/scale" --reader stdin \
    </dev/null >/dev/null 2>"$TMPDIR/err" || { kill "$sim"; fail "station.ini: $(cat "$TMPDIR/err")"; }
kill "$sim"; wait "$sim" 2>/dev/null || true
# the example speaks Chinese ([terminal] language = zh_CN)
grep -q 'W1: 秤已连接' "$TMPDIR/err" || fail "station.ini: $(cat "$TMPDIR/err")"

# 4. a second install keeps the admin's configuration and rules, uninstall too
echo "; the admin's" >>"$dest/etc/cleanplate/pos.ini"
echo "# the admin's reader" >>"$dest/etc/udev/rules.d/70-cleanplate-readers.rules"
make --no-print-directory install DESTDIR="$dest" PREFIX="$prefix" BUILD="$BUILD" \
    >"$TMPDIR/make.log" 2>&1 || fail "make install again: $(tail -n 5 "$TMPDIR/make.log")"
grep -q "the admin's" "$dest/etc/cleanplate/pos.ini" || fail "make install overwrote pos.ini"
grep -q "the admin's" "$dest/etc/udev/rules.d/70-cleanplate-readers.rules" ||
    fail "make install overwrote the reader rules"
[ -f "$dest/etc/udev/rules.d/70-cleanplate-readers.rules.dist" ] || fail "no .dist beside the rules"
cp -r "$dest" "$TMPDIR/dest2"
make --no-print-directory uninstall DESTDIR="$TMPDIR/dest2" PREFIX="$prefix" BUILD="$BUILD" \
    >"$TMPDIR/make.log" 2>&1 || fail "make uninstall: $(tail -n 5 "$TMPDIR/make.log")"
[ ! -e "$TMPDIR/dest2$prefix/bin/cleanplate-pos" ] || fail "uninstall left the programs"
[ ! -e "$TMPDIR/dest2/etc/systemd/system/cleanplate-pos@.service" ] || fail "uninstall left a unit"
[ ! -e "$TMPDIR/dest2$prefix/share/locale/zh_CN/LC_MESSAGES/cleanplate.mo" ] ||
    fail "uninstall left the catalog"
[ ! -e "$TMPDIR/dest2/etc/udev/rules.d/70-cleanplate-printers.rules" ] ||
    fail "uninstall left the unchanged printer rules"
grep -q "the admin's" "$TMPDIR/dest2/etc/cleanplate/pos.ini" || fail "uninstall took the config"
grep -q "the admin's" "$TMPDIR/dest2/etc/udev/rules.d/70-cleanplate-readers.rules" ||
    fail "uninstall took the changed reader rules"

# 5. the man pages render without a warning, with groff alone and through man
man1="$dest$prefix/share/man/man1"
for p in cleanplate-pos cleanplate-scale cleanplate-office; do
    groff -man -Tutf8 -ww -z "$man1/$p.1" >"$TMPDIR/warn" 2>&1 || fail "groff failed on $p.1"
    [ ! -s "$TMPDIR/warn" ] || fail "$p.1: groff: $(head -n 3 "$TMPDIR/warn")"
    man --warnings -l "$man1/$p.1" 2>"$TMPDIR/warn" >/dev/null || fail "man failed on $p.1"
    [ ! -s "$TMPDIR/warn" ] || fail "$p.1: man: $(head -n 3 "$TMPDIR/warn")"
    # the page as text: no formatting, one kind of hyphen, no trailing blanks
    groff -man -Tutf8 -P-c -P-b -P-o -P-u "$man1/$p.1" 2>/dev/null |
        sed 's/\xe2\x80\x90/-/g; s/\xe2\x80\x91/-/g; s/\xe2\x88\x92/-/g; s/[[:space:]]*$//' \
            >"$TMPDIR/$p.txt"
done

# 6. what --help prints is documented. Every long option a program's --help or a
#    command's --help prints must be in the page; one that the command takes must
#    have an entry (a .TP tag) under its command (.SS COMMAND; for cleanplate-pos
#    .SH OPTIONS), and every command of --help its .SS.
options() { grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u; }
has_option() { grep -Eq -- "(^|[^a-z0-9-])$1([^a-z0-9-]|\$)"; }
# The tag lines of the .TP entries under ".SS NAME" or ".SH NAME" of a page's
# source, hyphens plain.
tags() {
    awk -v want="$2" '
        /^\.S[SH] / { name = substr($0, 5); gsub(/"/, "", name); on = (name == want); next }
        on && tp { print; tp = 0; next }
        on && /^\.TP/ { tp = 1 }' "$1" | sed 's/\\-/-/g'
}
# Does the command (PROGRAM [WORDS]) take the option? An unknown option is an
# error before --help is looked at; a known one, as a flag or with a value, is not.
takes() {
    o=$1; shift
    "$@" --help "$o" >/dev/null 2>&1 || "$@" --help "$o=x" >/dev/null 2>&1
}
# "  canteen add CODE NAME" -> "canteen add"; "  list-ports    list..." -> "list-ports"
commands() { sed -n 's/^  \([a-z][a-z-]*\)\( [a-z][a-z-]*\)\{0,1\}\( .*\)\{0,1\}$/\1\2/p'; }

entries=0; mentions=0
# check PAGE SECTION PROGRAM [WORDS]: the options of PROGRAM [WORDS] --help
check() {
    page=$1; sec=$2; shift 2
    what="$page${2:+ $2}${3:+ $3}"
    "$@" --help >"$TMPDIR/help" 2>&1 || fail "$* --help failed"
    tags "$man1/$page.1" "$sec" >"$TMPDIR/tags"
    for o in $(options <"$TMPDIR/help"); do
        has_option "$o" <"$TMPDIR/$page.txt" ||
            fail "'$what --help' prints $o, but man $page does not mention it"
        mentions=$((mentions + 1))
        [ "$o" = --help ] && [ "$sec" != OPTIONS ] && continue
        if takes "$o" "$@"; then
            has_option "$o" <"$TMPDIR/tags" ||
                fail "'$what' takes $o, but man $page has no entry for it under $sec"
            entries=$((entries + 1))
        fi
    done
}

check cleanplate-pos OPTIONS "$BUILD/cleanplate-pos"
for p in cleanplate-scale cleanplate-office; do
    "$BUILD/$p" --help >"$TMPDIR/help.top" || fail "$p --help failed"
    for o in $(options <"$TMPDIR/help.top"); do
        has_option "$o" <"$TMPDIR/$p.txt" || fail "$p --help prints $o, but man $p does not mention it"
    done
    commands <"$TMPDIR/help.top" >"$TMPDIR/commands"
    [ -s "$TMPDIR/commands" ] || fail "no commands found in $p --help"
    while IFS= read -r c; do
        grep -Eq "^\.SS \"?$c\"?\$" "$man1/$p.1" || fail "$p $c: man $p has no .SS \"$c\""
        # shellcheck disable=SC2086 # the command is one or two words
        check "$p" "$c" "$BUILD/$p" $c
    done <"$TMPDIR/commands"
done
# the options every office command takes
for o in --db --user --help; do
    tags "$man1/cleanplate-office.1" OPTIONS | has_option "$o" ||
        fail "man cleanplate-office has no entry for $o under OPTIONS"
done
echo "install: $mentions options of --help documented, $entries of them with an entry"
