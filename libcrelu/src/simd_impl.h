/* SPDX-License-Identifier: MIT */
/* Explicit-SIMD kernels for one element type on one ISA: the loops, the
 * aligning heads and tails, the mask words and streaming, the same for
 * every dtype. Included by the kernels_<isa>.c files once per dtype, after
 * the dtype's lane operations, which give:
 *
 *   SFX(simd_params), SFX(simd_params_of)(op)   the call's constants
 *   SFX(simd_forward_one)(variant, p, x)        the "forward y" column
 *   SFX(simd_passes)(variant, pytorch, p, x)    the mask bit, as lanes of M
 *   SFX(simd_forward_passes)(variant, pytorch, p, x)   the same, in mask-mode
 *                         forward, which has simd_forward_one(x) at hand
 *   SFX(simd_forward_pair_bits)(variant, pytorch, p, x0, x1)   where the
 *                         table defines M_PAIR_TO_BITS (below): bits
 *                         0..2*LANES-1, simd_forward_passes of x0 then x1
 *   SFX(simd_backward_one)(selects, p, passes, dy)   the backward columns
 *   and the one-element functions of the reference for the same dtype
 *
 * simd_float_ops.h gives them for float32 and float64, simd_half_ops.h for
 * bfloat16 and float16. The kernels_<isa>.c file defines:
 *
 *   T, SFX(name)          element type; name with ISA prefix and dtype suffix
 *   V, M, LANES           vector of T, its lane mask, lanes per vector
 *   V_LOADU(p), V_STOREU(p, v)   unaligned load and store
 *   V_STREAM(p, v)        non-temporal store to a sizeof(V)-aligned address
 *   M_TO_BITS(m)          lane k's truth as bit k of an unsigned
 *   M_FROM_BITS(bits)     the inverse
 *   FENCE()               orders streamed stores before the function returns
 *   and what the lane operations need (their headers list it). Optionally,
 *   where the ISA loads and stores a vector's first lanes alone (AVX-512's
 *   masked moves, which touch no memory past them):
 *   V_LOAD_FIRST(p, count)       the first count < LANES elements, zeros after
 *   V_STORE_FIRST(p, v, count)   stores the first count < LANES lanes
 *   Forward and backward from x then align their first input even when
 *   not streaming (simd_head says why), and take the elements before and
 *   after their loop as one partial vector each instead of one by one.
 *   Optionally, V_LOADU_UNFOLDED(p): V_LOADU as an instruction of its own,
 *   never folded into the one that uses the value; the streaming backward
 *   loops load dy with it (kernels_avx512.c says why).
 *   Optionally, M_PAIR_TO_BITS(m, n): M_TO_BITS(m) | M_TO_BITS(n) << LANES,
 *   where the ISA packs two masks for the price of one (SSE2's and AVX2's
 *   16-bit lanes; kernels_avx2.c measures it); mask-mode forward then takes
 *   its bits two vectors at a time, from simd_forward_pair_bits.
 *
 * Every result is bit-identical to the reference kernels: each lane does the
 * reference's comparisons and arithmetic, and the elements before and after
 * the vector loop go through the reference's own one-element functions. */

/* Mask words go to and from memory as uint64_t (simd_put_bits,
 * simd_get_bits), byte k holding bits 8k..8k+7: little-endian only. The
 * explicit-SIMD tables exist for x86 and arm64; a big-endian target gets the
 * portable table, whose mask is written byte by byte. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "simd_impl.h assumes a little-endian machine (mask words)"
#endif

/* A mask word covers 64 elements: 64 / LANES vectors. */
#define SIMD_BLOCK 64

/* Vectors per iteration of the loops without a mask, and of every block:
 * all loaded before any is stored. With one vector per iteration, a
 * 4,096-element float32 call in L1 took 1.3x an unrolled copy, and 3-5x
 * when the output sat 1-4 lines after the input modulo 4 KiB (each load
 * then waits behind stores it cannot yet tell apart from); loading first,
 * 1.0-1.5x. A table may define SIMD_STREAM_ONE_BY_ONE to 1 to have its
 * streaming loops (data beyond the last-level cache) load and store one
 * vector at a time instead: kernels_avx512.c says why. */
