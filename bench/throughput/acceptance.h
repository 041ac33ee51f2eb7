/* SPDX-License-Identifier: MIT */
/* The acceptance items of issue 10 that crelu-bench measures, and issue 14's
 * item 3 (16-bit forward against the copy ceiling), each as a value from
 * this run next to its bound. It reports; it asserts nothing. */
#ifndef BENCH_ACCEPTANCE_H
#define BENCH_ACCEPTANCE_H

#include <stdio.h>

#include "alongside.h"
#include "result.h"

/* `have_onednn` is 0 when crelu-bench was built without oneDNN's rows;
 * `alongside` holds the alongside-OpenMP measurements of this run. */
void bench_print_acceptance(FILE *out, const bench_results *list, const bench_alongside *alongside,
                            size_t alongside_count, int have_onednn);

#endif /* BENCH_ACCEPTANCE_H */
