/* reader_usb: USB HID keyboard-type card readers, claimed through libusb so keys never leak. */
#include "pos/reader.h"
#include "core/nls.h"

#include <libusb.h>
#include <stdlib.h>
#include <string.h>

/* While no reader is open, look for one this often (hotplug makes it sooner). */
#define SCAN_MS 500
/* Longest wait inside libusb, so that scans and deferred closes are not late. */
#define MAX_WAIT_MS 250

/* How a matching device is read: its interface and interrupt IN endpoint. */
struct usb_match {
    int iface;
    int boot;               /* interface subclass 1: can be put in boot protocol */
    unsigned char ep;
    int maxpkt;
};

struct usb_state {
    reader *r;
    libusb_context *ctx;
    libusb_hotplug_callback_handle hotplug;
    int has_hotplug;
    libusb_device_handle *handle;   /* the open reader, or NULL */
    libusb_device *dev;             /* its device, owned by handle */
    int iface;
    struct libusb_transfer *xfer;   /* the interrupt IN transfer while open */
    int xfer_busy;                  /* submitted and not yet called back */
    unsigned char buf[64];
    hidkeys keys;
    int gone;                       /* device left or failed: close it outside callbacks */
    int arrived;                    /* a device arrived: scan now */
    int64_t next_scan_ms;
    char label[48];                 /* "USB ffff:0035" */
};

/* Says what the reader looks for, for status texts: "USB ffff:0035". */
static void wanted_label(const reader_config *c, char *out, size_t size)
{
    if (c->n_ids == 0)
        snprintf(out, size, _("a USB keyboard-type reader"));
    else
        snprintf(out, size, "USB %04x:%04x%s", c->ids[0].vid, c->ids[0].pid,
                 c->n_ids > 1 ? _(" or another configured one") : "");
}

static int id_listed(const struct libusb_device_descriptor *d, const reader_usb_id *ids,
                     size_t n_ids)
{
    for (size_t i = 0; i < n_ids; i++)
        if (ids[i].vid == d->idVendor && ids[i].pid == d->idProduct)
            return 1;
    return 0;
}

/* Finds the interface to read on dev: with ids, a HID interface of a listed
 * device (a boot keyboard one if there are several); without, a HID boot
 * keyboard interface (class 3, subclass 1, protocol 1). Returns 1 if found. */
static int match_device(libusb_device *dev, const reader_usb_id *ids, size_t n_ids,
                        struct usb_match *m)
{
    struct libusb_device_descriptor d;
    struct libusb_config_descriptor *cfg = NULL;
    int found = 0;

    if (libusb_get_device_descriptor(dev, &d) != 0)
        return 0;
    if (n_ids > 0 && !id_listed(&d, ids, n_ids))
        return 0;
    if (libusb_get_active_config_descriptor(dev, &cfg) != 0 &&
        libusb_get_config_descriptor(dev, 0, &cfg) != 0)
        return 0;

    for (int i = 0; i < cfg->bNumInterfaces && found != 2; i++) {
        const struct libusb_interface_descriptor *alt;
        int keyboard;
        if (cfg->interface[i].num_altsetting < 1)
            continue;
        alt = &cfg->interface[i].altsetting[0];
        keyboard = alt->bInterfaceSubClass == 1 && alt->bInterfaceProtocol == 1;
        if (alt->bInterfaceClass != LIBUSB_CLASS_HID || (n_ids == 0 && !keyboard))
            continue;
        for (int e = 0; e < alt->bNumEndpoints; e++) {
            const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];
            if (!(ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) ||
                (ep->bmAttributes & 3) != LIBUSB_TRANSFER_TYPE_INTERRUPT)
                continue;
            if (!found || keyboard) {
                m->iface = alt->bInterfaceNumber;
                m->boot = alt->bInterfaceSubClass == 1;
                m->ep = ep->bEndpointAddress;
                m->maxpkt = ep->wMaxPacketSize;
                found = keyboard ? 2 : 1;
            }
            break;
        }
    }
    libusb_free_config_descriptor(cfg);
    return found != 0;
}

