/* SPDX-License-Identifier: MIT */
/* crelu-bench: throughput of libcrelu's forward and backward passes next to
 * the copy ceiling (memcpy and a streaming copy, on one thread and on the
 * library's default thread count), an inlined loop and oneDNN, for
 * n = 2^4..2^26 and the four dtypes, in one run; then libcrelu alongside
 * oneDNN's OpenMP at 2^20 and 2^24 (f32). Prints tables and an acceptance
 * summary, and writes a CSV with --csv. It reports; it asserts nothing.
 *
 *   crelu-bench [--csv FILE] [--from K] [--to K] [--dtype LIST] [--rows LIST]
 *
 * Sizes are n = 2^K for K from --from (default 4) to --to (default 26).
 * --dtype: a comma-separated list of f32, f64, bf16, f16 ("both" is f32,f64;
 * "all", the default, is the four). --rows: a comma-separated list of the
 * rows to measure (the CSV's names, e.g. forward,forward_mask), and
 * "alongside" for the alongside-OpenMP pairs; the five copies always run,
 * since every ratio needs the ceiling. Without it, everything runs. */
#define _DEFAULT_SOURCE /* getloadavg; also POSIX sysconf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acceptance.h"
#include "alongside.h"
#include "crelu.h"
#include "data.h"
#include "measure.h"
#include "report.h"
#include "result.h"
#include "row.h"

static const bench_row_group *const groups[] = {
    &bench_crelu_rows,
    &bench_copy_rows,
#ifdef CRELU_BENCH_OPENMP
    &bench_parallel_copy_rows,
#endif
    &bench_naive_rows,
#ifdef CRELU_BENCH_ONEDNN
    &bench_onednn_rows,
#endif
};
enum { GROUP_COUNT = sizeof groups / sizeof groups[0] };

#ifdef CRELU_BENCH_ONEDNN
static const char *const onednn_note = NULL;
#else
static const char *const onednn_note =
    "oneDNN not found at configure time (Debian: libdnnl-dev); its rows are absent";
#endif
#ifdef CRELU_BENCH_OPENMP
static const char *const openmp_note = NULL;
#else
static const char *const openmp_note =
    "built without OpenMP: no parallel copies, so no copy ceiling and no ratio_to_copy";
#endif

/* The sizes of the alongside-OpenMP measurement (f32). */
static const int alongside_log2[] = {20, 24};
enum { ALONGSIDE_COUNT = sizeof alongside_log2 / sizeof alongside_log2[0] };

typedef struct options {
    const char *csv;
    int from, to;
    int dtypes[BENCH_DTYPE_COUNT]; /* 1 for each dtype to measure */
    const char *rows;              /* the --rows list, or NULL for every row */
} options;

static int usage(const char *message) {
    if (message) fprintf(stderr, "crelu-bench: %s\n", message);
    fprintf(stderr,
            "usage: crelu-bench [--csv FILE] [--from K] [--to K] [--dtype LIST] [--rows LIST]\n"
            "       measures n = 2^K for K in [from, to], default 4..26\n"
            "       --dtype: f32,f64,bf16,f16 or some of them; both = f32,f64; all (default)\n"
            "       --rows: the rows to measure, e.g. forward,forward_mask (the copies always\n"
            "       run, for the ceiling), and alongside for the OpenMP pairs; default all\n");
    return 2;
}

/* Comma-separated lists: the item at p is `name`; the next item, or NULL. */
static int item_is(const char *p, const char *name) {
    size_t length = strlen(name);
    return strncmp(p, name, length) == 0 && (p[length] == ',' || p[length] == '\0');
}

static const char *next_item(const char *p) {
    const char *comma = strchr(p, ',');
    return comma != NULL ? comma + 1 : NULL;
}

static int listed(const char *list, const char *name) {
    for (const char *p = list; p != NULL; p = next_item(p)) {
        if (item_is(p, name)) return 1;
    }
    return 0;
}

/* A row runs when --rows lists it, or when it is one of the ceiling's copies. */
static int row_wanted(const options *o, const char *what) {
    return o->rows == NULL || listed(o->rows, what) || bench_is_ceiling_copy(what);
}

/* Every item of a --rows list must be a row or "alongside": a typo must
 * not measure less in silence. */
static int check_rows(const char *list) {
    for (const char *p = list; p != NULL; p = next_item(p)) {
        int known = item_is(p, "alongside");
        for (size_t g = 0; g < GROUP_COUNT; g++) {
            for (size_t i = 0; i < groups[g]->count; i++) {
                known |= item_is(p, groups[g]->rows[i].what);
            }
        }
        if (!known) return -1;
    }
    return 0;
}

static int parse_dtypes(const char *list, options *o) {
    memset(o->dtypes, 0, sizeof o->dtypes);
    for (const char *p = list; p != NULL; p = next_item(p)) {
        int known = 0;
        for (int d = 0; d < BENCH_DTYPE_COUNT; d++) {
            int wanted = item_is(p, bench_dtype_name((bench_dtype)d)) || item_is(p, "all") ||
                         (item_is(p, "both") && (d == BENCH_F32 || d == BENCH_F64));
            o->dtypes[d] |= wanted;
            known |= wanted;
        }
        if (!known) return -1;
    }
    return 0;
}

