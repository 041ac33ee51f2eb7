/* SPDX-License-Identifier: MIT */
/* Calls from a signal handler, at random moments, into a process whose only
 * application thread keeps making pooled calls: the handler's calls must
 * neither deadlock (a handler that waits for the pool its own thread holds
 * waits forever) nor give a wrong result, nor change errno, and the
 * interrupted calls must finish right. crelu.h promises this for the
 * forward, backward and stateless calls once one call has returned.
 *
 * The handler asks the pool itself whether the interrupted call held it: a
 * two-chunk job that runs as one piece on its caller found the pool owned
 * (the only other owner there could be is the interrupted call). At least
 * MIN_LANDED_WHILE_HELD signals must land so; on a host where the pool never
 * splits (one CPU) none can, and the test fails saying so instead of passing
 * empty. A hang is killed by alarm() after WATCHDOG_S seconds.
 *
 * A plain program (it runs under ThreadSanitizer too, like concurrency.c).
 * Exits 0 when every check passed, 1 otherwise. */
#define _POSIX_C_SOURCE 200809L /* sigaction, timer_create */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crelu.h"
#include "crelu_internal.h"

/* MAIN_N as in the report that found the deadlock (16 MiB a buffer: pooled
 * for milliseconds); HANDLER_N big enough to be pooled when the pool is free
 * (2 MiB touched), small enough to be quick when it is not. */
enum { MAIN_N = 4 << 20, HANDLER_N = 1 << 18, MIN_LANDED_WHILE_HELD = 1000 };
enum { WATCHDOG_S = 100, GIVE_UP_S = 60 };
/* Random delays before the next signal, in microseconds. */
enum { MIN_DELAY_US = 200, DELAY_SPREAD_US = 2800 };

typedef struct buffers {
    float *x, *dy, *y, *dx;
    float *want_y, *want_dx; /* the reference's answers */
} buffers;

static buffers main_data, handler_data;
static crelu_ctx *handler_ctx;
static timer_t timer;

/* What the handler saw; only it writes these. */
static volatile sig_atomic_t landed, landed_while_held, handler_failures, errno_changed;
static volatile sig_atomic_t first_failure_line;
static uint64_t delay_state = 0x9e3779b97f4a7c15u; /* xorshift: rand() is not async-signal-safe */

static void buffers_make(buffers *b, size_t n, unsigned seed) {
    b->x = malloc(n * sizeof(float));
    b->dy = malloc(n * sizeof(float));
    b->y = malloc(n * sizeof(float));
    b->dx = malloc(n * sizeof(float));
    b->want_y = malloc(n * sizeof(float));
    b->want_dx = malloc(n * sizeof(float));
    if (!b->x || !b->dy || !b->y || !b->dx || !b->want_y || !b->want_dx) {
        fprintf(stderr, "signals: out of memory\n");
        exit(1);
    }
    uint32_t r = seed;
    for (size_t i = 0; i < n; i++) {
        r = r * 1664525u + 1013904223u;
        b->x[i] = (float)((int32_t)r >> 8) / 65536.0f;
        b->dy[i] = (float)((int32_t)(r * 2654435761u) >> 8) / 4096.0f;
    }
    const crelu__op op = crelu__op_make(CRELU_GRAD_PYTORCH, 0.0, INFINITY);
    crelu__kernels_reference.dtypes[CRELU__F32].forward(&op, b->x, b->want_y, NULL, n, 0);
    crelu__kernels_reference.dtypes[CRELU__F32].backward_x(&op, b->x, b->dy, b->want_dx, n, 0);
}

static void arm_timer(void) {
    delay_state ^= delay_state << 13;
    delay_state ^= delay_state >> 7;
    delay_state ^= delay_state << 17;
    const long us = MIN_DELAY_US + (long)(delay_state % DELAY_SPREAD_US);
    const struct itimerspec when = {{0, 0}, {0, us * 1000}};
    timer_settime(timer, 0, &when, NULL); /* async-signal-safe */
}

/* Counts chunk runs; one run of the whole job means it ran alone. Atomic:
 * when the pool is free, a worker and the caller run a piece each. */
typedef struct probe {
    atomic_int runs;
    size_t first_begin, first_end;
} probe;

static void probe_piece(void *arg, size_t begin, size_t end) {
    probe *p = arg;
    if (atomic_fetch_add(&p->runs, 1) == 0) {
        p->first_begin = begin;
        p->first_end = end;
    }
}

static int pool_is_held(void) {
    probe p = {0, 0, 0};
    crelu__parallel_for(2, 128, 64, probe_piece, &p);
    return p.runs == 1 && p.first_begin == 0 && p.first_end == 128;
}

#define HANDLER_CHECK(ok)                 \
    do {                                  \
        if (!(ok)) {                      \
            handler_failures++;           \
            if (first_failure_line == 0) { \
                first_failure_line = __LINE__; \
            }                             \
        }                                 \
    } while (0)

