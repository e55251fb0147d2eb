/* users: cashiers, kitchen staff, managers and admins, with PINs hashed by libsodium. */
#ifndef CP_USERS_H
#define CP_USERS_H

#include "core/db.h"

#define USERS_ROLE_LEN 16
#define USERS_MAX_FAILS 3     /* wrong PINs in a row that lock a name */
#define USERS_LOCK_S 60       /* the first lock; each further one in a row doubles */
#define USERS_LOCK_MAX_S 3600 /* ... up to an hour */

/* Role names: cashier, kitchen, manager, admin. */
cp_err users_role_valid(const char *role);

/* True when role may do what need asks: admin > manager > cashier/kitchen. */
int users_role_allows(const char *role, const char *need);

/* The role needed to add, disable or set the PIN of a user of role: "admin"
 * for managers and admins, "manager" for cashiers and kitchen staff. */
const char *users_role_to_manage(const char *role);

/* The number of users ever added (disabled ones too) into *n. */
cp_err users_count(db *d, long *n);

/* Adds a user with a PIN of 4 to 12 digits (6 to 12 for managers and
 * admins), hashed with crypto_pwhash; audited as done by actor, who must be
 * the verified manager or admin who adds the user. */
cp_err users_add(db *d, const char *name, const char *role, const char *pin,
                 const char *actor);

/* Adds the first user of a new database, an admin, without a manager: the
 * only user ever added so. CP_ERR_AUTH when there is any user already (also
 * one added by another program at the same time). */
cp_err users_add_first_admin(db *d, const char *name, const char *pin, const char *actor);

/* The role of the active user name into role. CP_ERR_NOT_FOUND when there is
 * no active user of that name. */
cp_err users_role_of(db *d, const char *name, char role[USERS_ROLE_LEN]);

/* Disables the active user name (kept for the records, can no longer log in
 * or authorise). The last active admin cannot be disabled. Audited as actor. */
cp_err users_disable(db *d, const char *name, const char *actor);

/* Gives the active user name a new PIN (the form of users_add) and lifts
 * their lock and failures. Audited as actor. */
cp_err users_set_pin(db *d, const char *name, const char *pin, const char *actor);

/* One PIN typed somewhere, for users_authenticate. */
typedef struct users_attempt {
    const char *name;     /* the name typed */
    const char *pin;      /* the PIN typed */
    const char *need;     /* the role needed ("cashier", "manager", ...), or NULL: any */
    const char *actor;    /* who is at the keyboard, for the audit; NULL: name */
    const char *terminal; /* where, for the audit; NULL in the office */
    const char *purpose;  /* what the PIN is for, for the audit: "login", "topup" */
} users_attempt;

/* What users_authenticate found. */
typedef struct users_auth {
    char role[USERS_ROLE_LEN]; /* the user's role when the PIN was right */
    int failures;    /* wrong PINs in a row for the name, this one included */
    int tries;       /* of them, since the last lock: 1 .. USERS_MAX_FAILS */
    int locked_s;    /* > 0: the name is locked for this many seconds more */
    int locked_now;  /* this wrong PIN set the lock */
    int denied;      /* the PIN was right but the role is not enough */
} users_auth;

/* The one check of a typed PIN, with the lockout; every place a PIN is typed
 * calls it. CP_OK: name is an active user, pin is theirs and their role
 * allows a->need. Otherwise CP_ERR_AUTH with a message for a person; *out
 * says why (locked, denied, or a wrong PIN). A name nobody has (or a disabled
 * user) is answered, counted, locked and audited exactly like a wrong PIN.
 * While a name is locked its PIN is not checked at all. Every failure, lock,
 * refusal while locked and role refusal is audited, each in one transaction
 * with the update of the failure count. A right PIN clears the count. The
 * hash is checked outside any transaction (it takes ~0.3 s), so places that
 * check the same name at the very same moment may each get their guess in
 * before the lock is written: at most one more per place. */
cp_err users_authenticate(db *d, const users_attempt *a, users_auth *out);

/* One user as users_list shows it: never the hash. The strings live until
 * the callback returns. */
typedef struct users_row {
    const char *name, *role;
    int active;
    int failures;             /* wrong PINs in a row */
    const char *locked_until; /* local ISO time while locked, else "" */
} users_row;

/* Calls fn for every user, by name; stops at the first error fn returns. */
cp_err users_list(db *d, cp_err (*fn)(const users_row *row, void *arg), void *arg);

#endif
