/* SPDX-License-Identifier: MIT */
/* Private declarations shared by the library's sources and its white-box tests.
 * Nothing here is part of the ABI. */
#ifndef CRELU_INTERNAL_H
#define CRELU_INTERNAL_H

#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "crelu.h"

#if defined(__GNUC__) || defined(__clang__)
#define CRELU__ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define CRELU__ALWAYS_INLINE inline
#endif

typedef enum crelu__variant {
    CRELU__RELU = 0,
    CRELU__LEAKY = 1,
    CRELU__CLIPPED = 2
} crelu__variant;

/* A new dtype is a new value here, a size below, and a row in every kernel
 * table. */
typedef enum crelu__dtype {
    CRELU__NO_DTYPE = 0, /* no forward has succeeded yet */
    CRELU__F32 = 1,
    CRELU__F64 = 2,
    CRELU__BF16 = 3, /* bit patterns in uint16_t (half.h) */
    CRELU__F16 = 4,
    CRELU__DTYPE_COUNT
} crelu__dtype;

/* Bytes per element, by dtype. */
static inline size_t crelu__dtype_size(crelu__dtype dtype) {
    static const size_t sizes[CRELU__DTYPE_COUNT] = {
        [CRELU__NO_DTYPE] = 0,           [CRELU__F32] = sizeof(float),
        [CRELU__F64] = sizeof(double),   [CRELU__BF16] = sizeof(uint16_t),
        [CRELU__F16] = sizeof(uint16_t)};
    return sizes[dtype];
}

/* The operation a forward fixes and its backward replays: which row of the
 * semantics table, which backward rule, and the row's parameter. Kernels
 * convert slope and cap to their element type, as PyTorch does. */
typedef struct crelu__op {
    crelu__variant variant;
    int rule;     /* CRELU_GRAD_PYTORCH or CRELU_GRAD_CS231N */
    double slope; /* used by CRELU__LEAKY */
    double cap;   /* used by CRELU__CLIPPED */
    /* Always 1.0. The multiply-by-mask rules compute dy * 1, which quiets a
     * signalling NaN exactly as the references do; holding the 1 in data
     * rather than as a literal stops the compiler from folding dy * 1 to dy. */
    double one;
} crelu__op;

/* Builds the op for the given options; slope and cap must already be valid
 * (at most one of them active). */
static inline crelu__op crelu__op_make(int rule, double slope, double cap) {
    crelu__op op;
    op.variant = slope != 0.0 ? CRELU__LEAKY : cap < INFINITY ? CRELU__CLIPPED : CRELU__RELU;
    op.rule = rule;
    op.slope = slope;
    op.cap = cap;
    op.one = 1.0;
    return op;
}

/* Calls LOOP(variant, pytorch) with both as compile-time constants, so that
 * an always-inlined loop becomes one branch-free loop per table row. */
#define CRELU__SPECIALISE(variant, pytorch, LOOP)                                        \
    do {                                                                                 \
        switch ((int)(variant) * 2 + ((pytorch) != 0)) {                                 \
        case CRELU__RELU * 2 + 1: LOOP(CRELU__RELU, 1); break;                           \
        case CRELU__RELU * 2 + 0: LOOP(CRELU__RELU, 0); break;                           \
        case CRELU__LEAKY * 2 + 1: LOOP(CRELU__LEAKY, 1); break;                         \
        case CRELU__LEAKY * 2 + 0: LOOP(CRELU__LEAKY, 0); break;                         \
        case CRELU__CLIPPED * 2 + 1: LOOP(CRELU__CLIPPED, 1); break;                     \
        default: LOOP(CRELU__CLIPPED, 0); break;                                         \
        }                                                                                \
    } while (0)

/* Bytes of a 1-bit-per-element mask: bit i lives in byte i / 8, at bit i % 8.
 * Set means "backward takes the pass-through branch" (dy, or dy * 1). */
static inline size_t crelu__mask_bytes(size_t n) {
    return n / 8 + (n % 8 != 0);
}

/* One implementation of every hot loop, for one ISA. Every function handles
 * any n (including n not a multiple of the vector width), any alignment, and
 * exact aliasing of its output with one input (y == x, dx == dy); a mask
 * argument never aliases anything and starts at element 0 of its byte.
 * `stream` asks for non-temporal stores of the float output, for data too big
 * to stay in cache; an implementation without them ignores it. forward's
 * `saved`, when not NULL, receives a copy of x in the same pass (save-x
 * mode reads x once); it aliases nothing. */
/* One dtype's four kernels. The arrays are untyped so that every dtype's
 * row has the same shape: each points at elements of the row's dtype. */
typedef struct crelu__dtype_kernels {
    void (*forward)(const crelu__op *op, const void *x, void *y, void *saved, size_t n,
                    int stream);
    void (*forward_mask)(const crelu__op *op, const void *x, void *y, unsigned char *mask,
                         size_t n, int stream);
    void (*backward_x)(const crelu__op *op, const void *x, const void *dy, void *dx, size_t n,
                       int stream);
    void (*backward_mask)(const crelu__op *op, const unsigned char *mask, const void *dy,
                          void *dx, size_t n, int stream);
} crelu__dtype_kernels;