/* The message for a reader we may not open. */
static void set_access_status(reader *r, const char *label)
{
    reader_set_status(r, CP_ERR_ACCESS,
                      "no permission to open %s: install the udev rule %s "
                      "(dist/udev/) into /etc/udev/rules.d/, run 'udevadm control --reload' "
                      "and plug the reader in again",
                      label, READER_UDEV_RULES);
}

/* Interrupt IN callback: decodes the report and asks for the next one. */
static void LIBUSB_CALL on_report(struct libusb_transfer *t)
{
    struct usb_state *s = t->user_data;
    char raw[HIDKEYS_MAX + 1];

    s->xfer_busy = 0;
    switch (t->status) {
    case LIBUSB_TRANSFER_COMPLETED: {
        int64_t now = reader_now(s->r);
        if (hidkeys_feed(&s->keys, t->buffer, (size_t)t->actual_length, now, raw))
            reader_push_card(s->r, raw, now);
        if (!s->gone && libusb_submit_transfer(t) == 0)
            s->xfer_busy = 1;
        else
            s->gone = 1;
        break;
    }
    case LIBUSB_TRANSFER_CANCELLED:
        break;
    default: /* NO_DEVICE when unplugged; errors and stalls: reopen it */
        s->gone = 1;
        break;
    }
}

/* Hotplug callbacks run inside libusb_handle_events: only note what happened
 * (libusb 1.0.26 must not have a handle closed inside the LEFT callback). */
static int LIBUSB_CALL on_hotplug(libusb_context *ctx, libusb_device *dev,
                                  libusb_hotplug_event event, void *user_data)
{
    struct usb_state *s = user_data;

    (void)ctx;
    if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT && dev == s->dev)
        s->gone = 1;
    if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED)
        s->arrived = 1;
    return 0; /* stay registered */
}

/* Opens dev, claims its interface and starts reading. On failure returns the
 * libusb error with nothing left open. */
static int start_device(struct usb_state *s, libusb_device *dev, const struct usb_match *m)
{
    libusb_device_handle *h = NULL;
    struct libusb_transfer *t = NULL;
    int len = m->maxpkt > 0 && m->maxpkt < (int)sizeof s->buf ? m->maxpkt : (int)sizeof s->buf;
    int rc;

    rc = libusb_open(dev, &h);
    if (rc != 0)
        goto out;
    /* Linux: the kernel's keyboard driver lets go while we hold the interface,
     * and gets it back when we release it. Other systems: not needed. */
    libusb_set_auto_detach_kernel_driver(h, 1);
    rc = libusb_claim_interface(h, m->iface);
    if (rc != 0)
        goto out;
    if (m->boot) /* HID SET_PROTOCOL(boot): 8-byte reports; a device may refuse */
        libusb_control_transfer(h, LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE,
                                0x0B, 0, (uint16_t)m->iface, NULL, 0, 200);
    t = libusb_alloc_transfer(0);
    if (!t) {
        rc = LIBUSB_ERROR_NO_MEM;
        goto out;
    }
    libusb_fill_interrupt_transfer(t, h, m->ep, s->buf, len, on_report, s, 0);
    rc = libusb_submit_transfer(t);
    if (rc != 0)
        goto out;

    hidkeys_init(&s->keys, s->r->cfg.gap_ms);
    s->handle = h;
    s->dev = dev;
    s->iface = m->iface;
    s->xfer = t;
    s->xfer_busy = 1;
    s->gone = 0;
    h = NULL;
    t = NULL;
out:
    libusb_free_transfer(t);
    if (h) {
        libusb_release_interface(h, m->iface);
        libusb_close(h);
    }
    return rc;
}

/* Says the reader is away and what is looked for. */
static void set_disconnected(struct usb_state *s)
{
    char wanted[48];

    wanted_label(&s->r->cfg, wanted, sizeof wanted);
    reader_set_status(s->r, CP_ERR_DISCONNECTED, "reader disconnected (waiting for %s)", wanted);
}

/* Looks for a matching device and starts the first one that opens; sets the
 * status to what happened. */
