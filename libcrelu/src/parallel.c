/* SPDX-License-Identifier: MIT */
/* The thread pool behind crelu__parallel_for: workers started on first need,
 * shared by every context, serving one call at a time.
 *
 * A call is cut into chunks, dealt out as one contiguous range per thread;
 * a thread that has finished its own range steals half of another's
 * (pthreadpool's scheme, with halves and a grace period: see steal). When
 * every thread runs, each does its share with no contention; a worker that
 * the OS has not scheduled holds up nothing: the others take its chunks,
 * and it costs at most the chunk it was running.
 *
 * After its last chunk a worker spins for a millisecond, so that calls
 * back to back, or a little apart, find it awake, then parks on a futex:
 * an idle process burns no CPU. Spinning yields the core often, so that a
 * neighbour's threads get it back at once. (libgomp's workers do not yield
 * while they spin, for milliseconds: a call right after an OpenMP one
 * usually finds the other core taken, and runs on its caller.)
 *
 * A persistent pool rather than OpenMP: no dependency on the application's
 * OpenMP runtime, and fork() is handled explicitly (libgomp's pool is not
 * usable in a child). With CRELU_OPENMP=1 a process that has libgomp loaded
 * runs split calls on its team instead (openmp.c). */
#define _GNU_SOURCE /* syscall, SYS_futex, sched_yield */
#include <errno.h>
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

/* How long a worker spins for the next call before it parks: calls less
 * than this apart find it awake. Waking a parked worker is slow on a
 * virtual machine: on the 2-core guest the caller's futex call took about
 * 33 us (the host wakes the halted virtual CPU) and the worker ran about
 * 80 us after it, so a call touching 3 MiB, made 300 us after the last,
 * took 84 us with a 50 us spin and 22 us with this one. A worker parks
 * after it, so an idle process spends at most this much CPU per worker. */
static const uint64_t WORKER_SPIN_NS = 1000 * 1000;
/* How long the caller spins for the last chunks before it sleeps. */
static const uint64_t CALLER_SPIN_NS = 50 * 1000;
/* Spin rounds between two looks at the clock and two yields. */
enum { SPINS_PER_YIELD = 16, PAUSES_PER_LOOK = 4 };

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

/* A job's chunks are dealt out as one contiguous range per thread (slot 0
 * is the caller's, slot k the k-th worker's). A thread takes chunks from
 * the front of its own range; once it is empty, it steals the back half of
 * another's and makes it its own range. Each range is one word, job number
 * << 32 | begin << 16 | end, in chunks, changed by compare-and-swap only
 * (but for the store that gives an empty range the stolen half): the job
 * number makes a worker that is late for a job, or stalled in the middle of
 * reading it, fail instead of taking a chunk of the next one. */
enum { RANGE_BITS = 16, MAX_SLOTS = MAX_WORKERS + 1 };
#define MAX_CHUNKS (((size_t)1 << RANGE_BITS) - 1)

static uint64_t range_word(uint32_t number, uint64_t begin, uint64_t end) {
    return (uint64_t)number << (2 * RANGE_BITS) | begin << RANGE_BITS | end;
}

static uint32_t range_begin(uint64_t word) {
    return (uint32_t)(word >> RANGE_BITS) & MAX_CHUNKS;
}

static uint32_t range_end(uint64_t word) {
    return (uint32_t)word & MAX_CHUNKS;
}

/* The chunks left in a range, if it is job `number`'s. */
static uint32_t range_left(uint64_t word, uint32_t number) {
    const uint32_t begin = range_begin(word), end = range_end(word);
    return (uint32_t)(word >> (2 * RANGE_BITS)) == number && begin < end ? end - begin : 0;
}

/* The job on offer. Its fields are written by the caller before it posts
 * the job and may be read by a late worker while the caller writes the next
 * one: they are atomics (relaxed), and a worker trusts what it read only
 * once it has taken a chunk of that very job, which proves the job was still
 * on offer after the reads (the caller cannot move on before every chunk is
 * done). */
