/* cli: command-line options for the three programs, and reading a PIN or a password. */
#ifndef CP_CLI_H
#define CP_CLI_H

#include <stddef.h>

#include "core/err.h"

/* One long option. A table of them ends with an entry whose name is NULL. */
typedef struct cli_opt {
    const char *name;   /* "db" for --db */
    int takes_value;    /* --db PATH or --db=PATH; otherwise a flag */
    const char *value;  /* set by cli_parse: the value, or "1" for a flag */
} cli_opt;

/* Splits args into options (anywhere, "--" ends them) and positionals,
 * which are stored in pos (at most maxpos). "-h" is "--help". Unknown options and missing
 * values are CP_ERR_INVALID with a message naming them. */
cp_err cli_parse(int argc, char **argv, cli_opt *opts, char **pos, int maxpos, int *npos);

/* The value of option name, or NULL when it was not given. */
const char *cli_get(const cli_opt *opts, const char *name);

/* The whole number given as --name into *out, when it was given (else *out is
 * left alone). A value that is not a whole number from min to max is
 * CP_ERR_INVALID with a message naming the option and the range. */
cp_err cli_get_long(const cli_opt *opts, const char *name, long min, long max, long *out);

/* Reads a PIN: from the terminal without echo when stdin is a tty (asking
 * prompt), else one line of stdin. With confirm (a new PIN) it is read twice,
 * from a terminal or from two lines of stdin, and two that differ are
 * CP_ERR_INVALID. Several calls read successive lines of one stdin. */
cp_err cli_read_pin(const char *prompt, int confirm, char *pin, size_t size);

/* Reads a new password as cli_read_pin reads a new PIN: twice, without echo
 * on a terminal, else two lines of stdin; never shown or printed. */
cp_err cli_read_password(const char *prompt, char *password, size_t size);

#endif
