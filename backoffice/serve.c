/* serve: `cleanplate-office serve`, the canteen server's HTTP plumbing: libmicrohttpd, authentication of terminals, store connections per thread, the log and a clean stop.
 *
 * What a request goes through, in this order (doc/protocol.md):
 *   1. its body is gathered, at most SERVE_MAX_BODY bytes (413 too_large);
 *   2. the terminal it names must exist and have a key (401
 *      unknown_terminal), its signature must be that key's HMAC over the
 *      request (401 bad_signature: counted, audited, an alarm) and its time
 *      within TERMAUTH_MAX_SKEW_S of the real clock (401 clock_skew);
 *   3. the route of its method and path answers (serve_handlers.c).
 * A refusal writes nothing but its counter (terminal_refusals), and the
 * audited note and alarm of a bad signature. Every answer gets server_time.
 *
 * libmicrohttpd's one thread reads every connection; a whole request is
 * suspended there and queued for a worker (serve_queue.c says why), which
 * answers it and resumes it; the answer is sent from the reading thread.
 * The store's connection is not thread-safe (core/db.h), so each worker
 * opens its own on its first request and keeps it; they are closed after
 * the daemon and the workers stopped. */
#include "backoffice/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backoffice/serve_int.h"
#include "backoffice/serve_queue.h"
#include "core/nls.h"
#include "core/roles.h"
#include "core/termauth.h"
#include "core/utf8.h"

#define SERVE_MAX_THREADS 64
#define SERVE_CONNECTION_LIMIT 256
#define SERVE_CONNECTION_TIMEOUT_S 30
/* A terminal holds one connection; a machine holding more than this many
 * is no terminal but something keeping the server's connections busy (a
 * header line every few seconds never times out), which would leave the
 * terminals none. Room for the benches' 32 terminals on one address. */
#define SERVE_PER_IP_LIMIT 64
/* How long a stop waits for the requests in flight. */
#define SERVE_DRAIN_S 30

/* Where a request is: its body coming, waiting for or with a worker
 * (its connection suspended), or answered (the answer to send). */
enum conn_state { CONN_READING, CONN_QUEUED, CONN_ANSWERED };

/* One request from its first byte to its answer. The reading thread fills
 * it up to the queue; from then on only the worker touches it, until it
 * resumes the connection. */
typedef struct conn {
    char *uri;         /* as sent, with its query string: what was signed */
    char *body;        /* NUL-terminated */
    size_t len, cap;
    int seen;          /* the headers were looked at */
    int too_large;     /* more than SERVE_MAX_BODY came: the rest is dropped */
    struct timespec began; /* when its request line came: the log's duration */
    enum conn_state state;
    struct MHD_Connection *mc;
    /* copied for the worker: the method, the path without the query, and
     * the headers of the terminal, the time and the signature (NULL when
     * absent) */
    char *method, *path, *terminal, *time, *signature;
    serve_answer answer;
    int64_t now;       /* the real time the worker took it up */
    /* the terminal's key once its request's signature was checked: the
     * answer is signed with it (termauth_sign_answer); "" before, so that a
     * refusal of the signature goes unsigned (the terminal with a wrong key
     * could not check it, and shows it as the server's refusal) */
    char answer_key[TERMAUTH_HEX_LEN];
    char peer[64];     /* the client's address, for the alarm of a bad signature */
} conn;

/* The server: its store target and the connections its threads opened. */
static struct {
    const char *target;
    int offline_max_age_days;
    pthread_mutex_t lock;
    db *dbs[SERVE_MAX_THREADS + 1];
    int ndbs;
    atomic_int in_flight;
} srv = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* This thread's store connection (NULL until its first request). */
static _Thread_local db *thread_store;

/* This thread's store, opened on first use and remembered for the close. */
static cp_err store_of_thread(db **out)
{
    cp_err err = CP_OK;

    if (!thread_store) {
        pthread_mutex_lock(&srv.lock);
        if (srv.ndbs >= (int)(sizeof srv.dbs / sizeof srv.dbs[0]))
            err = cp_fail(CP_ERR_BUSY, "too many server threads");
        else if (!(err = db_open(srv.target, DB_OPEN_EXISTING | DB_OPEN_SHORT, &thread_store)))
            srv.dbs[srv.ndbs++] = thread_store;
        pthread_mutex_unlock(&srv.lock);
    }
    *out = thread_store;
    return err;
}