static struct {
    /* The job number, on the line of the job's description: a worker that
     * sees it change gets the rest in the same cache-line transfer. */
    _Alignas(CRELU__CACHE_LINE) _Atomic uint32_t posted;
    _Atomic(void (*)(void *, size_t, size_t)) fn;
    _Atomic(void *) arg;
    _Atomic size_t n, chunk;
    _Atomic uint32_t done_when;     /* the value of `done` once every chunk is */
    _Atomic uint32_t slots;         /* the caller and slots - 1 workers */
    _Atomic int caller_cpu;         /* where the caller posted it, or -1 */
    /* Chunks finished, ever (it wraps): never reset, so that a call does not
     * write the line that workers last wrote. The caller waits on it. */
    _Alignas(CRELU__CACHE_LINE) _Atomic uint32_t done;
    _Atomic uint32_t caller_parked; /* the caller sleeps on `done` */
} job;

static struct {
    _Alignas(CRELU__CACHE_LINE) _Atomic uint64_t word;
} ranges[MAX_SLOTS];

static _Atomic uint32_t parked;   /* workers asleep on `posted` */
static atomic_flag busy = ATOMIC_FLAG_INIT; /* a call owns the pool */
static _Atomic int shutting_down; /* the library is being unloaded */

/* Guards starting and stopping workers. A call never waits for it (see
 * start_workers): a signal handler's call must not block on a lock that the
 * thread it interrupted holds. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t workers[MAX_WORKERS];
static _Atomic int started; /* workers running; written under `lock` */

/* How a thread takes chunks from a range: its owner one from the front; a
 * thief the back half, rounded down (leaving a running owner its last
 * chunk) or up (taking even that). */
typedef enum take { OWNER, THIEF_HALF_DOWN, THIEF_HALF_UP } take;

/* Takes chunks from slot `slot`'s range of job `number`. Sets [*first,
 * *last) and returns 1; or returns 0, with *left the chunks that remain
 * there (0 when the range is empty or belongs to another job). */
static int take_chunks(uint32_t number, uint32_t slot, take how, uint32_t *first,
                       uint32_t *last, uint32_t *left) {
    _Atomic uint64_t *word = &ranges[slot].word;
    uint64_t seen = atomic_load_explicit(word, memory_order_acquire);
    for (;;) {
        const uint32_t begin = range_begin(seen), end = range_end(seen);
        *left = range_left(seen, number);
        const uint32_t taken = how == OWNER             ? 1u
                               : how == THIEF_HALF_UP ? (*left + 1u) / 2u
                                                      : *left / 2u;
        if (*left == 0 || taken == 0) {
            return 0;
        }
        const uint32_t split = how == OWNER ? begin + 1u : end - taken;
        const uint64_t rest = how == OWNER ? range_word(number, split, end)
                                           : range_word(number, begin, split);
        if (atomic_compare_exchange_weak_explicit(word, &seen, rest, memory_order_acquire,
                                                  memory_order_acquire)) {
            *first = how == OWNER ? begin : split;
            *last = how == OWNER ? split : end;
            return 1;
        }
    }
}

/* The chunks of job `number` left in the ranges of the threads but `slot`. */
static uint32_t chunks_left_elsewhere(uint32_t number, uint32_t slot, uint32_t slots) {
    uint32_t left = 0;
    for (uint32_t k = 1; k < slots; k++) {
        left += range_left(
            atomic_load_explicit(&ranges[(slot + k) % slots].word, memory_order_relaxed), number);
    }
    return left;
}

/* Spins for about `ns` nanoseconds before a steal; returns 0 at once when
 * no other range has chunks left, since then there is nothing to wait
 * for. Waiting regardless held every split call up by a grace or two
 * after its last chunk: at 2^23 float32 on the 2-core guest, forward went
 * from 0.99 to 1.15 of the copy ceiling this way (means of 8 crelu-bench
 * runs each, the old and new library alternating). */
