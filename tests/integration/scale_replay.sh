# A replayed service, as `make demo` runs one: `sim --fast` plays a script of
# trays as fast as the station reads, and `station --frame-clock` counts the
# frames as its clock and takes timed cards from stdin. Every tray must go to
# the card tapped for it with the script's weight, in the script's time.
. tests/integration/lib.sh
setup_canteen 3
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
as_manager subsidy grant --month 2026-11 100 >/dev/null
# lunch for the three diners, so that their trays find their meals
printf '0000000001\n0000000002\n0000000003\n' | "$POS" --headless --terminal POS1 >/dev/null

# 150 trays: card i%3+1 with 300 g tray + (i*7 % 90) g; tray 50 nobody taps for
{
    echo "wait 1000"
    i=0
    while [ $i -lt 150 ]; do
        printf 'place %d\nwait 1700\nremove\nwait %d\n' $((300 + i * 7 % 90)) \
            "$([ $i -eq 50 ] && echo 3800 || echo 800)"
        i=$((i + 1))
    done
    echo "wait 3000"
} >"$TMPDIR/trays.sim"
awk 'BEGIN { t = 1000
    for (i = 0; i < 150; i++) {
        if (i != 50) printf "@%d %010d\n", t, i % 3 + 1
        t += (i == 50) ? 5500 : 2500
    }
    printf "@%d end\n", t + 3000 }' >"$TMPDIR/trays.cards"