void serve_error(serve_answer *a, unsigned status, const char *code, const char *fmt, ...)
{
    char message[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    json_decref(a->body);
    a->status = status;
    a->body = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", code, "message", message);
}

int serve_query_value(const char *query, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);

    for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t n = strcspn(p + klen + 1, "&");
            snprintf(out, size, "%.*s", (int)n, p + klen + 1);
            return 1;
        }
    }
    return 0;
}

/* ---- the answer and the log ----------------------------------------------- */

/* One line on stderr for the request cn: who, what (the URI as sent: a
 * snapshot's ?since says whether it was a delta), the status, how long it
 * took from its request line to its answer (ms, the wait for a worker
 * included), and for a refusal its error and message. */
static void log_request(const conn *cn, const char *log_class, const serve_answer *a)
{
    const char *terminal = cn->terminal, *method = cn->method, *path = cn->uri;
    const char *error = json_string_value(json_object_get(a->body, "error"));
    const char *message = json_string_value(json_object_get(a->body, "message"));
    struct timespec now;
    double ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (double)(now.tv_sec - cn->began.tv_sec) * 1e3 +
         (double)(now.tv_nsec - cn->began.tv_nsec) / 1e6;
    if (error)
        fprintf(stderr, "serve: %s %s %s (%s) %u %.1f ms %s: %s\n", terminal ? terminal : "-",
                method, path, log_class, a->status, ms, error, message ? message : "");
    else
        fprintf(stderr, "serve: %s %s %s (%s) %u %.1f ms\n", terminal ? terminal : "-", method,
                path, log_class, a->status, ms);
}

/* Sends a's body with server_time added, signed for cn's terminal when its
 * request was authenticated; takes a->body. */