static void scan(struct usb_state *s)
{
    reader *r = s->r;
    libusb_device **list = NULL;
    ssize_t n = libusb_get_device_list(s->ctx, &list);
    int denied = 0, failed = 0;
    const char *why = "";

    for (ssize_t i = 0; i < n && !s->handle; i++) {
        struct libusb_device_descriptor d;
        struct usb_match m;
        int rc;
        if (!match_device(list[i], r->cfg.ids, r->cfg.n_ids, &m))
            continue;
        libusb_get_device_descriptor(list[i], &d);
        snprintf(s->label, sizeof s->label, "USB %04x:%04x", d.idVendor, d.idProduct);
        rc = start_device(s, list[i], &m);
        if (rc == LIBUSB_ERROR_ACCESS)
            denied = 1;
        else if (rc != 0) {
            failed = 1;
            why = libusb_strerror(rc);
        }
    }
    libusb_free_device_list(list, 1);

    if (s->handle)
        reader_set_status(r, CP_OK, "reader ready (%s)", s->label);
    else if (denied)
        set_access_status(r, s->label);
    else if (failed)
        reader_set_status(r, CP_ERR_DEVICE, "cannot use %s: %s", s->label, why);
    else
        set_disconnected(s);
}

/* Stops reading and closes the device (outside any libusb callback). */
static void stop_device(struct usb_state *s)
{
    if (s->xfer_busy && libusb_cancel_transfer(s->xfer) == 0) {
        struct timeval tv = {0, 20 * 1000};
        for (int i = 0; i < 25 && s->xfer_busy; i++)
            libusb_handle_events_timeout_completed(s->ctx, &tv, NULL);
    }
    if (s->handle) {
        libusb_release_interface(s->handle, s->iface);
        /* A transfer still not called back is dropped by libusb_close and may
         * be freed after it. */
        libusb_close(s->handle);
    }
    libusb_free_transfer(s->xfer);
    s->xfer = NULL;
    s->xfer_busy = 0;
    s->handle = NULL;
    s->dev = NULL;
    s->gone = 0;
}

/* Acts on what the callbacks noted: closes a gone reader, looks for one. */
static void settle(struct usb_state *s)
{
    int64_t now = reader_now(s->r);

    if (s->gone) {
        stop_device(s);
        set_disconnected(s);
        s->next_scan_ms = now + SCAN_MS;
    }
    if (!s->handle && (s->arrived || now >= s->next_scan_ms)) {
        scan(s);
        s->next_scan_ms = now + SCAN_MS;
    }
    s->arrived = 0; /* while a reader is open, other arrivals do not matter */
}

/* Closes the device and libusb; frees the state. Accepts a half-opened state. */
static void usb_close(reader *r)
{
    struct usb_state *s = r->be;

    if (!s)
        return;
    if (s->ctx) {
        stop_device(s);
        if (s->has_hotplug)
            libusb_hotplug_deregister_callback(s->ctx, s->hotplug);
        libusb_exit(s->ctx);
    }
    free(s);
    r->be = NULL;
}

/* Starts libusb and hotplug, opens a reader if one is there (else keeps looking);
 * the state is r->be, freed by usb_close(). */
static cp_err usb_open(reader *r)
{
    struct usb_state *s = calloc(1, sizeof *s);
    cp_err err = CP_OK;
    int rc;

    if (!s)
        return cp_fail(CP_ERR_NOMEM, "no memory for the USB reader");
    s->r = r;
    r->be = s;
    rc = libusb_init(&s->ctx);
    if (rc != 0) {
        s->ctx = NULL;
        err = cp_fail(CP_ERR_DEVICE, "cannot use USB: %s", libusb_strerror(rc));
        goto out;
    }
    if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG))
        s->has_hotplug = libusb_hotplug_register_callback(
                             s->ctx,
                             LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
                             0, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
                             LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, s, &s->hotplug) == 0;
    hidkeys_init(&s->keys, r->cfg.gap_ms);
    scan(s);
    s->next_scan_ms = reader_now(r) + SCAN_MS;
