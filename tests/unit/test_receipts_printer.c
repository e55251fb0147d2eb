/* Unit tests for receipts/printer: TCP to a loopback listener, timeouts, refused connects, file, lp, preview, URIs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "receipts/decode.h"
#include "receipts/escpos.h"
#include "receipts/printer.h"
#include "receipts/receipt.h"

/* "At once" / "after its own short timeout" and not after the default
 * PRINTER_TIMEOUT_MS (3 s) or never: the bound is wide so that a loaded test
 * machine does not fail a correct transport. */
#define FAST_MS 2500

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listening socket on 127.0.0.1 with an ephemeral port. */
static int listen_loopback(int backlog, int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, backlog), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* The listener thread: accepts `drop` connections and closes them at once,
 * then accepts one and reads it to EOF. */
typedef struct sink {
    int lfd;
    int drop;
    unsigned char *data;
    size_t len, cap;
    int accepted;
} sink;

static void *sink_main(void *arg)
{
    sink *s = arg;
    unsigned char buf[8192];
    int fd;
    ssize_t n;

    for (int i = 0; i < s->drop; i++) {
        fd = accept(s->lfd, NULL, NULL);
        if (fd >= 0) {
            s->accepted++;
            close(fd);
        }
    }
    fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    s->accepted++;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (s->len + (size_t)n > s->cap) {
            s->cap = (s->len + (size_t)n) * 2;
            s->data = realloc(s->data, s->cap);
        }
        memcpy(s->data + s->len, buf, (size_t)n);
        s->len += (size_t)n;
    }
    close(fd);
    return NULL;
}

static char *uri_for(int port)
{
    static char uri[64];

    snprintf(uri, sizeof uri, "tcp:127.0.0.1:%d", port);
    return uri;
}

/* A sale receipt's bytes (caller frees). */
static unsigned char *sample_receipt(size_t *len)
{
    static const receipt_item items[] = {{"红烧肉", 1, 1200}, {"米饭", 2, 100}};
    receipt_sale s = {
        .canteen = "食堂", .terminal = "T01", .cashier = "李丽", .time = "2024-05-13 11:42",
        .diner_name = "张伟", .staff_no = "10023", .items = items, .n_items = 2,
        .total_fen = 1300, .subsidy_fen = 1300, .sale_no = "T01-000001",
    };
    escpos_profile prof = {.encoding = ESCPOS_GB18030, .columns = 32};
    escpos *e;
    unsigned char *out;

    assert_int_equal(escpos_new(&prof, &e), CP_OK);
    assert_int_equal(receipt_encode_sale(e, &s), CP_OK);
    assert_int_equal(escpos_take(e, &out, len), CP_OK);
    escpos_free(e);
    return out;
}

static void test_tcp_exact_bytes(void **state)
{
    sink s = {0};
    pthread_t th;
    int port;
    printer *p = NULL;
    size_t len;
    unsigned char *bytes = sample_receipt(&len);

    (void)state;
    s.lfd = listen_loopback(4, &port);
    assert_int_equal(pthread_create(&th, NULL, sink_main, &s), 0);
    assert_int_equal(printer_open(uri_for(port), &p), CP_OK);
    assert_int_equal(printer_status(p), PRINTER_UNKNOWN);
    assert_int_equal(printer_write(p, bytes, len), CP_OK);
    assert_int_equal(printer_write(p, "\x1d\x56\x00", 3), CP_OK);
    printer_close(p);
    pthread_join(th, NULL);
    close(s.lfd);
    assert_int_equal(s.len, len + 3);
    assert_memory_equal(s.data, bytes, len);
    assert_memory_equal(s.data + len, "\x1d\x56\x00", 3);
    free(s.data);
    free(bytes);
}

static void test_tcp_reconnects_after_printer_closed(void **state)
{
    sink s = {.drop = 1};
    pthread_t th;
    int port;
    printer *p = NULL;

    (void)state;
    s.lfd = listen_loopback(4, &port);
    assert_int_equal(pthread_create(&th, NULL, sink_main, &s), 0);
    assert_int_equal(printer_open(uri_for(port), &p), CP_OK);
    /* the printer drops the idle connection */
    for (int i = 0; i < 200 && s.accepted < 1; i++)
        usleep(5000);
    usleep(20000);
    assert_int_equal(printer_write(p, "hello", 5), CP_OK);
    printer_close(p);
    pthread_join(th, NULL);
    close(s.lfd);
    assert_int_equal(s.accepted, 2);
    assert_int_equal(s.len, 5);
    assert_memory_equal(s.data, "hello", 5);
    free(s.data);
}

