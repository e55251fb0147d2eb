/* sim: a simulated serial scale on a pseudo-terminal, for demonstrations and tests.
 *
 * The scale's weight follows placements: a tray put on it swings and settles
 * within --settle ms (unstable readings meanwhile), then rests with a little
 * jitter; taken off, it comes back to zero. Streaming protocols send --rate
 * frames a second; polled ones answer the host's polls (and CAS's ENQ/DC1),
 * tare and zero. Placements come from --weights in a loop, or from a script
 * of commands (a file, or standard input with --script -):
 *     place G      put G grams on the scale
 *     remove       take it off
 *     wait MS      let MS milliseconds pass
 *     overload     show over capacity until the next place/remove
 *     unplug MS    close the port for MS ms, then come back on a new pty
 *                  (--link keeps a stable path to it, as by-id links do)
 *     quit         stop
 * With --fast the script's time is the frame count (each frame 1000/rate ms of
 * it) and frames go out as fast as the station reads them; a whole service is
 * replayed in seconds for a station run with --frame-clock.
 */
#include "scale/sim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/nls.h"
#include "scale/proto.h"
#include "scale/simframe.h"
#include "scale/station_link.h"

#define SIM_MAX_WEIGHTS 32
#define SIM_LINE_MAX 256

typedef struct sim {
    const proto_ops *ops;
    simframe_fmt fmt;
    bool stream;             /* send frames unasked */
    int rate_hz, settle_ms, hold_ms, gap_ms, noise_g;
    int64_t weights[SIM_MAX_WEIGHTS];
    size_t nweights, next_weight;
    const char *link;
    /* the pty */
    int master, slave;
    char path[128];
    simframe_rx rx;
    /* the weight */
    int64_t target_g, from_g, moved_at_ms, tare_g, zero_g;
    bool overload;
    uint64_t rng;
    /* the script */
    FILE *script;            /* NULL: the --weights loop */
    bool script_stdin, script_done;
    char pending[SIM_LINE_MAX]; /* stdin: a partial line */
    size_t pending_len;
    int64_t wait_until_ms;   /* script: a wait in progress */
    int64_t loop_next_ms;    /* --weights loop: when to place or remove next */
    bool loop_placed;
    int64_t unplugged_until_ms; /* > 0: the port is closed */
    bool quit;
} sim;

static volatile sig_atomic_t sim_stop;

static void sim_on_signal(int sig)
{
    (void)sig;
    sim_stop = 1;
}

/* A small deterministic random number in [-n, n]. */
static int64_t jitter(sim *s, int64_t n)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return n > 0 ? (int64_t)(s->rng % (uint64_t)(2 * n + 1)) - n : 0;
}

/* Opens a new pty, raw, and points --link at it; prints its path on stdout. */
static int open_pty(sim *s)
{
    struct termios t;
    const char *name;

    s->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (s->master < 0 || grantpt(s->master) != 0 || unlockpt(s->master) != 0 ||
        !(name = ptsname(s->master))) {
        fprintf(stderr, _("cleanplate-scale sim: cannot create a pseudo-terminal: %s\n"),
                strerror(errno));
        return -1;
    }
    snprintf(s->path, sizeof s->path, "%s", name);
    /* hold the slave open so that the pty lives while no station is attached */
    s->slave = open(s->path, O_RDWR | O_NOCTTY);
    if (s->slave < 0 || tcgetattr(s->slave, &t) != 0) {
        fprintf(stderr, _("cleanplate-scale sim: cannot open %s: %s\n"), s->path, strerror(errno));
        return -1;
    }
    cfmakeraw(&t);
    tcsetattr(s->slave, TCSANOW, &t);
    if (s->link) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s.new", s->link);
        unlink(tmp);
        if (symlink(s->path, tmp) != 0 || rename(tmp, s->link) != 0) {
            fprintf(stderr, _("cleanplate-scale sim: cannot make the link %s: %s\n"), s->link,
                    strerror(errno));
            return -1;
        }
    }
    printf("%s\n", s->link ? s->link : s->path);
    fflush(stdout);
    fprintf(stderr, _("cleanplate-scale sim: %s (%s) on %s%s%s\n"), s->ops->title, s->ops->name,
            s->path, s->link ? " via " : "", s->link ? s->link : "");
    return 0;
}

