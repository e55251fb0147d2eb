#!/bin/sh
# Extracts the text people read from the three programs and core into a .pot
# file (the one argument), for `make po` and tests/integration/po_complete.sh.
# Besides _(), N_(), P_() and C_() (core/nls.h), the functions that translate
# their own format are keywords: cp_fail (core/err.h), refuse (core/ledger.c),
# ui_say (pos/ui_modes.c), db_fail and db_step_done (core/db.h, the "what" of a message),
# lite_fail and one_int (core/db_sqlite.c, the same), problem (core/audit_verify.c),
# reader_set_status (pos/reader.h: the reader's status line), and the "what" of
# the device errors: printer_serial_fail, printer_usb_fail, sp_fail; hpdf_check
# (backoffice/pdf.c) and progress (backoffice/report.c); lbl (receipts/receipt.c).
# Run from the top of the source tree.
set -eu
out=${1:?usage: po/extract.sh OUT.pot}
# shellcheck disable=SC2046
xgettext --from-code=UTF-8 --language=C --no-wrap --sort-by-file \
    --add-comments=TRANSLATORS: \
    --package-name=CleanPlate --msgid-bugs-address=cleanplate@localhost \
    --keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=C_:1c,2 --keyword=NC_:1c,2 \
    --keyword=cp_fail:2 --flag=cp_fail:2:c-format \
    --keyword=refuse:3 --flag=refuse:3:c-format \
    --keyword=ui_say:3 --flag=ui_say:3:c-format \
    --keyword=db_fail:2 --keyword=db_step_done:3 --keyword=db_step_later:3 \
    --keyword=hpdf_check:2 --keyword=progress:1 --keyword=lbl:2 \
    --keyword=printer_serial_fail:2 --keyword=printer_usb_fail:2 --keyword=sp_fail:2 \
    --keyword=reader_set_status:3 --flag=reader_set_status:3:c-format \
    --keyword=lite_fail:2 --keyword=one_int:3 --keyword=problem:4 --flag=problem:4:c-format \
    -o "$out" $(ls core/*.[ch] pos/*.[ch] scale/*.[ch] receipts/*.[ch] backoffice/*.[ch])