static void on_signal(int signo) {
    (void)signo;
    const int interrupted_errno = errno;
    errno = E2BIG; /* a value no call of the library sets */
    landed++;
    if (pool_is_held()) {
        landed_while_held++;
    }
    buffers *b = &handler_data;
    const size_t bytes = HANDLER_N * sizeof(float);
    memset(b->y, 0xEE, bytes);
    HANDLER_CHECK(crelu_relu_f32(b->x, b->y, HANDLER_N) == CRELU_OK);
    HANDLER_CHECK(memcmp(b->y, b->want_y, bytes) == 0);
    memset(b->dx, 0xEE, bytes);
    HANDLER_CHECK(crelu_relu_backward_f32(b->x, b->dy, b->dx, HANDLER_N) == CRELU_OK);
    HANDLER_CHECK(memcmp(b->dx, b->want_dx, bytes) == 0);
    /* A context's forward allocates nothing once its buffer fits. */
    memset(b->y, 0xEE, bytes);
    HANDLER_CHECK(crelu_forward_f32(handler_ctx, b->x, b->y, HANDLER_N) == CRELU_OK);
    HANDLER_CHECK(memcmp(b->y, b->want_y, bytes) == 0);
    memset(b->dx, 0xEE, bytes);
    HANDLER_CHECK(crelu_backward_f32(handler_ctx, b->dy, b->dx, HANDLER_N) == CRELU_OK);
    HANDLER_CHECK(memcmp(b->dx, b->want_dx, bytes) == 0);
    if (errno != E2BIG) {
        errno_changed++;
    }
    errno = interrupted_errno;
    arm_timer();
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

int main(void) {
    alarm(WATCHDOG_S); /* SIGALRM's default action ends a hung run */
    const int threads = crelu__default_threads();
    if (threads < 2) {
        fprintf(stderr, "signals: FAIL: the pool cannot split on this host (%d thread): no "
                        "signal can land while a call holds it, so this test proves nothing "
                        "here\n", threads);
        return 1;
    }
    buffers_make(&main_data, MAIN_N, 1);
    buffers_make(&handler_data, HANDLER_N, 2);
    if (crelu_create(&handler_ctx) != CRELU_OK) {
        fprintf(stderr, "signals: crelu_create failed\n");
        return 1;
    }
    /* The promise starts once one call has returned (it starts the pool's
     * workers and picks the kernels), and once the handler's context has
     * its buffer. */
    if (crelu_relu_f32(main_data.x, main_data.y, MAIN_N) != CRELU_OK ||
        crelu_forward_f32(handler_ctx, handler_data.x, handler_data.y, HANDLER_N) != CRELU_OK) {
        fprintf(stderr, "signals: the first calls failed\n");
        return 1;
    }

    /* No SA_RESTART: the interrupted futex waits see EINTR. */
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGUSR1;
    if (sigaction(SIGUSR1, &action, NULL) != 0 ||
        timer_create(CLOCK_MONOTONIC, &event, &timer) != 0) {
        perror("signals: sigaction/timer_create");
        return 1;
    }

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    arm_timer();
    const size_t bytes = (size_t)MAIN_N * sizeof(float);
    long calls = 0, main_failures = 0;
    while (landed_while_held < MIN_LANDED_WHILE_HELD && seconds_since(&start) < GIVE_UP_S) {
        buffers *b = &main_data;
        memset(b->y, 0xEE, bytes);
        main_failures += crelu_relu_f32(b->x, b->y, MAIN_N) != CRELU_OK;
        main_failures += memcmp(b->y, b->want_y, bytes) != 0;
        memset(b->dx, 0xEE, bytes);
        main_failures += crelu_relu_backward_f32(b->x, b->dy, b->dx, MAIN_N) != CRELU_OK;
        main_failures += memcmp(b->dx, b->want_dx, bytes) != 0;
        calls += 2;
    }
    const struct itimerspec stop = {{0, 0}, {0, 0}};
    timer_settime(timer, 0, &stop, NULL);

    printf("signals: %ld pooled calls in %.1f s; %d signals landed, %d of them while the "
           "interrupted call held the pool (at least %d needed)\n",
           calls, seconds_since(&start), (int)landed, (int)landed_while_held,
           MIN_LANDED_WHILE_HELD);
    int failed = 0;
    if (landed_while_held < MIN_LANDED_WHILE_HELD) {
        fprintf(stderr, "signals: FAIL: too few signals landed while the pool was held\n");
        failed = 1;
    }
    if (handler_failures > 0) {
        fprintf(stderr, "signals: FAIL: %d wrong statuses or results in the handler (first at "
                        "line %d)\n", (int)handler_failures, (int)first_failure_line);
        failed = 1;
    }
    if (errno_changed > 0) {
        fprintf(stderr, "signals: FAIL: the handler's calls changed errno %d times\n",
                (int)errno_changed);
        failed = 1;
    }
    if (main_failures > 0) {
        fprintf(stderr, "signals: FAIL: %ld wrong statuses or results in interrupted calls\n",
                main_failures);
        failed = 1;
    }
    crelu_destroy(handler_ctx);
    return failed;
}
