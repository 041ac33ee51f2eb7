/* SPDX-License-Identifier: MIT */
/* crelu-idle: does an idle process burn CPU? Makes 1,000 calls through the
 * pool, each checked to have run on every pool thread, then sleeps 200 ms
 * and prints the CPU time the whole process (pool threads included) used in
 * that sleep, against the bound of 2 ms. The pool's workers spin
 * briefly after a call and must then park.
 *
 * White-box (links crelu_static): it calls crelu__parallel_for directly,
 * with pieces that record their thread and wait, bounded, for the others to
 * arrive, so that every thread's part in every call is known.
 *
 * Exits 0 when the bound holds and every call ran on every thread, 1
 * otherwise; CTest runs it as c.idle, scripts/bench prints its line. */
#define _GNU_SOURCE /* gettid */
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "crelu_internal.h"

enum { CALLS = 1000, MAX_THREADS = 256, SLEEP_MS = 200 };
static const double BOUND_MS = 2.0;
static const double ARRIVAL_TIMEOUT_S = 0.2; /* per piece: a worker that never comes */

typedef struct one_call {
    int threads;
    _Atomic int arrived;
    _Atomic pid_t tids[MAX_THREADS];
} one_call;

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Records this thread once, then waits until every thread has arrived (or
 * the timeout passes), so that no thread takes every piece. */
static void piece(void *arg, size_t begin, size_t end) {
    (void)begin;
    (void)end;
    one_call *call = arg;
    const pid_t me = gettid();
    int seen = 0;
    const int arrived = atomic_load(&call->arrived);
    for (int i = 0; i < arrived && i < MAX_THREADS; i++) {
        seen |= atomic_load(&call->tids[i]) == me;
    }
    if (!seen) {
        const int slot = atomic_fetch_add(&call->arrived, 1);
        if (slot < MAX_THREADS) {
            atomic_store(&call->tids[slot], me);
        }
    }
    const double give_up = seconds(CLOCK_MONOTONIC) + ARRIVAL_TIMEOUT_S;
    while (atomic_load(&call->arrived) < call->threads && seconds(CLOCK_MONOTONIC) < give_up) {
    }
}

static double cpu_ms(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage); /* every thread of the process */
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
           (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-3;
}

/* Each thread's time on a CPU in ns (/proc/self/task/TID/schedstat), to say
 * which thread used the time when the bound is missed. Returns the count. */
typedef struct thread_time {
    int tid;
    unsigned long long ns;
} thread_time;

static int thread_times(thread_time *out, int max) {
    DIR *dir = opendir("/proc/self/task");
    int count = 0;
    for (struct dirent *entry; dir != NULL && count < max && (entry = readdir(dir)) != NULL;) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        char path[300]; /* the longest name fits */
        snprintf(path, sizeof path, "/proc/self/task/%s/schedstat", entry->d_name);
        FILE *file = fopen(path, "r");
        if (file != NULL) {
            if (fscanf(file, "%llu", &out[count].ns) == 1) {
                out[count++].tid = atoi(entry->d_name);
            }
            fclose(file);
        }
    }
    if (dir != NULL) {
        closedir(dir);
    }
    return count;
}

int main(void) {
    const int threads = crelu__default_threads();
    int on_every_thread = 0;
    for (int c = 0; c < CALLS; c++) {
        one_call call = {.threads = threads};
        /* Two pieces per thread, 64 elements each; the elements are never
         * touched, only the pieces' threads matter. */
        crelu__parallel_for(threads, (size_t)threads * 2 * 64, 64, piece, &call);
        on_every_thread += atomic_load(&call.arrived) == threads;
    }
    thread_time first[MAX_THREADS], last[MAX_THREADS];
    const int threads_before = thread_times(first, MAX_THREADS);
    const double before = cpu_ms();
    const struct timespec nap = {0, SLEEP_MS * 1000000L};
    nanosleep(&nap, NULL);
    const double used = cpu_ms() - before;
    const int threads_after = thread_times(last, MAX_THREADS);

    const int ok = used <= BOUND_MS && on_every_thread == CALLS;
    printf("idle: %d of %d calls ran on all %d pool threads (caller included); then\n", on_every_thread,
           CALLS, threads);
    printf("  %-58s %6.3f   <= %.2f   %s\n", "CPU ms of the whole process in a 200 ms sleep", used,
           BOUND_MS, ok ? "ok" : "MISS");
    if (!ok) {
        for (int a = 0; a < threads_after; a++) {
            unsigned long long was = 0;
            for (int b = 0; b < threads_before; b++) {
                was = first[b].tid == last[a].tid ? first[b].ns : was;
            }
            printf("    thread %d%s: %.3f ms on a CPU during the sleep\n", last[a].tid,
                   last[a].tid == getpid() ? " (main)" : "", (double)(last[a].ns - was) * 1e-6);
        }
    }
    return ok ? 0 : 1;
}
