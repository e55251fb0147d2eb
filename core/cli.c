/* cli: command-line options for the three programs, and reading a PIN or a password. */
#include "core/cli.h"
#include "core/nls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

cp_err cli_parse(int argc, char **argv, cli_opt *opts, char **pos, int maxpos, int *npos)
{
    int only_pos = 0;

    *npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "-h") == 0)
            a = "--help";   /* the one short option: a table without help rejects it */
        if (only_pos || strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (!only_pos && strcmp(a, "--") == 0) {
                only_pos = 1;
                continue;
            }
            if (*npos == maxpos)
                return cp_fail(CP_ERR_INVALID, "unexpected argument '%s'", a);
            pos[(*npos)++] = argv[i];
            continue;
        }
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        cli_opt *o = opts;
        for (; o->name; o++)
            if (strlen(o->name) == len && strncmp(o->name, a + 2, len) == 0)
                break;
        if (!o->name)
            return cp_fail(CP_ERR_INVALID, "unknown option '%s'", a);
        if (!o->takes_value) {
            if (eq)
                return cp_fail(CP_ERR_INVALID, "option --%s takes no value", o->name);
            o->value = "1";
        } else if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            return cp_fail(CP_ERR_INVALID, "option --%s needs a value", o->name);
        }
    }
    return CP_OK;
}

const char *cli_get(const cli_opt *opts, const char *name)
{
    for (; opts->name; opts++)
        if (strcmp(opts->name, name) == 0)
            return opts->value;
    return NULL;
}

cp_err cli_get_long(const cli_opt *opts, const char *name, long min, long max, long *out)
{
    const char *v = cli_get(opts, name);
    char *end;
    long n;

    if (!v)
        return CP_OK;
    errno = 0;
    n = strtol(v, &end, 10);
    if (end == v || *end || errno || n < min || n > max)
        return cp_fail(CP_ERR_INVALID, "--%s '%s' is not a whole number from %ld to %ld", name,
                       v, min, max);
    *out = n;
    return CP_OK;
}

static cp_err read_line(FILE *in, char *buf, size_t size, const char *missing)
{
    size_t n;

    if (!fgets(buf, (int)size, in))
        return cp_fail(CP_ERR_INVALID, "%s", missing);
    n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    return CP_OK;
}

/* Reads one PIN: asked for without echo on a terminal, else one line. */
static cp_err ask(int tty, const char *prompt, char *buf, size_t size, const char *missing)
{
    cp_err err;

    if (tty)
        fprintf(stderr, "%s: ", prompt);
    err = read_line(stdin, buf, size, missing);
    if (tty)
        fprintf(stderr, "\n");
    return err;
}

/* Reads a secret as cli_read_pin says; password words the messages for a
 * database role's password instead of a PIN. */
static cp_err read_secret(const char *prompt, int confirm, char *secret, size_t size, int password)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO);
    char again[256];
    cp_err err;

    if (tty) {
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    err = ask(tty, prompt, secret, size,
              password ? _("no password given (type it, or pipe it on stdin)")
                       : _("no PIN given (type it, or pipe it on stdin)"));
    if (!err && confirm) {
        /* piped, the new PIN comes twice too: a script says what a person types */
        err = ask(tty, _("again"), again, sizeof again,
                  password ? _("the new password is given twice, to confirm it (type it "
                               "again, or pipe it on two lines)")
                           : _("the new PIN is given twice, to confirm it (type it again, or "
                               "pipe it on two lines)"));
        if (!err && strcmp(again, secret) != 0 && password)
            err = cp_fail(CP_ERR_INVALID, "the two passwords differ; nothing changed");
        else if (!err && strcmp(again, secret) != 0)
            err = cp_fail(CP_ERR_INVALID, "the two PINs differ; nothing changed");
        memset(again, 0, sizeof again);
    }
    if (tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    return err;
}

cp_err cli_read_pin(const char *prompt, int confirm, char *pin, size_t size)
{
    return read_secret(prompt, confirm, pin, size, 0);
}

cp_err cli_read_password(const char *prompt, char *password, size_t size)
{
    return read_secret(prompt, 1, password, size, 1);
}
