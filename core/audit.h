/* audit: the append-only audit log, a BLAKE2b hash chain that verify can check. */
#ifndef CP_AUDIT_H
#define CP_AUDIT_H

#include "core/db.h"

/* Appends one entry (inside the caller's transaction, if any). terminal,
 * subject and detail may be NULL. The time comes from clock_now(). */
cp_err audit_append(db *d, const char *actor, const char *terminal, const char *action,
                    const char *subject, const char *detail);

/* Recomputes the chain. Returns CP_OK when intact; otherwise CP_ERR_INVALID
 * with the first broken entry named in the detail. *checked gets the count. */
cp_err audit_verify(db *d, long *checked);

#endif
