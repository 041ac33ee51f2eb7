/* SPDX-License-Identifier: MIT */
#include "acceptance.h"

#include <stdio.h>

enum { TEXT_WIDTH = 72 };

/* One line: a value and its bound. `at_least` is 1 for ">=", 0 for "<=". */
static void item(FILE *out, const char *text, double value, int at_least, double bound) {
    int meets = at_least ? value >= bound : value <= bound;
    fprintf(out, "  %-*s %7.3f   %s %.2f   %s\n", TEXT_WIDTH, text, value, at_least ? ">=" : "<=",
            bound, meets ? "ok" : "MISS");
}

static void not_measured(FILE *out, const char *text, const char *why) {
    fprintf(out, "  %-*s %7s   (%s)\n", TEXT_WIDTH, text, "n/a", why);
}

/* A value per n, and where it falls below its bound. */
typedef struct sweep {
    int measured, expected;
    double worst;
    int worst_log2;
    char below[160];   /* " 2^14 2^15 ..." */
    size_t used;
} sweep;

static void note_below(sweep *s, int k, const char *how) {
    if (s->used < sizeof s->below) {
        int w = snprintf(s->below + s->used, sizeof s->below - s->used, " 2^%d%s", k, how);
        s->used += w > 0 ? (size_t)w : 0;
    }
}

/* Adds one n. A row that failed (an error or a wrong result), or one with
 * nothing to compare with (`why` says what), counts as 0, so it shows as a
 * MISS, never as a gap. */
static void sweep_add(sweep *s, int k, const char *why, double value, double bound) {
    if (why != NULL) value = 0;
    if (s->measured == 0 || value < s->worst) {
        s->worst = value;
        s->worst_log2 = k;
    }
    s->measured++;
    if (value < bound) note_below(s, k, why != NULL ? why : "");
}

/* The item's line (worst value, at which n) and the list of every n below
 * the bound. */
static void sweep_print(FILE *out, const sweep *s, const char *what, int from, int to,
                        double bound, const char *why_missing) {
    char text[128];
    if (s->measured == 0) {
        snprintf(text, sizeof text, "%s, 2^%d..2^%d", what, from, to);
        not_measured(out, text, why_missing);
        return;
    }
    snprintf(text, sizeof text, "%s, worst of 2^%d..2^%d at 2^%d", what, from, to,
             s->worst_log2);
    item(out, text, s->worst, 1, bound);
    fprintf(out, "      below %.2f at:%s%s\n", bound, s->used ? s->below : " none",
            s->measured < s->expected ? " (not every size was in this run)" : "");
}

/* Item 1: speed of a libcrelu row over oneDNN's row (time of oneDNN's /
 * time of libcrelu's: the same work), f32, every n from 2^10 to 2^26. */
static void against_onednn(FILE *out, const bench_results *list, const char *ours,
                           const char *theirs, const char *text, const char *why_missing) {
    sweep s = {.expected = 26 - 10 + 1};
    for (int k = 10; k <= 26; k++) {
        size_t n = (size_t)1 << k;
        const bench_result *a = bench_results_find(list, BENCH_F32, n, ours);
        const bench_result *b = bench_results_find(list, BENCH_F32, n, theirs);
        if (a == NULL || b == NULL || b->failed) continue; /* oneDNN's failure is not ours */
        sweep_add(&s, k, a->failed ? " (FAIL)" : NULL, b->median_ns / a->median_ns, 1.0);
    }
    sweep_print(out, &s, text, 10, 26, 1.0, why_missing);
}

/* Item 2: a row's ratio to the copy ceiling over [from, to]. */
static void against_ceiling(FILE *out, const bench_results *list, bench_dtype dtype,
                            const char *what, int from, int to, double bound) {
    sweep s = {.expected = to - from + 1};
    for (int k = from; k <= to; k++) {
        const bench_result *r = bench_results_find(list, dtype, (size_t)1 << k, what);
        if (r == NULL) continue;
        const char *why = r->failed ? " (FAIL)" : r->ratio_to_copy <= 0 ? " (no ceiling)" : NULL;
        sweep_add(&s, k, why, r->ratio_to_copy, bound);
    }
    char text[96];
    snprintf(text, sizeof text, "2. %s %s / copy ceiling", bench_dtype_name(dtype), what);
    sweep_print(out, &s, text, from, to, bound, "not in this run");
}

