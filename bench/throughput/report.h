/* SPDX-License-Identifier: MIT */
/* The results as tables on a stream, and as CSV. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdio.h>

#include "result.h"

/* Per dtype: GB/s, then the ratio to the copy ceiling; a row per n, a
 * column per measured row, and one for the ceiling itself. */
void bench_print_tables(FILE *out, const bench_results *list);

/* Columns dtype, n, what, threads, median_ns, gbps, ratio_to_copy; failed
 * results are left out. 0 on success, -1 with errno set. */
int bench_write_csv(const char *path, const bench_results *list);

#endif /* BENCH_REPORT_H */
