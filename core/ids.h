/* ids: event ids unique across terminals (terminal code + sequence, or random). */
#ifndef CP_IDS_H
#define CP_IDS_H

#include "core/db.h"

#define IDS_LEN 48

/* 32 random hex digits (128 bits), for events made outside a terminal. */
void ids_random(char out[IDS_LEN]);

/* "CODE-000042": the terminal's next sequence number, taken inside the
 * caller's transaction. CP_ERR_NOT_FOUND when the terminal does not exist. */
cp_err ids_next(db *d, const char *terminal, char out[IDS_LEN]);

/* ids_next in two steps, so that the number can be asked for ahead of
 * need, in a round trip with other statements (db_prefetch): the bound
 * statement that takes it (NULL when it does not prepare), then the id it
 * took. */
db_stmt *ids_next_stmt(db *d, const char *terminal);
cp_err ids_take(db *d, db_stmt *st, const char *terminal, char out[IDS_LEN]);

/* Gives back the number the open transaction took last for terminal, when
 * what it was taken for is not written after all (a charge refused): the
 * terminal's row stays locked by the transaction from the taking, so no
 * one took another in between, and the numbers stay without a gap. Goes
 * with the next round trip (db_step_later). */
cp_err ids_give_back(db *d, const char *terminal);

/* An event id: ids_next() for a terminal, ids_random() when terminal is NULL. */
cp_err ids_event(db *d, const char *terminal, char out[IDS_LEN]);

#endif
