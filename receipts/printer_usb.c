/* printer_usb: USB printer class (interface class 7) transport via libusb bulk OUT. */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receipts/printer_backend.h"
#include "core/nls.h"

#define USB_CHUNK 4096
#define USB_REQ_GET_PORT_STATUS 1
#define USB_STATUS_PAPER_EMPTY 0x20
#define USB_STATUS_SELECTED 0x10
#define USB_STATUS_NOT_ERROR 0x08

typedef struct usb_impl {
    libusb_context *ctx;
    libusb_device_handle *h;   /* NULL while unplugged */
    int want_vid, want_pid;    /* -1 for any */
    int iface, alt;
    unsigned char ep_out;
    int reattach;              /* we detached usblp and give it back on close */
    char name[16];             /* "VVVV:PPPP" of the printer found */
} usb_impl;

/* Our error for a libusb error, with its name in the detail. */
static cp_err printer_usb_fail(int r, const char *what, const char *name)
{
    cp_err e;

    switch (r) {
    case LIBUSB_ERROR_NO_DEVICE: e = CP_ERR_DISCONNECTED; break;
    case LIBUSB_ERROR_ACCESS: e = CP_ERR_ACCESS; break;
    case LIBUSB_ERROR_BUSY: e = CP_ERR_BUSY; break;
    case LIBUSB_ERROR_TIMEOUT: e = CP_ERR_TIMEOUT; break;
    case LIBUSB_ERROR_NOT_FOUND: e = CP_ERR_NOT_FOUND; break;
    case LIBUSB_ERROR_NO_MEM: e = CP_ERR_NOMEM; break;
    default: e = CP_ERR_DEVICE; break;
    }
    /* what is worded here (an xgettext keyword); libusb's message is kept as it is */
    return cp_fail(e, "USB printer %s: %s: %s", name, _(what), libusb_strerror(r));
}

/* Finds, in dev's active configuration, a printer-class interface with a
 * bulk OUT endpoint; fills u and returns 1, or returns 0. */
