/* The acceptance items of the benchmark's issue, each as a ratio from this
 * run next to its threshold. It reports; it asserts nothing. */
#ifndef BENCH_ACCEPTANCE_H
#define BENCH_ACCEPTANCE_H

#include <stdio.h>

#include "result.h"

/* `onednn_note` says why oneDNN rows are missing, or is NULL when it was built in. */
void bench_print_acceptance(FILE *out, const bench_results *list, const char *onednn_note);

#endif /* BENCH_ACCEPTANCE_H */