#define SIMD_UNROLL 4
#ifndef SIMD_STREAM_ONE_BY_ONE
#define SIMD_STREAM_ONE_BY_ONE 0
#endif
#define SIMD_ONE_BY_ONE(stream) ((stream) && SIMD_STREAM_ONE_BY_ONE)
#define SIMD_UNROLL_FOR(stream) (SIMD_ONE_BY_ONE(stream) ? 1u : SIMD_UNROLL)

#ifndef V_LOADU_UNFOLDED
#define V_LOADU_UNFOLDED(p) V_LOADU(p)
#endif
/* dy in the backward loops: unfolded when streaming. */
#define SIMD_LOAD_DY(stream, p) ((stream) ? V_LOADU_UNFOLDED(p) : V_LOADU(p))

#ifdef V_LOAD_FIRST
#define SIMD_PARTIAL 1
#else
#define SIMD_PARTIAL 0
#endif

/* Elements before `array` reaches a vector boundary; none when `align` is
 * 0. Streamed stores must be aligned: then `array` is the output. Without
 * streaming it is the first input where partial vectors make a head cheap
 * (SIMD_PARTIAL): on AVX-512, 1,024 float32 in L1 took 1.6x as long with
 * input and output both off a line boundary, and aligning the loads beat
 * aligning the stores when only one side could be. Every array is aligned
 * to its element (crelu.h requires it, as C does of a float or double
 * pointer, and every binding ensures it), so whole elements reach the
 * boundary. */
static size_t SFX(simd_head)(const T *array, size_t n, int align) {
    if (!align) {
        return 0;
    }
    const uintptr_t address = (uintptr_t)array;
    const size_t head = (size_t)((sizeof(V) - address % sizeof(V)) % sizeof(V)) / sizeof(T);
    return head < n ? head : n;
}

static CRELU__ALWAYS_INLINE void SFX(simd_store)(int stream, T *out, V v) {
    if (stream) {
        V_STREAM(out, v);
    } else {
        V_STOREU(out, v);
    }
}

/* ---- the four kernels; each specialises its loop per table row ---- */

/* How forward stores its copy of x: not at all (no saved buffer), with
 * ordinary stores, or streamed (only when saved and y are equally aligned,
 * since one head aligns both). */
#ifndef CRELU__SIMD_SAVE_MODES /* once per file, though included per dtype */
#define CRELU__SIMD_SAVE_MODES
enum { SIMD_SAVE_NONE, SIMD_SAVE_PLAIN, SIMD_SAVE_STREAM };
#endif

/* `count` vectors from element i, all loaded before any is stored (count
 * is a constant where this is inlined). With a save mode, x is also copied
 * to `saved` in the same pass: save-x mode then reads x once, not twice. */
static CRELU__ALWAYS_INLINE void SFX(simd_forward_vectors)(crelu__variant variant, int stream,
                                                          int save, const SFX(simd_params) * p,
                                                          const T *x, T *y, T *saved, size_t i,
                                                          unsigned count) {
    V xv[SIMD_UNROLL];
    for (unsigned u = 0; u < count; u++) {
        xv[u] = V_LOADU(x + i + u * LANES);
    }
    for (unsigned u = 0; u < count; u++) {
        if (save != SIMD_SAVE_NONE) {
            SFX(simd_store)(save == SIMD_SAVE_STREAM, saved + i + u * LANES, xv[u]);
        }
        SFX(simd_store)(stream, y + i + u * LANES, SFX(simd_forward_one)(variant, p, xv[u]));
    }
}

/* Elements [begin, end), a whole number of vectors. */
static CRELU__ALWAYS_INLINE void SFX(simd_forward_loop)(crelu__variant variant, int stream,
                                                       int save, const SFX(simd_params) * p,
                                                       const T *x, T *y, T *saved,
                                                       size_t begin, size_t end) {
    const unsigned unroll = SIMD_UNROLL_FOR(stream);
    size_t i = begin;
    /* One vector at a time, this loop leaves the last to the next: a copy
     * of that loop that never ran would be dead code in every streaming
     * instance (coverage counts each). */
    for (; end - i >= (unroll + (unroll == 1)) * LANES; i += unroll * LANES) {
        SFX(simd_forward_vectors)(variant, stream, save, p, x, y, saved, i, unroll);
    }
    for (; i < end; i += LANES) {
        SFX(simd_forward_vectors)(variant, stream, save, p, x, y, saved, i, 1);
    }
}

