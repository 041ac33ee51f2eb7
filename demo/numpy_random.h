/* SPDX-License-Identifier: MIT */
/* NumPy's legacy generator (np.random.seed(int) + np.random.random), in C:
 * MT19937 seeded with init_genrand, doubles built from two 32-bit draws. */
#ifndef CRELU_DEMO_NUMPY_RANDOM_H
#define CRELU_DEMO_NUMPY_RANDOM_H

#include <stdint.h>

typedef struct numpy_random {
    uint32_t key[624];
    int pos;
} numpy_random;

/* np.random.seed(seed) */
void numpy_random_seed(numpy_random *state, uint32_t seed);

/* one element of np.random.random(): a double in [0, 1) with 53 random bits */
double numpy_random_double(numpy_random *state);

#endif