static enum MHD_Result send_answer(struct MHD_Connection *mc, const conn *cn, serve_answer *a,
                                   int64_t now)
{
    char sig[TERMAUTH_HEX_LEN];
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char *text;

    if (!a->body) { /* out of memory making it: still an answer */
        a->status = 503;
        a->body = json_pack("{s:b, s:s}", "ok", 0, "error", "busy");
    }
    json_object_set_new(a->body, "server_time", json_integer((json_int_t)now));
    text = json_dumps(a->body, JSON_COMPACT);
    json_decref(a->body);
    a->body = NULL;
    if (!text)
        return MHD_NO;
    resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    if (cn->answer_key[0] &&
        termauth_sign_answer(cn->answer_key, cn->signature, (long)a->status, text, strlen(text),
                             sig) == CP_OK)
        MHD_add_response_header(resp, "X-CleanPlate-Answer-Signature", sig);
    ret = MHD_queue_response(mc, a->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- authentication ------------------------------------------------------- */

/* Whether s is a whole decimal integer (a sign allowed), into *v. */
static int parse_int64(const char *s, int64_t *v)
{
    char *end;
    long long n;

    if (!s || !*s)
        return 0;
    errno = 0;
    n = strtoll(s, &end, 10);
    if (errno || *end)
        return 0;
    *v = n;
    return 1;
}

/* Counts a refusal of the terminal code (when it exists) for the answer's
 * error; a bad signature is also audited and raises an alarm. A failure to
 * count is logged, never answered: the refusal stands. */
static void count_refusal(db *d, const char *code, const terminals_info *info,
                          const serve_answer *a, const char *peer)
{
    const char *error = json_string_value(json_object_get(a->body, "error"));
    const char *message = json_string_value(json_object_get(a->body, "message"));
    char detail[1024];
    int alarm;

    if (!d || !code || !info || !error || a->status == 503)
        return;
    alarm = strcmp(error, "bad_signature") == 0;
    /* who sent it: the alarm is for finding the machine */
    utf8_format(detail, sizeof detail, "%s (from %s)", message ? message : "", peer);
    if (terminals_refused(d, code, error, alarm, detail))
        fprintf(stderr, _("serve: %s: counting the refusal %s: %s\n"), code, error, cp_detail());
}

/* Checks the request's three headers against the terminal's key and the
 * clock. Returns 1 when it may go on; else a is the refusal. */
static int authenticate(const conn *cn, const char *code, const terminals_info *info,
                        int64_t now, serve_answer *a)
{
    int64_t t;

    if (!info->key[0]) {
        serve_error(a, 401, "unknown_terminal", "terminal %s has no key: make one with "
                    "`cleanplate-office terminal key %s`", code, code);
        return 0;
    }
    if (!parse_int64(cn->time, &t) || !termauth_verify(info->key, code, t, cn->method, cn->uri,
                                                       cn->body, cn->len, cn->signature)) {
        serve_error(a, 401, "bad_signature", "the signature of terminal %s does not match its "
                    "key: give the terminal its newest key (`cleanplate-office terminal key %s` "
                    "makes one)", code, code);
        return 0;
    }
    if (t > now + TERMAUTH_MAX_SKEW_S || t < now - TERMAUTH_MAX_SKEW_S) {
        serve_error(a, 401, "clock_skew", "the request's time %lld is %lld s from the server's "
                    "%lld (at most %d): take the offset from server_time and send again",
                    (long long)t, (long long)(t - now), (long long)now, TERMAUTH_MAX_SKEW_S);
        return 0;
    }
    return 1;
}

/* ---- dispatch ------------------------------------------------------------- */

/* The route of method and path: 1 with *route when both match; 0 with
 * *route NULL when the path is unknown, or with the path's route when only
 * the method is wrong. */
static int find_route(const char *method, const char *path, const serve_route **route)
{
    static const serve_route *const tables[] = {serve_routes, serve_till_routes};

    *route = NULL;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const serve_route *r = tables[t]; r->method; r++) {
            if (strcmp(r->path, path) != 0)
                continue;
            /* a path known under another method: 405, unless another table has it */
            if (!*route || strcmp(r->method, method) == 0)
                *route = r;
            if (strcmp(r->method, method) == 0)
                return 1;
        }
    return 0;
}

/* Answers a whole request (body gathered) into cn->answer, on a worker, at
 * cn->now. */
static void process(conn *cn, const char **log_class)
{
    const char *code = cn->terminal, *method = cn->method, *path = cn->path;
    serve_answer *a = &cn->answer;
    int64_t now = cn->now;
    const char *q = strchr(cn->uri, '?');
    const serve_route *route;
    terminals_info info;
    int found_info = 0;
    db *d = NULL;
    cp_err err;

    *log_class = "refused";
    if (!code || !*code) {
        serve_error(a, 401, "unknown_terminal", "no X-CleanPlate-Terminal header: sign every "
                    "request (doc/protocol.md)");
        return;
    }
    if ((err = store_of_thread(&d))) {
        serve_error(a, 503, "busy", "the store did not open: %s", cp_detail());
        return;
    }
    if ((err = terminals_info_of(d, code, &info))) {
        if (err == CP_ERR_NOT_FOUND)
            serve_error(a, 401, "unknown_terminal", "no terminal %s: add it with "
                        "`cleanplate-office terminal add`", code);
        else
            serve_error(a, 503, "busy", "reading terminal %s: %s", code, cp_detail());
        return;
    }
    found_info = 1;
    if (cn->too_large) {
        serve_error(a, 413, "too_large", "the body is over %d bytes: send fewer events at a "
                    "time", SERVE_MAX_BODY);
        goto out;
    }
    if (!authenticate(cn, code, &info, now, a))
        goto out;
    memcpy(cn->answer_key, info.key, sizeof cn->answer_key);
    if (!find_route(method, path, &route)) {
        if (route)
            serve_error(a, 405, "bad_method", "%s takes %s, not %s", path, route->method, method);
        else
            serve_error(a, 404, "not_found", "no %s here (doc/protocol.md lists the paths)", path);
        goto out;
    }
    *log_class = route->log_class;
    {
        serve_req r = {.d = d, .terminal = code, .info = &info, .body = cn->body,
                       .len = cn->len, .query = q ? q + 1 : "", .now = now,
                       .pending = -1, .snapshot_version = -1,
                       .offline_max_age_days = srv.offline_max_age_days};
        route->handle(&r, a);
    }
out:
    if (a->status >= 400)
        count_refusal(d, code, found_info ? &info : NULL, a, cn->peer);
}

/* The numeric address of the client of mc ("?" when it cannot be had). */
static void peer_of(struct MHD_Connection *mc, char *buf, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    socklen_t len = sa && sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                    : sizeof(struct sockaddr_in);

    if (!sa || getnameinfo(sa, len, buf, (socklen_t)size, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(buf, size, "?");
}

/* Called when a request line came in, before its headers: the request's
 * own state, with the URI exactly as sent (the signature covers it). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
    conn *cn = calloc(1, sizeof *cn);

    (void)cls;
    if (cn) {
        clock_gettime(CLOCK_MONOTONIC, &cn->began);
        peer_of(mc, cn->peer, sizeof cn->peer);
    }
    if (cn && !(cn->uri = strdup(uri))) {
        free(cn);
        cn = NULL;
    }
    if (cn)
        atomic_fetch_add(&srv.in_flight, 1);
    return cn;
}

/* Adds a piece of the body; past SERVE_MAX_BODY the rest is dropped. */
static void gather(conn *cn, const char *data, size_t n)
{
    if (cn->too_large || cn->len + n > SERVE_MAX_BODY) {
        cn->too_large = 1;
        return;
    }
    if (cn->len + n + 1 > cn->cap) {
        size_t cap = cn->cap ? cn->cap : 4096;
        char *p;
        while (cap < cn->len + n + 1)
            cap *= 2;
        if (!(p = realloc(cn->body, cap))) {
            cn->too_large = 1; /* answered as too large: it did not fit */
            return;
        }
        cn->body = p;
        cn->cap = cap;
    }
    memcpy(cn->body + cn->len, data, n);
    cn->len += n;
    cn->body[cn->len] = '\0';
}

/* Whether the announced body is too large already (answered at once). */
static int announced_too_large(struct MHD_Connection *mc)
{
    const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
    int64_t n;

    return parse_int64(cl, &n) && n > SERVE_MAX_BODY;
}

/* A worker's job: answers the request cn, logs it and hands it back to the
 * reading thread (MHD_resume_connection calls on_request again). */
static void answer_request(void *job)
{
    conn *cn = job;
    const char *log_class = "refused";

    cn->now = (int64_t)time(NULL);
    cn->answer = (serve_answer){200, NULL};
    process(cn, &log_class);
    log_request(cn, log_class, &cn->answer);
    cn->state = CONN_ANSWERED;
    MHD_resume_connection(cn->mc);
}

/* A copy of header name of mc into *out (NULL when absent); 0, or -1 when
 * out of memory. */
static int copy_header(struct MHD_Connection *mc, const char *name, char **out)
{
    const char *v = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, name);

    *out = v ? strdup(v) : NULL;
    return v && !*out ? -1 : 0;
}

/* Copies what the worker needs of the connection into cn; 0, or -1 when
 * out of memory. */
static int take_request(struct MHD_Connection *mc, const char *method, const char *url, conn *cn)
{
    if (!cn->body && !(cn->body = strdup(""))) /* a GET: the empty body */
        return -1;
    if (!(cn->method = strdup(method)) || !(cn->path = strdup(url)))
        return -1;
    if (copy_header(mc, "X-CleanPlate-Terminal", &cn->terminal) ||
        copy_header(mc, "X-CleanPlate-Time", &cn->time) ||
        copy_header(mc, "X-CleanPlate-Signature", &cn->signature))
        return -1;
    cn->mc = mc;
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    conn *cn = *con_cls;

    (void)cls;
    (void)version;
    if (!cn)
        return MHD_NO; /* out of memory in on_uri: drop the connection */
    if (cn->state == CONN_ANSWERED) /* back from the worker */
        return send_answer(mc, cn, &cn->answer, cn->now);
    if (cn->state == CONN_QUEUED)
        return MHD_YES; /* not expected while suspended; the worker has it */
    if (!cn->seen) {
        cn->seen = 1;
        if (!announced_too_large(mc))
            return MHD_YES;
        cn->too_large = 1; /* answered now, the body is never read */
    } else if (*upload_data_size) {
        gather(cn, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (take_request(mc, method, url, cn))
        return MHD_NO;
    /* suspended before it is queued: a worker quicker than this thread
     * must not resume a connection that is not suspended yet */
    cn->state = CONN_QUEUED;
    MHD_suspend_connection(mc);
    if (serve_queue_push(cn)) {
        /* more requests than connections: cannot be, but answered if it is */
        cn->now = (int64_t)time(NULL);
        cn->answer = (serve_answer){200, NULL};
        serve_error(&cn->answer, 503, "busy", "the server is full: send it again");
        cn->state = CONN_ANSWERED;
        MHD_resume_connection(mc);
    }
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn *cn = *con_cls;

    (void)cls;
    (void)mc;
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && cn && cn->uri)
        fprintf(stderr, _("serve: %s: the connection ended before the answer was sent (%d)\n"),
                cn->uri, (int)toe);
    if (cn) {
        free(cn->uri);
        free(cn->body);
        free(cn->method);
        free(cn->path);
        free(cn->terminal);
        free(cn->time);
        free(cn->signature);
        json_decref(cn->answer.body);
        sodium_memzero(cn->answer_key, sizeof cn->answer_key);
        free(cn);
        atomic_fetch_sub(&srv.in_flight, 1);
    }
    *con_cls = NULL;
}

/* ---- the command ---------------------------------------------------------- */

/* Parses ADDR:PORT (an IPv4 address, or [IPv6]:PORT) into sa. */
static int parse_listen(const char *s, struct sockaddr_storage *sa, socklen_t *len)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    int64_t port;

    if (!colon || (size_t)(colon - s) >= sizeof host || !parse_int64(colon + 1, &port) ||
        port < 0 || port > 65535)
        return -1;
    memset(sa, 0, sizeof *sa);
    if (s[0] == '[' && colon > s + 1 && colon[-1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;
        snprintf(host, sizeof host, "%.*s", (int)(colon - s - 2), s + 1);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof *a6;
        return inet_pton(AF_INET6, host, &a6->sin6_addr) == 1 ? 0 : -1;
    }
    {
        struct sockaddr_in *a4 = (struct sockaddr_in *)sa;
        snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof *a4;
        return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -1;
    }
}

/* Reads a whole PEM file into a NUL-terminated string the caller frees. */
static char *read_pem(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < 1024 * 1024 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
        }
    }
    fclose(f);
    return buf;
}

/* Waits for SIGTERM or SIGINT (blocked in every thread, so only here). */
static int wait_for_stop(const sigset_t *set)
{
    int sig = 0;

    while (sigwait(set, &sig) != 0)
        ;
    return sig;
}

/* Stops taking connections, lets the requests in flight finish (at most
 * SERVE_DRAIN_S), stops the workers (each finishes what it has, so that no
 * connection stays suspended), the daemon, and closes the store
 * connections. */
static void stop(struct MHD_Daemon *daemon)
{
    MHD_socket fd = MHD_quiesce_daemon(daemon);

    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    for (int i = 0; i < SERVE_DRAIN_S * 100 && atomic_load(&srv.in_flight) > 0; i++)
        usleep(10000);
    serve_queue_stop();
    MHD_stop_daemon(daemon);
    for (int i = 0; i < srv.ndbs; i++)
        db_close(srv.dbs[i]);
    srv.ndbs = 0;
}

/* The options of the daemon and what they point at. */
struct daemon_opts {
    struct sockaddr_storage sa;
    socklen_t salen;
    char *cert, *key;
    unsigned threads;
    int offline_max_age_days;
};

static struct MHD_Daemon *start(const struct daemon_opts *o, uint16_t port)
{
    /* one thread reads; the workers answer (serve_queue.c) */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_AUTO |
                     MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, o->cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, o->key},
        {MHD_OPTION_END, 0, NULL},
    };

    if (o->sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (o->cert)
        flags |= MHD_USE_TLS;
    return MHD_start_daemon(
        flags, port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &o->sa,
        MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)SERVE_CONNECTION_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)SERVE_PER_IP_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)SERVE_CONNECTION_TIMEOUT_S, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_ARRAY,
        o->cert ? tls : tls + 2, MHD_OPTION_END);
}

