/* Tests of pos/reader_usb through the real libusb, with the reader emulated by umockdev. */
#include <dlfcn.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/ledger.h"
#include "pos/reader.h"
#include "tests/unit/helpers/fixture.h"
#include "tests/unit/helpers/umockdev_load.h"

/* How it works: umockdev's testbed gives libusb a fake /sys and /dev with the
 * devices described in tests/umockdev/reader-*.umockdev, and sends every ioctl
 * on the reader's device node to handle_ioctl() below, which plays the reader:
 * it accepts the claim and answers the interrupt IN transfer with the boot
 * keyboard reports queued by type_card(). Like libusb's own tests/umockdev.c.
 *
 * libumockdev is loaded with dlopen: umockdev.h needs GLib's headers, and the
 * Makefile links tests against the project's libraries only. The preload
 * library must be active, so main() re-runs the test under umockdev-wrapper. */

#define READER_NODE "/dev/bus/usb/001/002"
#define READER_SYSFS "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
/* The reader: a HID boot keyboard, ffff:0035, bus 1 device 2. */
#define READER_FILE "tests/umockdev/reader-boot-keyboard.umockdev"
/* Its root hub, and a boot mouse (046d:c077) that must not be taken for a reader. */
#define BUS_FILE "tests/umockdev/reader-bus.umockdev"

/* ---- libumockdev, loaded at run time --------------------------------------- */

/* The public part of UMockdevIoctlData (umockdev.h): a GObject, then the data. */
typedef struct ioctl_data {
    void *g_type_instance;
    unsigned ref_count;
    void *qdata;
    uint8_t *data;
    int data_len;
    unsigned long client_addr;
    void *priv;
} ioctl_data;

static struct {
    void *(*testbed_new)(void);
    char *(*testbed_get_root_dir)(void *testbed);
    int (*testbed_add_from_file)(void *testbed, const char *path, void **error);
    int (*testbed_add_from_string)(void *testbed, const char *text, void **error);
    int (*testbed_attach_ioctl)(void *testbed, const char *dev, void *handler, void **error);
    void (*testbed_uevent)(void *testbed, const char *devpath, const char *action);
    void (*testbed_remove_device)(void *testbed, const char *syspath);
    void *(*ioctl_base_new)(void);
    unsigned long (*client_get_request)(void *client);
    ioctl_data *(*client_get_arg)(void *client);
    void (*client_complete)(void *client, long res, int errno_);
    ioctl_data *(*data_resolve)(ioctl_data *d, size_t offset, size_t len, void **error);
    int (*data_set_ptr)(ioctl_data *d, size_t offset, ioctl_data *child);
    void (*data_unref)(ioctl_data *d);
    unsigned long (*signal_connect_data)(void *instance, const char *signal, void *handler,
                                         void *data, void *destroy, int flags);
    void (*object_unref)(void *object);
    void (*g_free)(void *p);
} um;

#define G_CONNECT_AFTER 1

/* Loads libumockdev and the GLib functions it needs; 0 on success. */
static int load_umockdev(void)
{
    static const umockdev_sym syms[] = {
        {"umockdev_testbed_new", (void **)&um.testbed_new},
        {"umockdev_testbed_get_root_dir", (void **)&um.testbed_get_root_dir},
        {"umockdev_testbed_add_from_file", (void **)&um.testbed_add_from_file},
        {"umockdev_testbed_add_from_string", (void **)&um.testbed_add_from_string},
        {"umockdev_testbed_attach_ioctl", (void **)&um.testbed_attach_ioctl},
        {"umockdev_testbed_uevent", (void **)&um.testbed_uevent},
        {"umockdev_testbed_remove_device", (void **)&um.testbed_remove_device},
        {"umockdev_ioctl_base_new", (void **)&um.ioctl_base_new},
        {"umockdev_ioctl_client_get_request", (void **)&um.client_get_request},
        {"umockdev_ioctl_client_get_arg", (void **)&um.client_get_arg},
        {"umockdev_ioctl_client_complete", (void **)&um.client_complete},
        {"umockdev_ioctl_data_resolve", (void **)&um.data_resolve},
        {"umockdev_ioctl_data_set_ptr", (void **)&um.data_set_ptr},
        {"umockdev_ioctl_data_unref", (void **)&um.data_unref},
        {"g_signal_connect_data", (void **)&um.signal_connect_data},
        {"g_object_unref", (void **)&um.object_unref},
        {"g_free", (void **)&um.g_free},
    };
    return umockdev_load(syms, sizeof syms / sizeof syms[0]);
}

