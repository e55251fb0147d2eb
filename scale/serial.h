/* serial: a scale's serial port: libserialport for real ports, termios for ptys. */
#ifndef CP_SCALE_SERIAL_H
#define CP_SCALE_SERIAL_H

#include <stddef.h>

#include "core/err.h"
#include "scale/proto.h"

typedef struct serial_port serial_port;

/* Opens path (a device such as /dev/ttyUSB0, or a stable symlink such as
 * /dev/serial/by-id/usb-...) with the line settings in s. Real ports go
 * through libserialport; a pty (the scale simulator), which libserialport
 * refuses for lack of a sysfs entry, through a small termios backend.
 * Fails with CP_ERR_NOT_FOUND, CP_ERR_ACCESS, CP_ERR_BUSY or CP_ERR_DEVICE
 * and a detail. The caller owns *out (serial_close). */
cp_err serial_open(const char *path, const proto_serial *s, serial_port **out);

/* Closes the port and frees it; accepts NULL. */
void serial_close(serial_port *p);

/* Waits up to timeout_ms for bytes and reads what has arrived, at most len,
 * into buf; *got is 0 when nothing arrived in time (not an error). Fails
 * with CP_ERR_DISCONNECTED when the device went away (unplugged). */
cp_err serial_read(serial_port *p, void *buf, size_t len, unsigned timeout_ms, size_t *got);

/* Writes all len bytes within timeout_ms, or fails with CP_ERR_TIMEOUT,
 * CP_ERR_DISCONNECTED or CP_ERR_IO. */
cp_err serial_write(serial_port *p, const void *buf, size_t len, unsigned timeout_ms);

/* Discards bytes received but not read yet. */
cp_err serial_flush(serial_port *p);

/* The path the port was opened with, and the name of the backend in use
 * ("libserialport" or "pty"). Owned by the port. */
const char *serial_path(const serial_port *p);
const char *serial_backend_name(const serial_port *p);

/* Reads back the line settings the port has now (baud, bits, parity, stop),
 * as the driver reports them: a check that the settings took. */
cp_err serial_line(serial_port *p, proto_serial *out);

/* One port as `cleanplate-scale list-ports` shows it. */
typedef struct serial_info {
    char *name;        /* /dev/ttyUSB0 */
    char *by_id;       /* /dev/serial/by-id/... pointing at it, or NULL */
    char *description; /* libserialport's description ("USB-Serial Controller") */
    char *usb_manufacturer, *usb_product, *usb_serial; /* NULL unless USB */
    int usb_vid, usb_pid; /* -1 unless USB */
} serial_info;

/* Lists the serial ports libserialport sees, with their USB descriptions.
 * The caller owns *out (serial_list_free); *n may be 0. */
cp_err serial_list(serial_info **out, size_t *n);

/* Frees a list from serial_list; accepts NULL. */
void serial_list_free(serial_info *list, size_t n);

#endif
