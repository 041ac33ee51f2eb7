/* The thread pool behind crelu__parallel_for: workers started on first need,
 * shared by every context, serving one call at a time.
 *
 * A call is cut into many pieces that the caller and the workers claim one
 * at a time with an atomic counter, so a worker that the OS has not
 * scheduled holds up no piece: the caller takes what the others do not. A
 * descheduled worker costs at most the piece it was running.
 *
 * After its last piece a worker spins for a few tens of microseconds, so
 * that calls back to back find it awake, then parks on a futex: an idle
 * process burns no CPU. Spinning yields the core often, so that a
 * neighbour's threads (libgomp's spin longer than ours) get it back at once;
 * a parked worker is woken by the kernel, which lets it preempt a spinner.
 *
 * A persistent pool rather than OpenMP: no dependency on the application's
 * OpenMP runtime, and fork() is handled explicitly (libgomp's pool is not
 * usable in a child). */
#define _GNU_SOURCE /* syscall, SYS_futex, sched_yield */
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "crelu_internal.h"

enum { MAX_WORKERS = 255 };

/* How long a worker spins for the next call before it parks, and how many
 * spin rounds pass between two looks at the clock and two yields. */
static const uint64_t SPIN_NS = 50 * 1000;
enum { SPINS_PER_YIELD = 64 };

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Futexes, private to the process: wait while *word == expected. */
static void futex_wait(_Atomic uint32_t *word, uint32_t expected) {
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *word) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

/* The job on offer. Its fields are written by the caller before it posts
 * the job and read by workers that may be late, after the caller has moved
 * on to the next job: they are atomics (relaxed), and a worker trusts what it
 * read only once it has claimed a piece of that very job (see claim_piece). */
static struct {
    _Atomic(void (*)(void *, size_t, size_t)) fn;
    _Atomic(void *) arg;
    _Atomic size_t n, piece;
    _Atomic uint32_t pieces;
    _Atomic uint32_t workers;        /* workers 0..workers-1 may take part */
    _Atomic uint64_t claim;          /* job number << 32 | pieces claimed */
    _Atomic uint32_t done;           /* pieces finished; the caller waits on it */
    _Atomic uint32_t caller_parked;  /* the caller sleeps on `done` */
} job;

static _Atomic uint32_t posted;   /* the job number; workers wait on it */
static _Atomic uint32_t parked;   /* workers asleep on `posted` */
static atomic_flag busy = ATOMIC_FLAG_INIT; /* a call owns the pool */
static _Atomic int shutting_down; /* the library is being unloaded */

/* Guards starting and stopping workers. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t workers[MAX_WORKERS];
static int started; /* workers running */

/* Claims the next piece of job `number`: its index, or -1 when that job has
 * no piece left or is no longer the one on offer. */
static int64_t claim_piece(uint32_t number, size_t *begin, size_t *end,
                           void (**fn)(void *, size_t, size_t), void **arg) {
    uint64_t seen = atomic_load_explicit(&job.claim, memory_order_acquire);
    for (;;) {
        if ((uint32_t)(seen >> 32) != number) {
            return -1;
        }
        const uint32_t index = (uint32_t)seen;
        const uint32_t pieces = atomic_load_explicit(&job.pieces, memory_order_relaxed);
        const size_t n = atomic_load_explicit(&job.n, memory_order_relaxed);
        const size_t piece = atomic_load_explicit(&job.piece, memory_order_relaxed);
        *fn = atomic_load_explicit(&job.fn, memory_order_relaxed);
        *arg = atomic_load_explicit(&job.arg, memory_order_relaxed);
        if (index >= pieces) {
            return -1;
        }
        /* Success proves the job was still `number` after the reads above:
         * the caller cannot post another before this piece is done. */
        if (atomic_compare_exchange_weak_explicit(&job.claim, &seen, seen + 1,
                                                  memory_order_acquire, memory_order_acquire)) {
            *begin = index * piece;
            *end = n - *begin < piece ? n : *begin + piece;
            return index;
        }
    }
}

/* Runs pieces of job `number` until none is left; wakes the caller if it
 * sleeps and this thread finished the last piece. */
static void run_pieces(uint32_t number) {
    size_t begin, end;
    void (*fn)(void *, size_t, size_t);
    void *arg;
    while (claim_piece(number, &begin, &end, &fn, &arg) >= 0) {
        fn(arg, begin, end);
        const uint32_t pieces = atomic_load_explicit(&job.pieces, memory_order_relaxed);
        if (atomic_fetch_add(&job.done, 1) + 1 == pieces &&
            atomic_load(&job.caller_parked)) {
            futex_wake_all(&job.done);
        }
    }
}

/* Returns the next job number after `seen`: spins for SPIN_NS when `spin`,
 * then sleeps. */
static uint32_t wait_for_job(uint32_t seen, int spin) {
    if (spin) {
        const uint64_t start = now_ns();
        for (unsigned round = 1;; round++) {
            const uint32_t now = atomic_load_explicit(&posted, memory_order_acquire);
            if (now != seen) {
                return now;
            }
            if (round % SPINS_PER_YIELD == 0) {
                if (now_ns() - start > SPIN_NS) {
                    break;
                }
                sched_yield();
            }
            cpu_relax();
        }
    }
    /* The caller posts, then looks at `parked`; this thread counts itself
     * parked, then looks at `posted`: one of the two sees the other. */
    atomic_fetch_add(&parked, 1);
    uint32_t now;
    while ((now = atomic_load(&posted)) == seen) {
        futex_wait(&posted, seen);
    }
    atomic_fetch_sub(&parked, 1);
    return now;
}

