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

/* An event id: ids_next() for a terminal, ids_random() when terminal is NULL. */
cp_err ids_event(db *d, const char *terminal, char out[IDS_LEN]);

#endif
