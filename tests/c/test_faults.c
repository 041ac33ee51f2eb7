/* SPDX-License-Identifier: MIT */
/* Fault injection. Allocation: a scenario that reaches every allocation a
 * context makes is replayed with the k-th allocation refused, for k = 1, 2,
 * ... until a run refuses nothing; each refusal must come back as
 * CRELU_ERR_OUT_OF_MEMORY with nothing changed, nothing leaked, and the
 * context still usable. Threads: pthread_create is wrapped at link time
 * (-Wl,--wrap=pthread_create on this executable only) so the pool's
 * workers can be refused, and results must stay the reference's.
 *
 * White-box (static library only): the wrap reaches the library's own
 * pthread_create call only when its objects are linked into this
 * executable, and small_tuning() puts small arrays through the pool. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counting_allocator.h"
#include "helpers.h"
#include "thread_count.h"

/* ---- allocation failures ---- */

/* One forward of the scenario, followed by a backward. The sizes allocate
 * the saved-state buffer once and grow it four times, and reuse it in
 * between (a smaller mask, an exact fit), through both dtypes, both save
 * modes and several rows of the table. */
enum { N1 = 1000, N2 = 3001, N3 = 5000 };

typedef struct step {
    const dtype_api *t;
    int save;
    size_t config;
    size_t n;
} step;

static const step steps[] = {
    {&test_f32, CRELU_SAVE_X, 0, N1},        /* first buffer: 4000 bytes */
    {&test_f32, CRELU_SAVE_X, 2, N2},        /* grows to 12004 */
    {&test_f32, CRELU_SAVE_MASK, 6, N2},     /* a 376-byte mask: fits */
    {&test_f64, CRELU_SAVE_X, 4, N2},        /* grows to 24008 */
    {&test_f64, CRELU_SAVE_MASK, 9, N3},     /* 625: fits */
    {&test_f32, CRELU_SAVE_X, 1, 2 * N3},    /* grows to 40000 */
    {&test_f64, CRELU_SAVE_X, 3, N3},        /* 40000, exactly the buffer: fits */
    {&test_f64, CRELU_SAVE_X, 5, 2 * N3},    /* grows to 80000 */
    {&test_f32, CRELU_SAVE_MASK, 7, 2 * N3}, /* 1250: fits */
};
enum { STEPS = sizeof steps / sizeof steps[0], MAX_N = 2 * N3 };

/* Inputs and reference results of each step, computed once. */
typedef struct expected {
    void *x, *dy, *want_y, *want_dx;
} expected;

static expected expect[STEPS];

static void make_expected(void) {
    for (size_t s = 0; s < STEPS; s++) {
        const step *st = &steps[s];
        const crelu__op op = op_of(&test_configs[st->config]);
        expected *e = &expect[s];
        void **all[] = {&e->x, &e->dy, &e->want_y, &e->want_dx};
        for (size_t i = 0; i < 4; i++) {
            *all[i] = malloc(st->n * st->t->size);
            cr_assert_not_null(*all[i]);
        }
        fill_inputs(st->t, e->x, st->n, 10 + s);
        fill_inputs(st->t, e->dy, st->n, 30 + s);
        st->t->ref_forward(&op, e->x, e->want_y, st->n);
        /* Both save modes give the same backward: the reference from x. */
        st->t->ref_backward_x(&op, e->x, e->dy, e->want_dx, st->n);
    }
}

static void free_expected(void) {
    for (size_t s = 0; s < STEPS; s++) {
        free(expect[s].x);
        free(expect[s].dy);
        free(expect[s].want_y);
        free(expect[s].want_dx);
    }
}

enum { MARK = 0xEE };

static void assert_marked(const void *buf, size_t bytes, const char *what, size_t k) {
    const unsigned char *p = buf;
    for (size_t i = 0; i < bytes; i++) {
        cr_assert_eq(p[i], MARK, "k=%zu: %s: byte %zu was written", k, what, i);
    }
}

/* Backward of step `last` (or none yet) as the context must still give it. */
static void assert_state_of(crelu_ctx *ctx, int last, void *dx, size_t k) {
    if (last < 0) {
        memset(dx, MARK, MAX_N * sizeof(double));
        cr_assert_eq(test_f32.backward(ctx, expect[0].dy, dx, N1), CRELU_ERR_NO_FORWARD,
                     "k=%zu: a failed first forward must leave no saved state", k);
        assert_marked(dx, N1 * sizeof(float), "backward with no forward", k);
        return;
    }
    const step *st = &steps[last];
    cr_assert_eq(st->t->backward(ctx, expect[last].dy, dx, st->n), CRELU_OK,
                 "k=%zu: the forward before the failure is no longer served", k);
    assert_same_bits(st->t, dx, expect[last].want_dx, st->n,
                     "backward of the forward before the failed one");
}

