/* cmd_waste: `cleanplate-office waste add`: a weighing typed in when a scale is broken. */
#ifndef CP_OFFICE_CMD_WASTE_H
#define CP_OFFICE_CMD_WASTE_H

#include "backoffice/office.h"

/* The options the command takes, for the commands table. */
#define CMD_WASTE_ADD_OPTIONS "stage=,staff-no=,department=,canteen=,grams=,category=,reason=,terminal="

/* Records one manual weighing (flagged manual) and prints it. Returns the exit code. */
int cmd_waste_add(office_ctx *c);

#endif
