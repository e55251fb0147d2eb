/* Unit tests for pos/reader: spec parser, stdin, fake and keyboard backends, poll loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "pos/reader.h"

/* ---- helpers ------------------------------------------------------------ */

static int64_t fake_ms;

/* A clock the tests move by hand. */
static int64_t fake_clock(void)
{
    return fake_ms;
}

/* Takes the next event, which must be of type want and there within 1 s
 * (on the fake clock: at once, as that clock does not move by itself). */
static reader_event next_of(reader *r, reader_event_type want)
{
    reader_event ev;
    assert_int_equal(reader_next(r, r->cfg.now_ms ? 0 : 1000, &ev), CP_OK);
    assert_int_equal(ev.type, want);
    return ev;
}

static void assert_card(reader *r, const char *want)
{
    reader_event ev = next_of(r, READER_EV_CARD);
    assert_string_equal(ev.card, want);
}

static void assert_key(reader *r, int want)
{
    reader_event ev = next_of(r, READER_EV_KEY);
    assert_int_equal(ev.key, want);
}

static void assert_nothing(reader *r)
{
    reader_event ev;
    assert_int_equal(reader_next(r, 0, &ev), CP_ERR_TIMEOUT);
}

static void write_all(int fd, const char *s)
{
    assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* ---- spec parser -------------------------------------------------------- */

static void test_spec_usb(void **state)
{
    reader_config c;
    (void)state;

    reader_config_init(&c);
    assert_int_equal(reader_config_parse(&c, "usb"), CP_OK);
    assert_ptr_equal(c.ops, &reader_usb_ops);
    assert_int_equal(c.n_ids, 0);

    assert_int_equal(reader_config_parse(&c, "usb:ffff:0035"), CP_OK);
    assert_int_equal(c.n_ids, 1);
    assert_int_equal(c.ids[0].vid, 0xffff);
    assert_int_equal(c.ids[0].pid, 0x0035);

    assert_int_equal(reader_config_parse(&c, "usb:ffff:0035,08FF:9"), CP_OK);
    assert_int_equal(c.n_ids, 2);
    assert_int_equal(c.ids[1].vid, 0x08ff);
    assert_int_equal(c.ids[1].pid, 0x0009);
}

static void test_spec_bad(void **state)
{
    reader_config c;
    const char *bad[] = {
        "usb:",          "usb:ffff",      "usb:ffff:",     "usb:fffff:0035", "usb:ffff:0035,",
        "usb:ffff:0035:1", "usb:gg:0035", "usb:ffff;0035", "serial",         "stdin:x",
        "keyboard:1",    "",              "USB",
    };
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reader_config_init(&c);
        if (reader_config_parse(&c, bad[i]) != CP_ERR_INVALID)
            fail_msg("spec '%s' was accepted", bad[i]);
        assert_ptr_equal(c.ops, &reader_stdin_ops); /* unchanged */
    }
    reader_config_init(&c);
    assert_int_equal(reader_config_parse(&c, "usb:1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8,9:9"),
                     CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "at most"));
}

static void test_spec_others(void **state)
{
    reader_config c;
    (void)state;

    reader_config_init(&c);
    assert_int_equal(reader_config_parse(&c, "keyboard"), CP_OK);
    assert_ptr_equal(c.ops, &reader_wedge_ops);
    assert_int_equal(reader_config_parse(&c, "stdin"), CP_OK);
    assert_ptr_equal(c.ops, &reader_stdin_ops);
    assert_int_equal(reader_config_parse(&c, "fake:1,@unplug"), CP_OK);
    assert_ptr_equal(c.ops, &reader_fake_ops);
    assert_string_equal(c.script, "1,@unplug");
}

static void test_open_spec_format(void **state)
{
    reader *r = NULL;
    reader_event ev;
    (void)state;

    assert_int_equal(reader_open_spec("fake:04A1B2C3", "hex-lsb", 0, &r), CP_OK);
    assert_string_equal(reader_name(r), "fake");
    next_of(r, READER_EV_STATUS);
    assert_card(r, "3283263748"); /* 0xC3B2A104 */
    reader_close(r);

    assert_int_equal(reader_open_spec("fake", "nonsense", 0, &r), CP_ERR_INVALID);
    assert_null(r);
    assert_int_equal(reader_open_spec("tape", NULL, 0, &r), CP_ERR_INVALID);
    assert_null(r);

    /* W26 as printed on fobs */
    assert_int_equal(reader_open_spec("fake:123,45678", "w26", 0, &r), CP_OK);
    /* the fake script splits on commas: "123" and "45678" are two entries */
    next_of(r, READER_EV_STATUS);
    ev = next_of(r, READER_EV_INVALID);
    assert_string_equal(ev.raw, "123");
    reader_close(r);
    reader_close(NULL);
}