typedef struct walk_result {
    size_t attempts; /* allocations the run attempted */
    size_t refused;  /* of which refused (0 or 1) */
} walk_result;

/* The scenario with allocation `k` refused (0: none). */
static walk_result run_scenario(size_t k) {
    counting_allocator a = {.fail_at = k};
    crelu_ctx *ctx = (crelu_ctx *)&a; /* must be overwritten with NULL on failure */
    int status = crelu_create_with_allocator(&ctx, counting_alloc, counting_free, &a);
    if (a.refused != 0) {
        cr_assert_eq(status, CRELU_ERR_OUT_OF_MEMORY, "k=%zu: create", k);
        cr_assert_null(ctx, "k=%zu: *out must be NULL after a failed create", k);
        cr_assert_eq(a.live_bytes, 0, "k=%zu: a failed create leaked", k);
        status = crelu_create_with_allocator(&ctx, counting_alloc, counting_free, &a);
    }
    cr_assert_eq(status, CRELU_OK, "k=%zu: create", k);

    void *y = malloc(MAX_N * sizeof(double));
    void *dx = malloc(MAX_N * sizeof(double));
    cr_assert(y != NULL && dx != NULL);
    int last = -1; /* the last step whose forward succeeded */
    for (size_t s = 0; s < STEPS; s++) {
        const step *st = &steps[s];
        const size_t bytes = st->n * st->t->size;
        const size_t attempts_before = a.attempts, refused_before = a.refused;
        apply_config(ctx, &test_configs[st->config], st->save);
        cr_assert_eq(a.attempts, attempts_before, "k=%zu: a setter allocated", k);

        const size_t held = crelu_sizeof_ctx(ctx);
        memset(y, MARK, bytes);
        status = st->t->forward(ctx, expect[s].x, y, st->n);
        if (a.refused != refused_before) {
            cr_assert_eq(status, CRELU_ERR_OUT_OF_MEMORY, "k=%zu: step %zu", k, s);
            assert_marked(y, bytes, "output of the failed forward", k);
            cr_assert_eq(crelu_sizeof_ctx(ctx), held, "k=%zu: the failed forward kept memory", k);
            assert_state_of(ctx, last, dx, k);
            if (last >= 0 && (steps[last].n != st->n || steps[last].t != st->t)) {
                /* The failed forward's size or dtype did not become the saved one. */
                cr_assert_neq(st->t->backward(ctx, expect[s].dy, dx, st->n), CRELU_OK,
                              "k=%zu: the failed forward's shape was saved", k);
            }
            a.fail_at = 0; /* memory is back: the same call must now work */
            status = st->t->forward(ctx, expect[s].x, y, st->n);
        }
        cr_assert_eq(status, CRELU_OK, "k=%zu: step %zu forward", k, s);
        assert_same_bits(st->t, y, expect[s].want_y, st->n, "forward");
        last = (int)s;

        const size_t attempts_forward = a.attempts;
        cr_assert_eq(st->t->backward(ctx, expect[s].dy, dx, st->n), CRELU_OK,
                     "k=%zu: step %zu backward", k, s);
        assert_same_bits(st->t, dx, expect[s].want_dx, st->n, "backward");
        cr_assert_eq(a.attempts, attempts_forward, "k=%zu: backward allocated", k);
    }
    free(y);
    free(dx);
    crelu_destroy(ctx);
    cr_assert_eq(a.live_bytes, 0, "k=%zu: %zu bytes leaked", k, a.live_bytes);
    cr_assert_eq(a.allocs, a.frees, "k=%zu: %zu allocations, %zu frees", k, a.allocs, a.frees);
    return (walk_result){a.attempts, a.refused};
}

Test(faults, every_allocation_can_fail_cleanly) {
    make_expected();
    const walk_result clean = run_scenario(0);
    cr_assert_eq(clean.refused, 0);
    /* The context itself, the saved-state buffer and its four growths. */
    cr_assert_eq(clean.attempts, 6, "the scenario makes %zu allocations", clean.attempts);
    size_t k = 1;
    for (;; k++) {
        const walk_result r = run_scenario(k);
        if (r.refused == 0) {
            break;
        }
        cr_assert_eq(r.refused, 1);
        cr_assert_eq(r.attempts, clean.attempts + 1, "k=%zu: the retry is the only extra", k);
    }
    cr_assert_eq(k, clean.attempts + 1, "walked k = 1..%zu", k);
    fprintf(stderr, "faults: %zu allocation points, %zu values of k walked\n", clean.attempts, k);
    free_expected();
}

/* ---- pthread_create failures ---- */

int __real_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          void *(*start)(void *), void *arg);
int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          void *(*start)(void *), void *arg);

/* How many more creations succeed; -1 = all (pthread_create as usual). */
static atomic_int creates_left = -1;
static atomic_int creates_refused;
/* What a refused creation returns: EAGAIN is glibc's answer to a failed
 * stack mmap or a thread limit, so it is also what a failing allocation
 * inside pthread_create looks like to the caller. */