/* Reads the options into o; 0 or the exit code. */
static int read_options(const office_ctx *c, struct daemon_opts *o)
{
    const char *listen = office_opt(c, "listen"), *cert = office_opt(c, "tls-cert");
    const char *key = office_opt(c, "tls-key"), *threads = office_opt(c, "threads");
    int64_t n = 4;
    int rc;

    o->offline_max_age_days = SERVE_OFFLINE_MAX_AGE_DAYS;
    if ((rc = office_int_opt(c, "offline-max-age-days", 1, SERVE_OFFLINE_MAX_AGE_DAYS_MAX,
                             &o->offline_max_age_days)))
        return rc;
    if ((rc = office_need(c, "listen")))
        return rc;
    if (parse_listen(listen, &o->sa, &o->salen)) {
        fprintf(stderr, _("cleanplate-office serve: --listen '%s': give ADDR:PORT, e.g. "
                          "0.0.0.0:8080 or [::1]:8080\n"), listen);
        return 2;
    }
    if ((threads && (!parse_int64(threads, &n) || n < 1 || n > SERVE_MAX_THREADS))) {
        fprintf(stderr, _("cleanplate-office serve: --threads '%s': give 1 to %d\n"), threads,
                SERVE_MAX_THREADS);
        return 2;
    }
    o->threads = (unsigned)n;
    if (!cert != !key) {
        fprintf(stderr, _("cleanplate-office serve: TLS needs both --tls-cert and --tls-key\n"));
        return 2;
    }
    if (cert && (!(o->cert = read_pem(cert)) || !(o->key = read_pem(key)))) {
        fprintf(stderr, _("cleanplate-office serve: cannot read %s: %s\n"),
                o->cert ? key : cert, strerror(errno));
        return 1;
    }
    if (cert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        fprintf(stderr, _("cleanplate-office serve: this libmicrohttpd has no TLS\n"));
        return 1;
    }
    return 0;
}