static int wait_to_steal(uint32_t number, uint32_t slot, uint32_t slots, uint64_t ns) {
    const uint64_t start = now_ns();
    for (;;) {
        if (chunks_left_elsewhere(number, slot, slots) == 0) {
            return 0;
        }
        if (now_ns() - start >= ns) {
            return 1;
        }
        for (int i = 0; i < 16; i++) {
            cpu_relax();
        }
    }
}

/* Steals for thread `slot`, whose own range is empty, after `grace` ns
 * (about one of its own chunks' time; 0 when it ran none). Data a chunk
 * touches sits in the cache of the core that ran it in the previous call,
 * and a cache line takes ~0.3 us to cross cores on a virtual machine: a
 * thread that has only just run out waits a chunk's time before it steals
 * (if any range has chunks left: see wait_to_steal), and then leaves a
 * running owner its last chunk, so that calls back to back keep each part
 * on the core that has it. A worker that is not running loses half of its
 * range per grace, and then its last chunk. Returns 1 with the stolen
 * chunks made its own range, 0 when no range has any left. */
static int steal(uint32_t number, uint32_t slot, uint32_t slots, uint64_t grace) {
    for (take how = grace > 0 ? THIEF_HALF_DOWN : THIEF_HALF_UP;;
         how = THIEF_HALF_UP) {
        if (!wait_to_steal(number, slot, slots, grace)) {
            return 0;
        }
        uint32_t first, last, left, remaining = 0;
        for (uint32_t k = 1; k < slots; k++) {
            if (take_chunks(number, (slot + k) % slots, how, &first, &last, &left)) {
                atomic_store_explicit(&ranges[slot].word, range_word(number, first, last),
                                      memory_order_release);
                return 1;
            }
            remaining += left;
        }
        if (remaining == 0) {
            return 0;
        }
    }
}

/* Runs chunks of job `number` as thread `slot`: its own range from the
 * front, then what it steals (see steal), until no range has any left.
 * Then counts what it ran into `done` (once: a counter the caller polls
 * must not bounce between cores per chunk) and wakes the caller if it
 * sleeps and this was the last. */
static void run_chunks(uint32_t number, uint32_t slot) {
    /* Read before any chunk is taken; trusted only once one is (see job). */
    void (*const fn)(void *, size_t, size_t) = atomic_load_explicit(&job.fn, memory_order_relaxed);
    void *const arg = atomic_load_explicit(&job.arg, memory_order_relaxed);
    const size_t n = atomic_load_explicit(&job.n, memory_order_relaxed);
    const size_t chunk = atomic_load_explicit(&job.chunk, memory_order_relaxed);
    const uint32_t done_when = atomic_load_explicit(&job.done_when, memory_order_relaxed);
    /* A newer job's count, if this worker is late: then no range carries
     * `number`, and it takes nothing. */
    const uint32_t slots = atomic_load_explicit(&job.slots, memory_order_relaxed);
    uint32_t ran = 0;
    do {
        const uint64_t start = now_ns();
        uint32_t first, last, left, ran_here = 0;
        while (take_chunks(number, slot, OWNER, &first, &last, &left)) {
            const size_t begin = (size_t)first * chunk;
            fn(arg, begin, n - begin < chunk ? n : begin + chunk);
            ran_here++;
        }
        ran += ran_here;
        if (slots == 1) {
            break;
        }
        const uint64_t grace = ran_here > 0 ? (now_ns() - start) / ran_here : 0;
        if (!steal(number, slot, slots, grace)) {
            break;
        }
    } while (1);
    if (ran > 0 && atomic_fetch_add(&job.done, ran) + ran == done_when &&
        atomic_load(&job.caller_parked)) {
        futex_wake_all(&job.done);
    }
}

/* Returns the next job number after `seen`: spins for WORKER_SPIN_NS when `spin`,
 * then sleeps. */
