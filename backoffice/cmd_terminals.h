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

#endif
