/* roles: a store's three PostgreSQL roles: the back office's, which owns it; the terminals', which may do only what a serving line and a waste station on the store need; and the servers' (serve), which may also read the networked terminals' keys and keep their events. */
#ifndef CP_ROLES_H
#define CP_ROLES_H

#include <stdio.h>

#include "core/db.h"

/* The roles' names unless init is given others (--office-role, --terminal-role,
 * --server-role). */
#define ROLES_OFFICE "cleanplate_office"
#define ROLES_TERMINAL "cleanplate_terminal"
#define ROLES_SERVER "cleanplate_server"

/* The roles of a store, by what they are for. */
typedef enum roles_kind {
    ROLES_FOR_OFFICE,
    ROLES_FOR_TERMINALS,
    ROLES_FOR_SERVERS,
    ROLES_KINDS
} roles_kind;

/* The roles init makes: each one's name, and its new password, or NULL: the
 * role exists and keeps its own (roles_exists). */
typedef struct roles_set {
    const char *name[ROLES_KINDS];
    const char *password[ROLES_KINDS];
} roles_set;

/* Passwords shorter than this are refused: a role's password can be tried
 * over the network, unlike a PIN, which locks after three tries. */
#define ROLES_MIN_PASSWORD 12

/* Checks that name can name a store's role: 1 to 63 lowercase ASCII letters,
 * digits and _, a letter first, not pg_ (PostgreSQL's own). option (the
 * --option that gave it) is named in the message of CP_ERR_INVALID. */
cp_err roles_check_name(const char *name, const char *option);

/* Checks that a role's password has at least ROLES_MIN_PASSWORD characters
 * and no control characters; CP_ERR_INVALID naming role otherwise (never
 * the password). */
cp_err roles_check_password(const char *role, const char *password);

/* CP_ERR_INVALID when two roles of r have one name: each does another job. */
cp_err roles_check_distinct(const roles_set *r);

/* In one transaction: creates the three login roles of r (or gives existing
 * ones their new passwords), makes the office's the owner of every table
 * and function of the store's schema, with the right to create more there,
 * and grants the terminals' and the servers' roles what schema_tables says:
 * reads, appends to the event tables, changes to a few state tables, never
 * UPDATE or DELETE on an event table, and the networked terminals' keys and
 * events to the servers' alone. The store must be migrated; run by a
 * superuser (or a role that may create roles and is a member of the
 * office's). On SQLite CP_ERR_INVALID: roles are PostgreSQL's. */
cp_err roles_create(db *d, const roles_set *r);

/* Whether the server has a role name (*exists): roles belong to the whole
 * server, and one that exists may serve another store, whose logins its
 * password keeps working. PostgreSQL only. */
cp_err roles_exists(db *d, const char *name, int *exists);

/* After init migrated a store whose roles were made: its tables' owner and
 * the roles that owner granted INSERT on sales (the terminals' and the
 * servers', told apart by INSERT on terminal_events, which is the servers'
 * alone) are found in the catalog; what the migration made goes to the owner
 * and the others' rights are granted again, exactly as roles_create does.
 * Nothing on SQLite or on a store without such roles. */
cp_err roles_refresh(db *d);

/* On PostgreSQL, when the store's terminals' role does the servers' job too
 * (its roles were made before the servers' role was), a WARNING line to f
 * saying how to make the servers' role; nothing otherwise. Not a problem
 * for verify: such a store works as it did. */
cp_err roles_advise(db *d, FILE *f);

/* For verify: on PostgreSQL, each role granted rights in the store (other
 * than its owner and superusers), and PUBLIC, that may UPDATE, DELETE or
 * TRUNCATE an append-only table is a problem, written to report and added
 * to *problems, and so is one that may read the networked terminals' keys
 * without being the servers' role (roles_advise's warning too). Nothing on
 * SQLite. */
cp_err roles_verify(db *d, FILE *report, long *problems);

#endif