static uint32_t wait_for_job(uint32_t seen, int spin) {
    if (spin) {
        const uint64_t start = now_ns();
        for (unsigned round = 1;; round++) {
            const uint32_t now = atomic_load_explicit(&job.posted, memory_order_acquire);
            if (now != seen) {
                return now;
            }
            if (round % SPINS_PER_YIELD == 0) {
                if (now_ns() - start > WORKER_SPIN_NS) {
                    break;
                }
                sched_yield();
            }
            /* A few pauses between looks: each look pulls the line that
             * the caller is writing the job into. */
            for (int i = 0; i < PAUSES_PER_LOOK; i++) {
                cpu_relax();
            }
        }
    }
    /* The caller posts, then looks at `parked`; this thread counts itself
     * parked, then looks at `posted`: one of the two sees the other. */
    atomic_fetch_add(&parked, 1);
    uint32_t now;
    while ((now = atomic_load(&job.posted)) == seen) {
        futex_wait(&job.posted, seen);
    }
    atomic_fetch_sub(&parked, 1);
    return now;
}

/* A worker parked on a futex is woken on the CPU that the scheduler picks,
 * and on a virtual machine that is often the waker's own: the kernel takes
 * an idle virtual CPU that the host has halted for a preempted, busy one
 * (vcpu_is_preempted). The worker then shares the caller's core while the
 * caller runs every chunk itself, and it is woken there again next time:
 * on the 2-core guest, calls of 1-2 MiB ran at one thread's speed for
 * hundreds of calls in a row, in most of crelu-bench's runs.
 * Leaving the caller's CPU out of the worker's affinity mask for a moment
 * moves it at once (the kernel migrates a thread off a CPU its new mask
 * excludes); the mask is then restored, so nothing stays pinned. */
int crelu__leave_cpu(int cpu) {
    if (cpu < 0 || sched_getcpu() != cpu) {
        return 0;
    }
    cpu_set_t allowed, elsewhere;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        return 0;
    }
    elsewhere = allowed;
    CPU_CLR((size_t)cpu, &elsewhere);
    /* With no other CPU allowed the mask is empty, and refused. */
    if (sched_setaffinity(0, sizeof elsewhere, &elsewhere) != 0) {
        return 0;
    }
    (void)sched_setaffinity(0, sizeof allowed, &allowed);
    return 1;
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
        worked = index + 1 < atomic_load_explicit(&job.slots, memory_order_relaxed);
        if (worked) {
            (void)crelu__leave_cpu(atomic_load_explicit(&job.caller_cpu, memory_order_relaxed));
            run_chunks(seen, index + 1);
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
    atomic_store(&started, 0);
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
 * application's own threads. A new worker's first job is the one after
 * `seen`: the job it was started for.
 * Only the pool's owner comes here. When enough workers run it takes no
 * lock; when `lock` is held (a fork() in progress, or the library being
 * unloaded, perhaps by the very thread a signal handler interrupted) it
 * starts none and makes do with those that run. */
static int start_workers(int wanted, uint32_t seen) {
    if (wanted > MAX_WORKERS) {
        wanted = MAX_WORKERS;
    }
    int running = atomic_load_explicit(&started, memory_order_acquire);
    if (running >= wanted || pthread_mutex_trylock(&lock) != 0) {
        return running;
    }
    running = atomic_load_explicit(&started, memory_order_relaxed);
    if (running < wanted && !atomic_load(&shutting_down)) {
        sigset_t all, previous;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &previous);
        for (; running < wanted; running++) {
            void *arg = (void *)((uintptr_t)seen << 8 | (uintptr_t)running);
            if (pthread_create(&workers[running], NULL, worker_main, arg) != 0) {
                break;
            }
        }
        pthread_sigmask(SIG_SETMASK, &previous, NULL);
        atomic_store_explicit(&started, running, memory_order_release);
    }
    pthread_mutex_unlock(&lock);
    return running;
}

/* Waits until every chunk of the job is done: spins while the last ones
 * run, sleeps if they take long (their worker was descheduled). */
