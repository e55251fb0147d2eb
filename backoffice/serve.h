/* serve: `cleanplate-office serve`, the canteen server that networked terminals talk to (doc/protocol.md). */
#ifndef CP_OFFICE_SERVE_H
#define CP_OFFICE_SERVE_H

#include "backoffice/office.h"

/* The options of serve, for the command table. */
#define SERVE_OPTIONS "listen=,tls-cert=,tls-key=,threads=,offline-max-age-days="

/* serve --listen ADDR:PORT [--tls-cert FILE --tls-key FILE] [--threads N]
 * [--offline-max-age-days N]:
 * answers terminals until SIGTERM or SIGINT, then lets the requests in
 * flight finish and returns 0. Opens its own store connections (one per
 * worker thread) from --db; c->d is not used. Returns the exit code. */
int cmd_serve(office_ctx *c);

#endif
