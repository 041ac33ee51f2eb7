/* SPDX-License-Identifier: MIT */
/* The thread count libcrelu uses when told 0 (automatic), worked out the
 * way libcrelu/src/machine.c does, since the library does not export it:
 * CRELU_NUM_THREADS when it is a positive number, else the CPUs in this
 * process's affinity mask; at most 256. The parallel copies of the ceiling
 * run on this many threads. */
#ifndef BENCH_DEFAULT_THREADS_H
#define BENCH_DEFAULT_THREADS_H

int bench_default_threads(void);

#endif /* BENCH_DEFAULT_THREADS_H */
