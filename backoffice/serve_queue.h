/* serve_queue: the server's worker threads, which answer requests in the order they came. */
#ifndef CP_OFFICE_SERVE_QUEUE_H
#define CP_OFFICE_SERVE_QUEUE_H

/* Starts workers threads, each calling run(job) for the jobs pushed, one at
 * a time, oldest first. At most cap jobs wait at once (the server pushes at
 * most one per connection). 0, or -1 when the threads did not start. */
int serve_queue_start(unsigned workers, unsigned cap, void (*run)(void *job));

/* Queues job for the next free worker; -1 (nothing queued) when cap jobs
 * wait already. */
int serve_queue_push(void *job);

/* Lets the workers finish the jobs queued, then joins them. */
void serve_queue_stop(void);

#endif
