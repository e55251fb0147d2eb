/* serve_queue: the server's worker threads, which answer requests in the order they came.
 *
 * Why a queue of our own, and not libmicrohttpd's thread pool: in the pool
 * each connection belongs to the thread that accepted it, and a thread
 * accepts as many as it happens to wake for (measured: one thread of 32 had
 * four terminals, another none). A terminal's charge then waits for the
 * charges of the terminals that share its thread while other threads are
 * idle. Here one thread reads every connection (libmicrohttpd's polling
 * thread), and a whole request waits in one line for the first free worker.
 * The workers are also the store's connections (each keeps its own, see
 * serve.c), so their number bounds how many charges the store works on at
 * once, whatever the number of terminals. */
#include "backoffice/serve_queue.h"

#include <pthread.h>
#include <stdlib.h>

#define SERVE_QUEUE_MAX_WORKERS 64

static struct {
    pthread_mutex_t lock;
    pthread_cond_t ready; /* a job came, or the stop */
    void **ring;          /* cap slots; n jobs from head on */
    unsigned cap, head, n;
    int stopping;
    void (*run)(void *job);
    pthread_t threads[SERVE_QUEUE_MAX_WORKERS];
    unsigned nthreads;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER, .ready = PTHREAD_COND_INITIALIZER};

/* A worker: the oldest job, run outside the lock; out when stopping and
 * nothing is left. */
static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&q.lock);
    for (;;) {
        void *job;

        while (q.n == 0 && !q.stopping)
            pthread_cond_wait(&q.ready, &q.lock);
        if (q.n == 0)
            break;
        job = q.ring[q.head];
        q.head = (q.head + 1) % q.cap;
        q.n--;
        pthread_mutex_unlock(&q.lock);
        q.run(job);
        pthread_mutex_lock(&q.lock);
    }
    pthread_mutex_unlock(&q.lock);
    return NULL;
}

int serve_queue_start(unsigned workers, unsigned cap, void (*run)(void *job))
{
    if (workers < 1 || workers > SERVE_QUEUE_MAX_WORKERS || cap < 1 ||
        !(q.ring = calloc(cap, sizeof *q.ring)))
        return -1;
    q.cap = cap;
    q.head = q.n = 0;
    q.stopping = 0;
    q.run = run;
    for (q.nthreads = 0; q.nthreads < workers; q.nthreads++)
        if (pthread_create(&q.threads[q.nthreads], NULL, worker, NULL) != 0) {
            serve_queue_stop();
            return -1;
        }
    return 0;
}

int serve_queue_push(void *job)
{
    int rc = -1;

    pthread_mutex_lock(&q.lock);
    if (q.n < q.cap && !q.stopping) {
        q.ring[(q.head + q.n) % q.cap] = job;
        q.n++;
        pthread_cond_signal(&q.ready);
        rc = 0;
    }
    pthread_mutex_unlock(&q.lock);
    return rc;
}

void serve_queue_stop(void)
{
    pthread_mutex_lock(&q.lock);
    q.stopping = 1;
    pthread_cond_broadcast(&q.ready);
    pthread_mutex_unlock(&q.lock);
    for (unsigned i = 0; i < q.nthreads; i++)
        pthread_join(q.threads[i], NULL);
    q.nthreads = 0;
    free(q.ring);
    q.ring = NULL;
}
