/* remote: a terminal's side of the link to the canteen server (doc/protocol.md). */
#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/remote.h"
#include "core/termauth.h"

#define MAX_ANSWER_BYTES (8 * 1024 * 1024) /* a snapshot of a large canteen, with room */

struct remote {
    CURL *curl;
    char *base;      /* the URL without a trailing slash */
    char *ca;        /* the CA file an https server's certificate comes from; NULL: the system's */
    const char *prefix; /* the path part of base (in base), signed before /v1/... */
    char terminal[64];
    char key_hex[TERMAUTH_HEX_LEN]; /* signed with core/termauth, as the server checks */
    long budget_ms;
    int64_t offset_s;
    int timed_out; /* the last request ran out of its time (remote_timed_out) */
};

/* What came back, grown as curl hands it over. */
typedef struct answer_buf {
    char *data;
    size_t len, cap;
} answer_buf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
    answer_buf *b = arg;
    size_t n = size * nmemb;

    if (b->len + n + 1 > MAX_ANSWER_BYTES)
        return 0; /* curl then fails the transfer: not an answer of the server's */
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *grown;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (!(grown = realloc(b->data, cap)))
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* The path part of url ("" when it has none), where the server's paths go. */
static const char *url_path(const char *url)
{
    const char *host = strstr(url, "://");
    const char *slash = host ? strchr(host + 3, '/') : NULL;
    return slash ? slash : "";
}

cp_err remote_new(const char *url, const char *terminal, const char *key_hex, long budget_ms,
                  const char *ca, remote **out)
{
    remote *r = NULL;
    size_t len;

    *out = NULL;
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return cp_fail(CP_ERR_INVALID, "the server is a URL like http://10.0.0.5:8080, not '%s'",
                       url ? url : "");
    if (!key_hex || !termauth_key_valid(key_hex))
        return cp_fail(CP_ERR_INVALID, "the terminal's key is the 64 hex digits that "
                       "`cleanplate-office terminal key %s` printed", terminal);
    /* said at the start, not as "no answer" at each request */
    if (ca && *ca && access(ca, R_OK) != 0)
        return cp_fail(CP_ERR_INVALID, "the CA certificate %s cannot be read: %s; give the "
                       "file of the canteen's CA (ca = FILE, or --ca FILE)", ca, strerror(errno));
    if (!(r = calloc(1, sizeof *r)) || !(r->base = strdup(url)) ||
        (ca && *ca && !(r->ca = strdup(ca))))
        goto nomem;
    snprintf(r->key_hex, sizeof r->key_hex, "%s", key_hex);
    len = strlen(r->base);
    while (len > 0 && r->base[len - 1] == '/')
        r->base[--len] = '\0';
    r->prefix = url_path(r->base);
    snprintf(r->terminal, sizeof r->terminal, "%s", terminal);
    r->budget_ms = budget_ms > 0 ? budget_ms : REMOTE_DEFAULT_BUDGET_MS;
    /* once per process, before the first handle (not thread-safe; the
     * terminal starts one link) */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(r->curl = curl_easy_init()))
        goto nomem;
    *out = r;
    return CP_OK;
nomem:
    remote_free(r);
    return cp_fail(CP_ERR_NOMEM, "out of memory starting the link to the server");
}

void remote_free(remote *r)
{
    if (!r)
        return;
    if (r->curl)
        curl_easy_cleanup(r->curl);
    sodium_memzero(r->key_hex, sizeof r->key_hex);
    free(r->base);
    free(r->ca);
    free(r);
}

int64_t remote_clock_offset(const remote *r)
{
    return r->offset_s;
}

void remote_set_clock_offset(remote *r, int64_t offset_s)
{
    r->offset_s = offset_s;
}

int remote_timed_out(const remote *r)
{
    return r->timed_out;
}

long remote_budget_ms(const remote *r)
{
    return r->budget_ms;
}

/* The signed headers of one request, its signature in sig; NULL when out
 * of memory. */
static struct curl_slist *signed_headers(const remote *r, const char *method, const char *path,
                                         const char *body, char sig[TERMAUTH_HEX_LEN])
{
    static const char *const fixed[] = {
        "Content-Type: application/json",
        "Expect:", /* no 100-continue round trip within the budget */
    };
    char lines[3][160];
    struct curl_slist *h = NULL, *next;
    int64_t now = (int64_t)time(NULL) + r->offset_s;

    if (termauth_sign(r->key_hex, r->terminal, now, method, path, body, body ? strlen(body) : 0,
                      sig))
        return NULL;
    snprintf(lines[0], sizeof lines[0], "X-CleanPlate-Terminal: %s", r->terminal);
    snprintf(lines[1], sizeof lines[1], "X-CleanPlate-Time: %lld", (long long)now);
    snprintf(lines[2], sizeof lines[2], "X-CleanPlate-Signature: %s", sig);
    for (size_t i = 0; i < 5; i++) {
        if (!(next = curl_slist_append(h, i < 2 ? fixed[i] : lines[i - 2]))) {
            curl_slist_free_all(h);
            return NULL;
        }
        h = next;
    }
    return h;
}

