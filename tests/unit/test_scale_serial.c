/* Unit tests for scale/serial on a pty: open by path and symlink, read, write, timeout, hang-up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scale/serial.h"
#include "scale/station_link.h"
#include "scale/simframe.h"
#include "scale/stable.h"

static const proto_serial s8n1 = { .baud = 9600, .bits = 8, .parity = 'N', .stop = 1 };

/* Opens a pty master; *slave gets the slave's path (static storage). */
static int pty_master(const char **slave)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m >= 0);
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    *slave = ptsname(m);
    assert_non_null(*slave);
    return m;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_open_errors(void **state)
{
    (void)state;
    serial_port *p = (serial_port *)1;
    char file[] = "/tmp/cp-serial-XXXXXX";
    int fd;

    assert_int_equal(serial_open("/dev/does-not-exist-42", &s8n1, &p), CP_ERR_NOT_FOUND);
    assert_null(p);
    assert_non_null(strstr(cp_detail(), "does-not-exist-42"));
    fd = mkstemp(file);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(serial_open(file, &s8n1, &p), CP_ERR_NOT_FOUND);
    assert_non_null(strstr(cp_detail(), "not a serial port"));
    unlink(file);
    serial_close(NULL);
}

static void test_pty_read_write(void **state)
{
    (void)state;
    const char *slave;
    int m = pty_master(&slave);
    serial_port *p = NULL;
    char buf[64];
    size_t got = 0;
    int64_t t0;

    assert_int_equal(serial_open(slave, &s8n1, &p), CP_OK);
    assert_string_equal(serial_backend_name(p), "pty");
    assert_string_equal(serial_path(p), slave);

    /* nothing there: returns after the timeout with 0 bytes */
    t0 = mono_ms();
    assert_int_equal(serial_read(p, buf, sizeof buf, 50, &got), CP_OK);
    assert_int_equal(got, 0);
    assert_true(mono_ms() - t0 >= 40);

    /* scale -> host */
    assert_int_equal(write(m, "S S 12 g\r\n", 10), 10);
    assert_int_equal(serial_read(p, buf, sizeof buf, 1000, &got), CP_OK);
    assert_int_equal(got, 10);
    assert_memory_equal(buf, "S S 12 g\r\n", 10);

    /* host -> scale */
    assert_int_equal(serial_write(p, "SI\r\n", 4, 1000), CP_OK);
    {
        ssize_t n = 0;
        for (int i = 0; i < 100 && n <= 0; i++) {
            n = read(m, buf, sizeof buf);
            if (n <= 0)
                usleep(1000);
        }
        assert_int_equal(n, 4);
        assert_memory_equal(buf, "SI\r\n", 4);
    }

    /* flush drops what was not read */
    assert_int_equal(write(m, "junk", 4), 4);
    usleep(20000);
    assert_int_equal(serial_flush(p), CP_OK);
    assert_int_equal(serial_read(p, buf, sizeof buf, 20, &got), CP_OK);
    assert_int_equal(got, 0);

    /* the simulator goes away */
    close(m);
    assert_int_equal(serial_read(p, buf, sizeof buf, 1000, &got), CP_ERR_DISCONNECTED);
    serial_close(p);
}

static void test_symlink_and_settings(void **state)
{
    (void)state;
    const char *slave;
    int m = pty_master(&slave);
    serial_port *p = NULL;
    char link[] = "/tmp/cp-serial-link-XXXXXX";
    proto_serial bad = s8n1;
    int fd = mkstemp(link);

    /* a stable name, as /dev/serial/by-id/... is */
    assert_true(fd >= 0);
    close(fd);
    unlink(link);
    assert_int_equal(symlink(slave, link), 0);
    assert_int_equal(serial_open(link, &proto_toledo8217.serial, &p), CP_OK);
    assert_string_equal(serial_path(p), link);
    assert_string_equal(serial_backend_name(p), "pty");
    serial_close(p);

    /* relative, as udev makes them: ../../ttyUSB0 */
    {
        char rel[64];
        unlink(link);
        snprintf(rel, sizeof rel, "..%s", slave); /* from /tmp: ../dev/pts/N */
        assert_int_equal(symlink(rel, link), 0);
        assert_int_equal(serial_open(link, &s8n1, &p), CP_OK);
        serial_close(p);
    }

    bad.baud = 12345;
    assert_int_equal(serial_open(link, &bad, &p), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "12345"));
    unlink(link);
    close(m);
}

