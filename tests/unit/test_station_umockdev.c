/* Tests of the station over the real libserialport with the scale emulated by umockdev: unplug, replug, the kept weighing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scale/simframe.h"
#include "scale/station.h"
#include "scale/station_link.h"
#include "tests/unit/helpers/fixture.h"
#include "tests/unit/helpers/umockdev_load.h"

/* How it works: umockdev's testbed gives libserialport a fake /sys and /dev
 * with the USB serial adapter of tests/umockdev/scale-ftdi.umockdev; its
 * /dev/ttyUSB0 is a pty whose master end this test writes scale frames into.
 * The station opens the adapter by its by-id link, as a station's config
 * does. Removing the device from the testbed is the unplug; the replug adds
 * it again in another USB socket, where it becomes ttyUSB1 (umockdev cannot
 * add a device node twice) and udev moves the by-id link. libserialport's sp_open needs the modem-line ioctls a pty lacks, so
 * the TIOCM shim (DESIGN.md) is preloaded before umockdev's library: main()
 * re-runs the test with both. libumockdev is loaded with dlopen (its header
 * needs GLib's). */
#define DEVICE_FILE "tests/umockdev/scale-ftdi.umockdev"
#define REPLUG_FILE "tests/umockdev/scale-ftdi-replug.umockdev" /* the same, in another socket */
#define SYSPATH "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
#define BY_ID "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A5XK3RJT-if00-port0"

static struct {
    void *(*testbed_new)(void);
    int (*testbed_add_from_file)(void *testbed, const char *path, void **error);
    void (*testbed_remove_device)(void *testbed, const char *syspath);
    int (*testbed_get_dev_fd)(void *testbed, const char *devnode);
    void (*object_unref)(void *object);
} um;

static int load_umockdev(void)
{
    static const umockdev_sym syms[] = {
        {"umockdev_testbed_new", (void **)&um.testbed_new},
        {"umockdev_testbed_add_from_file", (void **)&um.testbed_add_from_file},
        {"umockdev_testbed_remove_device", (void **)&um.testbed_remove_device},
        {"umockdev_testbed_get_dev_fd", (void **)&um.testbed_get_dev_fd},
        {"g_object_unref", (void **)&um.object_unref},
    };
    return umockdev_load(syms, sizeof syms / sizeof syms[0]);
}

static waste_res records[8];
static int nrecords;

static void on_record(void *arg, const waste_res *res)
{
    (void)arg;
    if (nrecords < 8)
        records[nrecords] = *res;
    nrecords++;
}

typedef struct env {
    void *testbed;
    int master;
    db *d;
    station *s;
    station_link *l;
    int connects, disconnects;
    int64_t disconnected_at, connected_at;
} env;

/* Adds the scale from file as tty (ttyUSB0 or ttyUSB1) and points the by-id
 * link at it, as udev does; returns the master end of its pty. */
static int plug(env *e, const char *file, const char *tty)
{
    char node[256], dir[512], link[512];
    void *error = NULL;
    int fd;

    assert_true(um.testbed_add_from_file(e->testbed, file, &error));
    snprintf(node, sizeof node, "/dev/%s", tty);
    fd = um.testbed_get_dev_fd(e->testbed, node);
    assert_true(fd >= 0);
    snprintf(dir, sizeof dir, "%s/dev/serial/by-id", getenv("UMOCKDEV_DIR"));
    snprintf(link, sizeof link, "%s/dev/serial", getenv("UMOCKDEV_DIR"));
    mkdir(link, 0755);
    mkdir(dir, 0755);
    snprintf(link, sizeof link, "%s%s", getenv("UMOCKDEV_DIR"), BY_ID);
    snprintf(node, sizeof node, "../../%s", tty);
    unlink(link);
    assert_int_equal(symlink(node, link), 0);
    return fd;
}