/* Elements [first, last), fewer than LANES: one partial vector where the
 * ISA has them, else the reference one element at a time. */
static void SFX(simd_forward_few)(const crelu__op *op, const SFX(simd_params) * p, const T *x,
                                  T *y, T *saved, size_t first, size_t last) {
#if SIMD_PARTIAL
    const unsigned count = (unsigned)(last - first);
    if (count > 0) {
        const V xv = V_LOAD_FIRST(x + first, count);
        if (saved != NULL) {
            V_STORE_FIRST(saved + first, xv, count);
        }
        V_STORE_FIRST(y + first, SFX(simd_forward_one)(op->variant, p, xv), count);
    }
#else
    (void)p;
    for (size_t i = first; i < last; i++) {
        if (saved != NULL) {
            memcpy(saved + i, x + i, sizeof *x); /* bytes: see reference_element.h */
        }
        SFX(reference_forward_one)(op, x + i, y + i);
    }
#endif
}

static void SFX(forward)(const crelu__op *op, const void *x_arg, void *y_arg, void *saved_arg,
                         size_t n, int stream) {
    const T *const x = x_arg;
    T *const y = y_arg;
    T *const saved = saved_arg;
    const size_t head = SFX(simd_head)(stream ? y : x, n, stream || SIMD_PARTIAL);
    int save = SIMD_SAVE_NONE;
    if (saved != NULL) {
        const int aligned_alike = ((uintptr_t)saved - (uintptr_t)y) % sizeof(V) == 0;
        save = stream && aligned_alike ? SIMD_SAVE_STREAM : SIMD_SAVE_PLAIN;
    }
    const SFX(simd_params) p = SFX(simd_params_of)(op);
    SFX(simd_forward_few)(op, &p, x, y, saved, 0, head);
    const size_t end = head + (n - head) / LANES * LANES;
#define LOOP(variant, s, sv) SFX(simd_forward_loop)(variant, s, sv, &p, x, y, saved, head, end)
#define ROWS(s, sv)                                                                       \
    switch (op->variant) {                                                                \
    case CRELU__LEAKY: LOOP(CRELU__LEAKY, s, sv); break;                                  \
    case CRELU__CLIPPED: LOOP(CRELU__CLIPPED, s, sv); break;                              \
    case CRELU__RELU:                                                                     \
    default: LOOP(CRELU__RELU, s, sv); break;                                             \
    }
    if (!stream) {
        if (save == SIMD_SAVE_NONE) {
            ROWS(0, SIMD_SAVE_NONE);
        } else {
            ROWS(0, SIMD_SAVE_PLAIN);
        }
    } else if (save == SIMD_SAVE_NONE) {
        ROWS(1, SIMD_SAVE_NONE);
    } else if (save == SIMD_SAVE_PLAIN) {
        ROWS(1, SIMD_SAVE_PLAIN);
    } else {
        ROWS(1, SIMD_SAVE_STREAM);
    }
#undef ROWS
#undef LOOP
    if (stream) {
        FENCE();
    }
    SFX(simd_forward_few)(op, &p, x, y, saved, end, n);
}

/* Stores the 64 mask bits of elements [e, e + 64) at bit e of the mask,
 * which begins `shift` = e % 8 bits into byte e / 8. That byte's low bits
 * are already written; the byte after the word gets the top `shift` bits,
 * with zeros above them. Byte e / 8 + 8 exists whenever shift > 0, because
 * it holds element e + 63's bit. */
static CRELU__ALWAYS_INLINE void SFX(simd_put_bits)(unsigned char *mask, size_t e, unsigned shift,
                                                    uint64_t bits) {
    unsigned char *at = mask + e / 8;
    if (shift != 0) {
        const uint64_t low = at[0] & ((1u << shift) - 1u);
        at[8] = (unsigned char)(bits >> (64 - shift));
        bits = bits << shift | low;
    }
    memcpy(at, &bits, sizeof bits); /* little-endian: byte k holds bits 8k..8k+7 */
}

