/* diners: departments, diners and their cards, and top-ups by file; imports are all-or-nothing. */
#ifndef CP_DINERS_H
#define CP_DINERS_H

#include <stdint.h>

#include "core/csvread.h"
#include <stdio.h>

#include "core/db.h"
#include "core/utf8.h"

/* The longest diner or department name an import takes, in characters
 * (UTF8_NAME_MAX, as every name people read). */
#define DINERS_NAME_MAX UTF8_NAME_MAX
#define DINERS_NAME_SIZE UTF8_SIZE(DINERS_NAME_MAX) /* bytes that hold any such name */

typedef struct import_counts {
    long added, updated, unchanged;
} import_counts;

/* Imports departments from a table with header code,name,parent_code. Any
 * bad row fails the whole import with "NAME:LINE: field ..." in the detail
 * and leaves the database unchanged. name is the file name for messages. */
cp_err diners_import_departments(db *d, const csv_table *t, const char *name,
                                 const char *actor, import_counts *counts);

/* Imports diners from a table with header staff_no,name,department_code,
 * category,card (card may be empty). All or nothing, like departments. A
 * changed row updates the diner; a new card for a known diner replaces the
 * old one. */
cp_err diners_import(db *d, const csv_table *t, const char *name, const char *actor,
                     import_counts *counts);

/* Tops up the cash wallets listed in a table with header staff_no,yuan (one
 * row per diner, amounts above 0) as actor, in one transaction: any bad row
 * (an unknown staff number, a diner who left, a bad amount, a repeat) fails
 * the whole import with "NAME:LINE: field ..." and changes nothing. *count
 * and *total_fen get what was topped up. */
cp_err diners_import_topups(db *d, const csv_table *t, const char *name, const char *actor,
                            long *count, int64_t *total_fen, FILE *entries);
/* (entries, when not NULL, gets a line per top-up made: the file's line, the
 * staff number, the yuan and the ledger entry that `topup reverse` takes,
 * so that a wrong row can be taken back.) */

/* Blocks an active card (lost): taps are refused until unblocked. */
cp_err diners_card_block(db *d, const char *card_no, const char *actor);

/* Unblocks a lost card. A retired (replaced) card cannot come back. */
cp_err diners_card_unblock(db *d, const char *card_no, const char *actor);

/* Gives staff_no a new card; the old cards are retired. */
cp_err diners_card_replace(db *d, const char *staff_no, const char *new_card_no,
                           const char *actor);

#endif
