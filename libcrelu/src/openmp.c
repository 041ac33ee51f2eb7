/* SPDX-License-Identifier: MIT */
/* CRELU_OPENMP=1: split calls run on the team of the process's libgomp, when
 * one is loaded, instead of on the library's pool (parallel.c).
 *
 * Why: libgomp's workers spin for milliseconds after each OpenMP call
 * without yielding. In a process that alternates oneDNN's (or PyTorch's)
 * calls with libcrelu's, the pool's worker finds the other core taken and
 * the call runs on one thread: on a 2-core AMD EPYC guest, float32 forward
 * at 2^24 took 4.5 ms after a oneDNN call against oneDNN's 2.0 ms. On the
 * OpenMP team, whose worker is the one spinning, it took 2.0 ms.
 *
 * Why only when asked: libgomp is not async-signal-safe (a handler that
 * interrupts it and re-enters it can corrupt it or deadlock), and crelu.h
 * promises that a split call may be made from a signal handler. It does
 * not survive fork() either: a child never uses it here.
 *
 * libcrelu does not link libgomp: it looks for one already loaded
 * (dlopen with RTLD_NOLOAD) once, at the first call big enough to split,
 * and keeps it loaded from then on; a libgomp loaded later is not used. */
#define _GNU_SOURCE /* RTLD_NOLOAD */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crelu_internal.h"

/* libgomp's entry points: GOMP_parallel is what a compiler emits for
 * `#pragma omp parallel` (GCC 4.9 and later), the others are OpenMP's API. */
typedef struct openmp_runtime {
    void (*parallel)(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
    int (*thread_num)(void);
    int (*num_threads)(void);
    int (*level)(void);
} openmp_runtime;

static openmp_runtime runtime;
static _Atomic int usable; /* runtime is filled in */
static _Atomic int forked; /* this process is a fork()'s child */
static pthread_once_t looked = PTHREAD_ONCE_INIT;

static void look_for_libgomp(void) {
    if (!crelu__openmp_wanted(getenv("CRELU_OPENMP"))) {
        return;
    }
    /* Not closed: what it returns stays loaded for the process's life. */
    void *library = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (library == NULL) {
        return;
    }
    void *parallel = dlsym(library, "GOMP_parallel");
    void *thread_num = dlsym(library, "omp_get_thread_num");
    void *num_threads = dlsym(library, "omp_get_num_threads");
    void *level = dlsym(library, "omp_get_level");
    if (parallel != NULL && thread_num != NULL && num_threads != NULL && level != NULL) {
        /* ISO C has no conversion from dlsym's object pointer to a function
         * pointer; POSIX guarantees that they have one representation. */
        _Static_assert(sizeof runtime.parallel == sizeof parallel, "function pointers");
        memcpy(&runtime.parallel, &parallel, sizeof parallel);
        memcpy(&runtime.thread_num, &thread_num, sizeof thread_num);
        memcpy(&runtime.num_threads, &num_threads, sizeof num_threads);
        memcpy(&runtime.level, &level, sizeof level);
        atomic_store(&usable, 1);
    }
}

/* A child of fork() never uses libgomp, whenever the fork came: the
 * parent's team may have run, and its threads are not in the child. So the
 * watch starts when the library is loaded, not at its first use. */
static void mark_forked(void) {
    atomic_store(&forked, 1);
}

__attribute__((constructor)) static void watch_forks(void) {
    pthread_atfork(NULL, NULL, mark_forked);
}

int crelu__openmp_wanted(const char *text) {
    return text != NULL && strcmp(text, "1") == 0;
}

typedef struct openmp_job {
    void (*fn)(void *arg, size_t begin, size_t end);
    void *arg;
    size_t n, piece, pieces;
} openmp_job;

/* Each thread of the team takes one contiguous run of pieces, in thread
 * order, as OpenMP's static schedule (and so oneDNN) does: the data a
 * neighbour's call just wrote is then in the cache of the core that reads
 * it (at 2^20 float32, dealing pieces out one at a time took 1.7x as long). */
static void run_share(void *data) {
    const openmp_job *job = data;
    const size_t thread = (size_t)runtime.thread_num();
    const size_t threads = (size_t)runtime.num_threads();
    const size_t first = job->pieces * thread / threads;
    const size_t last = job->pieces * (thread + 1) / threads;
    /* The team has at most one thread per piece: none gets an empty run. */
    const size_t end = last * job->piece < job->n ? last * job->piece : job->n;
    job->fn(job->arg, first * job->piece, end);
}

int crelu__openmp_parallel_for(int threads, size_t n, size_t piece,
                               void (*fn)(void *arg, size_t begin, size_t end), void *arg) {
    if (atomic_load_explicit(&forked, memory_order_relaxed)) {
        return 0;
    }
    pthread_once(&looked, look_for_libgomp);
    /* Inside an OpenMP region (a team's thread, or a nested level) a new
     * region would get a team of one: the pool does better. */
    if (!atomic_load_explicit(&usable, memory_order_relaxed) || runtime.level() > 0) {
        return 0;
    }
    const size_t pieces = n / piece + (n % piece != 0);
    openmp_job job = {fn, arg, n, piece, pieces};
    const int saved_errno = errno;
    runtime.parallel(run_share, &job,
                     (unsigned)((size_t)threads < pieces ? (size_t)threads : pieces), 0);
    errno = saved_errno;
    return 1;
}
