/* SPDX-License-Identifier: MIT */
#include "result.h"

#include <stdlib.h>
#include <string.h>

int bench_results_add(bench_results *list, bench_result result) {
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 256;
        bench_result *items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL) {
            return -1;
        }
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = result;
    return 0;
}

const bench_result *bench_results_find(const bench_results *list, bench_dtype dtype, size_t n,
                                       const char *what) {
    for (size_t i = 0; i < list->count; i++) {
        const bench_result *r = &list->items[i];
        if (r->dtype == dtype && r->n == n && strcmp(r->what, what) == 0) {
            return r;
        }
    }
    return NULL;
}

static const char *const copies[] = {"memcpy", "stream_copy", "vector_copy", "memcpy_mt",
                                      "stream_copy_mt"};
enum { COPY_COUNT = sizeof copies / sizeof copies[0] };

int bench_is_ceiling_copy(const char *what) {
    for (size_t i = 0; i < COPY_COUNT; i++) {
        if (strcmp(copies[i], what) == 0) return 1;
    }
    return 0;
}

int bench_results_add_ceiling(bench_results *list, bench_dtype dtype, size_t n) {
    const bench_result *best = NULL;
    for (size_t i = 0; i < COPY_COUNT; i++) {
        const bench_result *r = bench_results_find(list, dtype, n, copies[i]);
        if (r == NULL || r->failed) return 0;
        if (best == NULL || r->gbps > best->gbps) best = r;
    }
    bench_result ceiling = *best;
    ceiling.what = BENCH_CEILING_WHAT;
    ceiling.label = "ceiling";
    return bench_results_add(list, ceiling);
}

void bench_results_set_ratios(bench_results *list) {
    for (size_t i = 0; i < list->count; i++) {
        bench_result *r = &list->items[i];
        const bench_result *c = bench_results_find(list, r->dtype, r->n, BENCH_CEILING_WHAT);
        r->ratio_to_copy = c != NULL && c->gbps > 0 ? r->gbps / c->gbps : 0;
    }
}