static void close_pty(sim *s)
{
    if (s->master >= 0)
        close(s->master);
    if (s->slave >= 0)
        close(s->slave);
    s->master = s->slave = -1;
}

static void place(sim *s, int64_t grams, int64_t now)
{
    int64_t shown = s->target_g;
    if (now - s->moved_at_ms < s->settle_ms)
        shown = s->from_g; /* approximately: start the new swing from the old weight */
    s->from_g = shown;
    s->target_g = grams;
    s->moved_at_ms = now;
    s->overload = false;
}

/* What the scale shows at now: the swing towards the target, then rest. */
static proto_reading reading_at(sim *s, int64_t now)
{
    proto_reading r = {.has_weight = true, .status = PROTO_OK};
    int64_t since = now - s->moved_at_ms, g;

    if (s->overload) {
        r.has_weight = false;
        r.status = PROTO_OVERLOAD;
        return r;
    }
    if (since < s->settle_ms) {
        /* overshoot by up to 15 %, swinging back, plus noise while moving */
        int64_t left = s->settle_ms - since, d = s->target_g - s->from_g;
        int64_t swing = d * left / s->settle_ms;
        g = s->target_g - swing + (since % 200 < 100 ? 1 : -1) * (d * 15 / 100) * left /
                                      s->settle_ms +
            jitter(s, s->noise_g * 5 + 3);
        r.stable = false;
    } else {
        g = s->target_g + (s->noise_g > 0 && jitter(s, 4) == 4 ? jitter(s, s->noise_g) : 0);
        r.stable = true;
    }
    r.grams = g - s->zero_g - s->tare_g;
    r.net = s->tare_g != 0;
    return r;
}

static void send_reading(sim *s, int64_t now)
{
    proto_reading r = reading_at(s, now);
    uint8_t frame[SIMFRAME_MAX];
    size_t len = simframe_format(s->ops, &r, &s->fmt, frame, sizeof frame);

    if (len > 0 && s->master >= 0 && write(s->master, frame, len) < 0 && errno != EAGAIN)
        fprintf(stderr, _("cleanplate-scale sim: writing to the pty: %s\n"), strerror(errno));
}

/* Answers what the host sent: polls, CAS ENQ, tare, zero. */
static void serve_host(sim *s, int64_t now)
{
    uint8_t buf[256];
    ssize_t n = read(s->master, buf, sizeof buf);

    for (ssize_t i = 0; i < n; i++) {
        switch (simframe_command(&s->rx, s->ops, buf[i])) {
        case SIMFRAME_POLL: send_reading(s, now); break;
        case SIMFRAME_ACK:
            if (write(s->master, "\x06", 1) < 0 && errno != EAGAIN)
                fprintf(stderr, _("cleanplate-scale sim: writing to the pty: %s\n"),
                        strerror(errno));
            break;
        case SIMFRAME_TARE: s->tare_g = s->target_g - s->zero_g; break;
        case SIMFRAME_ZERO: s->zero_g = s->target_g; break;
        case SIMFRAME_CLEAR: s->tare_g = 0; break;
        case SIMFRAME_NONE: break;
        }
    }
}

/* Runs one script command; returns false on a line it cannot understand. */
static bool command(sim *s, const char *line, int64_t now)
{
    char word[32];
    long long v = 0;
    int n = sscanf(line, "%31s %lld", word, &v);

    if (n < 1 || word[0] == '#')
        return true;
    if (strcmp(word, "place") == 0 && n == 2)
        place(s, v, now);
    else if (strcmp(word, "remove") == 0)
        place(s, 0, now);
    else if (strcmp(word, "wait") == 0 && n == 2)
        s->wait_until_ms = now + v;
    else if (strcmp(word, "overload") == 0)
        s->overload = true;
    else if (strcmp(word, "unplug") == 0) {
        close_pty(s);
        fprintf(stderr, _("cleanplate-scale sim: unplugged for %lld ms\n"), n == 2 ? v : 1000);
        s->unplugged_until_ms = now + (n == 2 ? v : 1000);
    } else if (strcmp(word, "quit") == 0)
        s->quit = true;
    else {
        fprintf(stderr, _("cleanplate-scale sim: unknown command '%s' (place G, remove, wait MS, "
                          "overload, unplug MS, quit)\n"), line);
        return false;
    }
    return true;
}

