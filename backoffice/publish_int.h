/* publish_int: what publish.c and publish_files.c share and nobody else
 * needs. */
#ifndef CP_PUBLISH_INT_H
#define CP_PUBLISH_INT_H

#include "backoffice/metrics.h"
#include "backoffice/publish.h"

/* Writes the CSV file: every eligible row with the real name (csvout: BOM,
 * CRLF, formulas neutralised), and the trays each department had left out. */
cp_err publish_write_csv(const char *path, const metrics_table *t);

/* Writes the static HTML page of t, published as res (reason and corrects,
 * the version it corrects, NULL for a first one; at, the time). */
cp_err publish_write_html(const char *path, const metrics_table *t, const publish_res *res,
                          const char *reason, const char *corrects, const char *at);

/* Writes the PDF notice of t, as publish_write_html, in font (NULL: the
 * default). */
cp_err publish_write_pdf(const char *path, const metrics_table *t, const publish_res *res,
                         const char *reason, const char *corrects, const char *at,
                         const char *font);

#endif