static void test_tcp_refused_is_fast(void **state)
{
    int port, fd = listen_loopback(1, &port);
    printer *p = (printer *)1;
    long long t0;
    cp_err err;

    (void)state;
    close(fd);   /* nobody listens on port now */
    t0 = now_ms();
    err = printer_open(uri_for(port), &p);
    assert_int_equal(err, CP_ERR_DISCONNECTED);
    assert_null(p);
    assert_true(now_ms() - t0 < FAST_MS);
    assert_non_null(strstr(cp_detail(), "refused"));
    assert_non_null(strstr(cp_detail(), "127.0.0.1"));
}

static void test_tcp_connect_timeout(void **state)
{
    int port, lfd = listen_loopback(0, &port), fill[4];
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    printer *p = NULL;
    long long t0, dt;
    cp_err err;

    (void)state;
    /* fill the accept queue of a listener that never accepts: the kernel
     * then drops further SYNs and a connect hangs */
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fill[i], (struct sockaddr *)&a, sizeof a);
    }
    usleep(50000);
    t0 = now_ms();
    err = printer_open_timeout(uri_for(port), 300, &p);
    dt = now_ms() - t0;
    assert_int_equal(err, CP_ERR_TIMEOUT);
    assert_true(dt >= 250 && dt < FAST_MS);
    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(lfd);
}

static void test_tcp_write_timeout(void **state)
{
    int port, lfd = listen_loopback(4, &port), cfd, small = 4096;
    printer *p = NULL;
    size_t big = (size_t)64 << 20;
    unsigned char *junk = calloc(1, big);
    long long t0, dt;

    (void)state;
    assert_non_null(junk);
    setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    assert_int_equal(printer_open_timeout(uri_for(port), 300, &p), CP_OK);
    cfd = accept(lfd, NULL, NULL);   /* accepted, never read: a jammed printer */
    assert_true(cfd >= 0);
    t0 = now_ms();
    assert_int_equal(printer_write(p, junk, big), CP_ERR_TIMEOUT);
    dt = now_ms() - t0;
    assert_true(dt >= 250 && dt < FAST_MS);
    assert_non_null(strstr(cp_detail(), "bytes in 300 ms"));
    printer_close(p);
    close(cfd);
    close(lfd);
    free(junk);
}

static void test_file_appends(void **state)
{
    char path[] = "/tmp/cp-receipt-XXXXXX";
    int fd = mkstemp(path);
    printer *p = NULL;
    char uri[64], got[16] = {0};
    FILE *f;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "old", 3), 3);
    close(fd);
    snprintf(uri, sizeof uri, "file:%s", path);
    assert_int_equal(printer_open(uri, &p), CP_OK);
    assert_int_equal(printer_status(p), PRINTER_OK);
    assert_int_equal(printer_write(p, "\x1b@a", 3), CP_OK);
    printer_close(p);
    assert_int_equal(printer_open(uri, &p), CP_OK);
    assert_int_equal(printer_write(p, "b\n", 2), CP_OK);
    assert_string_equal(printer_uri(p), uri);
    printer_close(p);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(got, 1, sizeof got - 1, f), 8);
    fclose(f);
    assert_memory_equal(got, "old\x1b@ab\n", 8);
    unlink(path);

    assert_int_equal(printer_open("file:/nonexistent-dir/x", &p), CP_ERR_IO);
    assert_null(p);
}