/* Learns the clock offset from an answer's server_time. */
static void learn_clock(remote *r, const json_t *answer)
{
    json_t *t = json_object_get(answer, "server_time");

    if (json_is_integer(t))
        r->offset_s = (int64_t)json_integer_value(t) - (int64_t)time(NULL);
}

/* One try of a request: CP_OK with an answer, or CP_ERR_DISCONNECTED. */
static cp_err request_once(remote *r, const char *method, const char *path, const char *body,
                           long timeout_ms, long *status, json_t **answer)
{
    char url[2048], full_path[1024], sig[TERMAUTH_HEX_LEN];
    struct curl_header *signed_by = NULL;
    struct curl_slist *headers = NULL;
    answer_buf buf = {0};
    json_error_t jerr;
    CURLcode rc;
    cp_err err = CP_OK;

    *answer = NULL;
    *status = 0;
    r->timed_out = 0;
    snprintf(full_path, sizeof full_path, "%s%s", r->prefix, path);
    snprintf(url, sizeof url, "%s%s", r->base, path);
    if (!(headers = signed_headers(r, method, full_path, body, sig))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory talking to the server");
        goto out;
    }
    curl_easy_reset(r->curl); /* keeps the open connection, forgets the last request */
    curl_easy_setopt(r->curl, CURLOPT_URL, url);
    curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM */
    curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, &buf);
    if (r->ca) /* the canteen's own CA: the PINs a void or a login sends go to this server only */
        curl_easy_setopt(r->curl, CURLOPT_CAINFO, r->ca);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(r->curl, CURLOPT_POST, 1L);
        curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
    }
    if ((rc = curl_easy_perform(r->curl)) != CURLE_OK) {
        r->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
        err = cp_fail(CP_ERR_DISCONNECTED, "no answer from the server %s: %s", r->base,
                      curl_easy_strerror(rc));
        goto out;
    }
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, status);
    /* Only the server holds this terminal's key: an answer it did not sign
     * is no answer (one from whoever took the server's address would
     * otherwise say which events were delivered). A refusal of the
     * request's signature or time (401) comes unsigned: the server could
     * not yet trust the key, and it changes nothing here but is shown. */
    if (*status != 401 &&
        (curl_easy_header(r->curl, "X-CleanPlate-Answer-Signature", 0, CURLH_HEADER, -1,
                          &signed_by) != CURLHE_OK ||
         !termauth_verify_answer(r->key_hex, sig, *status, buf.data ? buf.data : "", buf.len,
                                 signed_by->value))) {
        err = cp_fail(CP_ERR_DISCONNECTED, "an answer from %s (HTTP %ld) is not signed with "
                      "this terminal's key: taken as no answer (another server at that "
                      "address, or someone answering for it)", r->base, *status);
        goto out;
    }
    *answer = buf.data ? json_loads(buf.data, 0, &jerr) : NULL;
    if (!json_is_object(*answer)) {
        err = cp_fail(CP_ERR_DISCONNECTED, "the server %s answered HTTP %ld without the "
                      "protocol's JSON: is it a CleanPlate server?", r->base, *status);
        goto out;
    }
    learn_clock(r, *answer);
    if (*status == 503) /* busy: the store did not answer in time; the same is sent again */
        err = cp_fail(CP_ERR_DISCONNECTED, "the server %s is busy: %s", r->base,
                      json_string_value(json_object_get(*answer, "message")));
out:
    if (err) {
        json_decref(*answer);
        *answer = NULL;
    }
    curl_slist_free_all(headers);
    free(buf.data);
    return err;
}

/* Whether an answer is the server refusing the request's time. */
static int is_clock_skew(long status, const json_t *answer)
{
    const char *e = json_string_value(json_object_get(answer, "error"));
    return status == 401 && e && strcmp(e, "clock_skew") == 0;
}

cp_err remote_request(remote *r, const char *method, const char *path, const char *body,
                      long timeout_ms, long *status, json_t **answer)
{
    cp_err err;

    if (timeout_ms <= 0)
        timeout_ms = r->budget_ms;
    err = request_once(r, method, path, body, timeout_ms, status, answer);
    /* refused for the time: its answer set the offset, so once more at once */
    if (!err && is_clock_skew(*status, *answer)) {
        json_decref(*answer);
        err = request_once(r, method, path, body, timeout_ms, status, answer);
    }
    return err;
}

cp_err remote_post_events(remote *r, const char *const *events, size_t n, int64_t pending,
                          int64_t snapshot_version, long *status, json_t **answer)
{
    size_t len = 128; /* the object around the events, with two 20-digit numbers */
    char *body, *p;
    cp_err err;

    for (size_t i = 0; i < n; i++)
        len += strlen(events[i]) + 1;
    if (!(p = body = malloc(len)))
        return cp_fail(CP_ERR_NOMEM, "out of memory talking to the server");
    p += sprintf(p, "{\"events\":[");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? "," : "", events[i]);
    sprintf(p, "],\"pending\":%lld,\"snapshot_version\":%lld}", (long long)pending,
            (long long)snapshot_version);
    err = remote_request(r, "POST", "/v1/events", body, 0, status, answer);
    free(body);
    return err;
}
