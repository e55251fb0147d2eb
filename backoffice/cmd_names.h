/* cmd_names: `cleanplate-office category set|list` and `period name|list`: the names people read for the codes. */
#ifndef CP_OFFICE_CMD_NAMES_H
#define CP_OFFICE_CMD_NAMES_H

#include "backoffice/office.h"

/* category set CODE NAME: the name screens, receipts and reports show for a
 * diner category ("" shows the built-in one again). Returns the exit code. */
int cmd_category_set(office_ctx *c);

/* category list [--json]: every category in use or named, code and name. */
int cmd_category_list(office_ctx *c);

/* period name CODE NAME: the same for a meal period code (lunch → 午餐). */
int cmd_period_name(office_ctx *c);

/* period list [--json]: every meal period code in use or named, code and name. */
int cmd_period_list(office_ctx *c);

#endif