static int printer_usb_match(libusb_device *dev, usb_impl *u)
{
    struct libusb_config_descriptor *cfg = NULL;
    int found = 0;

    if (libusb_get_active_config_descriptor(dev, &cfg) != 0)
        return 0;
    for (int i = 0; i < cfg->bNumInterfaces && !found; i++) {
        const struct libusb_interface *itf = &cfg->interface[i];

        for (int a = 0; a < itf->num_altsetting && !found; a++) {
            const struct libusb_interface_descriptor *d = &itf->altsetting[a];

            if (d->bInterfaceClass != LIBUSB_CLASS_PRINTER)
                continue;
            for (int k = 0; k < d->bNumEndpoints; k++) {
                const struct libusb_endpoint_descriptor *ep = &d->endpoint[k];

                if ((ep->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_BULK &&
                    !(ep->bEndpointAddress & LIBUSB_ENDPOINT_IN)) {
                    u->iface = d->bInterfaceNumber;
                    u->alt = d->bAlternateSetting;
                    u->ep_out = ep->bEndpointAddress;
                    found = 1;
                    break;
                }
            }
        }
    }
    libusb_free_config_descriptor(cfg);
    return found;
}

/* Finds the printer, opens it, detaches usblp and claims the interface. */
static cp_err printer_usb_attach(printer *p)
{
    usb_impl *u = p->impl;
    libusb_device **list = NULL;
    libusb_device_handle *h = NULL;
    struct libusb_device_descriptor dd;
    ssize_t n;
    int r;
    cp_err err = CP_OK;

    if (u->h)
        return CP_OK;
    n = libusb_get_device_list(u->ctx, &list);
    if (n < 0)
        return printer_usb_fail((int)n, "cannot list USB devices", "");
    for (ssize_t i = 0; i < n && !h; i++) {
        if (libusb_get_device_descriptor(list[i], &dd) != 0)
            continue;
        if ((u->want_vid >= 0 && dd.idVendor != u->want_vid) ||
            (u->want_pid >= 0 && dd.idProduct != u->want_pid))
            continue;
        if (!printer_usb_match(list[i], u))
            continue;
        snprintf(u->name, sizeof u->name, "%04x:%04x", dd.idVendor, dd.idProduct);
        r = libusb_open(list[i], &h);
        if (r != 0) {
            err = printer_usb_fail(r, "cannot open", u->name);
            h = NULL;
            goto out;
        }
    }
    if (!h) {
        if (u->want_vid >= 0)
            err = cp_fail(CP_ERR_NOT_FOUND, "no USB printer %04x:%04x (unplugged or off?)",
                          u->want_vid, u->want_pid);
        else
            err = cp_fail(CP_ERR_NOT_FOUND, "no USB printer found (unplugged or off?)");
        goto out;
    }
    /* detach usblp if it holds the interface; a failed query (no usbfs
     * support for it) is not fatal, the claim below tells */
    if (libusb_kernel_driver_active(h, u->iface) == 1) {
        r = libusb_detach_kernel_driver(h, u->iface);
        if (r != 0) {
            err = printer_usb_fail(r, "cannot detach the usblp driver", u->name);
            goto out;
        }
        u->reattach = 1;
    }
    r = libusb_claim_interface(h, u->iface);
    if (r != 0) {
        err = printer_usb_fail(r, "cannot claim the printer interface", u->name);
        goto out;
    }
    if (u->alt != 0 && (r = libusb_set_interface_alt_setting(h, u->iface, u->alt)) != 0) {
        libusb_release_interface(h, u->iface);
        err = printer_usb_fail(r, "cannot select the printer setting", u->name);
        goto out;
    }
    u->h = h;
    h = NULL;
out:
    if (h)
        libusb_close(h);
    libusb_free_device_list(list, 1);
    return err;
}

/* Lets go of the device (after an unplug, or to close). */
static void printer_usb_detach(usb_impl *u)
{
    if (!u->h)
        return;
    libusb_release_interface(u->h, u->iface);
    if (u->reattach)
        libusb_attach_kernel_driver(u->h, u->iface);
    u->reattach = 0;
    libusb_close(u->h);
    u->h = NULL;
}

/* Parses "[VID:PID]" (hex), starts libusb and attaches the printer. */
static cp_err printer_usb_open(printer *p, const char *arg)
{
    usb_impl *u = calloc(1, sizeof *u);
    unsigned vid, pid;
    int used = 0, r;

    if (!u)
        return cp_fail(CP_ERR_NOMEM, "out of memory opening a printer");
    p->impl = u;
    u->want_vid = u->want_pid = -1;
    if (*arg) {
        if (sscanf(arg, "%4x:%4x%n", &vid, &pid, &used) != 2 || arg[used] != '\0')
            return cp_fail(CP_ERR_INVALID, "bad USB printer id '%s' (want usb:VID:PID in hex)",
                           arg);
        u->want_vid = (int)vid;
        u->want_pid = (int)pid;
    }
    r = libusb_init(&u->ctx);
    if (r != 0) {
        u->ctx = NULL;
        return printer_usb_fail(r, "cannot start libusb", "");
    }
    return printer_usb_attach(p);
}

/* Bulk OUT in chunks within the timeout; clears a stall once. */
static cp_err printer_usb_write(printer *p, const unsigned char *data, size_t len)
{
    usb_impl *u = p->impl;
    long long deadline = printer_now_ms() + p->timeout_ms;
    size_t done = 0;
    int stalls = 0;
    cp_err err = printer_usb_attach(p);

    if (err)
        return err;
    while (done < len) {
        int chunk = len - done > USB_CHUNK ? USB_CHUNK : (int)(len - done);
        int sent = 0, r;
        long long left = deadline - printer_now_ms();

        if (left <= 0)
            return cp_fail(CP_ERR_TIMEOUT, "USB printer %s took %zu of %zu bytes in %d ms "
                           "(out of paper or offline?)", u->name, done, len, p->timeout_ms);
        r = libusb_bulk_transfer(u->h, u->ep_out, (unsigned char *)data + done, chunk, &sent,
                                 (unsigned)left);
        done += (size_t)sent;
        if (r == 0)
            continue;
        if (r == LIBUSB_ERROR_PIPE && stalls++ == 0) {
            libusb_clear_halt(u->h, u->ep_out);
            continue;
        }
        if (r == LIBUSB_ERROR_TIMEOUT)
            return cp_fail(CP_ERR_TIMEOUT, "USB printer %s took %zu of %zu bytes in %d ms "
                           "(out of paper or offline?)", u->name, done, len, p->timeout_ms);
        err = printer_usb_fail(r, "write failed", u->name);
        if (r == LIBUSB_ERROR_NO_DEVICE || r == LIBUSB_ERROR_IO)
            printer_usb_detach(u);    /* re-found on the next write */
        return err;
    }
    return CP_OK;
}

/* GET_PORT_STATUS of the USB printer class. */
static printer_state printer_usb_status(printer *p)
{
    usb_impl *u = p->impl;
    unsigned char st = 0;
    int r;

    if (!u->h && printer_usb_attach(p) != CP_OK)
        return PRINTER_OFFLINE;
    r = libusb_control_transfer(u->h, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS |
                                LIBUSB_RECIPIENT_INTERFACE, USB_REQ_GET_PORT_STATUS, 0,
                                (uint16_t)u->iface, &st, 1,
                                (unsigned)(p->timeout_ms < 1000 ? p->timeout_ms : 1000));
    if (r == LIBUSB_ERROR_NO_DEVICE) {
        printer_usb_detach(u);
        return PRINTER_OFFLINE;
    }
    if (r != 1)
        return PRINTER_UNKNOWN;
    if (st & USB_STATUS_PAPER_EMPTY)
        return PRINTER_PAPER_OUT;
    if (!(st & USB_STATUS_SELECTED) || !(st & USB_STATUS_NOT_ERROR))
        return PRINTER_OFFLINE;
    return PRINTER_OK;
}

/* Releases the printer and libusb. */
static void printer_usb_close(printer *p)
{
    usb_impl *u = p->impl;

    if (!u)
        return;
    printer_usb_detach(u);
    if (u->ctx)
        libusb_exit(u->ctx);
    free(u);
    p->impl = NULL;
}

const printer_ops printer_usb_ops = {
    .scheme = "usb",
    .open = printer_usb_open,
    .write = printer_usb_write,
    .status = printer_usb_status,
    .close = printer_usb_close,
};