static void wait_for_chunks(uint32_t done_when) {
    uint32_t done;
    const uint64_t start = now_ns();
    for (unsigned round = 1;
         (done = atomic_load_explicit(&job.done, memory_order_acquire)) != done_when; round++) {
        if (round % SPINS_PER_YIELD == 0 && now_ns() - start > CALLER_SPIN_NS) {
            atomic_store(&job.caller_parked, 1);
            while ((done = atomic_load(&job.done)) != done_when) {
                futex_wait(&job.done, done);
            }
            atomic_store_explicit(&job.caller_parked, 0, memory_order_relaxed);
            break;
        }
        cpu_relax();
    }
}

void crelu__parallel_for(int threads, size_t n, size_t chunk,
                         void (*fn)(void *arg, size_t begin, size_t end), void *arg) {
    if (threads <= 1 || chunk == 0 || chunk >= n) {
        fn(arg, 0, n);
        return;
    }
    if (crelu__openmp_parallel_for(threads, n, chunk, fn, arg)) {
        return;
    }
    const size_t chunks = n / chunk + (n % chunk != 0);
    if (chunks > MAX_CHUNKS || atomic_load(&shutting_down) ||
        atomic_flag_test_and_set_explicit(&busy, memory_order_acquire)) {
        /* Another call owns the pool (another thread's, or the one this
         * thread was running when a signal handler made this call): this
         * one runs alone. Waiting for it could wait forever. */
        fn(arg, 0, n);
        return;
    }
    /* A signal handler may make this call: the futex calls below must not
     * change the errno of the code it interrupted. */
    const int saved_errno = errno;
    pthread_once(&fork_handlers_once, install_fork_handlers);
    const size_t wanted = (size_t)threads < chunks ? (size_t)threads : chunks;
    const uint32_t number = atomic_load_explicit(&job.posted, memory_order_relaxed) + 1;
    const int running = start_workers((int)wanted - 1, number - 1);
    const uint32_t slots = 1u + (uint32_t)(running < (int)wanted - 1 ? running : (int)wanted - 1);

    atomic_store_explicit(&job.fn, fn, memory_order_relaxed);
    atomic_store_explicit(&job.arg, arg, memory_order_relaxed);
    atomic_store_explicit(&job.n, n, memory_order_relaxed);
    atomic_store_explicit(&job.chunk, chunk, memory_order_relaxed);
    atomic_store_explicit(&job.slots, slots, memory_order_relaxed);
    atomic_store_explicit(&job.caller_cpu, sched_getcpu(), memory_order_relaxed);
    const uint32_t done_when =
        atomic_load_explicit(&job.done, memory_order_relaxed) + (uint32_t)chunks;
    atomic_store_explicit(&job.done_when, done_when, memory_order_relaxed);
    for (uint32_t s = 0; s < slots; s++) {
        atomic_store_explicit(&ranges[s].word,
                              range_word(number, chunks * s / slots, chunks * (s + 1) / slots),
                              memory_order_relaxed);
    }
    atomic_store(&job.posted, number); /* publishes everything above */
    if (atomic_load(&parked) > 0) {
        futex_wake_all(&job.posted);
        sched_yield(); /* a worker woken on this CPU moves off it now (crelu__leave_cpu) */
    }
    run_chunks(number, 0); /* the caller works too; with no workers it does it all */
    wait_for_chunks(done_when);
    atomic_flag_clear_explicit(&busy, memory_order_release);
    errno = saved_errno;
}

/* Joins the workers when the library is unloaded (dlclose, or exit), so that
 * none outlives the code it runs. */
__attribute__((destructor)) static void stop_workers(void) {
    pthread_mutex_lock(&lock);
    atomic_store(&shutting_down, 1);
    atomic_fetch_add(&job.posted, 1);
    futex_wake_all(&job.posted);
    const int count = atomic_load(&started);
    atomic_store(&started, 0);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < count; i++) {
        pthread_join(workers[i], NULL);
    }
}
