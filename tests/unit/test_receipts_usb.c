/* Unit test for receipts/printer_usb: an emulated USB printer under umockdev checks every bulk OUT byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "receipts/escpos.h"
#include "receipts/printer.h"
#include "receipts/receipt.h"

/*
 * How it works: run directly, the test writes a usbmon capture (pcap, link
 * type USB_LINUX_MMAPPED) of the bulk OUT transfers a printer should see,
 * then re-runs itself under `umockdev-run` with tests/umockdev/printer.umockdev
 * (a USB printer-class device 0416:5011) and that capture. umockdev's pcap
 * replayer completes a submitted OUT transfer only when its bytes equal the
 * recorded ones, so any wrong, missing or extra byte makes the write time out.
 */

#define DEVICE_FILE "tests/umockdev/printer.umockdev"
#define USB_CHUNK 4096

/* The bytes of a sale receipt (caller frees). */
static unsigned char *receipt_bytes(size_t *len)
{
    static const receipt_item items[] = {{"红烧肉", 1, 1200}, {"清炒时令蔬菜配米饭（大份）", 2, 1850}};
    receipt_sale s = {
        .canteen = "市机关第一食堂", .terminal = "T01", .cashier = "李丽",
        .time = "2024-05-13 11:42", .diner_name = "张伟", .staff_no = "10023",
        .items = items, .n_items = 2, .total_fen = 4900, .subsidy_fen = 2000,
        .cash_fen = 2900, .cash_left_fen = 100, .sale_no = "T01-000001",
    };
    escpos_profile prof = {.encoding = ESCPOS_GB18030, .columns = 32};
    escpos *e = NULL;
    unsigned char *out = NULL;

    if (escpos_new(&prof, &e) || receipt_encode_sale(e, &s) || escpos_take(e, &out, len))
        abort();
    escpos_free(e);
    return out;
}

/* 5000 bytes of a pattern, so that a write takes two bulk transfers. */
static void blob(unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(i * 7 + 3);
}

/* ---- writing the capture ------------------------------------------------- */

static void put(FILE *f, const void *p, size_t n)
{
    if (fwrite(p, 1, n, f) != n)
        abort();
}

/* One usbmon record: 64-byte mmapped header, then data. */
static void pcap_record(FILE *f, uint64_t id, char ev, const unsigned char *data,
                        uint32_t urb_len, uint32_t data_len)
{
    unsigned char h[64] = {0};
    uint32_t rec[4] = {(uint32_t)id, 0, 64 + data_len, 64 + data_len};
    uint16_t bus = 1;

    memcpy(h, &id, 8);
    h[8] = (unsigned char)ev;
    h[9] = 3;                    /* bulk */
    h[10] = 0x01;                /* endpoint 1 OUT */
    h[11] = 1;                   /* device address */
    memcpy(h + 12, &bus, 2);
    h[14] = '-';                 /* no setup */
    h[15] = data_len ? 0 : '<';
    memcpy(h + 24, &(int32_t){0}, 4);     /* ts_usec */
    memcpy(h + 28, &(int32_t){0}, 4);     /* status */
    memcpy(h + 32, &urb_len, 4);
    memcpy(h + 36, &data_len, 4);
    put(f, rec, sizeof rec);
    put(f, h, sizeof h);
    if (data_len)
        put(f, data, data_len);
}

/* Submit and completion records for a write, in chunks as the transport sends them. */
static void pcap_write(FILE *f, uint64_t *id, const unsigned char *p, size_t n)
{
    for (size_t off = 0; off < n; off += USB_CHUNK) {
        uint32_t len = (uint32_t)(n - off > USB_CHUNK ? USB_CHUNK : n - off);

        pcap_record(f, *id, 'S', p + off, len, len);
        pcap_record(f, *id, 'C', NULL, len, 0);
        (*id)++;
    }
}

static void write_capture(const char *path)
{
    FILE *f = fopen(path, "wb");
    uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 220}; /* DLT_USB_LINUX_MMAPPED */
    uint64_t id = 0x1000;
    size_t len;
    unsigned char *r = receipt_bytes(&len), b[5000];

    if (!f)
        abort();
    put(f, hdr, sizeof hdr);
    pcap_write(f, &id, r, len);
    blob(b, sizeof b);
    pcap_write(f, &id, b, sizeof b);
    pcap_write(f, &id, (const unsigned char *)"\x1b@END", 5);
    fclose(f);
    free(r);
}

/* ---- the tests, run under umockdev ----------------------------------------- */

static void test_usb_exact_bytes(void **state)
{
    printer *p = NULL;
    size_t len;
    unsigned char *r = receipt_bytes(&len), b[5000];

    (void)state;
    assert_int_equal(printer_open_timeout("usb:0416:5011", 2000, &p), CP_OK);
    assert_int_equal(printer_write(p, r, len), CP_OK);
    blob(b, sizeof b);
    assert_int_equal(printer_write(p, b, sizeof b), CP_OK);
    printer_close(p);
    free(r);
}

static void test_usb_other_id_not_found(void **state)
{
    printer *p = NULL;

    (void)state;
    assert_int_equal(printer_open("usb:1234:5678", &p), CP_ERR_NOT_FOUND);
    assert_null(p);
    assert_non_null(strstr(cp_detail(), "1234:5678"));
}

static void test_usb_wrong_bytes_time_out(void **state)
{
    printer *p = NULL;

    (void)state;
    /* any printer-class device: finds ours */
    assert_int_equal(printer_open_timeout("usb", 500, &p), CP_OK);
    /* the printer expects "\x1b@END": different bytes are never completed */
    assert_int_equal(printer_write(p, "\x1b@BAD", 5), CP_ERR_TIMEOUT);
    assert_non_null(strstr(cp_detail(), "0416:5011"));
    printer_close(p);
}

static int run_emulated(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usb_exact_bytes),
        cmocka_unit_test(test_usb_other_id_not_found),
        cmocka_unit_test(test_usb_wrong_bytes_time_out),
    };
    const char *dir = getenv("CP_USB_TEST_DIR");
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    if (dir) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/printer.pcap", dir);
        unlink(path);
        rmdir(dir);
    }
    return rc;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/cp-usbprinter-XXXXXX", pcap[PATH_MAX], arg[PATH_MAX + 32];
    char self[PATH_MAX], asan[512];
    const char *old_asan = getenv("ASAN_OPTIONS");
    ssize_t n;

    if (getenv("UMOCKDEV_DIR"))
        return run_emulated();
    (void)argc;
    if (access(DEVICE_FILE, R_OK) != 0) {
        fprintf(stderr, "test_receipts_usb: run from the source tree (%s not found)\n",
                DEVICE_FILE);
        return 1;
    }
    if (!mkdtemp(dir))
        return 1;
    snprintf(pcap, sizeof pcap, "%s/printer.pcap", dir);
    write_capture(pcap);
    snprintf(arg, sizeof arg, "/sys/devices/usb1=%s", pcap);
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 1;
    self[n] = '\0';
    setenv("CP_USB_TEST_DIR", dir, 1);
    /* umockdev preloads its library ahead of the sanitizer runtime */
    snprintf(asan, sizeof asan, "%s%sverify_asan_link_order=0", old_asan ? old_asan : "",
             old_asan ? ":" : "");
    setenv("ASAN_OPTIONS", asan, 1);
    execlp("umockdev-run", "umockdev-run", "-d", DEVICE_FILE, "-p", arg, "--", self,
           (char *)NULL);
    perror("test_receipts_usb: cannot run umockdev-run");
    (void)argv;
    return 1;
}
