/* cmd_waste: `cleanplate-office waste add`: a weighing typed in when a scale is broken. */
#ifndef CP_OFFICE_CMD_WASTE_H
#define CP_OFFICE_CMD_WASTE_H

#include "backoffice/office.h"

/* The options the command takes, for the commands table. */
#define CMD_WASTE_ADD_OPTIONS                                                                \
    "stage=,staff-no=,department=,canteen=,grams=,category=,reason=,terminal=,manager="

/* Records one manual weighing (flagged manual), a manager answering for it
 * with a PIN, and prints it. Returns the exit code. */
int cmd_waste_add(office_ctx *c);

/* waste correct ID (--grams N | --void) --reason TEXT --manager NAME. */
int cmd_waste_correct(office_ctx *c);

/* import weighings FILE --terminal CODE --manager NAME: the weighings of a
 * CSV file (at,stage,staff_no,department,canteen,grams,category,reason),
 * typed in by hand when a scale was broken, all or nothing, each flagged
 * manual with the manager as its actor. Returns the exit code. */
int cmd_import_weighings(office_ctx *c);

#endif