replay() { # sim-script cards out [station options]
    sim_script=$1 cards=$2 res=$3; shift 3
    rm -f "$TMPDIR/port"
    "$SCALE" sim --protocol toledo-cont --fast --script "$sim_script" >"$TMPDIR/port" \
        2>"$TMPDIR/sim.err" &
    sim=$!
    i=0; while [ ! -s "$TMPDIR/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -s "$TMPDIR/port" ] || fail "the simulator made no pty: $(cat "$TMPDIR/sim.err")"
    sleep 0.05 # the whole path written
    rc=0
    "$SCALE" station --headless --terminal W1 --port "$(cat "$TMPDIR/port")" \
        --protocol toledo-cont --frame-clock 100 "$@" <"$cards" >"$res" 2>"$TMPDIR/err" || rc=$?
    wait "$sim" || fail "simulator: $(cat "$TMPDIR/sim.err")"
    return $rc
}

start=$(date +%s)
replay "$TMPDIR/trays.sim" "$TMPDIR/trays.cards" "$TMPDIR/out" --tray-tare-g 300 ||
    fail "station: $(cat "$TMPDIR/err")"
[ "$(wc -l <"$TMPDIR/out")" -eq 150 ] || fail "$(wc -l <"$TMPDIR/out") trays recorded, not 150"
# each tray: the card tapped for it and the weight the script put on the scale
awk 'BEGIN { for (i = 0; i < 150; i++) printf "%s %d\n", i == 50 ? "-" : sprintf("%010d", i % 3 + 1), i * 7 % 90 }' \
    >"$TMPDIR/want"
sed 's/.*"net_g":\([0-9-]*\).*"card":"\([0-9]*\)".*/\2 \1/; s/^ /- /' "$TMPDIR/out" >"$TMPDIR/got"
diff "$TMPDIR/want" "$TMPDIR/got" >"$TMPDIR/diff" || fail "trays went wrong: $(head "$TMPDIR/diff")"
[ "$(grep -c '"anonymous"' "$TMPDIR/out")" -eq 1 ] || fail "tray 50 is not the one anonymous tray"
[ "$(grep -c '"sale_id":"POS1-' "$TMPDIR/out")" -eq 149 ] || fail "trays not linked to their lunches"
# the clock: 12:00:00 plus the script's time (the first tray settles ~2.4 s in,
# the last after 1000 + 149 * 2500 + 3000 ms = 6 min 17 s)
head -n 1 "$TMPDIR/out" | grep -q '"created_at":"2026-11-20T12:00:0[23]"' ||
    fail "first tray's time: $(head -n 1 "$TMPDIR/out")"
tail -n 1 "$TMPDIR/out" | grep -q '"created_at":"2026-11-20T12:06:1[0-9]"' ||
    fail "last tray's time: $(tail -n 1 "$TMPDIR/out")"
[ "$(sql "SELECT count(*) FROM waste_records WHERE terminal = 'W1'")" = 150 ] ||
    fail "the store does not hold 150 trays"
echo "replayed 150 trays (6 min of scale time) in $(($(date +%s) - start)) s"

# kitchen mode: stage, category, reason and container by command, then confirm
printf 'wait 500\nplace 4350\nwait 3000\nremove\nwait 1000\n' >"$TMPDIR/k.sim"
printf '@100 stage overproduction\n@100 category 主食\n@100 reason 1\n@100 container 1\n@3000 confirm\n@4000 end\n' \
    >"$TMPDIR/k.cards"
replay "$TMPDIR/k.sim" "$TMPDIR/k.cards" "$TMPDIR/k.out" --mode kitchen ||
    fail "kitchen: $(cat "$TMPDIR/err")"
grep -q '"stage":"overproduction","gross_g":4350,"tare_g":850,"net_g":3500' "$TMPDIR/k.out" ||
    fail "kitchen weighing: $(cat "$TMPDIR/k.out")"

# names in many scripts and lengths (up to the 64 characters an import takes;
# 4-byte characters across the old 127/128-byte cut): every tray's answer is
# one JSON line with the diner's and the department's names whole
python3 - "$TMPDIR" <<'EOF'
import csv, sys
out = sys.argv[1]
def upto(text, n=64):
    return (text * n)[:n]
names = ["张" * k for k in (42, 43, 44, 64)] + ["a" * p + "\U0002070e" * (64 - p) for p in range(4)]
names += [upto("مُحَمَّدٌ عَبْدُ الرَّحْمٰنِ "), upto("שָׁלוֹם כֹּהֵן "), upto("\U0001f469\u200d\U0001f4bb", 63),
          upto("e\u0301"), upto("\U0001f1e8\U0001f1f3"), 'O"Brien, 张 \\ <b>']
with open(out + "/ndep.csv", "w", newline="") as f, open(out + "/ndin.csv", "w", newline="") as g, \
        open(out + "/nnames.tsv", "w") as t:
    dw, gw = csv.writer(f, lineterminator="\n"), csv.writer(g, lineterminator="\n")
    dw.writerow(["code", "name", "parent_code"])
    gw.writerow(["staff_no", "name", "department_code", "category", "card"])
    for i, n in enumerate(names):
        dept = names[-1 - i]
        dw.writerow(["N%02d" % i, dept, ""])
        gw.writerow(["N%03d" % i, n, "N%02d" % i, "staff", "%010d" % (1001 + i)])
        t.write("%010d\t%s\t%s\n" % (1001 + i, n, dept))
EOF
"$OFFICE" import departments "$TMPDIR/ndep.csv" >/dev/null || fail "departments not imported"
"$OFFICE" import diners "$TMPDIR/ndin.csv" >/dev/null || fail "diners not imported"
as_manager subsidy grant --month 2026-11 100 >/dev/null
n=$(wc -l <"$TMPDIR/nnames.tsv")
[ "$(cut -f 1 "$TMPDIR/nnames.tsv" | "$POS" --headless --terminal POS2 | grep -c '"ok":true')" = "$n" ] ||
    fail "the lunches of the named diners were not all sold"
awk -v n="$n" 'BEGIN { print "wait 1000"
    for (i = 0; i < n; i++) printf "place %d\nwait 1700\nremove\nwait 800\n", 300 + i * 11
    print "wait 3000" }' >"$TMPDIR/n.sim"
cut -f 1 "$TMPDIR/nnames.tsv" | awk '{ printf "@%d %s\n", 1000 + (NR - 1) * 2500, $1 }
    END { printf "@%d end\n", 1000 + NR * 2500 + 3000 }' >"$TMPDIR/n.cards"
replay "$TMPDIR/n.sim" "$TMPDIR/n.cards" "$TMPDIR/n.out" --tray-tare-g 300 ||
    fail "named trays: $(cat "$TMPDIR/err")"
python3 - "$TMPDIR" <<'EOF' || fail "named trays: see above"
import json, sys
d = sys.argv[1]
want = [l.rstrip("\n").split("\t") for l in open(d + "/nnames.tsv", encoding="utf-8")]
got = [json.loads(l) for l in open(d + "/n.out", "rb").read().decode("utf-8").splitlines()]
assert len(got) == len(want), "%d trays recorded, %d weighed" % (len(got), len(want))
for (card, name, dept), g in zip(want, got):
    assert g["card"] == card and g["name"] == name and g["department"] == dept, (g, name, dept)
    assert g["sale_id"].startswith("POS2-"), g
EOF

# kitchen text of 32 (category) and 64 (reason) characters is stored whole;
# 33 characters of category are refused, not cut, and the one before stays
cat32=$(python3 -c 'print("\U0002070e" * 32)')
cat33=$(python3 -c 'print("菜" * 33)')
reason64=$(python3 -c 'print("e\u0301" * 32)')
printf 'wait 500\nplace 1850\nwait 3000\nremove\nwait 1000\n' >"$TMPDIR/kt.sim"
printf '@100 stage prep\n@100 category %s\n@100 category %s\n@100 reason %s\n@100 container 0\n@3000 confirm\n@4000 end\n' \
    "$cat32" "$cat33" "$reason64" >"$TMPDIR/kt.cards"
replay "$TMPDIR/kt.sim" "$TMPDIR/kt.cards" "$TMPDIR/kt.out" --mode kitchen ||
    fail "kitchen text: $(cat "$TMPDIR/err")"
grep -qF "category '$cat33' has 33 characters" "$TMPDIR/err" ||
    fail "33 characters taken: $(cat "$TMPDIR/err")"
python3 - "$TMPDIR" "$cat32" "$reason64" <<'EOF' || fail "kitchen text: $(cat "$TMPDIR/kt.out")"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1] + "/kt.out", encoding="utf-8")]
assert len(got) == 1 and got[0]["category"] == sys.argv[2] and got[0]["reason"] == sys.argv[3], got
EOF

