/* cmd_canteen: `cleanplate-office canteen add`, `import departments|diners`, `period set`, `price set` and `item set`: a canteen, its people and what it sells. */
#ifndef CP_OFFICE_CMD_CANTEEN_H
#define CP_OFFICE_CMD_CANTEEN_H

#include "backoffice/office.h"

/* Each returns the exit code. */
int cmd_canteen_add(office_ctx *c);
int cmd_import_departments(office_ctx *c);
int cmd_import_diners(office_ctx *c);
int cmd_period_set(office_ctx *c);
int cmd_price_set(office_ctx *c);
int cmd_item_set(office_ctx *c);

#endif
