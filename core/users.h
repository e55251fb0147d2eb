/* users: cashiers, kitchen staff, managers and admins, with PINs hashed by libsodium. */
#ifndef CP_USERS_H
#define CP_USERS_H

#include "core/db.h"

/* Role names: cashier, kitchen, manager, admin. */
cp_err users_role_valid(const char *role);

/* Adds a user with a PIN of 4 to 12 digits, hashed with crypto_pwhash;
 * audited as done by actor. */
cp_err users_add(db *d, const char *name, const char *role, const char *pin,
                 const char *actor);

/* Checks name's PIN; on success *role (may be NULL) gets the user's role
 * copied into a buffer of 16 bytes. Wrong name or PIN: CP_ERR_AUTH. */
cp_err users_check_pin(db *d, const char *name, const char *pin, char role[16]);

/* True when role may do what need asks: admin > manager > cashier/kitchen. */
int users_role_allows(const char *role, const char *need);

#endif