/* ---- stdin -------------------------------------------------------------- */

static void test_stdin_lines(void **state)
{
    reader_config c;
    reader *r = NULL;
    reader_event ev;
    const char *text;
    int p[2];
    (void)state;

    assert_int_equal(pipe(p), 0);
    reader_config_init(&c);
    c.fd = p[0];
    c.format = CARDNO_W26;
    assert_int_equal(reader_open(&c, &r), CP_OK);
    assert_int_equal(reader_status(r, &text), CP_OK);
    next_of(r, READER_EV_STATUS);

    assert_nothing(r);
    write_all(p[1], "123,45678\r\n\n   \n12,3");
    assert_card(r, "0008106606");
    assert_nothing(r); /* blank lines are skipped; "12,3" has no newline yet */
    write_all(p[1], "4\nnot a card\n");
    assert_card(r, "0000786466"); /* 12 * 65536 + 34 */
    ev = next_of(r, READER_EV_INVALID);
    assert_string_equal(ev.raw, "not a card");
    assert_non_null(strstr(ev.text, "not a card number"));
    assert_false(ev.cut);

    /* a line longer than any card number, then the last line without newline */
    write_all(p[1], "111111111111111111111111111111111111111111111\n1,1");
    close(p[1]);
    ev = next_of(r, READER_EV_INVALID);
    assert_non_null(strstr(ev.text, "too long"));
    assert_true(ev.cut); /* its start is no command either (the station's "category ...") */
    assert_card(r, "0000065537");
    ev = next_of(r, READER_EV_STATUS);
    assert_false(ev.connected);
    assert_int_equal(reader_next(r, 0, &ev), CP_ERR_DISCONNECTED);
    assert_int_equal(reader_status(r, &text), CP_ERR_DISCONNECTED);
    reader_close(r);
    close(p[0]);
}

static void test_stdin_timeout_waits(void **state)
{
    reader_config c;
    reader *r = NULL;
    reader_event ev;
    int p[2];
    int64_t t0;
    (void)state;

    assert_int_equal(pipe(p), 0);
    reader_config_init(&c);
    c.fd = p[0];
    assert_int_equal(reader_open(&c, &r), CP_OK);
    next_of(r, READER_EV_STATUS);
    t0 = reader_now(r);
    assert_int_equal(reader_next(r, 60, &ev), CP_ERR_TIMEOUT);
    assert_in_range(reader_now(r) - t0, 55, 5000);   /* wide: a loaded machine */
    reader_close(r);
    close(p[0]);
    close(p[1]);
}

/* ---- fake --------------------------------------------------------------- */

static void test_fake_script(void **state)
{
    reader_config c;
    reader *r = NULL;
    reader_event ev;
    const char *text;
    (void)state;

    reader_config_init(&c);
    assert_int_equal(reader_config_parse(&c, "fake:0012345678,@unplug,@plug,42,@denied,7,@end,9"),
                     CP_OK);
    assert_int_equal(reader_open(&c, &r), CP_OK);
    assert_true(next_of(r, READER_EV_STATUS).connected);
    assert_card(r, "0012345678");
    ev = next_of(r, READER_EV_STATUS);
    assert_false(ev.connected);
    assert_string_equal(ev.text, "reader disconnected");
    assert_int_equal(reader_status(r, &text), CP_ERR_DISCONNECTED);
    assert_true(next_of(r, READER_EV_STATUS).connected);
    assert_card(r, "0000000042");
    ev = next_of(r, READER_EV_STATUS);
    assert_int_equal(reader_status(r, &text), CP_ERR_ACCESS);
    assert_non_null(strstr(ev.text, READER_UDEV_RULES));
    assert_card(r, "0000000007");
    /* @end: "9" is never read */
    assert_false(next_of(r, READER_EV_STATUS).connected);
    assert_int_equal(reader_next(r, 0, &ev), CP_ERR_DISCONNECTED);
    reader_close(r);
}