/* Bytes from a simulated scale through the port, the parser and the filter. */
static void test_pipeline(void **state)
{
    (void)state;
    const char *slave;
    int m = pty_master(&slave);
    serial_port *p = NULL;
    proto_parser parser;
    stable filter;
    int settled = 0;
    int64_t grams = 0;
    static const int64_t sequence[] = { 0, 0, 300, 610, 655, 652, 651, 652, 652, 651,
                                        652, 652, 652, 652, 652 };

    assert_int_equal(serial_open(slave, &proto_and.serial, &p), CP_OK);
    proto_init(&parser, &proto_and, NULL);
    stable_init(&filter, NULL);
    for (size_t i = 0; i < sizeof sequence / sizeof sequence[0]; i++) {
        proto_reading in = { .grams = sequence[i], .has_weight = true,
                             .stable = i != 2 && i != 3, .status = PROTO_OK };
        uint8_t frame[SIMFRAME_MAX], buf[64];
        size_t len = simframe_format(&proto_and, &in, NULL, frame, sizeof frame);
        size_t got = 0, used = 0;

        assert_true(len > 0);
        assert_int_equal(write(m, frame, len), (ssize_t)len);
        /* read until the frame has come through whole */
        while (used < len) {
            assert_int_equal(serial_read(p, buf + used, sizeof buf - used, 1000, &got), CP_OK);
            assert_true(got > 0);
            used += got;
        }
        for (size_t k = 0; k < used; k++) {
            proto_reading r;
            stable_event ev;
            if (proto_push(&parser, buf[k], &r) &&
                stable_push(&filter, &r, (int64_t)i * 100, &ev) && ev.kind == STABLE_SETTLED) {
                settled++;
                grams = ev.grams;
            }
        }
    }
    assert_int_equal(parser.skipped, 0);
    assert_int_equal(settled, 1);
    assert_int_equal(grams, 652);
    serial_close(p);
    close(m);
}

/* A burst of frames (a scale that streams while the station was busy) read
 * through a link whose caller takes 4 readings at a time: every reading comes,
 * in order. The bytes after the 4th used to be thrown away with the read. */
static void test_link_burst_small_array(void **state)
{
    (void)state;
    const char *slave;
    int m = pty_master(&slave);
    station_link_cfg cfg = {.ops = &proto_and, .serial = proto_and.serial};
    station_link *l = NULL;
    uint8_t burst[40 * SIMFRAME_MAX];
    size_t len = 0;
    int64_t next = 100;
    int64_t deadline;

    cfg.port = slave;
    assert_int_equal(station_link_open(&cfg, &l), CP_OK);
    assert_true(station_link_connected(l));
    for (int i = 0; i < 40; i++) {
        proto_reading in = {.grams = 100 + i, .has_weight = true, .stable = true,
                            .status = PROTO_OK};
        size_t n = simframe_format(&proto_and, &in, NULL, burst + len, sizeof burst - len);
        assert_true(n > 0);
        len += n;
    }
    assert_int_equal(write(m, burst, len), (ssize_t)len);
    deadline = mono_ms() + 10000;
    while (next < 140 && mono_ms() < deadline) {
        proto_reading r[4];
        size_t n = 0;
        assert_int_equal(station_link_step(l, 50, r, 4, &n, NULL), CP_OK);
        assert_true(n <= 4);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(r[k].grams, next++);
    }
    assert_int_equal(next, 140);
    station_link_close(l);
    close(m);
}

static void test_list(void **state)
{
    (void)state;
    serial_info *list = NULL;
    size_t n = 99;

    assert_int_equal(serial_list(&list, &n), CP_OK);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(list[i].name);
        assert_true(list[i].usb_vid >= -1);
    }
    serial_list_free(list, n);
    serial_list_free(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_pty_read_write),
        cmocka_unit_test(test_symlink_and_settings),
        cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_link_burst_small_array),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