/* The row `prefix##forward##suffix`, ... of a template's kernels, e.g.
 * CRELU__DTYPE_ROW(sse2_, _f32). The arguments are expanded first, so a
 * suffix may be a macro (x87.h's). */
#define CRELU__DTYPE_ROW(prefix, suffix) CRELU__DTYPE_ROW_PASTED(prefix, suffix)
#define CRELU__DTYPE_ROW_PASTED(prefix, suffix)                                           \
    {                                                                                     \
        prefix##forward##suffix, prefix##forward_mask##suffix, prefix##backward_x##suffix, \
            prefix##backward_mask##suffix                                                 \
    }

typedef struct crelu__kernels {
    const char *name;
    int (*supported)(void); /* nonzero when this CPU and OS can run it */
    /* Indexed by crelu__dtype; CRELU__NO_DTYPE's row is empty. */
    crelu__dtype_kernels dtypes[CRELU__DTYPE_COUNT];
} crelu__kernels;

/* The scalar reference: written straight from the semantics table, one
 * element at a time. The oracle every other implementation is tested
 * against, and the library's own path when CRELU_ISA=scalar. */
extern const crelu__kernels crelu__kernels_reference;

/* Portable C written so the compiler can vectorise it for whatever it
 * targets (SSE2 at x86-64's baseline, NEON on AArch64): no per-element calls
 * or branches in the hot loops. */
extern const crelu__kernels crelu__kernels_portable;

#if defined(__x86_64__) || defined(__i386__)
#define CRELU__X86 1
/* Explicit SIMD, one table per x86 ISA level: movemask mask packing and
 * streaming stores. Each is compiled for its ISA alone and only ever called
 * after its supported() said yes. */
extern const crelu__kernels crelu__kernels_sse2;
extern const crelu__kernels crelu__kernels_avx2;
extern const crelu__kernels crelu__kernels_avx512;
#endif

#if defined(__aarch64__)
#define CRELU__NEON 1
/* Explicit SIMD for AArch64, where NEON is baseline: always supported. */
extern const crelu__kernels crelu__kernels_neon;
#endif

/* Every table compiled into this build, best first, ending with NULL. The
 * tests walk it; the picker takes the first one supported and allowed. */
extern const crelu__kernels *const crelu__kernel_tables[];

/* The implementation the library runs: the best supported table, or a lower
 * one named by the CRELU_ISA environment variable. Picked once, on first use,
 * by crelu__pick_kernels() (kernels.c, the one place that decides); every
 * later call costs one atomic load. */
extern _Atomic(const crelu__kernels *) crelu__kernels_picked;
const crelu__kernels *crelu__pick_kernels(void);
/* The rule the picker applies, on any table list (white-box tests give it
 * tables this CPU would not have): the first supported one from the one
 * `wanted` names (CRELU_ISA; the best when NULL or unknown); NULL if none. */
const crelu__kernels *crelu__pick_from(const crelu__kernels *const *tables, const char *wanted);

static inline const crelu__kernels *crelu__active_kernels(void) {
    const crelu__kernels *kernels =
        atomic_load_explicit(&crelu__kernels_picked, memory_order_acquire);
    return kernels != NULL ? kernels : crelu__pick_kernels();
}

/* ---- running a kernel over a whole array: streaming and threads ---- */

/* What threads of one call share is kept this far apart, so that no core
 * writes a cache line another core reads for every chunk. */
#define CRELU__CACHE_LINE 64

/* Sizes that decide how a call runs, derived from the last-level cache:
 * outputs are streamed past the cache when the call reads plus writes at
 * least stream_bytes; it is split across threads in pieces that each touch at
 * least piece_bytes. */
typedef struct crelu__tuning {
    size_t stream_bytes;
    size_t piece_bytes;
} crelu__tuning;

/* The piece size in force unless a test overrides it: a call is split once
 * it touches two pieces, so that each thread's part touches at least one.
 * Measured with crelu-bench on a 2-core AMD EPYC (family 26) KVM guest,
 * 1 MiB of L2 per core: a cache line takes ~0.3 us to cross cores there, and two
 * threads lost to one up to 2^16 float32 elements (512 KiB touched), while
 * they won from 2^17 (1 MiB, more than one core's L2) on. */
#define CRELU__PIECE_BYTES ((size_t)512 << 10)

/* The tuning in force: measured on first use by crelu__measure_tuning()
 * (machine.c); one atomic load after that. */
extern _Atomic(const crelu__tuning *) crelu__tuning_in_force;
const crelu__tuning *crelu__measure_tuning(void);

static inline const crelu__tuning *crelu__tuning_now(void) {
    const crelu__tuning *tuning =
        atomic_load_explicit(&crelu__tuning_in_force, memory_order_acquire);
    return tuning != NULL ? tuning : crelu__measure_tuning();
}