static void *worker_main(void *arg) {
    const uintptr_t packed = (uintptr_t)arg;
    const uint32_t index = (uint32_t)(packed & 0xff);
    uint32_t seen = (uint32_t)(packed >> 8);
    int worked = 0;
    for (;;) {
        seen = wait_for_job(seen, worked);
        if (atomic_load(&shutting_down)) {
            return NULL;
        }
        worked = index < atomic_load_explicit(&job.workers, memory_order_relaxed);
        if (worked) {
            run_pieces(seen);
        }
    }
}

/* fork() copies only the calling thread: the child must not wait for
 * workers it does not have. Holding `lock` across the fork keeps `started`
 * consistent; the child then forgets the workers (and a call that another
 * thread had in progress) and starts its own. */
static void before_fork(void) {
    pthread_mutex_lock(&lock);
}

static void after_fork_in_parent(void) {
    pthread_mutex_unlock(&lock);
}

static void after_fork_in_child(void) {
    started = 0;
    atomic_store(&parked, 0);
    atomic_flag_clear(&busy);
    pthread_mutex_unlock(&lock);
}

static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

static void install_fork_handlers(void) {
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

/* Starts workers until `wanted` run or one fails to start; returns how many
 * run. Workers block every signal, so signals keep going to the
 * application's own threads. A new worker waits for the job after `seen`. */
static int start_workers(int wanted, uint32_t seen) {
    if (wanted > MAX_WORKERS) {
        wanted = MAX_WORKERS;
    }
    pthread_mutex_lock(&lock);
    if (started < wanted && !atomic_load(&shutting_down)) {
        sigset_t all, previous;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &previous);
        while (started < wanted) {
            void *arg = (void *)((uintptr_t)seen << 8 | (uintptr_t)started);
            if (pthread_create(&workers[started], NULL, worker_main, arg) != 0) {
                break;
            }
            started++;
        }
        pthread_sigmask(SIG_SETMASK, &previous, NULL);
    }
    const int running = started;
    pthread_mutex_unlock(&lock);
    return running;
}

/* Waits until every piece of the job is done: spins while the last pieces
 * are running, sleeps if they take long (their worker was descheduled). */
static void wait_for_pieces(uint32_t pieces) {
    uint32_t done;
    const uint64_t start = now_ns();
    for (unsigned round = 1;
         (done = atomic_load_explicit(&job.done, memory_order_acquire)) != pieces; round++) {
        if (round % SPINS_PER_YIELD == 0 && now_ns() - start > SPIN_NS) {
            atomic_store(&job.caller_parked, 1);
            while ((done = atomic_load(&job.done)) != pieces) {
                futex_wait(&job.done, done);
            }
            atomic_store_explicit(&job.caller_parked, 0, memory_order_relaxed);
            break;
        }
        cpu_relax();
    }
}

void crelu__parallel_for(int threads, size_t n, size_t piece,
                         void (*fn)(void *arg, size_t begin, size_t end), void *arg) {
    if (threads <= 1 || piece == 0 || piece >= n) {
        fn(arg, 0, n);
        return;
    }
    const size_t pieces = n / piece + (n % piece != 0);
    if (pieces > UINT32_MAX || atomic_load(&shutting_down) ||
        atomic_flag_test_and_set_explicit(&busy, memory_order_acquire)) {
        fn(arg, 0, n); /* another call owns the pool: this one runs alone */
        return;
    }
    pthread_once(&fork_handlers_once, install_fork_handlers);
    const size_t wanted = (size_t)threads < pieces ? (size_t)threads : pieces;
    const uint32_t number = atomic_load_explicit(&posted, memory_order_relaxed) + 1;
    const int running = start_workers((int)wanted - 1, number - 1);
    const int helpers = running < (int)wanted - 1 ? running : (int)wanted - 1;

    atomic_store_explicit(&job.fn, fn, memory_order_relaxed);
    atomic_store_explicit(&job.arg, arg, memory_order_relaxed);
    atomic_store_explicit(&job.n, n, memory_order_relaxed);
    atomic_store_explicit(&job.piece, piece, memory_order_relaxed);
    atomic_store_explicit(&job.pieces, (uint32_t)pieces, memory_order_relaxed);
    atomic_store_explicit(&job.workers, (uint32_t)helpers, memory_order_relaxed);
    atomic_store_explicit(&job.done, 0, memory_order_relaxed);
    atomic_store_explicit(&job.claim, (uint64_t)number << 32, memory_order_release);
    atomic_store(&posted, number);
    if (atomic_load(&parked) > 0) {
        futex_wake_all(&posted);
    }
    run_pieces(number); /* the caller works too; with no workers it does it all */
    wait_for_pieces((uint32_t)pieces);
    atomic_flag_clear_explicit(&busy, memory_order_release);
}

/* Joins the workers when the library is unloaded (dlclose, or exit), so that
 * none outlives the code it runs. */
__attribute__((destructor)) static void stop_workers(void) {
    pthread_mutex_lock(&lock);
    atomic_store(&shutting_down, 1);
    atomic_fetch_add(&posted, 1);
    futex_wake_all(&posted);
    const int count = started;
    started = 0;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < count; i++) {
        pthread_join(workers[i], NULL);
    }
}
