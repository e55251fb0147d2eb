/* csvread: whole CSV files read with libcsv, BOM and CRLF handled, rows keep their line numbers. */
#include "core/csvread.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

typedef struct reader {
    csv_table *t;
    csv_row cur;      /* the row being assembled */
    long line;        /* physical line being fed */
    long start;       /* line where the row being assembled started */
    int in_row;       /* a row has started and not yet ended */
    int failed;       /* out of memory inside a callback */
} reader;

/* True when the n bytes at s are only line ends. */
static int blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

static void on_field(void *data, size_t len, void *ctx)
{
    reader *r = ctx;
    char **fields;
    char *copy;

    if (r->failed)
        return;
    fields = realloc(r->cur.fields, (r->cur.nfields + 1) * sizeof *fields);
    copy = malloc(len + 1);
    if (!fields || !copy) {
        free(copy);
        if (fields)
            r->cur.fields = fields;
        r->failed = 1;
        return;
    }
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    r->cur.fields = fields;
    r->cur.fields[r->cur.nfields++] = copy;
}

static void on_row(int term, void *ctx)
{
    reader *r = ctx;
    csv_row *rows;

    (void)term;
    if (r->failed)
        return;
    rows = realloc(r->t->rows, (r->t->nrows + 1) * sizeof *rows);
    if (!rows) {
        r->failed = 1;
        return;
    }
    r->t->rows = rows;
    r->cur.line = r->start;
    r->in_row = 0;
    r->t->rows[r->t->nrows++] = r->cur;
    memset(&r->cur, 0, sizeof r->cur);
}

static void free_row(csv_row *row)
{
    for (size_t i = 0; i < row->nfields; i++)
        free(row->fields[i]);
    free(row->fields);
}

void csvread_free(csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows; i++)
        free_row(&t->rows[i]);
    free(t->rows);
    free(t);
}

cp_err csvread_buffer(const char *name, const char *data, size_t len, csv_table **out)
{
    struct csv_parser p;
    reader r = {0};
    cp_err err = CP_OK;
    size_t pos = 0;

    *out = NULL;
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    if (!(r.t = calloc(1, sizeof *r.t)))
        return cp_fail(CP_ERR_NOMEM, "out of memory reading %s", name);
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        free(r.t);
        return cp_fail(CP_ERR_NOMEM, "out of memory reading %s", name);
    }
    /* Feed one physical line at a time so that each row knows where it starts. */
    while (pos < len && !err) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) + 1 : len - pos;
        r.line++;
        if (!r.in_row && !blank_line(data + pos, n)) {
            r.in_row = 1; /* a non-blank line outside a row starts the next row */
            r.start = r.line;
        }
        if (!utf8_valid(data + pos, n))
            err = cp_fail(CP_ERR_PARSE, "%s:%ld: not UTF-8 text (was the file saved as GBK? "
                          "save it as \"CSV UTF-8\" and import again; NUL bytes are refused too)", name, r.line);
        else if (csv_parse(&p, data + pos, n, on_field, on_row, &r) != n)
            err = cp_fail(CP_ERR_PARSE, "%s:%ld: %s (check the quotes on this line)", name,
                          r.line, csv_strerror(csv_error(&p)));
        else if (r.failed)
            err = cp_fail(CP_ERR_NOMEM, "out of memory reading %s", name);
        pos += n;
    }
    if (!err && csv_fini(&p, on_field, on_row, &r) != 0)
        err = cp_fail(CP_ERR_PARSE, "%s:%ld: a quoted field is not closed", name,
                      r.start);
    if (!err && r.failed)
        err = cp_fail(CP_ERR_NOMEM, "out of memory reading %s", name);
    csv_free(&p);
    free_row(&r.cur);
    if (err) {
        csvread_free(r.t);
        return err;
    }
    *out = r.t;
    return CP_OK;
}

cp_err csvread_file(const char *path, csv_table **out)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t len = 0, cap = 0, n;
    cp_err err;

    *out = NULL;
    if (!f)
        return cp_fail(errno == ENOENT ? CP_ERR_NOT_FOUND : CP_ERR_IO, "cannot open %s: %s",
                       path, strerror(errno));
    for (;;) {
        if (len == cap) {
            char *p = realloc(data, cap = cap ? cap * 2 : 65536);
            if (!p) {
                err = cp_fail(CP_ERR_NOMEM, "out of memory reading %s", path);
                goto out;
            }
            data = p;
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        err = cp_fail(CP_ERR_IO, "error reading %s: %s", path, strerror(errno));
        goto out;
    }
    err = csvread_buffer(path, data, len, out);
out:
    free(data);
    fclose(f);
    return err;
}

cp_err csvread_expect_header(const csv_table *t, const char *name, const char *const *cols,
                             size_t n)
{
    char want[256] = "";
    size_t used = 0;

    for (size_t i = 0; i < n && used < sizeof want; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s%s", i ? "," : "", cols[i]);
    if (t->nrows == 0)
        return cp_fail(CP_ERR_PARSE, "%s: the file is empty; the first line must be: %s", name,
                       want);
    if (t->rows[0].nfields != n)
        goto bad;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t->rows[0].fields[i], cols[i]) != 0)
            goto bad;
    return CP_OK;
bad:
    return cp_fail(CP_ERR_PARSE, "%s:%ld: the header must be exactly: %s", name,
                   t->rows[0].line, want);
}