/* ---- the emulated reader ------------------------------------------------- */

/* What the reader does; shared with umockdev's thread, under lock. */
static struct emu {
    pthread_mutex_t lock;
    ioctl_data *intr;          /* the interrupt IN URB waiting for a report */
    ioctl_data *discarded;     /* a cancelled URB, to be reaped as such */
    ioctl_data *control[8];    /* control URBs, completed at once */
    size_t n_control;
    uint8_t reports[512][8];   /* reports to send, in order */
    size_t n_reports, sent;
    int fail_status;           /* nonzero: complete the waiting URB with this */
    int disconnect_claims;     /* claims that detached the kernel driver */
    int set_protocol;          /* HID SET_PROTOCOL requests */
} emu = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Queues a report pressing one key, then one releasing it. */
static void queue_key(uint8_t usage)
{
    pthread_mutex_lock(&emu.lock);
    assert_true(emu.n_reports + 2 <= sizeof emu.reports / sizeof emu.reports[0]);
    memset(emu.reports[emu.n_reports], 0, 8);
    emu.reports[emu.n_reports++][2] = usage;
    memset(emu.reports[emu.n_reports++], 0, 8);
    pthread_mutex_unlock(&emu.lock);
}

/* Has the reader type digits and Enter, with main-row or keypad keys. */
static void type_card(const char *digits, int keypad)
{
    for (const char *d = digits; *d; d++) {
        int n = *d == '0' ? 9 : *d - '1';
        queue_key((uint8_t)((keypad ? 0x59 : 0x1E) + n));
    }
    queue_key(keypad ? 0x58 : 0x28);
}

/* Hands the URB done back to the client reaping with arg. */
static void reap(void *client, ioctl_data *arg, ioctl_data *done)
{
    ioctl_data *ptr = um.data_resolve(arg, 0, sizeof(void *), NULL);

    um.data_set_ptr(ptr, 0, done);
    um.data_unref(ptr);
    um.data_unref(done);
    um.client_complete(client, 0, 0);
}

/* umockdev's "handle-ioctl" signal, on its own thread: plays the reader. */
static int handle_ioctl(void *handler, void *client, void *user_data)
{
    unsigned long request = um.client_get_request(client);
    ioctl_data *arg = um.client_get_arg(client);
    int handled = 1;

    (void)handler;
    (void)user_data;
    pthread_mutex_lock(&emu.lock);
    switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
        ioctl_data *caps = um.data_resolve(arg, 0, sizeof(uint32_t), NULL);
        *(uint32_t *)caps->data = USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
        um.data_unref(caps);
        um.client_complete(client, 0, 0);
        break;
    }
    case USBDEVFS_DISCONNECT_CLAIM:
        emu.disconnect_claims++;
        um.client_complete(client, 0, 0);
        break;
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_IOCTL: /* reattaching the kernel driver */
        um.client_complete(client, 0, 0);
        break;
    case USBDEVFS_SUBMITURB: {
        ioctl_data *u = um.data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
        struct usbdevfs_urb *urb = (struct usbdevfs_urb *)u->data;
        if (urb->type == USBDEVFS_URB_TYPE_INTERRUPT && urb->endpoint == 0x81 && !emu.intr) {
            emu.intr = u;
        } else if (urb->type == USBDEVFS_URB_TYPE_CONTROL && emu.n_control < 8) {
            const uint8_t *setup = urb->buffer; /* same process: the client's memory */
            if (setup[0] == 0x21 && setup[1] == 0x0B)
                emu.set_protocol++;
            emu.control[emu.n_control++] = u;
        } else {
            um.data_unref(u);
            um.client_complete(client, -1, EINVAL);
            break;
        }
        um.client_complete(client, 0, 0);
        break;
    }
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY: {
        struct usbdevfs_urb *urb;
        if (emu.discarded) {
            urb = (struct usbdevfs_urb *)emu.discarded->data;
            urb->status = -ENOENT;
            reap(client, arg, emu.discarded);
            emu.discarded = NULL;
        } else if (emu.n_control > 0) {
            ioctl_data *u = emu.control[--emu.n_control];
            urb = (struct usbdevfs_urb *)u->data;
            urb->status = 0;
            urb->actual_length = 0;
            reap(client, arg, u);
        } else if (emu.intr && (emu.fail_status || emu.sent < emu.n_reports)) {
            urb = (struct usbdevfs_urb *)emu.intr->data;
            if (emu.fail_status) {
                urb->status = emu.fail_status;
                urb->actual_length = 0;
                emu.fail_status = 0;
            } else {
                memcpy(urb->buffer, emu.reports[emu.sent++], 8);
                urb->status = 0;
                urb->actual_length = 8;
            }
            reap(client, arg, emu.intr);
            emu.intr = NULL;
        } else {
            um.client_complete(client, -1, EAGAIN);
        }
        break;
    }
    case USBDEVFS_DISCARDURB:
        if (emu.intr && *(unsigned long *)arg->data == emu.intr->client_addr) {
            emu.discarded = emu.intr;
            emu.intr = NULL;
            um.client_complete(client, 0, 0);
        } else {
            um.client_complete(client, -1, EINVAL);
        }
        break;
    default:
        handled = 0;
    }
    pthread_mutex_unlock(&emu.lock);
    return handled;
}

