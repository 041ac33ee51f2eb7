/* SPDX-License-Identifier: MIT */
/* Clears the macros a kernels_<isa>.c file defines for simd_impl.h, so the
 * next dtype can define its own. */
#undef T
#undef SFX
#undef V
#undef M
#undef LANES
#undef V_LOADU
#undef V_STOREU
#undef V_STREAM
#undef V_SET1
#undef V_MUL
#undef V_MAX
#undef V_MIN
#undef M_GT
#undef M_GE
#undef M_LT
#undef M_LE
#undef M_NLE
#undef M_AND
#undef V_SELECT
#undef V_KEEP
#undef M_TO_BITS
#undef M_FROM_BITS
#undef FENCE
