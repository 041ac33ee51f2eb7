/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 199309L /* clock_gettime, nanosleep */
#include "alongside.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data.h"

#ifdef CRELU_BENCH_ONEDNN
enum {
    LOOPS = 11,            /* per kind of pair, the two kinds' loops alternating */
    MIN_PAIRS = 4,         /* timed pairs per loop ... */
    MAX_PAIRS = 64,        /* ... */
    SETTLE_MS = 10,        /* between loops, never inside one: libgomp's spin */
};
static const double LOOP_NS = 3e7; /* aim of a loop's length: ~0.7 s for all at 2^24 */

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void settle(void) {
    struct timespec pause = {0, SETTLE_MS * 1000000L};
    nanosleep(&pause, NULL);
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t count) {
    qsort(v, count, sizeof *v, by_value);
    return count % 2 ? v[count / 2] : (v[count / 2 - 1] + v[count / 2]) / 2;
}

static const bench_row *find_row(const bench_row_group *group, const char *what) {
    for (size_t i = 0; i < group->count; i++) {
        if (strcmp(group->rows[i].what, what) == 0) return &group->rows[i];
    }
    return NULL;
}

/* A kind of pair: its two calls, each a row's run() of one call. */
typedef struct pair_kind {
    const bench_row *first_row, *second_row;
    bench_job *first, *second;
    double *first_ns, *second_ns, *pair_ns; /* samples */
    size_t count;
} pair_kind;

/* One loop: an untimed pair (so the timed ones are hot), then `pairs`
 * pairs, each call timed, nothing in between. */
static void run_loop(pair_kind *k, size_t pairs) {
    k->first_row->run(k->first, 1);
    k->second_row->run(k->second, 1);
    for (size_t p = 0; p < pairs; p++) {
        double t0 = now_ns();
        k->first_row->run(k->first, 1);
        double t1 = now_ns();
        k->second_row->run(k->second, 1);
        double t2 = now_ns();
        k->first_ns[k->count] = t1 - t0;
        k->second_ns[k->count] = t2 - t1;
        k->pair_ns[k->count] = t2 - t0;
        k->count++;
    }
}

/* One more pair on poisoned outputs, both checked. 1 when right. */
static int pair_is_right(pair_kind *k) {
    bench_poison_output(k->first, k->first_row->output);
    bench_poison_output(k->second, k->second_row->output);
    k->first_row->run(k->first, 1);
    k->second_row->run(k->second, 1);
    return k->first->status == 0 && k->second->status == 0 &&
           bench_check_output(k->first, k->first_row->output) == k->first->n &&
           bench_check_output(k->second, k->second_row->output) == k->second->n;
}

static void summarize(pair_kind *k, bench_pairs *out) {
    out->pairs = k->count;
    out->first_ns = median(k->first_ns, k->count);
    out->second_ns = median(k->second_ns, k->count);
    out->pair_ns = median(k->pair_ns, k->count);
    out->failed = !pair_is_right(k);
}