/* Forgets URBs and reports, as a freshly plugged reader. */
static void emu_reset(void)
{
    pthread_mutex_lock(&emu.lock);
    if (emu.intr)
        um.data_unref(emu.intr);
    if (emu.discarded)
        um.data_unref(emu.discarded);
    while (emu.n_control > 0)
        um.data_unref(emu.control[--emu.n_control]);
    emu.intr = emu.discarded = NULL;
    emu.n_reports = emu.sent = 0;
    emu.fail_status = 0;
    emu.disconnect_claims = emu.set_protocol = 0;
    pthread_mutex_unlock(&emu.lock);
}

/* ---- fixture ------------------------------------------------------------ */

struct fixture {
    void *testbed;
    void *handler;
    reader *r;
};

/* GLib's GError. */
typedef struct gerror {
    uint32_t domain;
    int code;
    char *message;
} gerror;

/* Adds the devices described in path to the testbed (with "add" uevents). */
static void add_devices(struct fixture *f, const char *path)
{
    gerror *error = NULL;

    if (!um.testbed_add_from_file(f->testbed, path, (void **)&error))
        fail_msg("%s: %s", path, error ? error->message : "cannot add");
}

/* Plugs the reader in. */
static void plug_reader(struct fixture *f)
{
    add_devices(f, READER_FILE);
}

/* Unplugs the reader: a "remove" uevent, and it is gone from /sys and /dev. */
static void unplug_reader(struct fixture *f)
{
    um.testbed_uevent(f->testbed, READER_SYSFS, "remove");
    um.testbed_remove_device(f->testbed, READER_SYSFS);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    emu_reset();
    f->testbed = um.testbed_new();
    f->handler = um.ioctl_base_new();
    um.signal_connect_data(f->handler, "handle-ioctl", (void *)handle_ioctl, NULL, NULL,
                           G_CONNECT_AFTER);
    assert_true(um.testbed_attach_ioctl(f->testbed, READER_NODE, f->handler, NULL));
    add_devices(f, BUS_FILE);
    plug_reader(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    reader_close(f->r);
    emu_reset();
    um.object_unref(f->handler);
    um.object_unref(f->testbed);
    free(f);
    return 0;
}

/* How long a test waits for an event that must come; it returns as soon as
 * the event is there, so the bound only has to be safe on a loaded machine. */
#define EVENT_WAIT_MS 10000

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads events until one of type want (and, for STATUS, with connected as
 * given) within timeout_ms; fails the test otherwise. */
static reader_event wait_for(reader *r, reader_event_type want, int connected, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    reader_event ev;

    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left < 0)
            left = 0;
        cp_err err = reader_next(r, left, &ev);
        if (err == CP_ERR_TIMEOUT)
            fail_msg("no event of type %d within %d ms", want, timeout_ms);
        assert_int_equal(err, CP_OK);
        if (ev.type == want && (want != READER_EV_STATUS || ev.connected == connected))
            return ev;
    }
}

