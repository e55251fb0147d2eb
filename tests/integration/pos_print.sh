# Headless receipts: --printer file: and tcp: carry the right receipt, a printer that
# refuses connections stops no sale, --print-preview, --config and --reader with --headless.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

setup_canteen 10
# 50 yuan each for S0001-S0009 in one import (one PIN); S0010 has nothing
{ echo staff_no,yuan; for i in 1 2 3 4 5 6 7 8 9; do echo "S000$i,50"; done; } >"$TMPDIR/topups.csv"
as_manager import topups "$TMPDIR/topups.csv" >/dev/null
as_manager subsidy grant --month 2026-11 5 >/dev/null

# 1. file: the raw bytes, decoded back by --print-preview FILE. The terminal speaks
#    Chinese (LANG=zh_CN.UTF-8, a locale this test machine need not have: then it
#    says once that it uses C.UTF-8 with the Chinese catalog); the JSON stays as it was.
printf '0000000001\n0000000010\n' |
    LANG=zh_CN.UTF-8 "$POS" --headless --terminal POS1 --printer "file:$TMPDIR/r.bin" \
    >"$TMPDIR/out1" 2>"$TMPDIR/err1"
grep -q '"sale_id":"POS1-000001".*"printed":true' "$TMPDIR/out1" || fail "file: $(cat "$TMPDIR/out1")"
sed -n 1p "$TMPDIR/out1" | grep -q '"period":"lunch","charged_fen":800' || fail "JSON keeps codes: $(cat "$TMPDIR/out1")"
if ! locale -a 2>/dev/null | grep -qi '^zh_CN.utf-\?8$'; then
    [ "$(grep -c 'C.UTF-8' "$TMPDIR/err1")" = 1 ] || fail "the fallback is not said once: $(cat "$TMPDIR/err1")"
fi
# a refused charge prints nothing and says nothing about printing
sed -n 2p "$TMPDIR/out1" | grep -q '"error":"insufficient_funds"' || fail "second tap: $(cat "$TMPDIR/out1")"
sed -n 2p "$TMPDIR/out1" | grep -q printed && fail "a refusal claims a receipt"
"$POS" --print-preview "$TMPDIR/r.bin" >"$TMPDIR/r.txt"
for want in '机关一食堂' '消费凭条' '单号: POS1-000001' '姓名: 职工1 (S0001)' '[QR:POS1-000001]' '[CUT]' \
    '时间: 2026年11月20日 12:00' '品名' '午餐'; do
    grep -qF -- "$want" "$TMPDIR/r.txt" || fail "receipt lacks '$want': $(cat "$TMPDIR/r.txt")"
done
grep -q 'lunch' "$TMPDIR/r.txt" && fail "the receipt shows the code lunch: $(cat "$TMPDIR/r.txt")"
# 8.00 = 5.00 subsidy + 3.00 cash; 47.00 cash left
grep -q '合计 *￥8.00' "$TMPDIR/r.txt" || fail "total: $(cat "$TMPDIR/r.txt")"
grep -q '补贴支付 *￥5.00' "$TMPDIR/r.txt" || fail "subsidy paid: $(cat "$TMPDIR/r.txt")"
grep -q '现金支付 *￥3.00' "$TMPDIR/r.txt" || fail "cash paid: $(cat "$TMPDIR/r.txt")"
grep -q '现金余额 *￥47.00' "$TMPDIR/r.txt" || fail "cash left: $(cat "$TMPDIR/r.txt")"
# the printer got GB18030 (午餐 is CE E7 B2 CD), not UTF-8
LC_ALL=C grep -q "$(printf '\316\347\262\315')" "$TMPDIR/r.bin" || fail "午餐 is not in GB18030 in the bytes"
LC_ALL=C grep -q "$(printf '午餐')" "$TMPDIR/r.bin" && fail "UTF-8 reached the printer"
[ "$(grep -c '\[CUT\]' "$TMPDIR/r.txt")" -eq 1 ] || fail "one sale, one receipt"

# 2. tcp: a listener on loopback gets the same kind of receipt
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, _ = s.accept(); c.settimeout(10)
with open(sys.argv[2], "wb") as f:
    while True:
        b = c.recv(65536)
        if not b: break
        f.write(b)
' "$TMPDIR/port" "$TMPDIR/tcp.bin" &
    listener=$!
    i=0
    while [ ! -s "$TMPDIR/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    port=$(cat "$TMPDIR/port")
    echo 0000000002 | "$POS" --headless --terminal POS2 --language zh_CN \
        --printer "tcp:127.0.0.1:$port" >"$TMPDIR/out2" 2>/dev/null
    wait "$listener"
    grep -q '"printed":true' "$TMPDIR/out2" || fail "tcp: $(cat "$TMPDIR/out2")"
    "$POS" --print-preview "$TMPDIR/tcp.bin" >"$TMPDIR/tcp.txt"
    grep -qF '单号: POS2-000001' "$TMPDIR/tcp.txt" || fail "tcp receipt: $(cat "$TMPDIR/tcp.txt")"
    grep -qF '姓名: 职工2 (S0002)' "$TMPDIR/tcp.txt" || fail "tcp receipt: $(cat "$TMPDIR/tcp.txt")"
else
    echo "python3 missing: tcp listener part skipped"
fi

# 3. a printer that refuses connections: every sale still goes through
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 1)
printf '0000000003\n0000000004\n' |
    "$POS" --headless --terminal POS3 --printer "tcp:127.0.0.1:$port" >"$TMPDIR/out3" 2>"$TMPDIR/err3"
