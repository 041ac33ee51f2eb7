/* SPDX-License-Identifier: MIT */
/* Threads: results are the reference's whatever the thread count, the pool
 * starts only for big calls and only as many workers as asked for,
 * CRELU_NUM_THREADS sets the automatic count, several application threads
 * can run big calls at once, and a forked child still works. Each Test runs
 * in its own process (Criterion forks), so each sees a fresh pool.
 *
 * White-box (static library only): the measured thresholds split only calls
 * of tens of MiB, so most tests shrink them (small_tuning) to put arrays of
 * ~1 MiB through the threaded and streaming paths. */
#define _GNU_SOURCE /* setenv, fork, sched_getcpu, CPU_* */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "thread_count.h"

/* Big enough that every dtype and call splits into several pieces; odd, so
 * the last piece is ragged. */
enum { BIG_N = 300001, SMALL_N = 4096 };

/* Pieces of 256 KiB and streaming from 512 KiB: BIG_N splits in several
 * pieces for every dtype and call, and streams. */
static void small_tuning(void) {
    static const crelu__tuning tuning = {512 * 1024, 256 * 1024};
    crelu__tuning_override(&tuning);
}

typedef struct arrays {
    void *x, *dy, *y, *dx, *want_y, *want_dx;
} arrays;

static arrays arrays_make(const dtype_api *t, const crelu__op *op, size_t n, uint64_t seed) {
    arrays a;
    void **all[] = {&a.x, &a.dy, &a.y, &a.dx, &a.want_y, &a.want_dx};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        *all[i] = malloc(n * t->size);
        cr_assert_not_null(*all[i]);
    }
    fill_inputs(t, a.x, n, seed);
    fill_inputs(t, a.dy, n, seed + 1);
    t->ref_forward(op, a.x, a.want_y, n);
    t->ref_backward_x(op, a.x, a.dy, a.want_dx, n);
    return a;
}

static void arrays_free(arrays *a) {
    void *all[] = {a->x, a->dy, a->y, a->dx, a->want_y, a->want_dx};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        free(all[i]);
    }
}

/* Forward and backward through a context with `threads` threads, both save
 * modes, against the reference. */
static void check_context(const dtype_api *t, const test_config *config, int threads,
                          const arrays *a, size_t n) {
    for (int save = CRELU_SAVE_X; save <= CRELU_SAVE_MASK; save++) {
        crelu_ctx *ctx;
        cr_assert_eq(crelu_create(&ctx), CRELU_OK);
        apply_config(ctx, config, save);
        cr_assert_eq(crelu_set_num_threads(ctx, threads), CRELU_OK);
        cr_assert_eq(t->forward(ctx, a->x, a->y, n), CRELU_OK);
        assert_same_bits(t, a->y, a->want_y, n, config->name);
        cr_assert_eq(t->backward(ctx, a->dy, a->dx, n), CRELU_OK);
        assert_same_bits(t, a->dx, a->want_dx, n, config->name);
        crelu_destroy(ctx);
    }
}

static void every_thread_count(const dtype_api *t) {
    static const int counts[] = {0, 1, 2, 3, 5};
    for (size_t c = 0; c < test_config_count; c++) {
        const crelu__op op = op_of(&test_configs[c]);
        arrays a = arrays_make(t, &op, BIG_N, 5 * c);
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            check_context(t, &test_configs[c], counts[i], &a, BIG_N);
        }
        arrays_free(&a);
    }
}

Test(threads, f32_results_match_the_reference_for_every_thread_count, .init = small_tuning) {
    every_thread_count(&test_f32);
}
Test(threads, f64_results_match_the_reference_for_every_thread_count, .init = small_tuning) {
    every_thread_count(&test_f64);
}
Test(threads, bf16_results_match_the_reference_for_every_thread_count, .init = small_tuning) {
    every_thread_count(&test_bf16);
}
Test(threads, f16_results_match_the_reference_for_every_thread_count, .init = small_tuning) {
    every_thread_count(&test_f16);
}