static reader *open_reader(const char *spec)
{
    reader *r = NULL;
    assert_int_equal(reader_open_spec(spec, "dec10", 0, &r), CP_OK);
    return r;
}

/* ---- tests -------------------------------------------------------------- */

static void test_card_through_libusb(void **state)
{
    struct fixture *f = *state;
    reader_event ev;
    const char *text;
    int64_t t0;

    f->r = open_reader("usb:ffff:0035");
    assert_int_equal(reader_status(f->r, &text), CP_OK);
    assert_non_null(strstr(text, "ffff:0035"));
    wait_for(f->r, READER_EV_STATUS, 1, EVENT_WAIT_MS);
    /* claimed with the kernel driver detached, and put in boot protocol */
    assert_int_equal(emu.disconnect_claims, 1);
    assert_int_equal(emu.set_protocol, 1);

    t0 = now_ms();
    type_card("0012345678", 0);
    ev = wait_for(f->r, READER_EV_CARD, 0, EVENT_WAIT_MS);
    printf("# card of 11 keys (22 reports) through libusb: %lld ms\n",
           (long long)(now_ms() - t0));
    assert_string_equal(ev.card, "0012345678");
    assert_string_equal(ev.raw, "0012345678");

    /* repeated digits and the keypad */
    type_card("1100220033", 1);
    ev = wait_for(f->r, READER_EV_CARD, 0, EVENT_WAIT_MS);
    assert_string_equal(ev.card, "1100220033");

    /* a number in the wrong format is an INVALID event, not a card */
    type_card("99999999999", 0);
    ev = wait_for(f->r, READER_EV_INVALID, 0, EVENT_WAIT_MS);
    assert_string_equal(ev.raw, "99999999999");
    assert_int_equal(reader_next(f->r, 50, &ev), CP_ERR_TIMEOUT);
}

/* The terminal's path end to end: the emulated reader types a card, the
 * reader yields it and the ledger charges it, as cleanplate-pos does. */
static void test_tap_charges_through_libusb(void **state)
{
    struct fixture *f = *state;
    db *d = fixture_open();
    reader_event ev;
    charge_res res;

    assert_int_equal(ledger_topup(d, "S001", 2000, "test", NULL), CP_OK);
    f->r = open_reader("usb:ffff:0035");
    wait_for(f->r, READER_EV_STATUS, 1, EVENT_WAIT_MS);
    type_card("0000000001", 0);
    ev = wait_for(f->r, READER_EV_CARD, 0, EVENT_WAIT_MS);
    charge_req req = {.terminal = "POS1", .card_no = ev.card, .actor = "test"};
    assert_int_equal(ledger_charge(d, &req, &res), CP_OK);
    assert_int_equal(res.result, CP_OK);
    assert_string_equal(res.staff_no, "S001");
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM sales WHERE card_no = '0000000001'"), 1);
    assert_int_equal(res.cash_left_fen, 1200);
    fixture_close(d);
}

static void test_poll_loop(void **state)
{
    struct fixture *f = *state;
    struct pollfd fds[16];
    reader_event ev;
    int64_t deadline;
    int got = 0;

    /* as a screen program waits on the keyboard and the reader together */
    f->r = open_reader("usb:ffff:0035");
    wait_for(f->r, READER_EV_STATUS, 1, EVENT_WAIT_MS);
    /* another device arriving while the reader is open changes nothing
     * (a hub, 001/004, with the root hub's descriptors) */
    assert_true(um.testbed_add_from_string(
        f->testbed,
        "P: /devices/pci0000:00/0000:00:14.0/usb1/1-3\n"
        "N: bus/usb/001/004\n"
        "E: DEVNAME=/dev/bus/usb/001/004\nE: DEVTYPE=usb_device\nE: SUBSYSTEM=usb\n"
        "E: BUSNUM=001\nE: DEVNUM=004\n"
        "A: busnum=1\\n\nA: devnum=4\\n\nA: speed=480\\n\nA: bConfigurationValue=1\\n\n"
        "H: descriptors=12010002090001406B1D020010060302010109021900010100E000"
        "0904000001090000000705810304000C\n",
        NULL));
    for (int i = 0; i < 3; i++) {
        int timeout = -1, n = reader_pollfds(f->r, fds, 16, &timeout);
        assert_true(n >= 1);
        poll(fds, (nfds_t)n, timeout < 0 || timeout > 100 ? 100 : timeout);
        while (reader_next(f->r, 0, &ev) == CP_OK)
            ;
    }
    {
        int timeout = -1;
        reader_pollfds(f->r, fds, 16, &timeout);
        assert_true(timeout != 0); /* idle: poll may sleep */
    }

    type_card("31337", 0);
    deadline = now_ms() + 2000;
    while (!got && now_ms() < deadline) {
        int timeout = 100, n = reader_pollfds(f->r, fds, 16, &timeout);
        poll(fds, (nfds_t)n, timeout);
        while (reader_next(f->r, 0, &ev) == CP_OK)
            if (ev.type == READER_EV_CARD) {
                assert_string_equal(ev.card, "0000031337");
                got = 1;
            }
    }
    assert_true(got);
}

