/* printer_serial: serial receipt printer transport via libserialport (8N1, no flow control). */
#include <errno.h>
#include <libserialport.h>
#include <stdlib.h>
#include <string.h>

#include "receipts/printer_backend.h"
#include "core/nls.h"

/* Splits "DEV[:BAUD]" into a device name (caller frees) and a baud rate. */
static cp_err printer_serial_parse(const char *arg, char **dev, int *baud)
{
    const char *colon = strrchr(arg, ':');
    char *end;
    long n = 9600;
    size_t len = colon ? (size_t)(colon - arg) : strlen(arg);

    if (colon) {
        errno = 0;
        n = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || errno || n < 300 || n > 4000000)
            return cp_fail(CP_ERR_INVALID, "bad printer baud rate '%s'", colon + 1);
    }
    if (len == 0)
        return cp_fail(CP_ERR_INVALID, "printer URI serial: needs a port, e.g. serial:/dev/ttyUSB0:9600");
    *dev = strndup(arg, len);
    if (!*dev)
        return cp_fail(CP_ERR_NOMEM, "out of memory opening a printer");
    *baud = (int)n;
    return CP_OK;
}

/* libserialport's last error as our error, with its text. */
static cp_err printer_serial_fail(enum sp_return r, const char *what, const char *dev)
{
    char *msg = r == SP_ERR_FAIL ? sp_last_error_message() : NULL;
    /* what is worded here (an xgettext keyword); libserialport's message is kept as it is */
    cp_err err = cp_fail(r == SP_ERR_MEM ? CP_ERR_NOMEM : CP_ERR_DEVICE, "%s %s: %s", _(what), dev,
                         msg ? msg : _("libserialport error"));

    sp_free_error_message(msg);
    return err;
}

/* Opens and configures the port. */
static cp_err printer_serial_open(printer *p, const char *arg)
{
    struct sp_port *port = NULL;
    char *dev = NULL;
    int baud = 9600;
    enum sp_return r;
    cp_err err = printer_serial_parse(arg, &dev, &baud);

    if (err)
        return err;
    if (sp_get_port_by_name(dev, &port) != SP_OK) {
        err = cp_fail(CP_ERR_NOT_FOUND, "serial printer port %s not found", dev);
        goto out;
    }
    r = sp_open(port, SP_MODE_WRITE);
    if (r != SP_OK) {
        err = printer_serial_fail(r, "cannot open serial printer", dev);
        goto out;
    }
    if ((r = sp_set_baudrate(port, baud)) != SP_OK || (r = sp_set_bits(port, 8)) != SP_OK ||
        (r = sp_set_parity(port, SP_PARITY_NONE)) != SP_OK ||
        (r = sp_set_stopbits(port, 1)) != SP_OK ||
        (r = sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE)) != SP_OK) {
        err = printer_serial_fail(r, "cannot configure serial printer", dev);
        sp_close(port);
        goto out;
    }
    p->impl = port;
    port = NULL;
out:
    sp_free_port(port);
    free(dev);
    return err;
}

/* Writes with libserialport's blocking write, bounded by the timeout. */
static cp_err printer_serial_write(printer *p, const unsigned char *data, size_t len)
{
    enum sp_return r = sp_blocking_write(p->impl, data, len, (unsigned)p->timeout_ms);

    if (r < 0)
        return printer_serial_fail(r, "serial printer write failed on", p->uri);
    if ((size_t)r < len)
        return cp_fail(CP_ERR_TIMEOUT, "serial printer %s took %d of %zu bytes in %d ms "
                       "(offline or out of paper?)", p->uri, (int)r, len, p->timeout_ms);
    return CP_OK;
}

/* A plain serial line says nothing reliable about the printer. */
static printer_state printer_serial_status(printer *p)
{
    return p->impl ? PRINTER_UNKNOWN : PRINTER_OFFLINE;
}

/* Closes the port. */
static void printer_serial_close(printer *p)
{
    if (p->impl) {
        sp_close(p->impl);
        sp_free_port(p->impl);
    }
    p->impl = NULL;
}

const printer_ops printer_serial_ops = {
    .scheme = "serial",
    .open = printer_serial_open,
    .write = printer_serial_write,
    .status = printer_serial_status,
    .close = printer_serial_close,
};
