/* SPDX-License-Identifier: MIT */
/* How many threads this process has right now, from /proc/self/task: the
 * pool's workers are counted by what the kernel sees, not by what the
 * library says it started. */
#ifndef CRELU_TEST_THREAD_COUNT_H
#define CRELU_TEST_THREAD_COUNT_H

/* Aborts when /proc/self/task cannot be read: a count that could not be
 * taken must fail the test, not compare equal to another failed one. */
int thread_count(void);

#endif