void bench_measure_alongside(bench_job base, bench_alongside *out) {
    *out = (bench_alongside){.n = base.n, .with_crelu = {.second = "crelu"},
                             .with_onednn = {.second = "oneDNN"}};
    const bench_row *onednn = find_row(&bench_onednn_rows, "onednn_forward");
    const bench_row *crelu = find_row(&bench_crelu_rows, "forward");
    /* The first call reads x and writes y; the second reads x and writes
     * dx, so that it does not overwrite the first's output. */
    bench_job opener = base, crelu_job = base, onednn_job = base;
    crelu_job.y = base.dx;
    onednn_job.y = base.dx;
    const char *absent = NULL;
    if (onednn == NULL || crelu == NULL) absent = "a row is missing";
    if (absent == NULL) absent = onednn->setup(&opener);
    if (absent == NULL && (absent = onednn->setup(&onednn_job)) != NULL) {
        onednn->teardown(&opener);
    }
    if (absent != NULL) {
        out->absent = absent;
        return;
    }
    /* The crelu row has no setup: it is the stateless call. */
    size_t most = LOOPS * MAX_PAIRS;
    double *samples = malloc(6 * most * sizeof *samples);
    if (samples == NULL) {
        out->absent = "out of memory";
    } else {
        pair_kind kinds[2] = {
            {onednn, crelu, &opener, &crelu_job, samples, samples + most, samples + 2 * most, 0},
            {onednn, onednn, &opener, &onednn_job, samples + 3 * most, samples + 4 * most,
             samples + 5 * most, 0},
        };
        /* Pairs per loop from a first loop of each kind, its fastest pair
         * (on a busy machine most of a short loop's pairs can stall), then
         * thrown away. MAX_PAIRS bounds what an optimistic guess costs. */
        double longest = 0;
        for (int i = 0; i < 2; i++) {
            run_loop(&kinds[i], MIN_PAIRS);
            double per_pair = kinds[i].pair_ns[0];
            for (size_t p = 1; p < kinds[i].count; p++) {
                per_pair = kinds[i].pair_ns[p] < per_pair ? kinds[i].pair_ns[p] : per_pair;
            }
            longest = per_pair > longest ? per_pair : longest;
            kinds[i].count = 0;
            settle();
        }
        size_t pairs = (size_t)(LOOP_NS / longest);
        pairs = pairs < MIN_PAIRS ? MIN_PAIRS : pairs > MAX_PAIRS ? MAX_PAIRS : pairs;
        for (int loop = 0; loop < LOOPS; loop++) {
            for (int i = 0; i < 2; i++) {
                run_loop(&kinds[i], pairs);
                settle();
            }
        }
        summarize(&kinds[0], &out->with_crelu);
        summarize(&kinds[1], &out->with_onednn);
        free(samples);
    }
    onednn->teardown(&opener);
    onednn->teardown(&onednn_job);
}
#else
void bench_measure_alongside(bench_job base, bench_alongside *out) {
    *out = (bench_alongside){.n = base.n,
                             .absent = "built without oneDNN (Debian: libdnnl-dev)"};
}
#endif /* CRELU_BENCH_ONEDNN */

static void print_pairs(FILE *out, size_t n, const bench_pairs *p) {
    char name[48];
    snprintf(name, sizeof name, "oneDNN fwd, then %s fwd", p->second);
    if (p->failed) {
        fprintf(out, "2^%-4d %-28s %10s\n", bench_log2(n), name, "FAIL");
        return;
    }
    fprintf(out, "2^%-4d %-28s %10.1f %10.1f %10.1f %6zu\n", bench_log2(n), name, p->first_ns / 1e3,
            p->second_ns / 1e3, p->pair_ns / 1e3, p->pairs);
}

void bench_print_alongside(FILE *out, const bench_alongside *list, size_t count,
                           const bench_results *results) {
    if (count == 0) return;
    fprintf(out, "f32, alongside OpenMP: loops of pairs of calls, nothing between the calls "
                 "(oneDNN's libgomp workers and the pool's may still spin); medians in us\n");
    fprintf(out, "%-6s %-28s %10s %10s %10s %6s\n", "n", "pair", "1st call", "2nd call", "pair",
            "pairs");
    for (size_t i = 0; i < count; i++) {
        const bench_alongside *a = &list[i];
        if (a->absent != NULL) {
            fprintf(out, "2^%-4d not measured: %s\n", bench_log2(a->n), a->absent);
            continue;
        }
        print_pairs(out, a->n, &a->with_crelu);
        print_pairs(out, a->n, &a->with_onednn);
        const bench_result *alone = bench_results_find(results, BENCH_F32, a->n, "onednn_forward");
        if (alone != NULL && !alone->failed) {
            fprintf(out, "2^%-4d %-28s %10.1f   (hot, alone: the sweep's median)\n", bench_log2(a->n),
                    "oneDNN fwd alone", alone->median_ns / 1e3);
        }
    }
    fputc('\n', out);
}
