/* cmd_terminals: `cleanplate-office terminal add|key` and `terminals`: networked terminals, their keys and how they are doing. */
#ifndef CP_OFFICE_CMD_TERMINALS_H
#define CP_OFFICE_CMD_TERMINALS_H

#include "backoffice/office.h"

/* terminal add CODE --canteen CODE --kind pos|waste: adds the terminal and
 * prints its first key, alone on the last line. Returns the exit code. */
int cmd_terminal_add(office_ctx *c);

/* terminal key CODE: a new key for the terminal, printed alone on one line
 * of stdout (the old key stops working). */
int cmd_terminal_key(office_ctx *c);

/* terminals [--json]: each terminal's last contact, pending events,
 * high-water mark, snapshot version, alarms and refused requests. */
int cmd_terminals(office_ctx *c);

/* terminal ack CODE (--alarm ID | --all) --reason TEXT --manager NAME: a
 * manager acknowledges one open alarm of the terminal, or all of them
 * (recorded and audited; `terminals` then counts them apart). */
int cmd_terminal_ack(office_ctx *c);

/* terminal skip CODE --to SEQ --reason TEXT --manager NAME: a manager
 * writes off the terminal's events after its high-water mark up to SEQ,
 * that it can no longer send (the store restored from an old copy), so
 * that its next events are taken again (recorded and audited). */
int cmd_terminal_skip(office_ctx *c);

/* report alarms [--month YYYY-MM] [--json]: every alarm (raised in that
 * month), oldest first, with who acknowledged it, when and why. */
int cmd_report_alarms(office_ctx *c);

#endif