static int parse_log2(const char *text, int *out) {
    char *end;
    long k = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || k < 0 || k > 30) return -1;
    *out = (int)k;
    return 0;
}

static int parse_options(int argc, char **argv, options *o) {
    *o = (options){.csv = NULL, .from = 4, .to = 26, .dtypes = {1, 1, 1, 1}, .rows = NULL};
    for (int i = 1; i < argc; i += 2) { /* every option takes one value */
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return usage(NULL);
        } else if (value == NULL) {
            return usage("an option needs a value");
        } else if (strcmp(argv[i], "--csv") == 0) {
            o->csv = value;
        } else if (strcmp(argv[i], "--from") == 0) {
            if (parse_log2(value, &o->from) != 0) return usage("--from takes 0..30");
        } else if (strcmp(argv[i], "--to") == 0) {
            if (parse_log2(value, &o->to) != 0) return usage("--to takes 0..30");
        } else if (strcmp(argv[i], "--dtype") == 0) {
            if (parse_dtypes(value, o) != 0) {
                return usage("--dtype takes a list of f32, f64, bf16, f16, or both, or all");
            }
        } else if (strcmp(argv[i], "--rows") == 0) {
            if (check_rows(value) != 0) return usage("--rows: a name that is no row");
            o->rows = value;
        } else {
            return usage("unknown option");
        }
    }
    if (o->from > o->to) return usage("--from is above --to");
    return 0;
}

static void print_header(FILE *out) {
    const char *env = getenv("CRELU_NUM_THREADS");
    const char *openmp = getenv("CRELU_OPENMP");
    const char *isa = getenv("CRELU_ISA");
    fprintf(out, "crelu-bench: libcrelu %s (kernel table %s; CRELU_ISA %s%s), %ld online CPUs, "
                 "CRELU_NUM_THREADS %s%s, CRELU_OPENMP %s%s\n",
            crelu_version_string(), crelu_isa_name(), isa ? "= " : "unset", isa ? isa : "",
            sysconf(_SC_NPROCESSORS_ONLN), env ? "= " : "unset", env ? env : "",
            openmp ? "= " : "unset", openmp ? openmp : "");
    for (size_t g = 0; g < GROUP_COUNT; g++) {
        if (groups[g]->describe) {
            char line[256];
            groups[g]->describe(line, sizeof line);
            fprintf(out, "%s\n", line);
        }
    }
    if (onednn_note) fprintf(out, "%s\n", onednn_note);
    if (openmp_note) fprintf(out, "%s\n", openmp_note);
    double load[3];
    if (getloadavg(load, 3) == 3) {
        fprintf(out, "load average at the start: %.2f %.2f %.2f (other work on these cores "
                     "shows up as noise)\n", load[0], load[1], load[2]);
    }
    fprintf(out, "stream_copy: %s non-temporal stores; vector_copy: %s loads and stores; "
                 "compiler: gcc %s\n",
            __builtin_cpu_supports("avx") ? "AVX" : "SSE2",
            __builtin_cpu_supports("avx512f") ? "AVX-512"
            : __builtin_cpu_supports("avx")   ? "AVX"
                                              : "SSE2",
            __VERSION__);
    fprintf(out, "copy ceiling: the best of memcpy, stream_copy, vector_copy (1 thread), "
                 "memcpy_mt, stream_copy_mt; ratio_to_copy is a row's GB/s over it\n");
    fprintf(out, "timing: CLOCK_MONOTONIC; median per call of 5..%d repeats, each an untimed "
                 "call then >= 2 ms of calls back to back (hot), the rows' repeats interleaved; "
                 "threads \"auto\" = the library's choice (crelu_set_num_threads 0)\n\n",
            BENCH_MAX_REPEATS);
}

enum { MAX_ROWS = 32 };

/* One more call on a poisoned output, checked: the timed calls' results
 * are overwritten by the rows that share the buffers. */
static size_t first_wrong(const bench_timed_row *t) {
    bench_job job = t->job;
    bench_poison_output(&job, t->row->output);
    t->row->run(&job, 1);
    return job.status != 0 ? 0 : bench_check_output(&job, t->row->output);
}

static bench_result result_of(const bench_timed_row *t, const bench_row_group *group) {
    const bench_job *job = &t->job;
    double bytes = (double)(t->row->arrays_moved * job->n * bench_dtype_size(job->dtype)) +
                   (t->row->moves_mask ? (double)((job->n + 7) / 8) : 0.0);
    return (bench_result){
        .dtype = job->dtype,
        .n = job->n,
        .what = t->row->what,
        .label = t->row->label,
        .threads = t->row->threads ? t->row->threads : group->threads(),
        .median_ns = t->median_ns,
        .gbps = bytes / t->median_ns,
    };
}