# a line that is not "@MS CARD" is reported and skipped; the run says so by its exit
printf '@100 0000000001\nnot timed\n@2000 end\n' >"$TMPDIR/bad.cards"
printf 'wait 500\nplace 350\nwait 2000\nremove\n' >"$TMPDIR/bad.sim"
if replay "$TMPDIR/bad.sim" "$TMPDIR/bad.cards" "$TMPDIR/bad.out"; then
    fail "a bad line did not fail the run"
fi
grep -q "'not timed' is not \"@MS CARD\"" "$TMPDIR/err" || fail "bad line: $(cat "$TMPDIR/err")"
[ "$(wc -l <"$TMPDIR/bad.out")" -eq 1 ] || fail "the good tray around the bad line was lost"

# misuse is refused with a message
must_fail "needs CLEANPLATE_NOW" env CLEANPLATE_NOW= "$SCALE" station --headless --terminal W1 \
    --port /dev/null --frame-clock 100
must_fail "--frame-clock MS" "$SCALE" station --terminal W1 --port /dev/null --frame-clock 100
must_fail "--fast plays a --script" "$SCALE" sim --protocol toledo-cont --fast
must_fail "--fast plays a --script" "$SCALE" sim --protocol mtsics --fast --script "$TMPDIR/k.sim"
# a POS may move the clock only when it is fixed
printf '@2026-11-21T12:00:00 0000000001\n' | env CLEANPLATE_NOW= "$POS" --headless --terminal POS1 |
    grep -q '"error":"invalid".*CLEANPLATE_NOW' || fail "@TIME accepted on the real clock"
echo "scale_replay ok"