static CRELU__ALWAYS_INLINE uint64_t SFX(simd_get_bits)(const unsigned char *mask, size_t e,
                                                        unsigned shift) {
    const unsigned char *at = mask + e / 8;
    uint64_t bits;
    memcpy(&bits, at, sizeof bits);
    if (shift != 0) {
        bits = bits >> shift | (uint64_t)at[8] << (64 - shift);
    }
    return bits;
}

/* simd_put_bits and simd_get_bits for the last `count` (< 64) elements:
 * only the bytes up to element e + count - 1's bit are touched, so nothing
 * past the mask's end is read or written; bits above `count` are stored as
 * zeros and ignored when read. */
static CRELU__ALWAYS_INLINE void SFX(simd_put_some_bits)(unsigned char *mask, size_t e,
                                                         unsigned shift, uint64_t bits,
                                                         unsigned count) {
    unsigned char *at = mask + e / 8;
    /* Byte e / 8 is read only when part of it is already written: with
     * count 0 and no shift it may lie past the mask. */
    const uint64_t kept = shift != 0 ? at[0] & ((1u << shift) - 1u) : 0;
    const uint64_t low = bits << shift | kept;
    const uint64_t high = shift != 0 ? bits >> (64 - shift) : 0; /* bits 64.. of the run */
    const unsigned bytes = (shift + count + 7) / 8;                /* at most 9 */
    for (unsigned b = 0; b < bytes; b++) {
        at[b] = (unsigned char)(b < 8 ? low >> (8 * b) : high);
    }
}

static CRELU__ALWAYS_INLINE uint64_t SFX(simd_get_some_bits)(const unsigned char *mask,
                                                             size_t e, unsigned shift,
                                                             unsigned count) {
    const unsigned char *at = mask + e / 8;
    const unsigned bytes = (shift + count + 7) / 8; /* at most 9 */
    const unsigned low_bytes = bytes < 8 ? bytes : 8;
    uint64_t low = 0;
    for (unsigned b = 0; b < low_bytes; b++) {
        low |= (uint64_t)at[b] << (8 * b);
    }
    /* Unshifted, fewer than 64 bits fit in 8 bytes. Tested first so that
     * the copies where shift is the constant 0 lose the rest. */
    if (shift == 0) {
        return low;
    }
    const uint64_t high = bytes > 8 ? at[8] : 0; /* bits 64.. of the run */
    return low >> shift | high << (64 - shift);
}

static CRELU__ALWAYS_INLINE void SFX(simd_forward_mask_loop)(
    crelu__variant variant, int pytorch, int stream, const SFX(simd_params) * p, const T *x,
    T *y, unsigned char *mask, size_t begin, size_t blocks) {
    const unsigned shift = (unsigned)(begin % 8);
    /* Vectors loaded before any is stored: the whole block, or one when
     * streaming one by one (see SIMD_UNROLL). */
    const unsigned group = SIMD_ONE_BY_ONE(stream) ? 1u : SIMD_BLOCK / LANES;
    for (size_t b = 0; b < blocks; b++) {
        const size_t e = begin + b * SIMD_BLOCK;
        uint64_t bits = 0;
        for (unsigned g = 0; g < SIMD_BLOCK / LANES; g += group) {
            V xv[SIMD_BLOCK / LANES];
            for (unsigned v = g; v < g + group; v++) {
                xv[v] = V_LOADU(x + e + v * LANES);
            }
#ifdef M_PAIR_TO_BITS
            /* The same as the loop below, two vectors' bits at a time. Kept
             * apart so that the tables without pairs compile as before. */
            if (group % 2 == 0) {
                for (unsigned v = g; v < g + group; v += 2) {
                    bits |= (uint64_t)SFX(simd_forward_pair_bits)(variant, pytorch, p, xv[v],
                                                                  xv[v + 1])
                            << (v * LANES);
                    for (unsigned w = v; w < v + 2; w++) {
                        SFX(simd_store)(stream, y + e + w * LANES,
                                        SFX(simd_forward_one)(variant, p, xv[w]));
                    }
                }
                continue;
            }
#endif
            for (unsigned v = g; v < g + group; v++) {
                bits |= (uint64_t)M_TO_BITS(SFX(simd_forward_passes)(variant, pytorch, p, xv[v]))
                        << (v * LANES);
                SFX(simd_store)(stream, y + e + v * LANES,
                                SFX(simd_forward_one)(variant, p, xv[v]));
            }
        }
        SFX(simd_put_bits)(mask, e, shift, bits);
    }
}

