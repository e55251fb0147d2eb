# The headless POS answers every line with one valid JSON object, whatever the
# names and the requests: diners and departments named in many scripts and
# lengths (Chinese of 42-44 and 64 characters across the old 127/128-byte
# cut, 4-byte characters straddling it at every offset, Arabic and Hebrew with
# their marks, emoji with joiners, skin tones and flags, combining accents,
# quotes and commas) are charged, repeated and refused with their names whole;
# a request id another terminal already used is refused on its own line and
# the lines after it are served (the ids name their terminal, as scripts'
# ids do: an error quoting one used to pass for "wrong terminal" and stop).
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

setup_canteen 0 # the canteen, its terminals and prices; the diners come here

# names.tsv: card, name, department name; the CSV files to import them
python3 - "$TMPDIR" <<'EOF'
import csv, sys
out = sys.argv[1]
def upto(text, n=64):  # the first n code points of text repeated
    return (text * n)[:n]
names = ["张" * k for k in (1, 2, 42, 43, 44, 63, 64)]
names += ["a" * pad + "\U0002070e" * (64 - pad) for pad in range(4)]  # 𠜎 across byte 127
names += [upto("مُحَمَّدٌ عَبْدُ الرَّحْمٰنِ "), upto("שָׁלוֹם כֹּהֵן "),
          upto("\U0001f469\u200d\U0001f4bb", 63), upto("\U0001f44d\U0001f3fd"),
          upto("\U0001f1e8\U0001f1f3"), upto("e\u0301"), "Zoë Ångström-Ñúñez 张伟 محمد 🎉",
          upto("ᠮᠣᠩᠭᠣᠯ "), upto("བཀྲ་ཤིས་"), 'O"Brien, 张 \\ <b>&amp;</b>', "\u202eevil\u202c 王",
          "欧阳娜娜·阿不都热合曼"]
for n in names:
    assert 1 <= len(n) <= 64, (len(n), n)
depts = names[::-1]
with open(out + "/dep.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "name", "parent_code"])
    for i, d in enumerate(depts):
        w.writerow(["N%02d" % i, d, ""])
with open(out + "/diners.csv", "w", newline="") as f, open(out + "/names.tsv", "w") as t:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["staff_no", "name", "department_code", "category", "card"])
    for i, n in enumerate(names):
        card = "%010d" % (i + 1)
        w.writerow(["S%03d" % i, n, "N%02d" % i, "staff", card])
        t.write("%s\t%s\t%s\n" % (card, n, depts[i]))
with open(out + "/long.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["staff_no", "name", "department_code", "category", "card"])
    w.writerow(["S999", "张" * 65, "N00", "staff", ""])
EOF
"$OFFICE" import departments "$TMPDIR/dep.csv" >/dev/null || fail "departments not imported"
"$OFFICE" import diners "$TMPDIR/diners.csv" >/dev/null || fail "diners not imported"
as_manager subsidy grant --month 2026-11 100 >/dev/null
must_fail "long.csv:2: field name has 65 characters" "$OFFICE" import diners "$TMPDIR/long.csv"
n=$(wc -l <"$TMPDIR/names.tsv")

# POS1: every card charged under its own request id, the same lines again
# (answered again from the store), then each card once more a second later
# (a duplicate tap, refused with the diner's name)
cut -f 1 "$TMPDIR/names.tsv" |
    awk '{ printf "@2026-11-20T12:00:00 %s terminal-POS1-%d\n", $1, NR }' >"$TMPDIR/in1"
cat "$TMPDIR/in1" "$TMPDIR/in1" >"$TMPDIR/in1b"
cut -f 1 "$TMPDIR/names.tsv" | sed 's/^/@2026-11-20T12:00:01 /' >>"$TMPDIR/in1b"
"$POS" --headless --terminal POS1 <"$TMPDIR/in1b" >"$TMPDIR/out1" 2>"$TMPDIR/err1" ||
    fail "POS1 stopped: $(cat "$TMPDIR/err1")"

# POS2: other cards under POS1's request ids (each refused on its line), and
# between them taps that must still be served (refused now, one lunch each,
# with the name)
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) {
        printf "@2026-11-20T12:05:00 %010d terminal-POS1-%d\n", n + 1 - i, i
        printf "@2026-11-20T12:05:00 %010d\n", i
        printf "@2026-11-20T12:05:00 %010d terminal-POS2-%d\n", i, i } }' >"$TMPDIR/in2"
"$POS" --headless --terminal POS2 <"$TMPDIR/in2" >"$TMPDIR/out2" 2>"$TMPDIR/err2" ||
    fail "POS2 stopped: $(cat "$TMPDIR/err2")"

python3 - "$TMPDIR" <<'EOF' || fail "answers: see above"
import json, sys
d = sys.argv[1]
who = {}
for line in open(d + "/names.tsv", encoding="utf-8"):
    card, name, dept = line.rstrip("\n").split("\t")
    who[card] = (name, dept)
def answers(inp, out):
    ins = open(d + "/" + inp, encoding="utf-8").read().splitlines()
    outs = open(d + "/" + out, "rb").read().decode("utf-8").splitlines()
    assert len(outs) == len(ins), "%s: %d lines in, %d answers" % (out, len(ins), len(outs))
    return [(i.split()[1], i.split()[2:], json.loads(o)) for i, o in zip(ins, outs)]
n = len(who)
a1 = answers("in1b", "out1")
for k, (card, req, a) in enumerate(a1):
    name, dept = who[card]
    if k < 2 * n:
        assert a["ok"] is True, a
        assert a["name"] == name, (a["name"], name)
        assert a["department"] == dept, (a["department"], dept)
        assert a["repeated"] == (k >= n), a
    else:
        assert a["error"] == "duplicate_tap", a
        assert name in a["message"], (a["message"], name)
a2 = answers("in2", "out2")
for k, (card, req, a) in enumerate(a2):
    name, _ = who[card]
    if k % 3 == 0 and card != "%010d" % (k // 3 + 1):
        assert a["error"] == "invalid" and "already used for another card" in a["message"], a
    else:  # a second lunch, or the card whose own id it was: its first answer
        assert (a.get("error") == "limit_reached" and name in a["message"]) or \
            (a.get("repeated") is True and a["name"] == name), a
print("answers: %d + %d lines, every one JSON, names whole" % (len(a1), len(a2)))
EOF
[ "$(sql "SELECT count(*) FROM sales")" = "$n" ] ||
    fail "expected $n sales: $(sql "SELECT count(*) FROM sales")"
"$OFFICE" verify >/dev/null || fail "verify: $("$OFFICE" verify)"
echo "pos_answers ok: $n names charged whole"