int cmd_serve(office_ctx *c)
{
    struct daemon_opts o = {0};
    struct MHD_Daemon *daemon = NULL;
    const char *listen = office_opt(c, "listen");
    sigset_t set;
    int rc, sig;

    if ((rc = read_options(c, &o)))
        goto out;
    srv.target = office_opt(c, "db");
    srv.offline_max_age_days = o.offline_max_age_days;
    /* the store is opened and a terminal looked up once here, so that a
     * wrong --db, or a login that may not read the terminals' keys (the
     * terminals' role on PostgreSQL), is said at once, not as a 503 to
     * every terminal */
    {
        db *probe = NULL;
        terminals_info info;
        cp_err err = db_open(srv.target, DB_OPEN_EXISTING, &probe);

        if (!err && (err = terminals_info_of(probe, "", &info)) == CP_ERR_NOT_FOUND)
            err = CP_OK;
        else if (err && probe)
            err = cp_fail(err, "this login cannot read the networked terminals' keys (%s): "
                          "on PostgreSQL serve runs as the servers' role (%s, made by "
                          "`cleanplate-office init --create-roles`), not the terminals'",
                          cp_detail(), ROLES_SERVER);
        db_close(probe);
        if (err) {
            rc = office_fail(err);
            goto out;
        }
    }
    /* the signals are blocked before the threads start, so that all of
     * them inherit the mask and only sigwait below takes them */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* a request waits for a worker, never for a place in the line: there
     * is one for every connection the daemon takes */
    if (serve_queue_start(o.threads, SERVE_CONNECTION_LIMIT, answer_request)) {
        fprintf(stderr, _("cleanplate-office serve: cannot start %u threads: %s\n"), o.threads,
                strerror(errno));
        rc = 1;
        goto out;
    }
    if (!(daemon = start(&o, 0))) {
        fprintf(stderr, _("cleanplate-office serve: cannot listen on %s (in use, or not an "
                          "address of this machine?)\n"), listen);
        serve_queue_stop();
        rc = 1;
        goto out;
    }
    fprintf(stderr, _("serve: listening on %s%s, %u threads, offline charges up to %d days "
                      "old; stop with SIGTERM or Ctrl-C\n"),
            listen, o.cert ? " (TLS)" : "", o.threads, o.offline_max_age_days);
    sig = wait_for_stop(&set);
    fprintf(stderr, _("serve: signal %d: finishing the requests in flight\n"), sig);
    stop(daemon);
    fprintf(stderr, _("serve: stopped\n"));
out:
    free(o.cert);
    free(o.key);
    return rc;
}
