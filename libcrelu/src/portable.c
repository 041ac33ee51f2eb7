/* Portable kernels: the same semantics as reference.c, written as
 * compare-and-select expressions inside loops specialised per table row, so
 * that the compiler vectorises them for whatever ISA it targets. */
#include <stdint.h>
#include <string.h>

#include "crelu_internal.h"

/* Calls LOOP(variant, pytorch) with both as compile-time constants. */
#define CRELU__SPECIALISE(p, LOOP)                                                       \
    do {                                                                                 \
        switch ((int)(p).variant * 2 + (p).pytorch) {                                  \
        case CRELU__RELU * 2 + 1: LOOP(CRELU__RELU, 1); break;                           \
        case CRELU__RELU * 2 + 0: LOOP(CRELU__RELU, 0); break;                           \
        case CRELU__LEAKY * 2 + 1: LOOP(CRELU__LEAKY, 1); break;                         \
        case CRELU__LEAKY * 2 + 0: LOOP(CRELU__LEAKY, 0); break;                         \
        case CRELU__CLIPPED * 2 + 1: LOOP(CRELU__CLIPPED, 1); break;                     \
        default: LOOP(CRELU__CLIPPED, 0); break;                                         \
        }                                                                                \
    } while (0)

#define T float
#define U uint32_t
#define SFX(name) name##_f32
#include "portable_impl.h"
#undef SFX
#undef U
#undef T

#define T double
#define U uint64_t
#define SFX(name) name##_f64
#include "portable_impl.h"
#undef SFX
#undef U
#undef T

const crelu__kernels crelu__kernels_portable = {
    "portable",
    portable_forward_f32,
    portable_forward_mask_f32,
    portable_backward_x_f32,
    portable_backward_mask_f32,
    portable_forward_f64,
    portable_forward_mask_f64,
    portable_backward_x_f64,
    portable_backward_mask_f64,
};