out:
    if (err)
        usb_close(r);
    return err;
}

/* Runs libusb events for up to max_ms (at most MAX_WAIT_MS), then acts on them. */
static cp_err usb_wait(reader *r, int max_ms)
{
    struct usb_state *s = r->be;
    int wait_ms = max_ms;
    struct timeval tv;
    int rc;

    settle(s);
    if (r->count > 0)
        return CP_OK;
    reader_lower_timeout(&wait_ms, MAX_WAIT_MS);
    if (!s->handle)
        reader_lower_timeout(&wait_ms, s->next_scan_ms - reader_now(r));
    tv.tv_sec = wait_ms / 1000;
    tv.tv_usec = (wait_ms % 1000) * 1000;
    rc = libusb_handle_events_timeout_completed(s->ctx, &tv, NULL);
    if (rc != 0 && rc != LIBUSB_ERROR_INTERRUPTED)
        return cp_fail(CP_ERR_DEVICE, "USB events: %s", libusb_strerror(rc));
    settle(s);
    return CP_OK;
}

/* libusb's descriptors and timeouts, and the next scan while disconnected. */
static int usb_pollfds(reader *r, struct pollfd *fds, int max, int *timeout_ms)
{
    struct usb_state *s = r->be;
    const struct libusb_pollfd **pfds = libusb_get_pollfds(s->ctx);
    struct timeval tv;
    int n = 0;

    for (int i = 0; pfds && pfds[i] && n < max; i++)
        fds[n++] = (struct pollfd){.fd = pfds[i]->fd, .events = pfds[i]->events};
    libusb_free_pollfds(pfds);
    if (libusb_get_next_timeout(s->ctx, &tv) == 1)
        reader_lower_timeout(timeout_ms, (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000);
    if (s->gone || s->arrived)
        reader_lower_timeout(timeout_ms, 0);
    else if (!s->handle)
        reader_lower_timeout(timeout_ms, s->next_scan_ms - reader_now(r));
    return n;
}

cp_err reader_usb_list(FILE *out, const reader_usb_id *ids, size_t n_ids, int *count)
{
    libusb_context *ctx = NULL;
    libusb_device **list = NULL;
    ssize_t n;
    int rc;

    *count = 0;
    rc = libusb_init(&ctx);
    if (rc != 0)
        return cp_fail(CP_ERR_DEVICE, "cannot use USB: %s", libusb_strerror(rc));
    n = libusb_get_device_list(ctx, &list);
    for (ssize_t i = 0; i < n; i++) {
        struct libusb_device_descriptor d;
        struct usb_match m;
        libusb_device_handle *h = NULL;
        unsigned char product[128] = "";
        char note[160] = "";

        if (!match_device(list[i], ids, n_ids, &m) && !match_device(list[i], NULL, 0, &m))
            continue;
        libusb_get_device_descriptor(list[i], &d);
        rc = libusb_open(list[i], &h);
        if (rc == 0) {
            if (d.iProduct &&
                libusb_get_string_descriptor_ascii(h, d.iProduct, product, sizeof product) < 0)
                product[0] = '\0';
            libusb_close(h);
        } else if (rc == LIBUSB_ERROR_ACCESS) {
            snprintf(note, sizeof note, _("  (no permission: install the udev rule %s)"),
                     READER_UDEV_RULES);
        }
        fprintf(out, _("bus %03d device %03d  %04x:%04x  %s%s  --reader usb:%04x:%04x%s\n"),
                libusb_get_bus_number(list[i]), libusb_get_device_address(list[i]),
                d.idVendor, d.idProduct, product[0] ? (char *)product : "HID",
                m.boot ? _(" boot keyboard") : _(" device"), d.idVendor, d.idProduct, note);
        (*count)++;
    }
    libusb_free_device_list(list, 1);
    libusb_exit(ctx);
    return CP_OK;
}

const struct reader_ops reader_usb_ops = {
    .name = "usb",
    .open = usb_open,
    .wait = usb_wait,
    .pollfds = usb_pollfds,
    .close = usb_close,
};