/* The elements before the blocks when streaming: fewer than LANES (simd_head),
 * so the reference one element at a time, their bits from bit 0 of the mask.
 * Not inlined into each table row: it is short and the same for all. */
static void SFX(simd_forward_mask_head)(const crelu__op *op, const T *x, T *y,
                                        unsigned char *mask, size_t head) {
    uint64_t bits = 0;
    for (size_t k = 0; k < head; k++) {
        bits |= (uint64_t)(SFX(reference_passes)(op, x[k]) != 0) << k;
        SFX(reference_forward_one)(op, x + k, y + k);
    }
    for (size_t b = 0; b < (head + 7) / 8; b++) {
        mask[b] = (unsigned char)(bits >> (8 * b));
    }
}

/* The tail after the blocks, fewer than 64 elements from `begin`: whole
 * vectors, then the reference one element at a time, their bits gathered
 * into one partial word. Plain stores: such a run is too short for
 * streaming to matter. */
static CRELU__ALWAYS_INLINE void SFX(simd_forward_mask_part)(
    crelu__variant variant, int pytorch, const crelu__op *op, const SFX(simd_params) * p,
    const T *x, T *y, unsigned char *mask, size_t begin, size_t n) {
    const unsigned count = (unsigned)(n - begin);
    uint64_t bits = 0;
    unsigned k = 0;
    for (; count - k >= LANES; k += LANES) {
        const V xv = V_LOADU(x + begin + k);
        bits |= (uint64_t)M_TO_BITS(SFX(simd_forward_passes)(variant, pytorch, p, xv)) << k;
        V_STOREU(y + begin + k, SFX(simd_forward_one)(variant, p, xv));
    }
    for (; k < count; k++) {
        bits |= (uint64_t)(SFX(reference_passes)(op, x[begin + k]) != 0) << k;
        SFX(reference_forward_one)(op, x + begin + k, y + begin + k);
    }
    SFX(simd_put_some_bits)(mask, begin, (unsigned)(begin % 8), bits, count);
}

static void SFX(forward_mask)(const crelu__op *op, const void *x_arg, void *y_arg,
                              unsigned char *mask, size_t n, int stream) {
    const T *const x = x_arg;
    T *const y = y_arg;
    const size_t head = SFX(simd_head)(y, n, stream);
    const SFX(simd_params) p = SFX(simd_params_of)(op);
    const size_t blocks = (n - head) / SIMD_BLOCK;
    const int pytorch = op->rule == CRELU_GRAD_PYTORCH;
    const size_t tail = head + blocks * SIMD_BLOCK;
    if (stream) {
        SFX(simd_forward_mask_head)(op, x, y, mask, head);
    }
    /* Without streaming there is no head: the blocks start at element 0, a
     * constant, so that copy of the loop never shifts its mask words. */
#define LOOP(variant, pt)                                                                   \
    if (stream) {                                                                           \
        SFX(simd_forward_mask_loop)(variant, pt, 1, &p, x, y, mask, head, blocks);          \
    } else {                                                                                \
        SFX(simd_forward_mask_loop)(variant, pt, 0, &p, x, y, mask, 0, blocks);             \
    }                                                                                       \
    SFX(simd_forward_mask_part)(variant, pt, op, &p, x, y, mask, tail, n)
    CRELU__SPECIALISE(op->variant, pytorch, LOOP);
#undef LOOP
    if (stream) {
        FENCE();
    }
}

