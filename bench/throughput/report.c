/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <string.h>

enum { MAX_COLUMNS = 32 };

typedef struct columns {
    const char *what[MAX_COLUMNS];
    const char *label[MAX_COLUMNS];
    size_t count;
} columns;

/* The rows measured for this dtype, in the order they were first measured. */
static columns columns_of(const bench_results *list, bench_dtype dtype) {
    columns c = {0};
    for (size_t i = 0; i < list->count; i++) {
        const bench_result *r = &list->items[i];
        size_t k = 0;
        while (k < c.count && strcmp(c.what[k], r->what) != 0) k++;
        if (r->dtype == dtype && k == c.count && c.count < MAX_COLUMNS) {
            c.what[c.count] = r->what;
            c.label[c.count] = r->label;
            c.count++;
        }
    }
    return c;
}

static void print_table(FILE *out, const bench_results *list, bench_dtype dtype, const columns *c,
                        int ratios) {
    fprintf(out, "%s, %s\n", bench_dtype_name(dtype),
            ratios ? "ratio_to_copy: GB/s over the copy ceiling (the best of the five copies)"
                   : "GB/s (median)");
    fprintf(out, "%-6s", "n");
    for (size_t k = 0; k < c->count; k++) fprintf(out, " %7s", c->label[k]);
    fputc('\n', out);
    size_t last_n = 0;
    for (size_t i = 0; i < list->count; i++) {
        const bench_result *first = &list->items[i];
        if (first->dtype != dtype || first->n == last_n) continue;
        last_n = first->n;
        fprintf(out, "2^%-4d", bench_log2(first->n));
        for (size_t k = 0; k < c->count; k++) {
            const bench_result *r = bench_results_find(list, dtype, first->n, c->what[k]);
            if (r == NULL) {
                fprintf(out, " %7s", "-");
            } else if (r->failed) {
                fprintf(out, " %7s", "FAIL");
            } else if (ratios && r->ratio_to_copy <= 0) {
                fprintf(out, " %7s", "-"); /* no ceiling at this n */
            } else {
                fprintf(out, ratios ? " %7.2f" : " %7.1f", ratios ? r->ratio_to_copy : r->gbps);
            }
        }
        fputc('\n', out);
    }
    fputc('\n', out);
}

void bench_print_tables(FILE *out, const bench_results *list) {
    for (int d = 0; d < BENCH_DTYPE_COUNT; d++) {
        columns c = columns_of(list, (bench_dtype)d);
        if (c.count == 0) continue;
        print_table(out, list, (bench_dtype)d, &c, 0);
        print_table(out, list, (bench_dtype)d, &c, 1);
        fprintf(out, "columns:");
        for (size_t k = 0; k < c.count; k++) fprintf(out, " %s=%s", c.label[k], c.what[k]);
        fprintf(out, "\n\n");
    }
}

int bench_write_csv(const char *path, const bench_results *list) {
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    fprintf(f, "dtype,n,what,threads,median_ns,gbps,ratio_to_copy\n");
    for (size_t i = 0; i < list->count; i++) {
        const bench_result *r = &list->items[i];
        if (r->failed) continue;
        fprintf(f, "%s,%zu,%s,%s,%.1f,%.6g,%.6g\n", bench_dtype_name(r->dtype), r->n, r->what,
                r->threads, r->median_ns, r->gbps, r->ratio_to_copy);
    }
    return fclose(f) == 0 ? 0 : -1;
}