static void test_class_match_skips_mouse(void **state)
{
    struct fixture *f = *state;
    reader_event ev;

    /* no VID:PID: the HID boot keyboard is taken, the boot mouse is not */
    f->r = open_reader("usb");
    ev = wait_for(f->r, READER_EV_STATUS, 1, EVENT_WAIT_MS);
    assert_non_null(strstr(ev.text, "ffff:0035"));
    type_card("42", 0);
    ev = wait_for(f->r, READER_EV_CARD, 0, EVENT_WAIT_MS);
    assert_string_equal(ev.card, "0000000042");
    reader_close(f->r);

    /* a VID:PID list with nothing plugged in */
    f->r = open_reader("usb:1234:5678,abcd:ef01");
    ev = wait_for(f->r, READER_EV_STATUS, 0, EVENT_WAIT_MS);
    assert_non_null(strstr(ev.text, "reader disconnected"));
}

static void test_unplug_and_replug(void **state)
{
    struct fixture *f = *state;
    reader_event ev;
    const char *text;
    int64_t t0;

    f->r = open_reader("usb:ffff:0035");
    wait_for(f->r, READER_EV_STATUS, 1, EVENT_WAIT_MS);
    type_card("1", 0);
    assert_string_equal(wait_for(f->r, READER_EV_CARD, 0, EVENT_WAIT_MS).card, "0000000001");

    t0 = now_ms();
    unplug_reader(f);
    ev = wait_for(f->r, READER_EV_STATUS, 0, EVENT_WAIT_MS);
    printf("# unplug noticed after %lld ms\n", (long long)(now_ms() - t0));
    assert_non_null(strstr(ev.text, "reader disconnected"));
    assert_int_equal(reader_status(f->r, &text), CP_ERR_DISCONNECTED);
    /* it stays so while the reader is away */
    assert_int_equal(reader_next(f->r, 700, &ev), CP_ERR_TIMEOUT);

    emu_reset();
    t0 = now_ms();
    plug_reader(f);
    wait_for(f->r, READER_EV_STATUS, 1, EVENT_WAIT_MS);
    printf("# replug to reader ready: %lld ms (target 2000)\n", (long long)(now_ms() - t0));
    /* 5 s: catches a reconnect that backs off too far, not a busy machine */
    assert_true(now_ms() - t0 <= 5000);
    assert_int_equal(reader_status(f->r, &text), CP_OK);
    type_card("87654321", 0);
    assert_string_equal(wait_for(f->r, READER_EV_CARD, 0, EVENT_WAIT_MS).card, "0087654321");
    assert_int_equal(emu.disconnect_claims, 1);
}

static void test_transfer_error_reopens(void **state)
{
    struct fixture *f = *state;
    int64_t t0;

    /* the transfer ends with "no device" and no hotplug event comes (as on
     * systems without hotplug): the reader says so, then finds it again by
     * looking every 500 ms */
    f->r = open_reader("usb:ffff:0035");
    wait_for(f->r, READER_EV_STATUS, 1, EVENT_WAIT_MS);
    pthread_mutex_lock(&emu.lock);
    emu.fail_status = -ENODEV;
    pthread_mutex_unlock(&emu.lock);
    wait_for(f->r, READER_EV_STATUS, 0, EVENT_WAIT_MS);
    t0 = now_ms();
    wait_for(f->r, READER_EV_STATUS, 1, EVENT_WAIT_MS);
    printf("# reopened by polling after %lld ms\n", (long long)(now_ms() - t0));
    type_card("5", 0);
    assert_string_equal(wait_for(f->r, READER_EV_CARD, 0, EVENT_WAIT_MS).card, "0000000005");
}

