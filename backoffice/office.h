/* office: what the back-office commands share: their context and small helpers. */
#ifndef CP_OFFICE_H
#define CP_OFFICE_H

#include <stdint.h>

#include "core/cli.h"
#include "core/db.h"

#define OFFICE_MAX_POS 8

/* What a command handler gets: its positionals, its options, the open store. */
typedef struct office_ctx {
    char *pos[OFFICE_MAX_POS];
    int npos;
    cli_opt *opts;
    db *d;
    const char *actor;   /* --user: who runs the command (free text) */
    const char *command; /* its name, "topup" */
} office_ctx;

/* The value of a command's option, or NULL. */
const char *office_opt(const office_ctx *c, const char *name);

/* Prints the recorded error detail as one line on stderr; returns the exit
 * code (2 for bad input, 1 otherwise). */
int office_fail(cp_err err);

/* Returns 0 when option name was given, else prints that it is missing and returns 2. */
int office_need(const office_ctx *c, const char *name);

/* The manager who authorises a command that moves money or changes who may:
 * the user named by --manager, whose PIN is asked for on a terminal (or read
 * as one line of stdin) and checked with the lockout (users_authenticate),
 * and whose role must allow need ("manager" or "admin"). On success *name is
 * that user, to be passed to core as the actor, and 0 is returned; otherwise
 * it prints why and returns the exit code. Every such command calls it. */
int office_manager(const office_ctx *c, const char *need, const char **name);

/* The whole number option name (from min to max) into *out, left as it is
 * when the option was not given; on a bad value prints why and returns 2. */
int office_int_opt(const office_ctx *c, const char *name, long min, long max, int *out);

/* Parses a yuan amount; on error prints why and returns 2. */
int office_parse_yuan(const char *s, int64_t *fen);

#endif