static void stateless_big(const dtype_api *t) {
    const crelu__op op = op_of(&test_configs[0]); /* plain ReLU, PyTorch's rule */
    arrays a = arrays_make(t, &op, BIG_N, 99);
    cr_assert_eq(t->relu(a.x, a.y, BIG_N), CRELU_OK);
    assert_same_bits(t, a.y, a.want_y, BIG_N, "relu");
    cr_assert_eq(t->relu_backward(a.x, a.dy, a.dx, BIG_N), CRELU_OK);
    assert_same_bits(t, a.dx, a.want_dx, BIG_N, "relu_backward");
    /* In place, as the stateless functions allow. */
    cr_assert_eq(t->relu_backward(a.x, a.dy, a.dy, BIG_N), CRELU_OK);
    assert_same_bits(t, a.dy, a.want_dx, BIG_N, "relu_backward in place");
    cr_assert_eq(t->relu(a.x, a.x, BIG_N), CRELU_OK);
    assert_same_bits(t, a.x, a.want_y, BIG_N, "relu in place");
    arrays_free(&a);
}

Test(threads, stateless_functions_match_the_reference_at_big_sizes, .init = small_tuning) {
    setenv("CRELU_NUM_THREADS", "4", 1);
    stateless_big(&test_f32);
    stateless_big(&test_f64);
    stateless_big(&test_bf16);
    stateless_big(&test_f16);
}

Test(threads, calls_below_two_measured_pieces_start_no_thread) {
    /* The library's own tuning: a float32 forward of piece_bytes / 8
     * elements touches one piece's worth (2 arrays) or 1.5 (3 arrays). */
    const size_t n = crelu__tuning_now()->piece_bytes / sizeof(float) / 2;
    const crelu__op op = op_of(&test_configs[0]);
    arrays a = arrays_make(&test_f32, &op, n, 6);
    const int before = thread_count();
    check_context(&test_f32, &test_configs[0], 8, &a, n);
    cr_assert_eq(thread_count(), before, "a %zu-element call started threads", n);
    arrays_free(&a);
}

Test(threads, calls_of_two_measured_pieces_start_a_worker) {
    /* A float32 forward of piece_bytes / 4 elements touches two pieces. */
    const size_t n = crelu__tuning_now()->piece_bytes / sizeof(float);
    if (n > ((size_t)64 << 20) / sizeof(float)) {
        cr_skip_test("the last-level cache is too big for a quick test");
    }
    const crelu__op op = op_of(&test_configs[0]);
    arrays a = arrays_make(&test_f32, &op, n, 7);
    const int before = thread_count();
    check_context(&test_f32, &test_configs[0], 2, &a, n);
    cr_assert_eq(thread_count(), before + 1, "a two-piece call on 2 threads starts 1 worker");
    arrays_free(&a);
}

Test(threads, small_calls_start_no_thread, .init = small_tuning) {
    const crelu__op op = op_of(&test_configs[0]);
    arrays a = arrays_make(&test_f32, &op, SMALL_N, 1);
    const int before = thread_count();
    check_context(&test_f32, &test_configs[0], 8, &a, SMALL_N);
    cr_assert_eq(crelu_relu_f32(a.x, a.y, SMALL_N), CRELU_OK);
    cr_assert_eq(thread_count(), before, "a %d-element call started threads", SMALL_N);
    arrays_free(&a);
}

Test(threads, big_calls_start_as_many_workers_as_asked, .init = small_tuning) {
    const crelu__op op = op_of(&test_configs[0]);
    arrays a = arrays_make(&test_f32, &op, BIG_N, 2);
    const int before = thread_count();
    check_context(&test_f32, &test_configs[0], 1, &a, BIG_N);
    cr_assert_eq(thread_count(), before, "one thread asked for, yet workers started");
    check_context(&test_f32, &test_configs[0], 3, &a, BIG_N);
    cr_assert_eq(thread_count(), before + 2, "3 threads = the caller and 2 workers");
    arrays_free(&a);
}

/* CRELU_OPENMP=1 where no libgomp is loaded (this program has none): the
 * pool runs the call, as without the variable (test_openmp.c has the rest). */
Test(threads, crelu_openmp_without_libgomp_leaves_calls_to_the_pool, .init = small_tuning) {
    setenv("CRELU_OPENMP", "1", 1);
    const crelu__op op = op_of(&test_configs[0]);
    arrays a = arrays_make(&test_f32, &op, BIG_N, 3);
    const int before = thread_count();
    check_context(&test_f32, &test_configs[0], 2, &a, BIG_N);
    cr_assert_eq(thread_count(), before + 1, "2 threads = the caller and a pool worker");
    arrays_free(&a);
}

/* crelu__leave_cpu, which a worker runs when a call wakes it: on the
 * caller's CPU, with another CPU allowed, it moves and keeps its affinity
 * mask; anywhere else, or pinned to that one CPU, it does nothing. The
 * thread may migrate between sched_getcpu() and the call: hence tries. */