/* Sets (on = 1) or clears root's power to ignore file permissions, in the
 * effective set of this thread only; 0 on success. */
static int dac_override(int on)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2];
    unsigned bits = 1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH;

    if (syscall(SYS_capget, &hdr, data) != 0)
        return -1;
    if (on)
        data[0].effective |= bits & data[0].permitted;
    else
        data[0].effective &= ~bits;
    return (int)syscall(SYS_capset, &hdr, data);
}

static void test_access_denied(void **state)
{
    struct fixture *f = *state;
    char *root = um.testbed_get_root_dir(f->testbed);
    char node[1024];
    reader_event ev;
    const char *text;
    int as_root = geteuid() == 0;

    snprintf(node, sizeof node, "%s%s", root, READER_NODE);
    um.g_free(root);
    assert_int_equal(chmod(node, 0600), 0);
    assert_int_equal(chmod(node, 0), 0);
    if (as_root && dac_override(0) != 0)
        skip(); /* cannot drop root's override: permissions cannot be tested */

    f->r = open_reader("usb:ffff:0035");
    if (as_root)
        dac_override(1);
    assert_int_equal(reader_status(f->r, &text), CP_ERR_ACCESS);
    assert_non_null(strstr(text, READER_UDEV_RULES));
    assert_non_null(strstr(text, "ffff:0035"));
    printf("# %s\n", text);

    /* once the rule is installed, the reader comes without a restart */
    assert_int_equal(chmod(node, 0664), 0);
    ev = wait_for(f->r, READER_EV_STATUS, 1, EVENT_WAIT_MS);
    assert_non_null(strstr(ev.text, "reader ready"));
}

static void test_list_readers(void **state)
{
    struct fixture *f = *state;
    reader_usb_id mouse = {0x046d, 0xc077};
    char *out = NULL;
    size_t len = 0;
    FILE *mem;
    int count = -1;

    (void)f;
    mem = open_memstream(&out, &len);
    assert_int_equal(reader_usb_list(mem, NULL, 0, &count), CP_OK);
    fclose(mem);
    printf("%s", out);
    assert_int_equal(count, 1);
    assert_non_null(strstr(out, "bus 001 device 002  ffff:0035"));
    assert_non_null(strstr(out, "--reader usb:ffff:0035"));
    assert_null(strstr(out, "046d"));
    free(out);

    /* a configured device is listed even if it is no boot keyboard */
    mem = open_memstream(&out, &len);
    assert_int_equal(reader_usb_list(mem, &mouse, 1, &count), CP_OK);
    fclose(mem);
    assert_int_equal(count, 2);
    assert_non_null(strstr(out, "046d:c077"));
    free(out);
}

/* Runs this test again under umockdev-wrapper unless its preload library is
 * active; returns only when it is. */
static void reexec_under_umockdev(char **argv)
{
    const char *preload = getenv("LD_PRELOAD");
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[512], self[4096];
    char *args[64] = {"umockdev-wrapper", self};
    size_t n = 2;
    ssize_t len;

    if (preload && strstr(preload, "libumockdev-preload"))
        return;
    len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len < 0) {
        perror("/proc/self/exe");
        exit(1);
    }
    self[len] = '\0';
    if (getenv("CP_UMOCKDEV_REEXEC")) {
        fprintf(stderr, "umockdev-wrapper did not preload libumockdev-preload\n");
        exit(1);
    }
    setenv("CP_UMOCKDEV_REEXEC", "1", 1);
    /* ASan wants to be the first library; umockdev's preload comes first. */
    snprintf(opts, sizeof opts, "%s%sverify_asan_link_order=0", asan ? asan : "",
             asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    for (int i = 1; argv[i] && n < 63; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    execvp(args[0], args);
    fprintf(stderr, "cannot run umockdev-wrapper (Debian package umockdev): %s\n",
            strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_card_through_libusb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tap_charges_through_libusb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_class_match_skips_mouse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unplug_and_replug, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transfer_error_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_readers, setup, teardown),
    };

    (void)argc;
    reexec_under_umockdev(argv);
    if (load_umockdev() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