/* Advances the script or the --weights loop. */
static void drive(sim *s, int64_t now)
{
    char line[SIM_LINE_MAX];

    if (!s->script && !s->script_stdin) {
        if (now < s->loop_next_ms || s->nweights == 0)
            return;
        if (!s->loop_placed) {
            place(s, s->weights[s->next_weight], now);
            s->next_weight = (s->next_weight + 1) % s->nweights;
            s->loop_next_ms = now + s->settle_ms + s->hold_ms;
        } else {
            place(s, 0, now);
            s->loop_next_ms = now + s->settle_ms + s->gap_ms;
        }
        s->loop_placed = !s->loop_placed;
        return;
    }
    while (!s->quit && now >= s->wait_until_ms && s->unplugged_until_ms == 0) {
        if (s->script_stdin) {
            char *nl = memchr(s->pending, '\n', s->pending_len);
            size_t len;
            if (!nl)
                return;
            len = (size_t)(nl - s->pending);
            memcpy(line, s->pending, len);
            line[len] = '\0';
            memmove(s->pending, nl + 1, s->pending_len - len - 1);
            s->pending_len -= len + 1;
        } else if (s->script_done || !fgets(line, sizeof line, s->script)) {
            s->script_done = true;
            return;
        }
        line[strcspn(line, "\r\n")] = '\0';
        command(s, line, now);
    }
}

/* Waits until the pty can take more (a full buffer means the station is
 * behind); false when the station has closed the port or stopped reading. */
static bool fast_wait_writable(sim *s)
{
    struct pollfd p = {.fd = s->master, .events = POLLOUT};

    for (;;) {
        int n = poll(&p, 1, 10000);
        if (n < 0 && errno == EINTR && !sim_stop)
            continue;
        if (n <= 0 || sim_stop) {
            fprintf(stderr, _("cleanplate-scale sim: the station stopped reading\n"));
            return false;
        }
        if (p.revents & (POLLHUP | POLLERR)) {
            if (!s->script_done && !s->quit)
                fprintf(stderr, _("cleanplate-scale sim: the station closed the port before "
                                  "the script's end\n"));
            return false;
        }
        return true;
    }
}

/* --fast: waits for the station to open the port, then plays the script with
 * the frame count as its clock. Returns 0 when the script has been played. */
static int run_fast(sim *s)
{
    struct pollfd p = {.fd = s->master, .events = POLLOUT};
    int64_t now = 0, step = 1000 / s->rate_hz;

    /* Let go of the slave: the master shows POLLHUP until the station opens it. */
    close(s->slave);
    s->slave = -1;
    while (!sim_stop && poll(&p, 1, 100) >= 0 && (p.revents & POLLHUP))
        ;
    usleep(200 * 1000); /* the station flushes its input once it has set the line up */
    /* after the script the scale shows its last state until the station leaves */
    for (;;) {
        uint8_t frame[SIMFRAME_MAX];
        proto_reading r;
        size_t len, off = 0;

        drive(s, now); /* quit, like the script's end: the station decides when to stop */
        if (s->master < 0) {
            fprintf(stderr, _("cleanplate-scale sim: unplug is not for --fast\n"));
            return 1;
        }
        r = reading_at(s, now);
        len = simframe_format(s->ops, &r, &s->fmt, frame, sizeof frame);
        while (off < len) {
            ssize_t n;
            if (!fast_wait_writable(s)) {
                if (!s->script_done && !s->quit)
                    return 1;
                fprintf(stderr, _("cleanplate-scale sim: played %lld ms of frames\n"),
                        (long long)now);
                return 0;
            }
            n = write(s->master, frame + off, len - off);
            if (n < 0 && errno != EAGAIN && errno != EINTR) {
                fprintf(stderr, _("cleanplate-scale sim: writing to the pty: %s\n"),
                        strerror(errno));
                return 1;
            }
            off += n > 0 ? (size_t)n : 0;
        }
        now += step;
    }
}

