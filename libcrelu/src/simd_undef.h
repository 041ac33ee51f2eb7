/* SPDX-License-Identifier: MIT */
/* Clears the macros a kernels_<isa>.c file defines for simd_impl.h and the
 * lane operations (simd_float_ops.h, simd_half_ops.h), so the
 * next dtype can define its own. */
#undef T
#undef SFX
#undef V
#undef M
#undef LANES
#undef V_LOADU
#undef V_LOADU_UNFOLDED
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
#undef M_PAIR_TO_BITS
#undef H_PAIR_NONZERO_BITS
#undef H_PAIR_SATURATED_BITS
#undef M_FROM_BITS
#undef FENCE
#undef V_LOAD_FIRST
#undef V_STORE_FIRST
/* simd_half_ops.h's */
#undef F32
#undef HALF_WIDEN
#undef HALF_NARROW
#undef HALF_INFINITY
#undef HALF_NAN_FORWARD
#undef H_SET1
#undef H_XOR
#undef H_SUB
#undef H_ANDNOT
#undef H_SIGNS
#undef H_GT
#undef H_EQ
#undef H_SELECT
#undef H_FILL
#undef H_NONZERO
#undef H_KEEP
#undef H_DROP
#undef M_OR
#undef M_ANDNOT
#undef H_SCALE
