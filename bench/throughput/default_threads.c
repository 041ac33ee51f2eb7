/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "default_threads.h"

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

enum { MAX_THREADS = 256 }; /* machine.c's cap */

int bench_default_threads(void) {
    const char *text = getenv("CRELU_NUM_THREADS");
    if (text != NULL) {
        char *end;
        long wanted = strtol(text, &end, 10);
        if (end != text && *end == '\0' && wanted > 0) {
            return wanted < MAX_THREADS ? (int)wanted : MAX_THREADS;
        }
    }
    cpu_set_t allowed;
    long cpus = sched_getaffinity(0, sizeof allowed, &allowed) == 0
                    ? CPU_COUNT(&allowed)
                    : sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : cpus < MAX_THREADS ? (int)cpus : MAX_THREADS;
}
