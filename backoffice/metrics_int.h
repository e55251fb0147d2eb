/* metrics_int: what the metrics' files (metrics.c, metrics_rollup.c,
 * metrics_canteen.c) share and nobody else needs. */
#ifndef CP_METRICS_INT_H
#define CP_METRICS_INT_H

#include <jansson.h>
#include <stdio.h>

#include "backoffice/metrics.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/rollup.h"


/* How many diners' trays of span at canteen_id (0: every canteen) that
 * the figures count were typed in by hand (`waste add`, flagged manual)
 * rather than weighed at a station, into *n: the published lists and the
 * monthly report say it, so that a department's figures made by hand are
 * seen as such. */
cp_err metrics_manual_trays(db *d, const metrics_span *span, int64_t canteen_id, int64_t *n);

/* Today's business date, or "0000-00-00" when the clock is not readable (a
 * bad CLEANPLATE_NOW), so that no day counts as closed. */
void metrics_today(char out[CP_DATE_LEN]);

/* The last closed day of span to read from rollups into closed_to, and the
 * first open day to read from the records into open_from (with
 * from_records, none from rollups: all from the records); both are dates,
 * "0000-00-00" and "9999-99-99" when there is none. */
void metrics_split_span(const metrics_span *span, int from_records, char closed_to[11],
                        char open_from[11]);

/* The id of canteen code into *id; 0 when code is NULL (all canteens). */
cp_err metrics_load_canteen(db *d, const char *code, int64_t *id);

/* A JSON number with the given decimals from an integer scaled by 10^decimals. */
json_t *metrics_json_scaled(int64_t v, int decimals);

/* Sets key of o to v (a new reference, taken); returns 1 when that failed
 * (v NULL: out of memory), so that a caller never leaves a field out unseen. */
int metrics_json_put(json_t *o, const char *key, json_t *v);

/* Writes arr as indented JSON and a newline. */
cp_err metrics_json_dump(json_t *arr, FILE *f);

#endif