Test(threads, a_worker_on_its_callers_cpu_moves_off_it_and_keeps_its_mask) {
    cpu_set_t before, after;
    cr_assert_eq(sched_getaffinity(0, sizeof before, &before), 0);
    cr_assert_eq(crelu__leave_cpu(-1), 0, "-1: the caller's CPU is unknown");
    cr_assert_eq(crelu__leave_cpu(CPU_SETSIZE - 1), 0, "a CPU this thread is not on");
    int moved = 0;
    for (int attempt = 0; attempt < 100 && !moved; attempt++) {
        moved = crelu__leave_cpu(sched_getcpu());
        cr_assert_eq(sched_getaffinity(0, sizeof after, &after), 0);
        cr_assert(CPU_EQUAL(&before, &after), "the affinity mask is restored");
    }
    cr_assert_eq(moved, CPU_COUNT(&before) >= 2, "moves off its CPU when it has another");

    const int here = sched_getcpu();
    cr_assert_geq(here, 0);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET((size_t)here, &one);
    cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
    cr_assert_eq(crelu__leave_cpu(here), 0, "pinned to the caller's CPU: nowhere to go");
    cr_assert_eq(sched_getaffinity(0, sizeof after, &after), 0);
    cr_assert(CPU_EQUAL(&one, &after));
    cr_assert_eq(sched_setaffinity(0, sizeof before, &before), 0);
}

Test(threads, crelu_num_threads_sets_the_automatic_count, .init = small_tuning) {
    setenv("CRELU_NUM_THREADS", "1", 1);
    const crelu__op op = op_of(&test_configs[0]);
    arrays a = arrays_make(&test_f32, &op, BIG_N, 3);
    const int before = thread_count();
    cr_assert_eq(crelu_relu_f32(a.x, a.y, BIG_N), CRELU_OK);
    check_context(&test_f32, &test_configs[0], 0, &a, BIG_N);
    cr_assert_eq(thread_count(), before, "CRELU_NUM_THREADS=1, yet workers started");
    arrays_free(&a);
}

/* Several application threads, each with its own context, running big
 * calls at once: one gets the pool, the others run on their own thread. */
typedef struct driver {
    const test_config *config;
    const arrays *a;
} driver;

static void *drive(void *arg) {
    const driver *d = arg;
    for (int round = 0; round < 4; round++) {
        check_context(&test_f64, d->config, 2, d->a, BIG_N);
    }
    return NULL;
}

Test(threads, application_threads_share_the_pool, .init = small_tuning) {
    enum { DRIVERS = 4 };
    pthread_t threads[DRIVERS];
    driver drivers[DRIVERS];
    arrays a[DRIVERS];
    for (int i = 0; i < DRIVERS; i++) {
        const crelu__op op = op_of(&test_configs[2 * i]);
        a[i] = arrays_make(&test_f64, &op, BIG_N, 40 + (uint64_t)i);
        drivers[i] = (driver){&test_configs[2 * i], &a[i]};
        cr_assert_eq(pthread_create(&threads[i], NULL, drive, &drivers[i]), 0);
    }
    for (int i = 0; i < DRIVERS; i++) {
        cr_assert_eq(pthread_join(threads[i], NULL), 0);
        arrays_free(&a[i]);
    }
}

Test(threads, a_forked_child_runs_big_calls, .init = small_tuning) {
    const crelu__op op = op_of(&test_configs[0]);
    arrays a = arrays_make(&test_f32, &op, BIG_N, 4);
    check_context(&test_f32, &test_configs[0], 2, &a, BIG_N); /* the pool is running */
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) {
        /* The workers were not copied: the child must start its own. */
        crelu_ctx *ctx;
        int ok = crelu_create(&ctx) == CRELU_OK && crelu_set_num_threads(ctx, 2) == CRELU_OK &&
                 crelu_forward_f32(ctx, a.x, a.y, BIG_N) == CRELU_OK &&
                 memcmp(a.y, a.want_y, BIG_N * sizeof(float)) == 0 &&
                 crelu_backward_f32(ctx, a.dy, a.dx, BIG_N) == CRELU_OK &&
                 memcmp(a.dx, a.want_dx, BIG_N * sizeof(float)) == 0 && thread_count() == 2;
        crelu_destroy(ctx);
        exit(ok ? 0 : 1); /* not _exit: coverage counts are written at exit */
    }
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "the child's threaded calls failed or hung");
    check_context(&test_f32, &test_configs[0], 2, &a, BIG_N); /* the parent's pool still works */
    arrays_free(&a);
}