static const char sim_usage[] =
    N_("usage: cleanplate-scale sim --protocol P [options]\n"
       "  Simulates a scale on a new pseudo-terminal and prints its path: give that path\n"
       "  to `cleanplate-scale station --port` or `read --port`. Stops on Ctrl-C.\n"
       "  --protocol P     mtsics, toledo8217, toledo-cont, and, cas, cas-stream, ohaus\n"
       "  --weights LIST   grams placed in turn, e.g. 350,5,120 (default 355,302,640,318,480:\n"
       "                   gross, a 300 g tray with leftovers)\n"
       "  --hold MS        how long each placement stays (default 3000)\n"
       "  --gap MS         empty scale between placements (default 2000)\n"
       "  --settle MS      how long a placement swings before it rests (default 600)\n"
       "  --rate HZ        frames a second for streaming protocols (default 10)\n"
       "  --noise G        jitter of the resting weight (default 1)\n"
       "  --stream         a polled protocol streams too (A&D, Ohaus can)\n"
       "  --unit g|kg|lb, --decimals N, --checksum   how the frames show weights\n"
       "  --script FILE    drive the scale from a script instead of --weights; '-' reads\n"
       "                   commands from standard input as they come:\n"
       "                   place G | remove | wait MS | overload | unplug MS | quit\n"
       "  --link PATH      keep a symlink PATH to the pty (survives `unplug`)\n"
       "  --seed N         random jitter seed (default 1)\n"
       "  --fast           play the script as fast as the station reads, the frame\n"
       "                   count being its clock, then show the last weight until the\n"
       "                   station closes the port (for a station with --frame-clock\n"
       "                   1000/HZ; needs a streaming protocol)\n");

