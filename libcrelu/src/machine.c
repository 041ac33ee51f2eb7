/* SPDX-License-Identifier: MIT */
/* What the library asks of the machine: the last-level cache size (for the
 * streaming and threading thresholds) and how many CPUs it may use (the
 * automatic thread count). Each is read once. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "crelu_internal.h"

enum { FALLBACK_CACHE_BYTES = 8 << 20, MAX_SYSCONF_CACHE_BYTES = 32 << 20, MAX_THREADS = 256 };

/* The largest cache Linux lists in `dir` (CPU 0's: sysfs gives the size of
 * one instance, which is what a process shares; sysconf on some virtual
 * machines reports the whole socket's). 0 when it lists none. */
size_t crelu__sysfs_cache_bytes(const char *dir) {
    size_t largest = 0;
    for (int index = 0; index < 8; index++) {
        char path[512];
        snprintf(path, sizeof path, "%s/index%d/size", dir, index);
        FILE *file = fopen(path, "r");
        if (file == NULL) {
            break;
        }
        unsigned long size = 0;
        char unit = 'K';
        if (fscanf(file, "%lu%c", &size, &unit) >= 1) {
            size *= unit == 'M' ? 1024ul * 1024ul : unit == 'K' ? 1024ul : 1ul;
            largest = size > largest ? size : largest;
        }
        fclose(file);
    }
    return largest;
}

size_t crelu__cache_bytes(size_t sysfs_bytes, long sysconf_bytes) {
    if (sysfs_bytes > 0) {
        return sysfs_bytes;
    }
    /* sysconf reads CPUID, which on a virtual machine can describe the
     * host's whole socket (508 MiB on one 2-core guest here, whose sysfs
     * lists no caches), not the one L3 that the process's cores share: at
     * most 32 MiB (one Zen 4 or Zen 5 CCD's) is believed. */
    if (sysconf_bytes > 0) {
        return (size_t)sysconf_bytes < MAX_SYSCONF_CACHE_BYTES ? (size_t)sysconf_bytes
                                                               : MAX_SYSCONF_CACHE_BYTES;
    }
    return FALLBACK_CACHE_BYTES;
}

/* sysconf's L3 size, asked even when sysfs answers (once per process, and
 * cheap) so that the choice between them stays in one testable function. */
static long sysconf_l3_bytes(void) {
#ifdef _SC_LEVEL3_CACHE_SIZE
    return sysconf(_SC_LEVEL3_CACHE_SIZE);
#else
    return 0;
#endif
}

static crelu__tuning measured;
_Atomic(const crelu__tuning *) crelu__tuning_in_force;
static pthread_once_t measured_once = PTHREAD_ONCE_INIT;

static void measure(void) {
    const size_t cache = crelu__cache_bytes(
        crelu__sysfs_cache_bytes("/sys/devices/system/cpu/cpu0/cache"), sysconf_l3_bytes());
    /* Measured on a 2-core AMD EPYC guest with 32 MiB of L3, two threads,
     * each call paired with the same call of the other choice (median of 31
     * time ratios, every kernel and dtype): a call that reads and writes
     * 32 MiB (16 MiB in, 16 MiB out) ran 1.2-1.5x faster streamed, 28 MiB
     * the same either way, 24 MiB 0.75-0.95x and 16 MiB about 0.6x. So
     * outputs are streamed once a call's data fills the cache. The piece
     * size is fixed (crelu_internal.h says why). */
    measured.stream_bytes = cache;
    measured.piece_bytes = CRELU__PIECE_BYTES;
    atomic_store_explicit(&crelu__tuning_in_force, &measured, memory_order_release);
}

const crelu__tuning *crelu__measure_tuning(void) {
    pthread_once(&measured_once, measure);
    return atomic_load_explicit(&crelu__tuning_in_force, memory_order_acquire);
}

void crelu__tuning_override(const crelu__tuning *tuning) {
    static crelu__tuning overridden;
    pthread_once(&measured_once, measure); /* so it cannot overwrite us later */
    if (tuning == NULL) {
        atomic_store_explicit(&crelu__tuning_in_force, &measured, memory_order_release);
        return;
    }
    overridden = *tuning;
    atomic_store_explicit(&crelu__tuning_in_force, &overridden, memory_order_release);
}

int crelu__threads_from(const char *text, long cpus) {
    if (text != NULL) {
        char *end;
        long wanted = strtol(text, &end, 10);
        if (end != text && *end == '\0' && wanted > 0) {
            return wanted < MAX_THREADS ? (int)wanted : MAX_THREADS;
        }
    }
    return cpus < 1 ? 1 : cpus < MAX_THREADS ? (int)cpus : MAX_THREADS;
}

/* The CPUs this process may run on; all online ones where the affinity mask
 * cannot be read (a sandbox that forbids the call, say). Asked even when
 * CRELU_NUM_THREADS is set: once per process, and cheap. */
static long usable_cpus(void) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
        return CPU_COUNT(&allowed);
    }
    return sysconf(_SC_NPROCESSORS_ONLN);
}

static int default_threads;
static pthread_once_t threads_once = PTHREAD_ONCE_INIT;

static void read_threads(void) {
    default_threads = crelu__threads_from(getenv("CRELU_NUM_THREADS"), usable_cpus());
}

int crelu__default_threads(void) {
    pthread_once(&threads_once, read_threads);
    return default_threads;
}
