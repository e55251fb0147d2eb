/* csvout: the one CSV writer of every CSV we write: BOM, CRLF, RFC 4180 quoting, formulas neutralised. */
#include "backoffice/csvout.h"

#include <string.h>

void csvout_begin(csvout *w, FILE *f)
{
    w->f = f;
    w->col = 0;
    fputs("\xEF\xBB\xBF", f);
}

/* The comma before every field but the first of a row. */
static void separate(csvout *w)
{
    if (w->col++ > 0)
        fputc(',', w->f);
}

void csvout_header(csvout *w, const char *names)
{
    separate(w);
    fputs(names, w->f);
    csvout_end_row(w);
}

int csvout_is_formula(const char *s)
{
    return s && *s && strchr("=+-@\t\r", *s) != NULL;
}

void csvout_text(csvout *w, const char *s)
{
    int formula = csvout_is_formula(s);

    separate(w);
    if (!s)
        return;
    /* a neutralised cell is always quoted, as OWASP advises, so that nothing
     * after the quote mark can start a field of its own */
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        fputs(s, w->f);
        return;
    }
    fputc('"', w->f);
    if (formula)
        fputc('\'', w->f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', w->f);
        fputc(*s, w->f);
    }
    fputc('"', w->f);
}

void csvout_number(csvout *w, const char *s)
{
    separate(w);
    fputs(s ? s : "", w->f);
}

void csvout_int(csvout *w, int64_t v)
{
    separate(w);
    fprintf(w->f, "%lld", (long long)v);
}

void csvout_end_row(csvout *w)
{
    fputs("\r\n", w->f);
    w->col = 0;
}

cp_err csvout_finish(csvout *w)
{
    if (fflush(w->f) != 0 || ferror(w->f))
        return cp_fail(CP_ERR_IO, "could not write the CSV output");
    return CP_OK;
}