int sim_main(int argc, char **argv)
{
    cli_opt opts[] = {{"protocol", 1, NULL}, {"weights", 1, NULL}, {"hold", 1, NULL},
                      {"gap", 1, NULL}, {"settle", 1, NULL}, {"rate", 1, NULL},
                      {"noise", 1, NULL}, {"stream", 0, NULL}, {"unit", 1, NULL},
                      {"decimals", 1, NULL}, {"checksum", 0, NULL}, {"script", 1, NULL},
                      {"link", 1, NULL}, {"seed", 1, NULL}, {"fast", 0, NULL},
                      {"help", 0, NULL}, {NULL, 0, NULL}};
    sim s = {.master = -1, .slave = -1, .rate_hz = 10, .settle_ms = 600, .hold_ms = 3000,
             .gap_ms = 2000, .noise_g = 1, .rng = 1};
    const char *v;
    char *pos[2];
    int npos = 0, rc = 1;
    int64_t next_frame = 0;
    cp_err err;

    if ((err = cli_parse(argc, argv, opts, pos, 2, &npos)) || npos > 0) {
        fprintf(stderr, _("cleanplate-scale sim: %s; see cleanplate-scale sim --help\n"),
                err ? cp_detail() : _("unexpected argument"));
        return 2;
    }
    if (cli_get(opts, "help")) {
        fputs(_(sim_usage), stdout);
        return 0;
    }
    if (!(v = cli_get(opts, "protocol"))) {
        fprintf(stderr, _("cleanplate-scale sim: give --protocol P (see cleanplate-scale "
                          "protocols)\n"));
        return 2;
    }
    if ((err = proto_lookup(v, &s.ops))) {
        fprintf(stderr, "cleanplate-scale sim: %s\n", cp_detail());
        return 2;
    }
    s.stream = !s.ops->polled || cli_get(opts, "stream");
    {
        long rate = s.rate_hz, hold = s.hold_ms, gap = s.gap_ms, settle = s.settle_ms,
             noise = s.noise_g, decimals = 0;
        if ((err = cli_get_long(opts, "rate", 1, 100, &rate)) ||
            (err = cli_get_long(opts, "hold", 0, 3600000, &hold)) ||
            (err = cli_get_long(opts, "gap", 0, 3600000, &gap)) ||
            (err = cli_get_long(opts, "settle", 1, 60000, &settle)) ||
            (err = cli_get_long(opts, "noise", 0, 1000, &noise)) ||
            (err = cli_get_long(opts, "decimals", 0, 4, &decimals))) {
            fprintf(stderr, "cleanplate-scale sim: %s\n", cp_detail());
            return 2;
        }
        s.rate_hz = (int)rate;
        s.hold_ms = (int)hold;
        s.gap_ms = (int)gap;
        s.settle_ms = (int)settle;
        s.noise_g = (int)noise;
        if (cli_get(opts, "decimals"))
            s.fmt.decimals = (int)decimals;
    }
    {
        long seed = 1;
        if ((err = cli_get_long(opts, "seed", 0, LONG_MAX, &seed))) {
            fprintf(stderr, "cleanplate-scale sim: %s\n", cp_detail());
            return 2;
        }
        s.rng = (uint64_t)seed | 1;
    }
    if ((v = cli_get(opts, "unit")) && (err = proto_unit_parse(v, &s.fmt.unit))) {
        fprintf(stderr, "cleanplate-scale sim: %s\n", cp_detail());
        return 2;
    }
    s.fmt.checksum = cli_get(opts, "checksum") != NULL;
    v = cli_get(opts, "weights");
    {
        char list[512], *save = NULL;
        snprintf(list, sizeof list, "%s", v ? v : "355,302,640,318,480");
        for (char *tok = strtok_r(list, ",", &save); tok && s.nweights < SIM_MAX_WEIGHTS;
             tok = strtok_r(NULL, ",", &save)) {
            char *end;
            long long g = strtoll(tok, &end, 10);
            if (*end || end == tok) {
                fprintf(stderr, _("cleanplate-scale sim: --weights '%s' is not a list of grams "
                                  "like 350,5,120\n"), v);
                return 2;
            }
            s.weights[s.nweights++] = g;
        }
    }
    if (cli_get(opts, "fast") && (!s.stream || !cli_get(opts, "script") ||
                                  cli_get(opts, "link"))) {
        fprintf(stderr, _("cleanplate-scale sim: --fast plays a --script FILE (or -) on a "
                          "streaming protocol (toledo-cont, cas-stream, or --stream), without "
                          "--link\n"));
        return 2;
    }
    if ((v = cli_get(opts, "script"))) {
        if (strcmp(v, "-") == 0 && cli_get(opts, "fast")) {
            s.script = stdin; /* read as a file: the frame count is the clock */
        } else if (strcmp(v, "-") == 0) {
            s.script_stdin = true;
            fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
        } else if (!(s.script = fopen(v, "r"))) {
            fprintf(stderr, _("cleanplate-scale sim: cannot read the script %s: %s\n"), v,
                    strerror(errno));
            return 2;
        }
    }
    s.link = cli_get(opts, "link");
    signal(SIGINT, sim_on_signal);
    signal(SIGTERM, sim_on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (open_pty(&s) != 0)
        goto out;
    s.loop_next_ms = station_link_now_ms() + s.gap_ms;
    if (cli_get(opts, "fast")) {
        rc = run_fast(&s);
        goto out;
    }

    while (!sim_stop && !s.quit) {
        int64_t now = station_link_now_ms();
        struct pollfd fds[2];
        int nfds = 0, wait;

        if (s.unplugged_until_ms > 0 && now >= s.unplugged_until_ms) {
            s.unplugged_until_ms = 0;
            if (open_pty(&s) != 0)
                goto out;
        }
        drive(&s, now);
        if (s.stream && s.master >= 0 && now >= next_frame) {
            send_reading(&s, now);
            next_frame = now + 1000 / s.rate_hz;
        }
        wait = s.stream ? (int)(next_frame - now) : 50;
        if (wait > 50 || wait < 0)
            wait = wait < 0 ? 0 : 50;
        if (s.master >= 0)
            fds[nfds++] = (struct pollfd){.fd = s.master, .events = POLLIN};
        if (s.script_stdin)
            fds[nfds++] = (struct pollfd){.fd = 0, .events = POLLIN};
        if (poll(fds, (nfds_t)nfds, wait) <= 0)
            continue;
        now = station_link_now_ms();
        for (int i = 0; i < nfds; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            if (fds[i].fd == s.master) {
                serve_host(&s, now);
            } else {
                ssize_t n = read(0, s.pending + s.pending_len,
                                 sizeof s.pending - 1 - s.pending_len);
                if (n > 0)
                    s.pending_len += (size_t)n;
                else if (n == 0) {
                    /* end of commands: keep showing the last state */
                    if (s.pending_len > 0 && s.pending_len < sizeof s.pending)
                        s.pending[s.pending_len++] = '\n';
                    drive(&s, now);
                    s.script_stdin = false;
                    s.script_done = true;
                    s.script = NULL;
                    s.nweights = 0;
                }
                if (s.pending_len == sizeof s.pending - 1)
                    s.pending_len = 0; /* a line too long for a command */
            }
        }
    }
    rc = 0;
out:
    close_pty(&s);
    if (s.link)
        unlink(s.link);
    if (s.script && s.script != stdin)
        fclose(s.script);
    return rc;
}