Test(threads, fewer_pieces_than_threads_start_one_worker_per_piece, .init = small_tuning) {
    /* 98304 float32 elements are 384 KiB per array. Pieces of 256 KiB over
     * the 2 or 3 arrays a call touches make 3 or 4 pieces worth: 8 threads
     * asked for, at most 4 used, so at most 3 workers. */
    enum { N = 98304 };
    const crelu__op op = op_of(&test_configs[0]);
    arrays a = arrays_make(&test_f32, &op, N, 8);
    const int before = thread_count();
    check_context(&test_f32, &test_configs[0], 8, &a, N);
    cr_assert_eq(thread_count(), before + 3, "a call of 4 pieces at most started %d workers",
                 thread_count() - before);
    arrays_free(&a);
}

/* The 16-bit dtypes cut into the smallest chunks run.c makes (32 KiB
 * touched: 5462 to 8192 elements) on many threads, streaming, with ragged
 * ends: a chunk's mask starts at byte begin / 8 whatever the element size. */
Test(threads, half_dtypes_in_the_smallest_chunks_give_whole_results) {
    static const crelu__tuning tiny = {1, 1};
    crelu__tuning_override(&tiny);
    static const size_t sizes[] = {16447, 49157};
    for (size_t d = 0; d < 2; d++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            for (size_t c = 0; c < test_config_count; c++) {
                const crelu__op op = op_of(&test_configs[c]);
                arrays a = arrays_make(test_half_dtypes[d], &op, sizes[s], 20 + c);
                check_context(test_half_dtypes[d], &test_configs[c], 7, &a, sizes[s]);
                arrays_free(&a);
            }
        }
    }
}

Test(threads, a_degenerate_tuning_still_gives_whole_results) {
    /* Pieces of 1 byte: less than one per array, and fewer elements than
     * threads asked for. Pieces are still whole multiples of 64 elements,
     * so 100 elements make two: one worker at most. */
    static const crelu__tuning degenerate = {1, 1};
    crelu__tuning_override(&degenerate);
    enum { N = 100 };
    for (size_t c = 0; c < test_config_count; c++) {
        const crelu__op op = op_of(&test_configs[c]);
        arrays a = arrays_make(&test_f64, &op, N, 10 + c);
        const int before = thread_count();
        check_context(&test_f64, &test_configs[c], 1000, &a, N);
        cr_assert_leq(thread_count(), before + 1);
        arrays_free(&a);
    }
}

/* ---- the pool itself, called directly ---- */

/* A job whose pieces wait until released, so that the pool stays busy. */
typedef struct held_job {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int pieces_running;
    int released;
} held_job;

static void held_piece(void *arg, size_t begin, size_t end) {
    (void)begin;
    (void)end;
    held_job *job = arg;
    pthread_mutex_lock(&job->lock);
    job->pieces_running++;
    pthread_cond_broadcast(&job->changed);
    while (!job->released) {
        pthread_cond_wait(&job->changed, &job->lock);
    }
    pthread_mutex_unlock(&job->lock);
}

static void *run_held_job(void *arg) {
    crelu__parallel_for(2, 1024, 64, held_piece, arg);
    return NULL;
}

/* Records how a job was run: as how many pieces, the last one's bounds and
 * thread. */
typedef struct recorded {
    int calls;
    size_t begin, end;
    pthread_t thread;
} recorded;

static void recording_piece(void *arg, size_t begin, size_t end) {
    recorded *r = arg;
    r->calls++;
    r->begin = begin;
    r->end = end;
    r->thread = pthread_self();
}

Test(threads, a_call_while_the_pool_is_busy_runs_whole_on_its_caller, .timeout = 30) {
    held_job job = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    pthread_t holder;
    cr_assert_eq(pthread_create(&holder, NULL, run_held_job, &job), 0);
    pthread_mutex_lock(&job.lock);
    while (job.pieces_running == 0) { /* the pool is taken before any piece runs */
        pthread_cond_wait(&job.changed, &job.lock);
    }
    pthread_mutex_unlock(&job.lock);

    recorded r = {0, 0, 0, pthread_self()};
    crelu__parallel_for(2, 4096, 64, recording_piece, &r);

    pthread_mutex_lock(&job.lock);
    job.released = 1;
    pthread_cond_broadcast(&job.changed);
    pthread_mutex_unlock(&job.lock);
    cr_assert_eq(pthread_join(holder, NULL), 0);
    cr_assert_eq(r.calls, 1, "ran as %d pieces", r.calls);
    cr_assert_eq(r.begin, 0);
    cr_assert_eq(r.end, 4096);
    cr_assert(pthread_equal(r.thread, pthread_self()));
}