/* Sets up every row at this size (saying on stderr why one is absent, if
 * `say_absent`), times them together, checks each row's output, and adds
 * the results. 0 on success, -1 out of memory. */
static int measure_size(const options *o, bench_job base, int say_absent,
                        bench_results *results) {
    bench_timed_row timed[MAX_ROWS];
    const bench_row_group *group_of[MAX_ROWS];
    size_t count = 0;
    for (size_t g = 0; g < GROUP_COUNT; g++) {
        for (size_t i = 0; i < groups[g]->count && count < MAX_ROWS; i++) {
            const bench_row *row = &groups[g]->rows[i];
            if (!row_wanted(o, row->what)) continue;
            bench_job job = base;
            const char *absent = row->setup ? row->setup(&job) : NULL;
            if (absent != NULL) {
                if (say_absent) {
                    fprintf(stderr, "crelu-bench: %s %s: %s; row absent\n", row->what,
                            bench_dtype_name(job.dtype), absent);
                }
                continue;
            }
            timed[count] = (bench_timed_row){
                .row = row, .job = job, .settle_ms = groups[g]->settle_ms};
            group_of[count++] = groups[g];
        }
    }
    bench_measure(timed, count);

    int status = 0;
    for (size_t i = 0; i < count; i++) {
        bench_timed_row *t = &timed[i];
        size_t wrong = first_wrong(t);
        bench_result r = result_of(t, group_of[i]);
        r.failed = t->job.status != 0 || wrong != t->job.n;
        if (t->job.status != 0) {
            fprintf(stderr, "crelu-bench: %s %s n=%zu: a call failed; marked FAIL\n", r.what,
                    bench_dtype_name(r.dtype), r.n);
        } else if (wrong != t->job.n) {
            fprintf(stderr, "crelu-bench: %s %s n=%zu: element %zu is wrong; marked FAIL\n",
                    r.what, bench_dtype_name(r.dtype), r.n, wrong);
        }
        if (t->row->teardown) t->row->teardown(&t->job);
        if (status == 0) status = bench_results_add(results, r);
    }
    if (status == 0) status = bench_results_add_ceiling(results, base.dtype, base.n);
    return status;
}

static int sweep(const options *o, const bench_buffers *buffers, bench_dtype dtype,
                 bench_results *results) {
    bench_fill_inputs(buffers, dtype);
    for (int k = o->from; k <= o->to; k++) {
        bench_job job = {
            .dtype = dtype,
            .n = (size_t)1 << k,
            .x = buffers->x,
            .dy = buffers->dy,
            .y = buffers->y,
            .dx = buffers->dx,
        };
        fprintf(stderr, "crelu-bench: %s n=2^%d\n", bench_dtype_name(dtype), k);
        if (measure_size(o, job, k == o->from, results) != 0) return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    options o;
    int status = parse_options(argc, argv, &o);
    if (status != 0) return status;

    print_header(stdout);
    bench_buffers buffers;
    if (bench_buffers_alloc(&buffers, (size_t)1 << o.to) != 0) {
        fprintf(stderr, "crelu-bench: cannot allocate the buffers for n = 2^%d\n", o.to);
        return 1;
    }
    bench_results results = {0};
    bench_alongside alongside[ALONGSIDE_COUNT];
    size_t alongside_count = 0;
    if (o.dtypes[BENCH_F32] && sweep(&o, &buffers, BENCH_F32, &results) != 0) {
        fprintf(stderr, "crelu-bench: out of memory\n");
        return 1;
    }
    /* Right after the f32 sweep: its inputs are still in the buffers. */
    int alongside_wanted = o.dtypes[BENCH_F32] && (o.rows == NULL || listed(o.rows, "alongside"));
    for (size_t i = 0; alongside_wanted && i < ALONGSIDE_COUNT; i++) {
        int k = alongside_log2[i];
        if (k < o.from || k > o.to) continue;
        fprintf(stderr, "crelu-bench: f32 n=2^%d alongside OpenMP\n", k);
        bench_job job = {.dtype = BENCH_F32, .n = (size_t)1 << k, .x = buffers.x,
                         .dy = buffers.dy, .y = buffers.y, .dx = buffers.dx};
        bench_measure_alongside(job, &alongside[alongside_count++]);
    }
    for (int d = BENCH_F64; d < BENCH_DTYPE_COUNT; d++) {
        if (o.dtypes[d] && sweep(&o, &buffers, (bench_dtype)d, &results) != 0) {
            fprintf(stderr, "crelu-bench: out of memory\n");
            return 1;
        }
    }
    bench_buffers_free(&buffers);
    bench_results_set_ratios(&results);

    bench_print_tables(stdout, &results);
    if (o.csv != NULL && bench_write_csv(o.csv, &results) != 0) {
        fprintf(stderr, "crelu-bench: cannot write %s: %s\n", o.csv, strerror(errno));
        status = 1;
    }
    bench_print_alongside(stdout, alongside, alongside_count, &results);
    bench_print_acceptance(stdout, &results, alongside, alongside_count, onednn_note == NULL);
    free(results.items);
    return status;
}
