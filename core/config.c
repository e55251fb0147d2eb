/* config: INI files for a terminal or a station, read with inih. */
#include "core/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct entry {
    char *section, *key, *value;
    int line;
} entry;

struct config {
    char *name;
    entry *entries;
    size_t n;
    int nomem;
    int line; /* lines read so far: the line of the entry being handled */
};

/* Debian's inih does not pass line numbers to the handler, so lines are
 * counted by the reader below, which inih calls once per line. */
typedef struct source {
    FILE *f;          /* a file, or */
    const char *text; /* text in memory */
    config *c;
} source;

static char *read_line(char *str, int num, void *stream)
{
    source *src = stream;
    char *got = NULL;

    if (src->f) {
        got = fgets(str, num, src->f);
    } else if (*src->text) {
        size_t n = strcspn(src->text, "\n");
        if (src->text[n] == '\n')
            n++;
        if (n > (size_t)num - 1)
            n = (size_t)num - 1;
        memcpy(str, src->text, n);
        str[n] = '\0';
        src->text += n;
        got = str;
    }
    if (got)
        src->c->line++;
    return got;
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
    config *c = user;
    entry *e;
    int lineno = c->line;

    if (!(e = realloc(c->entries, (c->n + 1) * sizeof *e))) {
        c->nomem = 1;
        return 0;
    }
    c->entries = e;
    e = &c->entries[c->n];
    e->section = strdup(section);
    e->key = strdup(key);
    e->value = strdup(value ? value : "");
    e->line = lineno;
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        c->nomem = 1;
        return 0;
    }
    c->n++;
    return 1;
}

static cp_err finish(config *c, int rc, config **out)
{
    if (rc == 0) {
        *out = c;
        return CP_OK;
    }
    cp_err err = c->nomem ? cp_fail(CP_ERR_NOMEM, "out of memory reading %s", c->name)
               : rc > 0   ? cp_fail(CP_ERR_PARSE, "%s:%d: not a 'key = value' or '[section]' "
                                    "line", c->name, rc)
                          : cp_fail(CP_ERR_IO, "cannot read %s: %s", c->name, strerror(errno));
    config_free(c);
    return err;
}

cp_err config_load(const char *path, config **out)
{
    config *c = calloc(1, sizeof *c);
    source src = {0};
    int rc, e;

    *out = NULL;
    if (!c || !(c->name = strdup(path))) {
        free(c);
        return cp_fail(CP_ERR_NOMEM, "out of memory reading %s", path);
    }
    if (!(src.f = fopen(path, "r")))
        return finish(c, -1, out);
    src.c = c;
    rc = ini_parse_stream(read_line, &src, on_entry, c);
    if (rc == 0 && ferror(src.f))
        rc = -1; /* a directory or a read error, not an empty file */
    e = errno;
    fclose(src.f);
    errno = e;
    return finish(c, rc, out);
}

cp_err config_parse(const char *name, const char *text, config **out)
{
    config *c = calloc(1, sizeof *c);

    *out = NULL;
    if (!c || !(c->name = strdup(name))) {
        free(c);
        return cp_fail(CP_ERR_NOMEM, "out of memory reading %s", name);
    }
    source src = {.text = text, .c = c};
    return finish(c, ini_parse_stream(read_line, &src, on_entry, c), out);
}

static const entry *find(const config *c, const char *section, const char *key)
{
    if (!c)
        return NULL;
    for (size_t i = c->n; i-- > 0;) /* the last one given wins */
        if (strcmp(c->entries[i].section, section) == 0 && strcmp(c->entries[i].key, key) == 0)
            return &c->entries[i];
    return NULL;
}

const char *config_get(const config *c, const char *section, const char *key)
{
    const entry *e = find(c, section, key);
    return e ? e->value : NULL;
}

const char *config_get_or(const config *c, const char *section, const char *key,
                          const char *fallback)
{
    const char *v = config_get(c, section, key);
    return v ? v : fallback;
}

cp_err config_get_int(const config *c, const char *section, const char *key, long min,
                      long max, long fallback, long *out)
{
    const entry *e = find(c, section, key);
    char *end;
    long v;

    if (!e) {
        *out = fallback;
        return CP_OK;
    }
    errno = 0;
    v = strtol(e->value, &end, 10);
    if (errno || end == e->value || *end || v < min || v > max)
        return cp_fail(CP_ERR_INVALID, "%s:%d: [%s] %s = '%s': give a whole number from %ld "
                       "to %ld", c->name, e->line, section, key, e->value, min, max);
    *out = v;
    return CP_OK;
}

cp_err config_check_keys(const config *c, const char *section, const char *const *allowed)
{
    if (!c)
        return CP_OK;
    for (size_t i = 0; i < c->n; i++) {
        int ok = 0;
        if (strcmp(c->entries[i].section, section) != 0)
            continue;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, c->entries[i].key) == 0;
        if (!ok)
            return cp_fail(CP_ERR_INVALID, "%s:%d: [%s] has no setting '%s'", c->name,
                           c->entries[i].line, section, c->entries[i].key);
    }
    return CP_OK;
}

cp_err config_check_moved(const config *c, const char *section, const char *const *there,
                          const char *home)
{
    if (!c)
        return CP_OK;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->entries[i].section, section) != 0)
            continue;
        for (const char *const *a = there; *a; a++)
            if (strcmp(*a, c->entries[i].key) == 0)
                return cp_fail(CP_ERR_INVALID, "%s:%d: '%s' goes in [%s] here, not in [%s]: "
                               "move the line under [%s]", c->name, c->entries[i].line,
                               c->entries[i].key, home, section, home);
    }
    return CP_OK;
}

void config_free(config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->entries[i].section);
        free(c->entries[i].key);
        free(c->entries[i].value);
    }
    free(c->entries);
    free(c->name);
    free(c);
}

cp_err config_check_private(const char *path)
{
    struct stat sb;

    if (stat(path, &sb) != 0)
        return cp_fail(CP_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    if (sb.st_mode & 077)
        return cp_fail(CP_ERR_ACCESS, "%s holds the terminal's key and others may read it: "
                       "chmod 600 %s", path, path);
    return CP_OK;
}
