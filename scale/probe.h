/* probe: finds which protocol a scale on a port speaks: polled protocols first, then streams. */
#ifndef CP_SCALE_PROBE_H
#define CP_SCALE_PROBE_H

#include <stdio.h>

#include "core/err.h"
#include "scale/proto.h"

#define PROBE_REPLY_MS 400   /* a polled scale answers within this */
#define PROBE_LISTEN_MS 1500 /* a streaming scale sends several frames within this */

typedef struct probe_result {
    const proto_ops *ops;  /* static storage */
    proto_serial serial;   /* the line settings it answered on */
    bool polled;           /* it answered a poll (else: it streams) */
    unsigned readings;     /* frames that parsed while probing */
} probe_result;

/* Probes the scale on path: sends each polled protocol's poll (in
 * proto_list() order) and waits PROBE_REPLY_MS for an answer, then listens
 * PROBE_LISTEN_MS per line setting for a stream that parses. line (NULL: each
 * protocol's default) fixes the line settings; opts goes to the parsers. Says
 * what it tries and finds on log (may be NULL). CP_ERR_NOT_FOUND with a
 * detail saying what to check when nothing answered; the port's own errors
 * as serial_open gives them. */
cp_err probe_port(const char *path, const proto_serial *line, const proto_opts *opts,
                  FILE *log, probe_result *out);

#endif