/* simd_forward_vectors' twin. */
static CRELU__ALWAYS_INLINE void SFX(simd_backward_x_vectors)(crelu__variant variant, int pytorch,
                                                             int stream,
                                                             const SFX(simd_params) * p,
                                                             const T *x, const T *dy, T *dx,
                                                             size_t i, unsigned count) {
    const int selects = pytorch && variant != CRELU__LEAKY;
    V xv[SIMD_UNROLL], dyv[SIMD_UNROLL];
    for (unsigned u = 0; u < count; u++) {
        xv[u] = V_LOADU(x + i + u * LANES);
        dyv[u] = SIMD_LOAD_DY(stream, dy + i + u * LANES);
    }
    for (unsigned u = 0; u < count; u++) {
        const M passes = SFX(simd_passes)(variant, pytorch, p, xv[u]);
        SFX(simd_store)(stream, dx + i + u * LANES,
                        SFX(simd_backward_one)(selects, p, passes, dyv[u]));
    }
}

static CRELU__ALWAYS_INLINE void SFX(simd_backward_x_loop)(crelu__variant variant, int pytorch,
                                                          int stream,
                                                          const SFX(simd_params) * p,
                                                          const T *x, const T *dy, T *dx,
                                                          size_t begin, size_t end) {
    const unsigned unroll = SIMD_UNROLL_FOR(stream);
    size_t i = begin;
    for (; end - i >= (unroll + (unroll == 1)) * LANES; i += unroll * LANES) { /* as forward's */
        SFX(simd_backward_x_vectors)(variant, pytorch, stream, p, x, dy, dx, i, unroll);
    }
    for (; i < end; i += LANES) {
        SFX(simd_backward_x_vectors)(variant, pytorch, stream, p, x, dy, dx, i, 1);
    }
}

/* simd_forward_few's twin. */
static void SFX(simd_backward_x_few)(const crelu__op *op, const SFX(simd_params) * p,
                                     const T *x, const T *dy, T *dx, size_t first, size_t last) {
#if SIMD_PARTIAL
    const unsigned count = (unsigned)(last - first);
    if (count > 0) {
        const int pytorch = op->rule == CRELU_GRAD_PYTORCH;
        const int selects = pytorch && op->variant != CRELU__LEAKY;
        const M passes = SFX(simd_passes)(op->variant, pytorch, p, V_LOAD_FIRST(x + first, count));
        V_STORE_FIRST(dx + first,
                      SFX(simd_backward_one)(selects, p, passes, V_LOAD_FIRST(dy + first, count)),
                      count);
    }
#else
    (void)p;
    for (size_t i = first; i < last; i++) {
        SFX(reference_backward_one)(op, SFX(reference_passes)(op, x[i]), dy + i, dx + i);
    }
#endif
}

static void SFX(backward_x)(const crelu__op *op, const void *x_arg, const void *dy_arg,
                            void *dx_arg, size_t n, int stream) {
    const T *const x = x_arg;
    const T *const dy = dy_arg;
    T *const dx = dx_arg;
    const size_t head = SFX(simd_head)(stream ? dx : x, n, stream || SIMD_PARTIAL);
    const SFX(simd_params) p = SFX(simd_params_of)(op);
    SFX(simd_backward_x_few)(op, &p, x, dy, dx, 0, head);
    const size_t end = head + (n - head) / LANES * LANES;
    const int pytorch = op->rule == CRELU_GRAD_PYTORCH;
#define LOOP(variant, pt)                                                                   \
    if (stream) {                                                                           \
        SFX(simd_backward_x_loop)(variant, pt, 1, &p, x, dy, dx, head, end);                \
    } else {                                                                                \
        SFX(simd_backward_x_loop)(variant, pt, 0, &p, x, dy, dx, head, end);                \
    }
    CRELU__SPECIALISE(op->variant, pytorch, LOOP);
#undef LOOP
    if (stream) {
        FENCE();
    }
    SFX(simd_backward_x_few)(op, &p, x, dy, dx, end, n);
}

