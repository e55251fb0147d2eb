/* printer_backend: what a receipt printer transport implements, shared by the printer_*.c files. */
#ifndef CP_PRINTER_BACKEND_H
#define CP_PRINTER_BACKEND_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"
#include "receipts/printer.h"

typedef struct printer_ops {
    const char *scheme;                          /* URI scheme, "tcp" */
    /* arg is the URI after "scheme:" ("" when there is none) */
    cp_err (*open)(printer *p, const char *arg);
    cp_err (*write)(printer *p, const unsigned char *data, size_t len);
    printer_state (*status)(printer *p);
    void (*close)(printer *p);                   /* frees p->impl, closes p->fd */
} printer_ops;

struct printer {
    const printer_ops *ops;
    char *uri;               /* owned */
    int timeout_ms;
    int fd;                  /* lp, tcp, file; -1 when closed */
    FILE *preview;           /* borrowed */
    void *impl;              /* backend state, owned by the backend */
};

extern const printer_ops printer_tcp_ops;
extern const printer_ops printer_usb_ops;
extern const printer_ops printer_serial_ops;

/* Writes all of data to a non-blocking fd, waiting with poll() up to
 * timeout_ms in all; sockets are written with MSG_NOSIGNAL. what names the
 * printer in error details. */
cp_err printer_fd_write(int fd, const unsigned char *data, size_t len, int timeout_ms,
                        const char *what);

/* Milliseconds on a monotonic clock, for deadlines. */
long long printer_now_ms(void);

#endif
