/* The acceptance items of the benchmark's issue, each as a ratio from this
 * run next to its threshold. It reports; it asserts nothing. */
#ifndef BENCH_ACCEPTANCE_H
#define BENCH_ACCEPTANCE_H

#include <stdio.h>

#include "result.h"

/* `have_onednn` is 0 when crelu-bench was built without oneDNN's rows. */
void bench_print_acceptance(FILE *out, const bench_results *list, int have_onednn);

#endif /* BENCH_ACCEPTANCE_H */
