/* The thread pool behind crelu__parallel_for: workers started on first need,
 * shared by every context, serving one call at a time.
 *
 * A persistent pool rather than OpenMP: a call costs one condition-variable
 * broadcast instead of a team start, there is no dependency on the
 * application's OpenMP runtime, and fork() is handled explicitly (libgomp's
 * pool is not usable in a child). */
#define _POSIX_C_SOURCE 200809L /* sigset_t, pthread_sigmask under -std=c11 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>

#include "crelu_internal.h"

enum { MAX_WORKERS = 255 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;    /* workers: a new job */
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER; /* caller: pieces done */

/* Everything below is guarded by `lock`. */
static pthread_t workers[MAX_WORKERS];
static int started;       /* workers running */
static int busy;          /* a call owns the pool */
static int shutting_down; /* the library is being unloaded */
static unsigned long generation; /* bumped per job, so a worker runs each once */
static struct {
    void (*fn)(void *arg, size_t begin, size_t end);
    void *arg;
    size_t n, piece; /* piece k is [k * piece, min(n, (k + 1) * piece)) */
    unsigned pieces, next, unfinished;
} job;

/* Runs pieces of the current job until none is left to take. Called and
 * returns with `lock` held. */
static void run_pieces(void) {
    while (job.next < job.pieces) {
        const size_t begin = job.next * job.piece;
        const size_t end = job.n - begin < job.piece ? job.n : begin + job.piece;
        job.next++;
        pthread_mutex_unlock(&lock);
        job.fn(job.arg, begin, end);
        pthread_mutex_lock(&lock);
        if (--job.unfinished == 0) {
            pthread_cond_signal(&finished);
        }
    }
}

static void *worker_main(void *unused) {
    (void)unused;
    pthread_mutex_lock(&lock);
    unsigned long seen = generation;
    for (;;) {
        while (generation == seen && !shutting_down) {
            pthread_cond_wait(&wake, &lock);
        }
        if (shutting_down) {
            break;
        }
        seen = generation;
        run_pieces();
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* fork() copies only the calling thread: the child must not wait for
 * workers it does not have. Holding `lock` across the fork keeps the state
 * consistent; the child then forgets the workers and starts its own. */
static void before_fork(void) {
    pthread_mutex_lock(&lock);
}

static void after_fork_in_parent(void) {
    pthread_mutex_unlock(&lock);
}

static void after_fork_in_child(void) {
    started = 0;
    busy = 0;
    pthread_cond_init(&wake, NULL);
    pthread_cond_init(&finished, NULL);
    pthread_mutex_unlock(&lock);
}

static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

static void install_fork_handlers(void) {
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

/* Starts workers until `wanted` run or one fails to start. Workers block
 * every signal, so signals keep going to the application's own threads. */
static void start_workers(int wanted) {
    if (wanted > MAX_WORKERS) {
        wanted = MAX_WORKERS;
    }
    if (started >= wanted) {
        return;
    }
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    while (started < wanted && pthread_create(&workers[started], NULL, worker_main, NULL) == 0) {
        started++;
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
}

void crelu__parallel_for(int threads, size_t n, size_t grain,
                         void (*fn)(void *arg, size_t begin, size_t end), void *arg) {
    size_t piece = n / (size_t)(threads > 1 ? threads : 1);
    piece = (piece + grain - 1) / grain * grain;
    if (threads <= 1 || piece == 0 || piece >= n) {
        fn(arg, 0, n);
        return;
    }
    pthread_once(&fork_handlers_once, install_fork_handlers);
    pthread_mutex_lock(&lock);
    if (busy || shutting_down) {
        pthread_mutex_unlock(&lock);
        fn(arg, 0, n);
        return;
    }
    busy = 1;
    start_workers(threads - 1);
    job.fn = fn;
    job.arg = arg;
    job.n = n;
    job.piece = piece;
    job.pieces = (unsigned)((n + piece - 1) / piece);
    job.next = 0;
    job.unfinished = job.pieces;
    generation++;
    pthread_cond_broadcast(&wake);
    run_pieces(); /* the caller works too; with no workers it does it all */
    while (job.unfinished > 0) {
        pthread_cond_wait(&finished, &lock);
    }
    busy = 0;
    pthread_mutex_unlock(&lock);
}

/* Joins the workers when the library is unloaded (dlclose, or exit), so that
 * none outlives the code it runs. */
__attribute__((destructor)) static void stop_workers(void) {
    pthread_mutex_lock(&lock);
    shutting_down = 1;
    pthread_cond_broadcast(&wake);
    const int count = started;
    started = 0;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < count; i++) {
        pthread_join(workers[i], NULL);
    }
}
