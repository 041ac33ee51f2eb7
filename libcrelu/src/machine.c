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

enum { FALLBACK_CACHE_BYTES = 8 << 20, MAX_THREADS = 256 };

/* The largest cache Linux lists for CPU 0 (sysfs gives the size of one
 * instance, which is what a process shares; sysconf on some virtual machines
 * reports the whole socket's). */
static size_t sysfs_last_level_cache(void) {
    size_t largest = 0;
    for (int index = 0; index < 8; index++) {
        char path[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
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

static crelu__tuning measured;
_Atomic(const crelu__tuning *) crelu__tuning_in_force;
static pthread_once_t measured_once = PTHREAD_ONCE_INIT;

static void measure(void) {
    size_t cache = sysfs_last_level_cache();
#ifdef _SC_LEVEL3_CACHE_SIZE
    if (cache == 0) {
        long size = sysconf(_SC_LEVEL3_CACHE_SIZE);
        cache = size > 0 ? (size_t)size : 0;
    }
#endif
    if (cache == 0) {
        cache = FALLBACK_CACHE_BYTES;
    }
    /* Both measured on a 2-core AMD EPYC guest with 32 MiB of L3: streamed
     * stores win once a call's data is 3/4 of the cache (glibc's memcpy
     * rule), a second thread once the call touches more than a quarter of
     * it (below that, waking a worker costs more than it saves). */
    measured.stream_bytes = cache / 4 * 3;
    measured.piece_bytes = cache / 4;
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

static int default_threads;
static pthread_once_t threads_once = PTHREAD_ONCE_INIT;

static void read_threads(void) {
    const char *text = getenv("CRELU_NUM_THREADS");
    if (text != NULL) {
        char *end;
        long wanted = strtol(text, &end, 10);
        if (end != text && *end == '\0' && wanted > 0) {
            default_threads = wanted < MAX_THREADS ? (int)wanted : MAX_THREADS;
            return;
        }
    }
    cpu_set_t allowed;
    long cpus = 0;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
        cpus = CPU_COUNT(&allowed);
    } else {
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
    }
    default_threads = cpus < 1 ? 1 : cpus < MAX_THREADS ? (int)cpus : MAX_THREADS;
}

int crelu__default_threads(void) {
    pthread_once(&threads_once, read_threads);
    return default_threads;
}