static CRELU__ALWAYS_INLINE void SFX(simd_backward_mask_loop)(
    int selects, int stream, const SFX(simd_params) * p, const unsigned char *mask, const T *dy,
    T *dx, size_t begin, size_t blocks) {
    const unsigned shift = (unsigned)(begin % 8);
    const uint64_t lane_bits = ((uint64_t)1 << LANES) - 1u;
    const unsigned group = SIMD_ONE_BY_ONE(stream) ? 1u : SIMD_BLOCK / LANES; /* as forward's */
    for (size_t b = 0; b < blocks; b++) {
        const size_t e = begin + b * SIMD_BLOCK;
        const uint64_t bits = SFX(simd_get_bits)(mask, e, shift);
        for (unsigned g = 0; g < SIMD_BLOCK / LANES; g += group) {
            V dyv[SIMD_BLOCK / LANES];
            for (unsigned v = g; v < g + group; v++) {
                dyv[v] = SIMD_LOAD_DY(stream, dy + e + v * LANES);
            }
            for (unsigned v = g; v < g + group; v++) {
                const M passes = M_FROM_BITS((unsigned)((bits >> (v * LANES)) & lane_bits));
                SFX(simd_store)(stream, dx + e + v * LANES,
                                SFX(simd_backward_one)(selects, p, passes, dyv[v]));
            }
        }
    }
}

/* The backward twins of simd_forward_mask_head and simd_forward_mask_part. */
static void SFX(simd_backward_mask_head)(const crelu__op *op, const unsigned char *mask,
                                         const T *dy, T *dx, size_t head) {
    for (size_t k = 0; k < head; k++) {
        SFX(reference_backward_one)(op, (mask[k / 8] >> (k % 8)) & 1, dy + k, dx + k);
    }
}

/* `shift` is begin % 8, from the caller: the unstreamed copies pass the
 * constant 0 (their tail begins at a multiple of 64). */
static CRELU__ALWAYS_INLINE void SFX(simd_backward_mask_part)(
    int selects, const crelu__op *op, const SFX(simd_params) * p, const unsigned char *mask,
    const T *dy, T *dx, size_t begin, unsigned shift, size_t n) {
    const unsigned count = (unsigned)(n - begin);
    const uint64_t lane_bits = ((uint64_t)1 << LANES) - 1u;
    const uint64_t bits = SFX(simd_get_some_bits)(mask, begin, shift, count);
    unsigned k = 0;
    for (; count - k >= LANES; k += LANES) {
        const M passes = M_FROM_BITS((unsigned)((bits >> k) & lane_bits));
        V_STOREU(dx + begin + k, SFX(simd_backward_one)(selects, p, passes, V_LOADU(dy + begin + k)));
    }
    for (; k < count; k++) {
        SFX(reference_backward_one)(op, (int)((bits >> k) & 1u), dy + begin + k, dx + begin + k);
    }
}

static void SFX(backward_mask)(const crelu__op *op, const unsigned char *mask, const void *dy_arg,
                               void *dx_arg, size_t n, int stream) {
    const T *const dy = dy_arg;
    T *const dx = dx_arg;
    const size_t head = SFX(simd_head)(dx, n, stream);
    const SFX(simd_params) p = SFX(simd_params_of)(op);
    const size_t blocks = (n - head) / SIMD_BLOCK;
    /* Once the bit is known only the combine step differs between rows. */
    const int selects = op->rule == CRELU_GRAD_PYTORCH && op->variant != CRELU__LEAKY;
    if (stream) {
        SFX(simd_backward_mask_head)(op, mask, dy, dx, head);
    }
    /* Without streaming there is no head: the blocks and the tail start at
     * constant multiples of 64, so those copies never shift mask words. */
#define RUN(sel, s, begin)                                                                  \
    SFX(simd_backward_mask_loop)(sel, s, &p, mask, dy, dx, begin, blocks);                  \
    SFX(simd_backward_mask_part)(sel, op, &p, mask, dy, dx, (begin) + blocks * SIMD_BLOCK, \
                                 (unsigned)((begin) % 8), n)
    if (selects && stream) {
        RUN(1, 1, head);
    } else if (selects) {
        RUN(1, 0, 0);
    } else if (stream) {
        RUN(0, 1, head);
    } else {
        RUN(0, 0, 0);
    }
#undef RUN
    if (stream) {
        FENCE();
    }
}

#undef SIMD_BLOCK
#undef SIMD_UNROLL
#undef SIMD_UNROLL_FOR
#undef SIMD_ONE_BY_ONE
#undef SIMD_PARTIAL
#undef SIMD_LOAD_DY
