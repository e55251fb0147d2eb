/* station_link: one scale on a serial port: polling, parsing, and reconnecting by itself after an unplug. */
#ifndef CP_SCALE_STATION_LINK_H
#define CP_SCALE_STATION_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "scale/proto.h"
#include "scale/serial.h"

#define STATION_LINK_RETRY_MS 500   /* how often a lost port is tried again */
#define STATION_LINK_POLL_MS 100    /* polled scales: one poll per this many ms */
#define STATION_LINK_REPLY_MS 500   /* polled scales: a poll unanswered this long is sent again */

/* What to open. Zeroed serial means the protocol's own line settings. */
typedef struct station_link_cfg {
    const char *port;      /* /dev/ttyUSB0, /dev/serial/by-id/..., or a pty */
    const proto_ops *ops;
    proto_serial serial;
    proto_opts opts;
    int poll_ms;           /* <= 0: STATION_LINK_POLL_MS */
} station_link_cfg;

typedef struct station_link station_link;

/* Creates a link and tries to open the port once. A port that is absent or
 * gone is not an error: the link reports itself disconnected and tries again
 * every STATION_LINK_RETRY_MS. Bad settings are CP_ERR_INVALID. cfg->port is
 * copied. The caller owns *out (station_link_close). */
cp_err station_link_open(const station_link_cfg *cfg, station_link **out);

/* Closes the port and frees the link; accepts NULL. */
void station_link_close(station_link *l);

/* Waits up to timeout_ms for the scale: sends polls and CAS replies when due,
 * reads and parses what came, reconnects when disconnected. Stores at most cap
 * readings in out[] and their number in *n. *changed (may be NULL) is set
 * when the connection state changed during the call (see station_link_status).
 * Errors are only for a port that cannot be used at all. */
cp_err station_link_step(station_link *l, int timeout_ms, proto_reading *out, size_t cap,
                         size_t *n, bool *changed);

/* True while the port is open. */
bool station_link_connected(const station_link *l);

/* "scale connected (/dev/ttyUSB0, libserialport)" or "scale disconnected:
 * ..." for the status line. Owned by l, valid until the next call on l. */
const char *station_link_status(const station_link *l);

/* Sends a command (ops->tare, ->zero, ->clear) to the scale now; CP_ERR_UNSUPPORTED
 * when the protocol has none, CP_ERR_DISCONNECTED when the port is gone. */
cp_err station_link_send(station_link *l, const char *cmd);

/* The line settings the open port reports (serial_line); CP_ERR_DISCONNECTED when closed. */
cp_err station_link_line(station_link *l, proto_serial *out);

/* Frames that did not parse since the link was opened. */
uint64_t station_link_skipped(const station_link *l);

/* The last unit a frame came in that is not converted to grams ("tl",
 * "pcs"), or NULL. Owned by l. */
const char *station_link_refused_unit(const station_link *l);

/* Milliseconds on a monotonic clock, for timestamps of readings. */
int64_t station_link_now_ms(void);

#endif