/* Item 3: time of a (oneDNN, crelu) pair over a (oneDNN, oneDNN) pair. */
static void alongside_item(FILE *out, const bench_alongside *list, size_t count, int k) {
    char text[128];
    snprintf(text, sizeof text, "3. f32 2^%d alongside OpenMP: pair oneDNN+crelu / oneDNN+oneDNN",
             k);
    for (size_t i = 0; i < count; i++) {
        const bench_alongside *a = &list[i];
        if (a->n != (size_t)1 << k) continue;
        if (a->absent != NULL) {
            not_measured(out, text, a->absent);
        } else if (a->with_crelu.failed || a->with_onednn.failed) {
            fprintf(out, "  %-*s %7s   <= 1.00   MISS\n", TEXT_WIDTH, text, "FAIL");
        } else {
            item(out, text, a->with_crelu.pair_ns / a->with_onednn.pair_ns, 0, 1.0);
        }
        return;
    }
    not_measured(out, text, "f32 at this n not in this run");
}

/* Issue 14's item 3: a 16-bit forward's ratio to the copy ceiling at one n.
 * The ceiling is the copies' at this dtype and n, so of the same 2n bytes. */
static void half_item(FILE *out, const bench_results *list, bench_dtype dtype, const char *what,
                      int k) {
    char text[96];
    snprintf(text, sizeof text, "3. %s %s at 2^%d / copy ceiling (same bytes)",
             bench_dtype_name(dtype), what, k);
    const bench_result *r = bench_results_find(list, dtype, (size_t)1 << k, what);
    if (r == NULL) {
        not_measured(out, text, "not in this run");
    } else if (r->failed || r->ratio_to_copy <= 0) {
        fprintf(out, "  %-*s %7s   >= %.2f   MISS%s\n", TEXT_WIDTH, text,
                r->failed ? "FAIL" : "-", 0.95, r->failed ? "" : " (no ceiling)");
    } else {
        item(out, text, r->ratio_to_copy, 1, 0.95);
    }
}

void bench_print_acceptance(FILE *out, const bench_results *list, const bench_alongside *alongside,
                            size_t alongside_count, int have_onednn) {
    const char *why = have_onednn ? "f32 2^10..2^26 not in this run"
                                  : "built without oneDNN (Debian: libdnnl-dev)";
    fprintf(out, "acceptance, issue 10 (medians of this run; reported, not asserted)\n");
    fprintf(out, "  %-*s %7s   %-7s\n", TEXT_WIDTH, "item", "value", "bound");
    against_onednn(out, list, "forward", "onednn_forward", "1. f32 forward speed / oneDNN forward",
                   why);
    against_onednn(out, list, "backward_x", "onednn_backward",
                   "1. f32 backward_x speed / oneDNN backward", why);
    against_onednn(out, list, "backward_mask", "onednn_backward",
                   "1. f32 backward_mask speed / oneDNN backward", why);
    static const bench_dtype dtypes[] = {BENCH_F32, BENCH_F64};
    static const char *const rows[] = {"forward", "forward_mask"};
    for (size_t d = 0; d < 2; d++) {
        for (size_t r = 0; r < 2; r++) {
            against_ceiling(out, list, dtypes[d], rows[r], 14, 26, 0.95);
            against_ceiling(out, list, dtypes[d], rows[r], 10, 13, 0.8);
        }
    }
    alongside_item(out, alongside, alongside_count, 20);
    alongside_item(out, alongside, alongside_count, 24);

    fprintf(out, "\nacceptance, issue 14 item 3 (medians of this run; reported, not asserted)\n");
    fprintf(out, "  %-*s %7s   %-7s\n", TEXT_WIDTH, "item", "value", "bound");
    static const bench_dtype halves[] = {BENCH_BF16, BENCH_F16};
    for (size_t d = 0; d < 2; d++) {
        for (size_t r = 0; r < 2; r++) {
            half_item(out, list, halves[d], rows[r], 24);
        }
    }
    fprintf(out, "      torch.relu on bfloat16 in the same run: add_python_peers.py "
                 "(python-peers.txt from scripts/bench)\n");
    /* Item 4 (idle CPU time after 1,000 calls) is not crelu-bench's: a
     * program of its own measures it, and scripts/bench prints its line
     * after this block. */
}