/* Takes the adapter away: its tty, the USB serial port, interface and device. */
static void unplug(env *e)
{
    static const char *const parts[] = {"/1-1:1.0/ttyUSB0/tty/ttyUSB0", "/1-1:1.0/ttyUSB0",
                                        "/1-1:1.0", ""};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s%s", SYSPATH, parts[i]);
        um.testbed_remove_device(e->testbed, path);
    }
    /* umockdev leaves the pty's node; the kernel and udev would not */
    {
        char node[512];
        snprintf(node, sizeof node, "%s/dev/ttyUSB0", getenv("UMOCKDEV_DIR"));
        assert_int_equal(unlink(node), 0);
        snprintf(node, sizeof node, "%s%s", getenv("UMOCKDEV_DIR"), BY_ID);
        assert_int_equal(unlink(node), 0);
    }
}

static int setup(void **state)
{
    static env e;
    station_cfg cfg;
    station_link_cfg lc = {.port = BY_ID, .ops = &proto_and,
                           .serial = {.baud = 9600, .bits = 8, .parity = 'N', .stop = 1}};

    memset(&e, 0, sizeof e);
    nrecords = 0;
    e.testbed = um.testbed_new();
    assert_non_null(e.testbed);
    e.master = plug(&e, DEVICE_FILE, "ttyUSB0");
    e.d = fixture_open();
    station_config_defaults(&cfg);
    snprintf(cfg.terminal, sizeof cfg.terminal, "W1");
    cfg.tray_tare_g = 300;
    cfg.anon_wait_ms = 20000; /* the diner is slow: the tray waits across the unplug */
    assert_int_equal(station_new(e.d, &cfg, on_record, NULL, &e.s), CP_OK);
    assert_int_equal(station_link_open(&lc, &e.l), CP_OK);
    *state = &e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    station_link_close(e->l);
    station_free(e->s);
    fixture_close(e->d);
    um.object_unref(e->testbed);
    return 0;
}

/* Runs the station's loop for ms: link, readings, connection changes, clock. */
static void pump(env *e, int ms)
{
    int64_t end = station_link_now_ms() + ms;

    while (station_link_now_ms() < end) {
        proto_reading r[16];
        size_t n = 0;
        bool changed = false;
        int64_t now;
        assert_int_equal(station_link_step(e->l, 20, r, 16, &n, &changed), CP_OK);
        now = station_link_now_ms();
        if (changed) {
            bool up = station_link_connected(e->l);
            station_connected(e->s, up, now);
            if (up) {
                e->connects++;
                e->connected_at = now;
            } else {
                e->disconnects++;
                e->disconnected_at = now;
            }
        }
        for (size_t i = 0; i < n; i++)
            station_reading(e->s, &r[i], now);
        station_tick(e->s, now);
    }
}

/* The scale sends count A&D frames of grams, 100 ms apart. */
static void frames(env *e, int count, int64_t grams, bool steady)
{
    for (int i = 0; i < count; i++) {
        proto_reading r = {.grams = grams, .has_weight = true, .stable = steady,
                           .status = PROTO_OK};
        uint8_t frame[SIMFRAME_MAX];
        size_t len = simframe_format(&proto_and, &r, NULL, frame, sizeof frame);
        assert_true(len > 0);
        assert_int_equal(write(e->master, frame, len), (ssize_t)len);
        pump(e, 100);
    }
}