static void no_op_piece(void *arg, size_t begin, size_t end) {
    (void)arg;
    (void)begin;
    (void)end;
}

/* After the library's destructor has stopped the pool (at exit, or when
 * libcrelu.so is unloaded), a call from a later destructor must still run,
 * whole and on its caller, and start no worker that would outlive the
 * library. Checked in a child that exits; this destructor runs after the
 * library's (lower priority numbers run later) and reports through a pipe. */
static int after_exit_report = -1;

__attribute__((destructor(101))) static void call_after_the_pool_stopped(void) {
    if (after_exit_report < 0) {
        return;
    }
    recorded r = {0, 0, 0, pthread_self()};
    crelu__parallel_for(4, 4096, 64, recording_piece, &r);
    const char ok = r.calls == 1 && r.begin == 0 && r.end == 4096 &&
                    pthread_equal(r.thread, pthread_self()) && thread_count() == 1;
    if (write(after_exit_report, &ok, 1) != 1) {
        abort();
    }
}

Test(threads, a_call_after_the_pool_stopped_runs_whole_on_its_caller, .init = small_tuning) {
    int report[2];
    cr_assert_eq(pipe(report), 0);
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) {
        /* Start the pool, so that the library's destructor has workers to stop. */
        crelu__parallel_for(2, 4096, 64, no_op_piece, NULL);
        close(report[0]);
        after_exit_report = report[1];
        exit(thread_count() == 2 ? 0 : 1);
    }
    close(report[1]);
    char ok = 0;
    cr_assert_eq(read(report[0], &ok, 1), 1, "the late destructor did not run");
    cr_assert(ok, "a call after the pool stopped was split, or started a worker");
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child's pool did not start");
    close(report[0]);
}

Test(threads, a_job_too_small_to_split_runs_whole_on_its_caller_and_starts_no_worker) {
    static const struct {
        int threads;
        size_t n, piece;
    } cases[] = {
        {1, 1000, 64}, /* one thread */
        {8, 64, 64},   /* one piece holds everything */
        {8, 4, 64},    /* fewer elements than a piece */
        {2, 1000, 0},  /* no piece length: nothing to split by */
    };
    const int before = thread_count();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        recorded r = {0, 0, 0, pthread_self()};
        crelu__parallel_for(cases[i].threads, cases[i].n, cases[i].piece, recording_piece, &r);
        cr_assert_eq(r.calls, 1, "case %zu ran as %d pieces", i, r.calls);
        cr_assert_eq(r.begin, 0);
        cr_assert_eq(r.end, cases[i].n);
        cr_assert(pthread_equal(r.thread, pthread_self()), "case %zu ran on a worker", i);
        cr_assert_eq(thread_count(), before, "case %zu started a worker", i);
    }
}

/* A worker that stalls in its first chunk (as if the OS stopped running it)
 * holds up only that chunk: the caller takes every other one, the rest of
 * the worker's own range included. Each chunk runs exactly once. */
enum { STALL_CHUNKS = 64 };

typedef struct stalled_job {
    pthread_t caller;
    _Atomic int runs[STALL_CHUNKS];
    _Atomic int on_worker;
} stalled_job;

/* The caller's first chunk waits (up to 5 s) for the worker to start one,
 * which then stalls for 100 ms. */
static void stalling_piece(void *arg, size_t begin, size_t end) {
    stalled_job *job = arg;
    cr_assert_eq(end - begin, 64);
    atomic_fetch_add(&job->runs[begin / 64], 1);
    if (pthread_equal(pthread_self(), job->caller)) {
        for (int waited = 0; waited < 5000 && atomic_load(&job->on_worker) == 0; waited++) {
            const struct timespec a_moment = {0, 1000 * 1000};
            nanosleep(&a_moment, NULL);
        }
    } else if (atomic_fetch_add(&job->on_worker, 1) == 0) {
        const struct timespec stall = {0, 100 * 1000 * 1000};
        nanosleep(&stall, NULL);
    }
}