static void test_lp_fifo(void **state)
{
    char dir[] = "/tmp/cp-lp-XXXXXX", path[64], uri[80];
    printer *p = NULL;
    int rfd;
    long long t0, dt;
    static unsigned char junk[1 << 20];

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/lp0", dir);
    snprintf(uri, sizeof uri, "lp:%s", path);
    /* no device at all */
    assert_int_equal(printer_open(uri, &p), CP_ERR_NOT_FOUND);
    assert_int_equal(mkfifo(path, 0600), 0);
    /* a device nobody serves: the open fails at once instead of hanging */
    t0 = now_ms();
    assert_int_equal(printer_open(uri, &p), CP_ERR_NOT_FOUND);
    assert_true(now_ms() - t0 < FAST_MS);
    /* a device that takes nothing: the write times out */
    rfd = open(path, O_RDONLY | O_NONBLOCK);
    assert_true(rfd >= 0);
    assert_int_equal(printer_open_timeout(uri, 200, &p), CP_OK);
    assert_int_equal(printer_write(p, "ok", 2), CP_OK);
    t0 = now_ms();
    assert_int_equal(printer_write(p, junk, sizeof junk), CP_ERR_TIMEOUT);
    dt = now_ms() - t0;
    assert_true(dt >= 150 && dt < FAST_MS);
    /* a FIFO answers no LPGETSTATUS */
    assert_int_equal(printer_status(p), PRINTER_UNKNOWN);
    printer_close(p);
    close(rfd);
    unlink(path);
    rmdir(dir);
}

static void test_preview_and_none(void **state)
{
    char buf[128] = {0};
    FILE *f = fmemopen(buf, sizeof buf, "w");
    printer *p = NULL;

    (void)state;
    assert_non_null(f);
    assert_int_equal(printer_open("preview", &p), CP_OK);
    printer_set_preview(p, f);
    assert_int_equal(printer_write(p, "\x1b\x61\x01\xca\xb3\xcc\xc3\n\x1d\x56\x00", 11), CP_OK);
    printer_close(p);
    fclose(f);
    assert_string_equal(buf, "[CENTER]食堂\n[CUT]");

    assert_int_equal(printer_open("none", &p), CP_OK);
    assert_int_equal(printer_write(p, "x", 1), CP_OK);
    assert_int_equal(printer_status(p), PRINTER_OK);
    printer_close(p);
    printer_close(NULL);
}

static void test_bad_uris(void **state)
{
    static const char *const bad[] = {
        "", "bogus", "tcpx:1.2.3.4", "tcp:", "tcp::9100", "tcp:1.2.3.4:0",
        "tcp:1.2.3.4:65536", "tcp:1.2.3.4:91x", "tcp:::1", "tcp:[::1", "usb:zz",
        "usb:1234", "usb:1234:5678:9", "serial:", "serial:/dev/ttyS0:fast", "file:",
        "lp:", "none:x", "preview:x",
    };
    printer *p = (printer *)1;

    (void)state;
    assert_int_equal(printer_open(NULL, &p), CP_ERR_INVALID);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cp_err err = printer_open(bad[i], &p);
        if (err != CP_ERR_INVALID)
            fail_msg("URI '%s' gave %s, not invalid", bad[i], cp_errname(err));
        assert_null(p);
    }
}

static void test_absent_devices_fail_fast(void **state)
{
    printer *p = NULL;
    long long t0 = now_ms();

    (void)state;
    /* whatever the machine has, no such USB printer and no such serial port */
    assert_int_not_equal(printer_open("usb:fffe:fffd", &p), CP_OK);
    assert_null(p);
    assert_int_not_equal(printer_open("serial:/dev/cp-no-such-port:9600", &p), CP_OK);
    assert_null(p);
    assert_true(now_ms() - t0 < FAST_MS);
    assert_string_equal(printer_state_name(PRINTER_PAPER_OUT), "paper out");
    assert_string_equal(printer_state_name(PRINTER_OFFLINE), "offline");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_exact_bytes),
        cmocka_unit_test(test_tcp_reconnects_after_printer_closed),
        cmocka_unit_test(test_tcp_refused_is_fast),
        cmocka_unit_test(test_tcp_connect_timeout),
        cmocka_unit_test(test_tcp_write_timeout),
        cmocka_unit_test(test_file_appends),
        cmocka_unit_test(test_lp_fifo),
        cmocka_unit_test(test_preview_and_none),
        cmocka_unit_test(test_bad_uris),
        cmocka_unit_test(test_absent_devices_fail_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
