/* SPDX-License-Identifier: MIT */
#include "numpy_random.h"

enum { N = 624, M = 397 };

void numpy_random_seed(numpy_random *state, uint32_t seed) {
    for (int i = 0; i < N; i++) {
        state->key[i] = seed;
        seed = 1812433253u * (seed ^ (seed >> 30)) + (uint32_t)i + 1u;
    }
    state->pos = N;
}

static void regenerate(numpy_random *state) {
    uint32_t *mt = state->key;
    for (int i = 0; i < N; i++) {
        uint32_t y = (mt[i] & 0x80000000u) | (mt[(i + 1) % N] & 0x7fffffffu);
        mt[i] = mt[(i + M) % N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    state->pos = 0;
}

static uint32_t next32(numpy_random *state) {
    if (state->pos == N) {
        regenerate(state);
    }
    uint32_t y = state->key[state->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double numpy_random_double(numpy_random *state) {
    uint32_t a = next32(state) >> 5; /* 27 bits */
    uint32_t b = next32(state) >> 6; /* 26 bits */
    return (a * 67108864.0 + b) / 9007199254740992.0;
}
