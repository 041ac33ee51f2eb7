/* SPDX-License-Identifier: MIT */
/* CRELU_OPENMP=1 in a program that uses OpenMP (libgomp is loaded): split
 * calls run on the OpenMP team, one contiguous run of pieces per thread;
 * not without the variable, not inside an OpenMP region, and never in a
 * child of fork(). Results are the same bits either way.
 *
 * White-box: crelu__parallel_for is called with a function that notes, per
 * piece, the OpenMP level and thread number it ran at. The pool's workers
 * are not OpenMP threads (level 0); a call on the team runs at level 1.
 * Each Test runs in its own process (Criterion re-executes the program), so
 * each reads CRELU_OPENMP afresh at its first split call. */
#define _POSIX_C_SOURCE 200809L /* setenv, fork */
#include <criterion/criterion.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

enum { PIECE = 1000, PIECES = 16, MAX_PIECES = 64 };

typedef struct seen {
    _Atomic int runs[MAX_PIECES]; /* how many times each piece ran */
    int level[MAX_PIECES];
    int thread[MAX_PIECES];
} seen;

static void note(void *arg, size_t begin, size_t end) {
    seen *s = arg;
    for (size_t piece = begin / PIECE; piece * PIECE < end; piece++) {
        s->level[piece] = omp_get_level();
        s->thread[piece] = omp_get_thread_num();
        atomic_fetch_add(&s->runs[piece], 1);
    }
}

/* Splits `pieces` pieces (the last one short) over `threads` threads and
 * checks each ran once. */
static void split_over(seen *s, int threads, int pieces) {
    memset(s, 0, sizeof *s);
    crelu__parallel_for(threads, (size_t)pieces * PIECE - 1, PIECE, note, s);
    for (int p = 0; p < pieces; p++) {
        cr_assert_eq(atomic_load(&s->runs[p]), 1, "piece %d ran %d times", p,
                     atomic_load(&s->runs[p]));
    }
}

static void split(seen *s) {
    split_over(s, 2, PIECES);
}

static void warm_up_openmp(void) {
    int threads = 0;
#pragma omp parallel num_threads(2)
    {
#pragma omp atomic
        threads++;
    }
    cr_assert_eq(threads, 2, "OpenMP gave %d threads, not 2", threads);
}

Test(openmp, split_calls_run_on_the_team_in_runs_of_pieces) {
    setenv("CRELU_OPENMP", "1", 1);
    warm_up_openmp();
    seen s;
    split(&s);
    for (int p = 0; p < PIECES; p++) {
        cr_assert_eq(s.level[p], 1, "piece %d ran at OpenMP level %d", p, s.level[p]);
        /* Thread 0 the first half, thread 1 the second: a static schedule. */
        cr_assert_eq(s.thread[p], p < PIECES / 2 ? 0 : 1, "piece %d ran on thread %d", p,
                     s.thread[p]);
    }
}

/* Three pieces, four threads asked for: a team of three, a piece each. */
Test(openmp, fewer_pieces_than_threads_give_a_thread_per_piece) {
    setenv("CRELU_OPENMP", "1", 1);
    warm_up_openmp();
    seen s;
    split_over(&s, 4, 3);
    for (int p = 0; p < 3; p++) {
        cr_assert_eq(s.level[p], 1, "piece %d ran at OpenMP level %d", p, s.level[p]);
        cr_assert_eq(s.thread[p], p, "piece %d ran on thread %d", p, s.thread[p]);
    }
}

Test(openmp, without_the_variable_the_pool_runs_them) {
    unsetenv("CRELU_OPENMP");
    warm_up_openmp();
    seen s;
    split(&s);
    for (int p = 0; p < PIECES; p++) {
        cr_assert_eq(s.level[p], 0, "piece %d ran at OpenMP level %d", p, s.level[p]);
    }
}

Test(openmp, other_values_are_not_1) {
    cr_assert(crelu__openmp_wanted("1"));
    cr_assert_not(crelu__openmp_wanted(NULL));
    cr_assert_not(crelu__openmp_wanted(""));
    cr_assert_not(crelu__openmp_wanted("0"));
    cr_assert_not(crelu__openmp_wanted("yes"));
    cr_assert_not(crelu__openmp_wanted("11"));
}

/* In a region a new one would get a team of one (nesting is off by
 * default): the pool takes the call, and no piece runs a level deeper. */
Test(openmp, inside_a_region_the_pool_runs_them) {
    setenv("CRELU_OPENMP", "1", 1);
    warm_up_openmp();
    seen s;
#pragma omp parallel num_threads(1)
    { split(&s); }
    for (int p = 0; p < PIECES; p++) {
        cr_assert_leq(s.level[p], 1, "piece %d ran at OpenMP level %d", p, s.level[p]);
    }
}

/* libgomp's team is not in a child of fork(): waiting for it would hang.
 * The child's calls go to the pool, whether or not the parent had used the
 * team; alarm() turns a hang into a failure. */
Test(openmp, a_child_of_fork_uses_the_pool) {
    setenv("CRELU_OPENMP", "1", 1);
    warm_up_openmp();
    seen s;
    split(&s);
    cr_assert_eq(s.level[0], 1, "the parent's call did not run on the team");
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) {
        alarm(10);
        memset(&s, 0, sizeof s);
        crelu__parallel_for(2, (size_t)PIECES * PIECE, PIECE, note, &s);
        for (int p = 0; p < PIECES; p++) {
            if (atomic_load(&s.runs[p]) != 1 || s.level[p] != 0) {
                _exit(1);
            }
        }
        _exit(0);
    }
    int status = 0;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "the child failed or hung (status %#x)", (unsigned)status);
}

/* A whole forward through the team: the same bits as on one thread. */
Test(openmp, a_forward_on_the_team_gives_the_one_thread_bits) {
    setenv("CRELU_OPENMP", "1", 1);
    warm_up_openmp();
    const size_t n = (size_t)1 << 21; /* 8 MiB of float32 touched: split */
    float *x = malloc(n * sizeof *x), *team = malloc(n * sizeof *x), *alone = malloc(n * sizeof *x);
    cr_assert(x != NULL && team != NULL && alone != NULL);
    fill_inputs(&test_f32, x, n, 7);
    crelu_ctx *ctx = NULL;
    cr_assert_eq(crelu_create(&ctx), CRELU_OK);
    cr_assert_eq(crelu_set_num_threads(ctx, 1), CRELU_OK);
    cr_assert_eq(crelu_forward_f32(ctx, x, alone, n), CRELU_OK);
    cr_assert_eq(crelu_set_num_threads(ctx, 2), CRELU_OK);
    cr_assert_eq(crelu_forward_f32(ctx, x, team, n), CRELU_OK);
    assert_same_bits(&test_f32, team, alone, n, "forward on the OpenMP team");
    crelu_destroy(ctx);
    free(x);
    free(team);
    free(alone);
}
