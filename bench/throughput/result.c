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

void bench_results_set_ratios(bench_results *list) {
    for (size_t i = 0; i < list->count; i++) {
        bench_result *r = &list->items[i];
        const bench_result *m = bench_results_find(list, r->dtype, r->n, "memcpy");
        const bench_result *s = bench_results_find(list, r->dtype, r->n, "stream_copy");
        double ceiling = 0;
        if (m != NULL && !m->failed) ceiling = m->gbps;
        if (s != NULL && !s->failed && s->gbps > ceiling) ceiling = s->gbps;
        r->ratio_to_copy = ceiling > 0 ? r->gbps / ceiling : 0;
    }
}