static atomic_int refusal = EAGAIN;

int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          void *(*start)(void *), void *arg) {
    int left = atomic_load(&creates_left);
    if (left == 0) {
        atomic_fetch_add(&creates_refused, 1);
        return atomic_load(&refusal);
    }
    if (left > 0) {
        atomic_fetch_sub(&creates_left, 1);
    }
    return __real_pthread_create(thread, attr, start, arg);
}

enum { BIG_N = 300001 };

/* Pieces of 256 KiB: BIG_N splits into several for every dtype and call. */
static void small_tuning(void) {
    static const crelu__tuning tuning = {512 * 1024, 256 * 1024};
    crelu__tuning_override(&tuning);
    setenv("CRELU_NUM_THREADS", "4", 1); /* for the stateless functions */
}

/* Context calls on 4 threads in both save modes and the stateless functions,
 * for both dtypes, against the reference. */
static void big_calls_match_the_reference(void) {
    for (size_t d = 0; d < 2; d++) {
        const dtype_api *t = test_dtypes[d];
        const test_config *config = &test_configs[2 + d];
        const crelu__op op = op_of(config);
        const crelu__op relu = op_of(&test_configs[0]);
        void *x = malloc(BIG_N * t->size), *dy = malloc(BIG_N * t->size);
        void *y = malloc(BIG_N * t->size), *dx = malloc(BIG_N * t->size);
        void *want_y = malloc(BIG_N * t->size), *want_dx = malloc(BIG_N * t->size);
        cr_assert(x && dy && y && dx && want_y && want_dx);
        fill_inputs(t, x, BIG_N, 7);
        fill_inputs(t, dy, BIG_N, 8);
        t->ref_forward(&op, x, want_y, BIG_N);
        t->ref_backward_x(&op, x, dy, want_dx, BIG_N);
        for (int save = CRELU_SAVE_X; save <= CRELU_SAVE_MASK; save++) {
            crelu_ctx *ctx;
            cr_assert_eq(crelu_create(&ctx), CRELU_OK);
            apply_config(ctx, config, save);
            cr_assert_eq(crelu_set_num_threads(ctx, 4), CRELU_OK);
            cr_assert_eq(t->forward(ctx, x, y, BIG_N), CRELU_OK);
            assert_same_bits(t, y, want_y, BIG_N, "forward");
            cr_assert_eq(t->backward(ctx, dy, dx, BIG_N), CRELU_OK);
            assert_same_bits(t, dx, want_dx, BIG_N, "backward");
            crelu_destroy(ctx);
        }
        t->ref_forward(&relu, x, want_y, BIG_N);
        t->ref_backward_x(&relu, x, dy, want_dx, BIG_N);
        cr_assert_eq(t->relu(x, y, BIG_N), CRELU_OK);
        assert_same_bits(t, y, want_y, BIG_N, "stateless forward");
        cr_assert_eq(t->relu_backward(x, dy, dx, BIG_N), CRELU_OK);
        assert_same_bits(t, dx, want_dx, BIG_N, "stateless backward");
        void *all[] = {x, dy, y, dx, want_y, want_dx};
        for (size_t i = 0; i < 6; i++) {
            free(all[i]);
        }
    }
}

/* No worker can start (creations fail, as when the process is out of
 * threads or memory): every call runs on its caller. Once creation works
 * again, the next big call starts the workers it wants. */
static void no_worker_starts(int error) {
    atomic_store(&refusal, error);
    atomic_store(&creates_left, 0);
    const int before = thread_count();
    big_calls_match_the_reference();
    cr_assert_gt(atomic_load(&creates_refused), 0, "the pool never tried to start a worker");
    const int after_refusals = thread_count();
    cr_assert_eq(after_refusals, before, "a refused worker is running: %d threads before, %d after",
                 before, after_refusals);

    atomic_store(&creates_left, -1);
    big_calls_match_the_reference();
    cr_assert_eq(thread_count(), before + 3, "4 threads asked for: the caller and 3 workers");
}

Test(faults, no_worker_can_start_eagain, .init = small_tuning) {
    no_worker_starts(EAGAIN);
}

Test(faults, no_worker_can_start_enomem, .init = small_tuning) {
    no_worker_starts(ENOMEM);
}

/* The first worker starts, the second is refused: the call runs on two
 * threads; later calls keep trying and fill the pool once they can. */
Test(faults, some_workers_start, .init = small_tuning) {
    atomic_store(&creates_left, 1);
    const int before = thread_count();
    big_calls_match_the_reference();
    cr_assert_gt(atomic_load(&creates_refused), 0);
    cr_assert_eq(thread_count(), before + 1, "exactly the one allowed worker runs");

    atomic_store(&creates_left, -1);
    big_calls_match_the_reference();
    cr_assert_eq(thread_count(), before + 3);
}