/* ---- keyboard wedge ----------------------------------------------------- */

/* Opens a keyboard reader fed by reader_feed_key() on the fake clock. */
static reader *open_fed_keyboard(void)
{
    reader_config c;
    reader *r = NULL;

    reader_config_init(&c);
    assert_int_equal(reader_config_parse(&c, "keyboard"), CP_OK);
    c.fd = -1;
    c.now_ms = fake_clock;
    fake_ms = 1000;
    assert_int_equal(reader_open(&c, &r), CP_OK);
    next_of(r, READER_EV_STATUS);
    return r;
}

/* Types s one key every step_ms on the fake clock. */
static void type_keys(reader *r, const char *s, int step_ms)
{
    for (; *s; s++) {
        assert_int_equal(reader_feed_key(r, (unsigned char)*s), CP_OK);
        fake_ms += step_ms;
    }
}

static void test_wedge_burst_is_card(void **state)
{
    reader *r = open_fed_keyboard();
    (void)state;

    type_keys(r, "0012345678\r", 8);
    assert_card(r, "0012345678");
    assert_nothing(r);
    /* a burst ending in curses' KEY_ENTER, and in '\n' */
    type_keys(r, "4242", 8);
    assert_int_equal(reader_feed_key(r, READER_KEY_ENTER), CP_OK);
    assert_card(r, "0000004242");
    type_keys(r, "99999\n", 49);  /* gaps of 49 ms: still a reader (burst 50) */
    assert_card(r, "0000099999");
    reader_close(r);
}

static void test_wedge_person_typing(void **state)
{
    reader *r = open_fed_keyboard();
    (void)state;

    /* a cashier types an item code: 200 ms between keys */
    type_keys(r, "12\r", 200);
    assert_key(r, '1');
    assert_key(r, '2');
    assert_key(r, '\r');
    assert_nothing(r);

    /* a held key is handed back once its burst is over, without a new key */
    type_keys(r, "7", 0);
    assert_nothing(r); /* could still be the start of a card */
    fake_ms += 51;
    assert_key(r, '7');

    /* fast, but too short for a card: "42" + Enter are keys */
    type_keys(r, "42\r", 5);
    assert_key(r, '4');
    assert_key(r, '2');
    assert_key(r, '\r');

    /* letters and arrows are keys at once and break a burst */
    type_keys(r, "123x", 5);
    assert_key(r, '1');
    assert_key(r, '2');
    assert_key(r, '3');
    assert_key(r, 'x');

    /* slow digits, then a quick Enter: not a card */
    type_keys(r, "5555", 60);
    type_keys(r, "\r", 0);
    for (int i = 0; i < 4; i++)
        assert_key(r, '5');
    assert_key(r, '\r');
    reader_close(r);
}

static void test_wedge_card_after_keys(void **state)
{
    reader *r = open_fed_keyboard();
    (void)state;

    type_keys(r, "9", 300);   /* the cashier pressed 9 ... */
    type_keys(r, "87654321\r", 10); /* ... and a card follows 300 ms later */
    assert_key(r, '9');
    assert_card(r, "0087654321");
    assert_int_equal(reader_feed_key(r, 'q'), CP_OK);
    assert_key(r, 'q');
    reader_close(r);
}

static void test_wedge_from_fd(void **state)
{
    reader_config c;
    reader *r = NULL;
    reader_event ev;
    int p[2];
    (void)state;

    assert_int_equal(pipe(p), 0);
    reader_config_init(&c);
    assert_int_equal(reader_config_parse(&c, "keyboard"), CP_OK);
    c.fd = p[0];
    assert_int_equal(reader_open(&c, &r), CP_OK);
    next_of(r, READER_EV_STATUS);

    write_all(p[1], "0012345678\n"); /* a reader: all at once */
    assert_card(r, "0012345678");
    write_all(p[1], "3");            /* a person: one key, then nothing */
    assert_key(r, '3');
    assert_int_equal(reader_feed_key(r, '1'), CP_OK); /* fed keys work too */
    assert_key(r, '1');
    close(p[1]);
    assert_false(next_of(r, READER_EV_STATUS).connected);
    assert_int_equal(reader_next(r, 0, &ev), CP_ERR_DISCONNECTED);
    reader_close(r);
    close(p[0]);
}