grep -q '"sale_id":"POS3-000001".*"printed":false' "$TMPDIR/out3" || fail "refused: $(cat "$TMPDIR/out3")"
[ "$(grep -c '"ok":true' "$TMPDIR/out3")" -eq 2 ] || fail "refused printer stopped a sale: $(cat "$TMPDIR/out3")"
grep -q 'refused' "$TMPDIR/err3" || fail "no word of the printer: $(cat "$TMPDIR/err3")"
grep -q '2 receipts were not printed' "$TMPDIR/err3" ||
    fail "the receipts left unprinted at the end are not named: $(cat "$TMPDIR/err3")"
[ "$(sql "SELECT count(*) FROM sales WHERE terminal = 'POS3'")" = 2 ] ||
    fail "sales of POS3 missing"
"$OFFICE" verify >/dev/null || fail "verify after printer failures"

# 4. --print-preview with --headless: the receipt as text on stderr, stdout stays JSON
echo 0000000005 | "$POS" --headless --terminal POS4 --language zh_CN --print-preview \
    >"$TMPDIR/out4" 2>"$TMPDIR/err4"
[ "$(wc -l <"$TMPDIR/out4")" -eq 1 ] || fail "preview wrote on stdout: $(cat "$TMPDIR/out4")"
grep -q '"printed":true' "$TMPDIR/out4" || fail "preview: $(cat "$TMPDIR/out4")"
grep -qF '单号: POS4-000001' "$TMPDIR/err4" || fail "preview text: $(cat "$TMPDIR/err4")"

# 5. --config: terminal, reader and a 48-column ASCII printer from the file; options win
cat >"$TMPDIR/pos.ini" <<EOF
[terminal]
code = POS5
db = $CLEANPLATE_DB
card_format = dec10
dup_seconds = 30
[printer]
uri = file:$TMPDIR/cfg.bin
encoding = ascii
columns = 48
EOF
echo 0000000006 | "$POS" --headless --config "$TMPDIR/pos.ini" --db /nonexistent/x.db --db "$CLEANPLATE_DB" >"$TMPDIR/out5"
grep -q '"sale_id":"POS5-000001".*"printed":true' "$TMPDIR/out5" || fail "config: $(cat "$TMPDIR/out5")"
"$POS" --print-preview "$TMPDIR/cfg.bin" >"$TMPDIR/cfg.txt"
grep -qx -- '-\{48\}' "$TMPDIR/cfg.txt" || fail "48 columns: $(cat "$TMPDIR/cfg.txt")"
grep -qF 'SALE RECEIPT' "$TMPDIR/cfg.txt" || fail "ascii labels: $(cat "$TMPDIR/cfg.txt")"
# the command line wins over the file
echo 0000000010 | "$POS" --headless --config "$TMPDIR/pos.ini" --terminal POS6 >"$TMPDIR/out6"
grep -q '"error":"insufficient_funds"' "$TMPDIR/out6" || fail "--terminal over config: $(cat "$TMPDIR/out6")"
echo 0000000007 | "$POS" --headless --config "$TMPDIR/pos.ini" --terminal POS6 >"$TMPDIR/out6"
grep -q '"sale_id":"POS6-' "$TMPDIR/out6" || fail "--terminal over config: $(cat "$TMPDIR/out6")"
printf '[terminal]\ncode = POS5\nreadr = usb\n' >"$TMPDIR/bad.ini"
must_fail "readr" "$POS" --headless --config "$TMPDIR/bad.ini"
must_fail "--reader" "$POS" --headless --terminal POS1 --reader floppy
must_fail "columns must be 32, 42 or 48" "$POS" --headless --terminal POS1 --printer-columns 40 --printer none
must_fail "unknown printer URI" "$POS" --headless --terminal POS1 --printer carrier-pigeon

# 6. --reader with --headless: the fake reader's cards are charged, bad numbers refused
"$POS" --headless --terminal POS7 --reader fake:0000000008,12ab,0000000009 >"$TMPDIR/out7" 2>/dev/null
[ "$(wc -l <"$TMPDIR/out7")" -eq 3 ] || fail "fake reader: $(cat "$TMPDIR/out7")"
sed -n 1p "$TMPDIR/out7" | grep -q '"sale_id":"POS7-000001"' || fail "fake reader: $(cat "$TMPDIR/out7")"
sed -n 2p "$TMPDIR/out7" | grep -q '"error":"unknown_card"' || fail "fake reader: $(cat "$TMPDIR/out7")"

# 7. the shipped example config works once its paths are this machine's
sed "s#^db = .*#db = $CLEANPLATE_DB#; s#^reader = .*#reader = stdin#; s#^uri = .*#uri = file:$TMPDIR/ex.bin#; s#^code = .*#code = POS8#" \
    dist/pos.ini.example >"$TMPDIR/example.ini"
as_manager topup S0010 50 >/dev/null
echo 0000000010 | "$POS" --headless --config "$TMPDIR/example.ini" >"$TMPDIR/out8" ||
    fail "dist/pos.ini.example: $(cat "$TMPDIR/out8")"
grep -q '"sale_id":"POS8-000001".*"printed":true' "$TMPDIR/out8" || fail "example: $(cat "$TMPDIR/out8")"
# the example speaks Chinese ([terminal] language = zh_CN)
"$POS" --print-preview "$TMPDIR/ex.bin" | grep -qF '消费凭条' || fail "the example's receipt is not Chinese"
echo "pos_print ok"
