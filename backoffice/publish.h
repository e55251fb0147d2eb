/* publish: immutable red/black lists as PDF, CSV and HTML, recorded in a hash chain. */
#ifndef CP_PUBLISH_H
#define CP_PUBLISH_H

#include <stdio.h>

#include "backoffice/metrics.h"
#include "core/db.h"

#define PUBLISH_HASH_HEX 65

typedef struct publish_req {
    const char *month;       /* "2026-11" */
    const char *out_dir;     /* where the files go; created if missing */
    const char *reason;      /* required when the month is already published, or forced */
    int force;               /* publish although a terminal may not have delivered the
                              * month's events (with a reason, recorded) */
    const char *actor;
    const char *font;        /* PDF font, NULL for the default */
    metrics_opts opts;       /* the rules: thresholds and list sizes */
} publish_req;

typedef struct publish_res {
    char id[64];             /* "redblack-2026-11-v2" */
    int version;
    long rows;               /* eligible departments published */
    long red, black;
    char hash[PUBLISH_HASH_HEX];
    char content_hash[PUBLISH_HASH_HEX];
    /* The audit chain's head when the files were written (printed in them:
     * verify --head proves nothing before it was removed), and after the
     * publication's own entry (printed by the command). "" when empty. */
    char audit_head_before[PUBLISH_HASH_HEX];
    char audit_head[PUBLISH_HASH_HEX];
    char paths[3][512];      /* the PDF, CSV and HTML files written */
    int finished;            /* > 0: the month was published already (id) by a publish cut
                              * off before it renamed its files; this many were renamed now */
} publish_res;

/* Computes the month's ranking with req->opts, writes the PDF notice, CSV and
 * HTML page into req->out_dir and records the publication, its rows and its
 * place in the chain in one transaction. A month already published needs a
 * reason and becomes a new version that says what it corrects. Nothing is
 * recorded when a file cannot be written, and no file is left behind when the
 * record cannot be made. */
cp_err publish_redblack(db *d, const publish_req *req, publish_res *res);

/* Whether the red and black lists of t (a month's departments, as now
 * computed) are not those of publication pub_id: *differ 1 when a
 * department is on another list or at another rank in either; a correction
 * made after the publication (a void, a late weighing) or other options do
 * that, and a report that cites the publication must then say so. */
cp_err publish_lists_differ(db *d, const char *pub_id, const metrics_table *t, int *differ);

/* Lists the publications, newest last. */
cp_err publish_list(db *d, FILE *f);

/* Checks the chain of publications and that each one's content hash matches
 * its recorded rows; with out_dir, also that the files there still match
 * their recorded hashes. Writes one line per problem to report and adds the
 * count to *problems. */
cp_err publish_verify(db *d, const char *out_dir, FILE *report, long *problems);

#endif