static void test_wedge_on_terminal(void **state)
{
    reader_config c;
    reader *r = NULL;
    struct termios t;
    int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
    (void)state;

    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    assert_int_equal(tcgetattr(slave, &t), 0);
    assert_true(t.c_lflag & ICANON);

    reader_config_init(&c);
    assert_int_equal(reader_config_parse(&c, "keyboard"), CP_OK);
    c.fd = slave;
    assert_int_equal(reader_open(&c, &r), CP_OK);
    next_of(r, READER_EV_STATUS);
    /* keys one at a time and not echoed, so a card number does not show */
    assert_int_equal(tcgetattr(slave, &t), 0);
    assert_false(t.c_lflag & (ICANON | ECHO));

    write_all(master, "0012345678\r"); /* the terminal turns Enter into '\n' */
    assert_card(r, "0012345678");
    write_all(master, "5");               /* no Enter needed for a person's key */
    assert_key(r, '5');

    reader_close(r);
    assert_int_equal(tcgetattr(slave, &t), 0);
    assert_true(t.c_lflag & ICANON);     /* the terminal is as it was */
    assert_true(t.c_lflag & ECHO);
    close(slave);
    close(master);
}

static void test_feed_key_other_backends(void **state)
{
    reader *r = NULL;
    (void)state;

    assert_int_equal(reader_open_spec("fake:1", NULL, 0, &r), CP_OK);
    assert_int_equal(reader_feed_key(r, '1'), CP_ERR_UNSUPPORTED);
    reader_close(r);
}

/* ---- a caller's own poll loop -------------------------------------------- */

static void test_pollfds_loop(void **state)
{
    reader_config c;
    reader *r = NULL;
    reader_event ev;
    struct pollfd fds[4];
    int timeout = -1, n, cards = 0;
    int p[2];
    (void)state;

    assert_int_equal(pipe(p), 0);
    reader_config_init(&c);
    c.fd = p[0];
    assert_int_equal(reader_open(&c, &r), CP_OK);
    /* the queued status event: poll must not sleep */
    n = reader_pollfds(r, fds, 4, &timeout);
    assert_int_equal(timeout, 0);
    next_of(r, READER_EV_STATUS);

    timeout = -1;
    n = reader_pollfds(r, fds, 4, &timeout);
    assert_int_equal(n, 1);
    assert_int_equal(fds[0].fd, p[0]);
    assert_int_equal(timeout, -1);
    write_all(p[1], "1\n2\n");
    assert_int_equal(poll(fds, (nfds_t)n, 1000), 1);
    while (reader_next(r, 0, &ev) == CP_OK)
        cards += ev.type == READER_EV_CARD;
    assert_int_equal(cards, 2);
    reader_close(r);
    close(p[0]);
    close(p[1]);
}

static void test_queue_full_drops(void **state)
{
    reader *r = open_fed_keyboard();
    int n = 0;
    reader_event ev;
    (void)state;

    for (int i = 0; i < READER_QUEUE_LEN + 10; i++)
        assert_int_equal(reader_feed_key(r, 'z'), CP_OK);
    while (reader_next(r, 0, &ev) == CP_OK)
        n++;
    assert_int_equal(n, READER_QUEUE_LEN);
    assert_int_equal(r->lost, 10);
    reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_usb),
        cmocka_unit_test(test_spec_bad),
        cmocka_unit_test(test_spec_others),
        cmocka_unit_test(test_open_spec_format),
        cmocka_unit_test(test_stdin_lines),
        cmocka_unit_test(test_stdin_timeout_waits),
        cmocka_unit_test(test_fake_script),
        cmocka_unit_test(test_wedge_burst_is_card),
        cmocka_unit_test(test_wedge_person_typing),
        cmocka_unit_test(test_wedge_card_after_keys),
        cmocka_unit_test(test_wedge_from_fd),
        cmocka_unit_test(test_wedge_on_terminal),
        cmocka_unit_test(test_feed_key_other_backends),
        cmocka_unit_test(test_pollfds_loop),
        cmocka_unit_test(test_queue_full_drops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