Test(threads, a_stalled_worker_holds_up_only_the_chunk_it_runs, .timeout = 30) {
    stalled_job job = {.caller = pthread_self()};
    crelu__parallel_for(2, STALL_CHUNKS * 64, 64, stalling_piece, &job);
    for (int i = 0; i < STALL_CHUNKS; i++) {
        cr_assert_eq(atomic_load(&job.runs[i]), 1, "chunk %d ran %d times", i,
                     atomic_load(&job.runs[i]));
    }
    cr_assert_eq(atomic_load(&job.on_worker), 1, "the worker ran %d chunks (the caller should "
                 "have taken all but the one it stalled in)", atomic_load(&job.on_worker));
}

/* A thread that runs out of chunks waits a chunk's time before it steals
 * only when some range still has chunks: with none left it is done at once.
 * Two chunks of 200 ms, one per thread, take 200 ms; waiting regardless
 * took at least 400 (each thread a chunk's time more), so 350 leaves the
 * scheduler 150 ms. */
enum { SLOW_CHUNK_MS = 200 };

static void slow_piece(void *arg, size_t begin, size_t end) {
    (void)arg, (void)begin, (void)end;
    const struct timespec slow = {0, SLOW_CHUNK_MS * 1000L * 1000L};
    nanosleep(&slow, NULL);
}

static double monotonic_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

Test(threads, a_thread_with_nothing_left_to_steal_does_not_wait, .timeout = 30) {
    const double start = monotonic_ms();
    crelu__parallel_for(2, 2 * 64, 64, slow_piece, NULL);
    const double took = monotonic_ms() - start;
    cr_assert_lt(took, 1.75 * SLOW_CHUNK_MS, "two chunks of %d ms on two threads took %.0f ms",
                 SLOW_CHUNK_MS, took);
}

Test(threads, the_pool_stops_at_255_workers) {
    /* 1000 chunks and 1000 threads asked for. */
    const int before = thread_count();
    crelu__parallel_for(1000, 1000 * 64, 64, no_op_piece, NULL);
    cr_assert_eq(thread_count(), before + 255);
}

/* Workers started for a call take part in that very call. (Workers once
 * waited for the job after the one they were started for, so the first
 * pooled call, and any that asked for more threads than the pool had, ran
 * whole on its caller.) Every chunk waits until every thread of the call
 * has run one, or 5 s have passed since the call began: no thread can take
 * the others' chunks before they come. */
enum { ALL_HANDS_MAX = 8 };

typedef struct all_hands {
    int wanted; /* threads in the call: the caller and wanted - 1 workers */
    struct timespec give_up;
    pthread_mutex_t lock;
    pthread_t seen[ALL_HANDS_MAX];
    _Atomic int distinct;
} all_hands;

static int before(const struct timespec *a, const struct timespec *b) {
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void all_hands_piece(void *arg, size_t begin, size_t end) {
    (void)begin;
    (void)end;
    all_hands *h = arg;
    pthread_mutex_lock(&h->lock);
    int known = 0;
    for (int i = 0; i < atomic_load(&h->distinct); i++) {
        known |= pthread_equal(h->seen[i], pthread_self());
    }
    if (!known && atomic_load(&h->distinct) < ALL_HANDS_MAX) {
        h->seen[atomic_load(&h->distinct)] = pthread_self();
        atomic_fetch_add(&h->distinct, 1);
    }
    pthread_mutex_unlock(&h->lock);
    struct timespec now;
    while (atomic_load(&h->distinct) < h->wanted &&
           (clock_gettime(CLOCK_MONOTONIC, &now), before(&now, &h->give_up))) {
        const struct timespec a_moment = {0, 1000 * 1000};
        nanosleep(&a_moment, NULL);
    }
}

static int threads_that_ran(int wanted) {
    all_hands h = {.wanted = wanted};
    clock_gettime(CLOCK_MONOTONIC, &h.give_up);
    h.give_up.tv_sec += 5;
    pthread_mutex_init(&h.lock, NULL);
    crelu__parallel_for(wanted, 64 * 64, 64, all_hands_piece, &h);
    pthread_mutex_destroy(&h.lock);
    return atomic_load(&h.distinct);
}

Test(threads, workers_take_part_in_the_call_that_started_them, .timeout = 60) {
    const int before = thread_count();
    const int first = threads_that_ran(3);
    cr_assert_eq(first, 3, "the first pooled call (3 threads) ran on %d", first);
    cr_assert_eq(thread_count(), before + 2);
    cr_assert_eq(threads_that_ran(5), 5, "a call asking for more threads than the pool had");
    cr_assert_eq(thread_count(), before + 4);
    cr_assert_eq(threads_that_ran(5), 5, "a call of as many threads as the pool has");
}
