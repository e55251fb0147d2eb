# Every message of the three programs is in po/zh_CN.po and translated: the text is
# extracted from the sources again (po/extract.sh, as `make po` does) and merged into a
# copy of the catalog; msgfmt --statistics must then count no untranslated and no fuzzy
# message, and --check no format that differs from its English (%s for %d, a missing
# argument). A printf-like call whose English is not marked for translation at all is
# named too. The catalog `make` built is the one in po/.
. tests/integration/lib.sh

for tool in xgettext msgmerge msgfmt msgunfmt; do
    command -v $tool >/dev/null || fail "$tool is missing: apt-get install gettext"
done

# 1. nothing new or changed is left untranslated
./po/extract.sh "$TMPDIR/cleanplate.pot" 2>"$TMPDIR/xgettext.err" ||
    fail "po/extract.sh: $(cat "$TMPDIR/xgettext.err")"
[ ! -s "$TMPDIR/xgettext.err" ] || fail "xgettext warns: $(cat "$TMPDIR/xgettext.err")"
cp po/zh_CN.po "$TMPDIR/zh_CN.po"
msgmerge --quiet --update --backup=none "$TMPDIR/zh_CN.po" "$TMPDIR/cleanplate.pot" ||
    fail "msgmerge failed"
msgfmt --check --statistics -o "$TMPDIR/zh_CN.mo" "$TMPDIR/zh_CN.po" >"$TMPDIR/stats" 2>&1 ||
    fail "msgfmt --check: $(cat "$TMPDIR/stats")"
grep -q 'untranslated\|fuzzy' "$TMPDIR/stats" && {
    fail "po/zh_CN.po is not complete ($(cat "$TMPDIR/stats")); run make po and translate:
$(msgattrib --untranslated "$TMPDIR/zh_CN.po" 2>/dev/null | grep -A1 '^msgid' | head -n 20)
$(msgattrib --only-fuzzy "$TMPDIR/zh_CN.po" 2>/dev/null | grep -A1 '^msgid' | head -n 20)"
}
grep -q 'translated message' "$TMPDIR/stats" || fail "msgfmt: $(cat "$TMPDIR/stats")"
# nor are messages kept that the programs no longer have
grep -q '^#~ msgid' "$TMPDIR/zh_CN.po" &&
    fail "po/zh_CN.po has messages the programs lost: $(grep -A1 '^#~ msgid' "$TMPDIR/zh_CN.po" | head)"

# 2. the English of a message printed with printf, fprintf, fputs or mvprintw is
#    marked for translation (HTML, JSON and Chinese-only documents aside)
python3 - >"$TMPDIR/unmarked" <<'PY'
import glob, re
call = re.compile(r'\b(printf|fprintf\s*\(\s*\w+\s*,|fputs|puts|mvprintw\s*\([^,]+,[^,]+,)'
                  r'\s*\(?\s*"((?:[^"\\]|\\.)*)"')
for f in sorted(sum((glob.glob(d + '/*.c') for d in ('core', 'pos', 'scale', 'receipts', 'backoffice')), [])):
    for n, line in enumerate(open(f, encoding='utf-8'), 1):
        for m in call.finditer(line):
            t = m.group(2)
            if '<' in t or '\\"' in t or re.search('[\u4e00-\u9fff]', t):
                continue
            t = re.sub(r'^cleanplate-[a-z]+(?: [a-z-]+)?: ', '', t)
            t = re.sub(r'--[a-z0-9-]+', '', t)
            t = re.sub(r'%[-+ #0-9.*]*(?:hh|h|ll|l|z|j|t|L)?[a-zA-Z%]', ' ', t)
            t = re.sub(r'\\.', ' ', t)
            if re.search(r'[A-Za-z]{2,}[ ,;:]+[a-z]{2,}', t):
                print(f'{f}:{n}: {line.strip()}')
PY
[ ! -s "$TMPDIR/unmarked" ] || fail "messages not marked for translation (wrap them in _()):
$(cat "$TMPDIR/unmarked")"

# 3. the catalog the programs use is this one
mo="$BUILD/locale/zh_CN/LC_MESSAGES/cleanplate.mo"
[ -f "$mo" ] || fail "make built no $mo"
msgunfmt "$mo" >"$TMPDIR/built.po" && msgunfmt "$TMPDIR/zh_CN.mo" >"$TMPDIR/fresh.po" ||
    fail "msgunfmt failed"
cmp -s "$TMPDIR/built.po" "$TMPDIR/fresh.po" || fail "$mo is older than po/zh_CN.po: run make"
echo "po_complete ok: $(cat "$TMPDIR/stats")"
