#include "acceptance.h"

#include <stdio.h>

static const size_t N_2_24 = (size_t)1 << 24;

/* One item: a ratio and its bound. `at_least` is 1 for ">=", 0 for "<=". */
static void item(FILE *out, const char *text, double value, int at_least, double bound) {
    int meets = at_least ? value >= bound : value <= bound;
    fprintf(out, "  %-58s %6.3f   %s %.2f   %s\n", text, value, at_least ? ">=" : "<=", bound,
            meets ? "ok" : "MISS");
}

static void not_measured(FILE *out, const char *text, const char *why) {
    fprintf(out, "  %-58s %6s   (%s)\n", text, "n/a", why);
}

/* time(slower) / time(faster): how many times faster `fast` is than `slow`. */
static void time_ratio(FILE *out, const bench_results *list, const char *text, size_t n,
                       const char *numerator, const char *denominator, int at_least, double bound,
                       const char *why_missing) {
    const bench_result *a = bench_results_find(list, BENCH_F32, n, numerator);
    const bench_result *b = bench_results_find(list, BENCH_F32, n, denominator);
    if (a == NULL || b == NULL || a->failed || b->failed) {
        not_measured(out, text, why_missing);
        return;
    }
    item(out, text, a->median_ns / b->median_ns, at_least, bound);
}

static void forward_against_copy(FILE *out, const bench_results *list, bench_dtype dtype) {
    double worst = 0;
    int worst_log2 = 0, measured = 0, below = 0;
    char below_at[128] = "";
    size_t used = 0;
    for (int k = 16; k <= 26; k++) {
        const bench_result *r = bench_results_find(list, dtype, (size_t)1 << k, "forward");
        if (r == NULL || r->failed || r->ratio_to_copy <= 0) continue;
        if (measured == 0 || r->ratio_to_copy < worst) {
            worst = r->ratio_to_copy;
            worst_log2 = k;
        }
        measured++;
        if (r->ratio_to_copy < 0.9) {
            below++;
            if (used < sizeof below_at) {
                int w = snprintf(below_at + used, sizeof below_at - used, " 2^%d", k);
                used += w > 0 ? (size_t)w : 0;
            }
        }
    }
    char text[96];
    if (measured == 0) {
        snprintf(text, sizeof text, "%s forward / copy ceiling, 2^16..2^26",
                 bench_dtype_name(dtype));
        not_measured(out, text, "sizes 2^16..2^26 not in this run");
        return;
    }
    snprintf(text, sizeof text, "%s forward / copy ceiling, worst of 2^16..2^26 (at 2^%d)",
             bench_dtype_name(dtype), worst_log2);
    item(out, text, worst, 1, 0.9);
    fprintf(out, "    below 0.90 at:%s%s\n", below ? below_at : " none",
            measured < 11 ? " (not all 11 sizes were in this run)" : "");
}

void bench_print_acceptance(FILE *out, const bench_results *list, int have_onednn) {
    const char *no_onednn = have_onednn ? "n = 2^24 not in this run"
                                        : "built without oneDNN (Debian: libdnnl-dev)";
    fprintf(out, "acceptance (medians of this run; reported, not asserted)\n");
    fprintf(out, "  %-58s %6s   %-7s  %s\n", "item", "value", "bound", "");
    forward_against_copy(out, list, BENCH_F32);
    forward_against_copy(out, list, BENCH_F64);
    time_ratio(out, list, "f32 2^24: speed of forward / oneDNN forward", N_2_24, "onednn_forward",
               "forward", 1, 1.3, no_onednn);
    time_ratio(out, list, "f32 2^24: speed of backward_mask / oneDNN backward", N_2_24,
               "onednn_backward", "backward_mask", 1, 1.5, no_onednn);
    time_ratio(out, list, "f32 2^24: time of forward_mask / forward", N_2_24, "forward_mask",
               "forward", 0, 1.1, "n = 2^24 not in this run");
    time_ratio(out, list, "f32 1024: time of forward / naive_forward (inlined)", 1024, "forward",
               "naive_forward", 0, 1.5, "n = 1024 not in this run");
    time_ratio(out, list, "f32 16: time of forward / naive_forward (inlined)", 16, "forward",
               "naive_forward", 0, 4.0, "n = 16 not in this run");
    time_ratio(out, list, "f32 2^24: speed of forward_mask_2t / forward_mask_1t", N_2_24,
               "forward_mask_1t", "forward_mask_2t", 1, 1.25, "n = 2^24 not in this run");
    /* Not an item: what "automatic" gave, next to the explicit two. */
    const bench_result *one = bench_results_find(list, BENCH_F32, N_2_24, "forward_mask_1t");
    const bench_result *automatic = bench_results_find(list, BENCH_F32, N_2_24, "forward_mask");
    if (one != NULL && automatic != NULL && !one->failed && !automatic->failed) {
        fprintf(out, "  %-58s %6.3f   (for reference, no bound)\n",
                "f32 2^24: speed of forward_mask (auto) / forward_mask_1t",
                one->median_ns / automatic->median_ns);
    }
}