/* For white-box tests: replaces the measured tuning (NULL restores it), so
 * that small arrays can take the streaming and threaded paths. */
void crelu__tuning_override(const crelu__tuning *tuning);

/* The thread count `0 = automatic` means: CRELU_NUM_THREADS if set to a
 * positive number, else the CPUs this process may run on. Read once. */
int crelu__default_threads(void);

/* The pieces of those two measurements, apart from the machine so that
 * white-box tests can feed them anything. The largest cache size listed
 * under a sysfs cache directory (.../cpu0/cache), or 0; the cache size the
 * tuning uses: sysfs's, else sysconf's when positive, else 8 MiB; the
 * automatic thread count: `text` (CRELU_NUM_THREADS) when it is a positive
 * number, else `cpus`, each clamped to 1..256. */
size_t crelu__sysfs_cache_bytes(const char *dir);
size_t crelu__cache_bytes(size_t sysfs_bytes, long sysconf_bytes);
int crelu__threads_from(const char *text, long cpus);

/* Calls fn(arg, begin, end) over [0, n) in pieces of `piece` elements (the
 * last one shorter), dealt out in ranges to the caller and up to
 * threads - 1 of the pool's workers, which steal from each other's ranges
 * when theirs run out (parallel.c), and returns when all are done. Runs everything
 * as one piece on the caller when threads <= 1, when n <= piece, or when the
 * pool is busy with another call or stopped. */
void crelu__parallel_for(int threads, size_t n, size_t piece,
                         void (*fn)(void *arg, size_t begin, size_t end), void *arg);

/* What a pool worker does when a call wakes it (parallel.c): if the calling
 * thread runs on CPU `cpu` (-1: unknown) and so does it, it moves to another
 * CPU of its affinity mask and restores the mask; returns 1 when it did. */
int crelu__leave_cpu(int cpu);

/* CRELU_OPENMP=1 (openmp.c): runs crelu__parallel_for's call on the team of
 * the process's libgomp, in one contiguous run of pieces per thread, and
 * returns 1; returns 0, having done nothing, when the variable is not "1",
 * when no libgomp was loaded at the first split call, in a child of fork(),
 * or inside an OpenMP region. `wanted` reads the variable's text. */
int crelu__openmp_parallel_for(int threads, size_t n, size_t piece,
                               void (*fn)(void *arg, size_t begin, size_t end), void *arg);
int crelu__openmp_wanted(const char *text);

/* Forward and backward over n elements with the active kernels: decides
 * streaming on the whole call, splits it across `threads` (0 = automatic).
 * Forward saves the mask, or a copy of x, where given (at most one).
 * Arguments are already checked. */
void crelu__run_forward(const crelu__op *op, crelu__dtype dtype, const void *x, void *y,
                        unsigned char *mask, void *saved, size_t n, int threads);
void crelu__run_backward(const crelu__op *op, crelu__dtype dtype, const void *x,
                         const unsigned char *mask, const void *dy, void *dx, size_t n,
                         int threads);

/* Nonzero when [a, a + bytes) and [b, b + bytes) share a byte without a == b.
 * Compared as integers: relational operators on pointers into different
 * objects are undefined in C. */
static inline int crelu__overlap_partially(const void *a, const void *b, size_t bytes) {
    const uintptr_t pa = (uintptr_t)a;
    const uintptr_t pb = (uintptr_t)b;
    if (pa == pb) {
        return 0;
    }
    return pa < pb ? pb - pa < bytes : pa - pb < bytes;
}

/* Nonzero when `bytes` starting at `p` would run past the end of the
 * address space: no buffer can be there, and the loops would walk off into
 * memory that does not exist. */
static inline int crelu__runs_past_end(const void *p, size_t bytes) {
    return (uintptr_t)p > UINTPTR_MAX - bytes;
}

/* Checks shared by every entry point that takes an input and an output
 * buffer of n elements of elem_size bytes: NULL pointers (when n > 0), byte
 * count overflow (including a count no buffer can have), partial overlap.
 * Inline: it sits on every call's path. Returns a crelu_status. */
static inline int crelu__check_buffers(const void *in, const void *out, size_t n,
                                       size_t elem_size) {
    if (in == NULL || out == NULL) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    /* No object holds more than PTRDIFF_MAX bytes (pointer differences
     * inside it must fit in ptrdiff_t); this bound also keeps n * elem_size
     * from wrapping size_t. */
    if (n > (size_t)PTRDIFF_MAX / elem_size || crelu__runs_past_end(in, n * elem_size) ||
        crelu__runs_past_end(out, n * elem_size)) {
        return CRELU_ERR_OVERFLOW;
    }
    if (crelu__overlap_partially(in, out, n * elem_size)) {
        return CRELU_ERR_INVALID_ARGUMENT;
    }
    return CRELU_OK;
}

#endif /* CRELU_INTERNAL_H */