static void test_unplug_replug(void **state)
{
    env *e = *state;
    station_view v;

    assert_true(station_link_connected(e->l));
    assert_non_null(strstr(station_link_status(e->l), "libserialport"));

    /* a tray settles; nobody has tapped yet */
    frames(e, 5, 0, true);
    frames(e, 2, 150, false);
    frames(e, 12, 380, true);
    assert_int_equal(nrecords, 0);
    station_get_view(e->s, station_link_now_ms(), &v);
    assert_int_equal(v.phase, STATION_WAIT_CARD);

    /* unplug: the station notices, the weighing is kept */
    unplug(e);
    pump(e, 600);
    assert_int_equal(e->disconnects, 1);
    assert_false(station_link_connected(e->l));
    assert_non_null(strstr(station_link_status(e->l), "scale disconnected"));
    station_get_view(e->s, station_link_now_ms(), &v);
    assert_false(v.connected);
    assert_true(v.pending->active);

    /* the card comes while the scale is away: recorded against it */
    station_card(e->s, "0000000001", station_link_now_ms());
    assert_int_equal(nrecords, 1);
    assert_string_equal(records[0].staff_no, "S001");
    assert_int_equal(records[0].gross_g, 380);

    /* replug: connected again within 2 s, by itself */
    {
        int64_t back = station_link_now_ms();
        e->master = plug(e, REPLUG_FILE, "ttyUSB1");
        /* target 2 s; the 5 s bound catches a reconnect that backs off
         * too far, not a busy machine */
        while (e->connects == 0 && station_link_now_ms() - back < 10000)
            pump(e, 50);
        assert_int_equal(e->connects, 1);
        printf("# replug to connected: %lld ms (target 2000)\n",
               (long long)(e->connected_at - back));
        assert_true(e->connected_at - back <= 5000);
        assert_non_null(strstr(station_link_status(e->l), "again after"));
    }
    /* the same tray still on the scale: not recorded twice */
    frames(e, 15, 380, true);
    assert_int_equal(nrecords, 1);
    /* the next tray is */
    frames(e, 5, 0, true);
    frames(e, 12, 520, true);
    station_card(e->s, "0000000002", station_link_now_ms());
    assert_int_equal(nrecords, 2);
    assert_int_equal(records[1].gross_g, 520);
    assert_string_equal(records[1].staff_no, "S002");
    assert_int_equal(fixture_int(e->d, "SELECT count(*) FROM waste_records"), 2);
}

/* Runs this test again with the TIOCM shim and umockdev's preload library,
 * unless they are loaded; returns only when they are. */
static void reexec_under_umockdev(char **argv)
{
    const char *preload = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS");
    char self[4096], dir[4096], shim[4200], value[8500], opts[512];
    ssize_t len;

    if (preload && strstr(preload, "libumockdev-preload") && strstr(preload, "tiocm_shim"))
        return;
    if (getenv("CP_UMOCKDEV_REEXEC")) {
        fprintf(stderr, "the preload libraries did not load\n");
        exit(1);
    }
    len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len < 0) {
        perror("/proc/self/exe");
        exit(1);
    }
    self[len] = '\0';
    snprintf(dir, sizeof dir, "%s", self);
    /* BUILD/tests/test_x: the shim is BUILD/tiocm_shim.so; the sanitizer
     * build borrows the plain build's (it is built by `make check`) */
    snprintf(shim, sizeof shim, "%s/../tiocm_shim.so", dirname(dir));
    if (access(shim, R_OK) != 0)
        snprintf(shim, sizeof shim, "build/tiocm_shim.so");
    if (access(shim, R_OK) != 0) {
        fprintf(stderr, "no tiocm_shim.so next to the build: run make build/tiocm_shim.so\n");
        exit(1);
    }
    snprintf(value, sizeof value, "%s:libumockdev-preload.so.0%s%s", shim,
             preload ? ":" : "", preload ? preload : "");
    setenv("LD_PRELOAD", value, 1);
    setenv("CP_UMOCKDEV_REEXEC", "1", 1);
    /* ASan wants to be the first library; the preloads come first here */
    snprintf(opts, sizeof opts, "%s%sverify_asan_link_order=0", asan ? asan : "",
             asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    execv(self, argv);
    fprintf(stderr, "cannot run %s again: %s\n", self, strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unplug_replug, setup, teardown),
    };

    (void)argc;
    reexec_under_umockdev(argv);
    if (load_umockdev() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
