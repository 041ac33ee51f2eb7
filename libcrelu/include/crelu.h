/* SPDX-License-Identifier: MIT */
/*
 * libcrelu - the ReLU activation and its backward pass, bit-exact.
 *
 * This is the one public header. Everything a caller may rely on is declared
 * here; everything else is private and may change in any release.
 *
 * The library computes, for float32, float64, bfloat16 and float16 arrays,
 *
 *     forward:   y  = relu(x)              (plain, leaky or clipped ReLU)
 *     backward:  dx = relu'(x) * dy        (from a context that remembered x)
 *
 * with results identical, bit for bit, to one of two references, chosen per
 * context with crelu_set_grad_rule():
 *
 *   CRELU_GRAD_PYTORCH  PyTorch 1.13 on the CPU (torch.relu, leaky_relu,
 *                       hardtanh/relu6 and autograd's backward of each).
 *   CRELU_GRAD_CS231N   the classic NumPy reference, dx = dy * mask.
 *
 * | variant             | forward y            | backward, PYTORCH      | backward, CS231N        |
 * |---------------------|----------------------|------------------------|-------------------------|
 * | ReLU                | x < 0 ? +0 : x       | x <= 0 ? +0 : dy       | dy * (x >= 0 ? 1 : 0)   |
 * | leaky, slope a != 0 | x > 0 ? x : x * a    | dy * (x > 0 ? 1 : a)   | dy * (x >= 0 ? 1 : a)   |
 * | clipped, cap c > 0  | min(max(x, 0), c)    | 0 < x < c ? dy : +0    | dy * (0 <= x <= c ? 1:0)|
 *
 * Forward passes NaN (payload kept) and -0.0 through unchanged, except that
 * the leaky variant multiplies NaNs by a, which quiets a signalling NaN.
 * Backward at a NaN x: ReLU/PYTORCH passes dy; every other row takes the
 * "else" branch (+0, dy * a, or dy * 0).
 *
 * Thread safety: a crelu_ctx is not synchronised; use one context per thread
 * or serialise calls on a shared one. Different contexts and the stateless
 * functions may be used from any number of threads at once.
 *
 * Signals: crelu_forward_*(), crelu_backward_*(), crelu_relu_*(),
 * crelu_relu_backward_*() and crelu_strerror() are async-signal-safe (a
 * handler may call them, also while it interrupts one of them) once the
 * process has returned from a call with at least as many threads that was
 * split across them: the first call picks the kernels and reads the machine,
 * and a split call starts the pool's threads, which a handler must not do.
 * The stateless functions use the automatic thread count (see
 * crelu_set_num_threads). A forward on a context must also allocate nothing
 * (its saved state fits what an earlier forward on that context reserved),
 * and the context must not be the one the interrupted code is using. A call
 * that interrupts a call holding the thread pool runs on its own thread; no
 * call changes errno. crelu_create*(), crelu_destroy() and the setters are
 * not async-signal-safe. Nor is a split call with CRELU_OPENMP=1 in a
 * process that has libgomp loaded (see crelu_set_num_threads): it runs on
 * libgomp, which is not.
 *
 * Buffers: any address aligned for its element type, as C requires of a
 * float or double pointer; no further alignment is needed (the kernels align
 * themselves, and results never depend on alignment).
 *
 * Machines: the same bits on every machine and kernel table (x86-64, i686,
 * arm64, s390x, little- and big-endian), with one exception: a NaN that
 * arithmetic creates rather than passes on - in libcrelu only the cs231n
 * rule's dy * 0 at dy = +-inf - is the machine's default NaN, as NumPy's and
 * PyTorch's are there: 0xffc00000 (float64 0xfff8000000000000) on x86,
 * 0x7fc00000 (0x7ff8000000000000) on arm64 and s390x.
 * On 32-bit x86 the SSE2 table is used when the CPU has SSE2 (every x86 CPU
 * since 2001). Without SSE2 (the x87 FPU only) the results are the same
 * bits too: selects move bits, so signalling NaNs pass unchanged; a float32
 * product is exact in the x87 and rounded once; float64 products run under
 * the 53-bit precision control, scaled so that a subnormal result is
 * rounded once (Java's strictfp technique). The kernels put the caller's
 * x87 control word back before they return.
 *
 * bfloat16 and float16 (version 1.1) travel as their bit patterns, in
 * uint16_t arrays: bfloat16 is float32's top 16 bits, float16 is IEEE
 * binary16. Their rule is the float32 table above, on x widened to float32
 * (exactly) with the slope and cap as float32, and the result narrowed to
 * the 16-bit format once, round-to-nearest-even (subnormals kept, overflow
 * to infinity), except where a row selects dy:
 *
 * | dtype    | narrowing a NaN             | ReLU/clipped PYTORCH backward |
 * |----------|-----------------------------|-------------------------------|
 * | bfloat16 | 0xffff, every NaN           | dy's bits, NaN included       |
 * | float16  | sign and top 10 payload bits| dy's bits, NaN included       |
 *
 * So a bfloat16 forward maps every NaN x to 0xffff, and every bfloat16
 * product that is a NaN comes out 0xffff: what PyTorch 1.13's vectorized
 * CPU body gives (torch.relu, leaky_relu, hardtanh and their backward),
 * also where its scalar tail differs. A float16 forward passes NaN x
 * unchanged (the select of the seed's class on float16 arrays, which
 * narrowing an exactly widened value reproduces), and arithmetic quiets a
 * signalling NaN as float32 does (what NumPy's float16 arithmetic and F16C
 * give). The cs231n rule's dy * 0 at dy = +-inf is the machine's default
 * NaN narrowed: 0xffff in bfloat16 everywhere; in float16 0xfe00 on x86,
 * 0x7e00 on arm64 and s390x.
 *
 * The saved mask (CRELU_SAVE_MASK) is private to the context and never seen
 * by the caller; for the record, bit i of it is bit i % 8 of byte i / 8 on
 * every machine, whatever its byte order.
 *
 * Flush-to-zero: the bits above assume it is off (AArch64's FPCR.FZ, x86's
 * MXCSR FTZ and DAZ), as it is when a C program starts. A process that turns
 * it on still gets those bits for every value that is not subnormal and
 * whose products (leaky's x * a; backward's dy * 1 and dy * a) are not: a
 * subnormal input may then be taken for a zero of its sign, and a subnormal
 * product may come out as one, on whatever kernels run.
 */
#ifndef CRELU_H
#define CRELU_H

#include <stddef.h> /* size_t */
#include <stdint.h> /* uint16_t: bfloat16 and float16 elements */

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Version. Defined once, here; the build reads it from this header.
 * ------------------------------------------------------------------------- */
#define CRELU_VERSION_MAJOR 1
#define CRELU_VERSION_MINOR 1
#define CRELU_VERSION_PATCH 0

#define CRELU_VERSION_NUMBER \
    (CRELU_VERSION_MAJOR * 10000 + CRELU_VERSION_MINOR * 100 + CRELU_VERSION_PATCH)

/* "MAJOR.MINOR.PATCH", built from the three numbers above so that it cannot
 * disagree with them (zstd's ZSTD_VERSION_STRING). Two levels of macro so
 * that the numbers are expanded before they are quoted. */
#define CRELU_QUOTE(str) #str
#define CRELU_EXPAND_AND_QUOTE(str) CRELU_QUOTE(str)
#define CRELU_VERSION_STRING                                                 \
    CRELU_EXPAND_AND_QUOTE(CRELU_VERSION_MAJOR) "." CRELU_EXPAND_AND_QUOTE( \
        CRELU_VERSION_MINOR) "." CRELU_EXPAND_AND_QUOTE(CRELU_VERSION_PATCH)

/* ---------------------------------------------------------------------------
 * Export macro. The library is built with hidden visibility; only what is
 * marked CRELU_API is exported (and a linker version script enforces it).
 * ------------------------------------------------------------------------- */
#if defined(__GNUC__) || defined(__clang__)
#define CRELU_API __attribute__((visibility("default")))
#else
#define CRELU_API
#endif

/* ---------------------------------------------------------------------------
 * Status codes. Every entry point returns one; numbers are fixed forever and
 * never reused. crelu_strerror() turns one into a sentence.
 *
 * XX(name, number, message) - one row per status; the library builds its
 * enum and its message table from this single list.
 * ------------------------------------------------------------------------- */
#define CRELU_STATUS_MAP(XX)                                                             \
    XX(OK, 0, "success")                                                                 \
    XX(ERR_INVALID_ARGUMENT, 1,                                                          \
       "invalid argument (NULL pointer, bad option value, or partially overlapping buffers)") \
    XX(ERR_OUT_OF_MEMORY, 2, "out of memory")                                            \
    XX(ERR_NO_FORWARD, 3, "backward called before any successful forward on this context") \
    XX(ERR_SIZE_MISMATCH, 4, "backward element count differs from the last forward")    \
    XX(ERR_DTYPE_MISMATCH, 5, "backward dtype differs from the last forward")            \
    XX(ERR_OVERFLOW, 6, "element count too large: more bytes than any buffer can hold")

typedef enum crelu_status {
#define CRELU__STATUS_ENUM(name, number, message) CRELU_##name = number,
    CRELU_STATUS_MAP(CRELU__STATUS_ENUM)
#undef CRELU__STATUS_ENUM
} crelu_status;

/* ---------------------------------------------------------------------------
 * Option values.
 * ------------------------------------------------------------------------- */
/* What forward keeps for backward (crelu_set_save). */
#define CRELU_SAVE_X 0    /* an owned copy of x: n * sizeof(element) bytes (default) */
#define CRELU_SAVE_MASK 1 /* one bit per element: ceil(n / 8) bytes */

/* Which reference backward matches at the kinks and at NaN x (crelu_set_grad_rule). */
#define CRELU_GRAD_PYTORCH 0 /* PyTorch 1.13 autograd (default) */
#define CRELU_GRAD_CS231N 1  /* NumPy dx = dy * mask, as in Stanford cs231n */

/* ---------------------------------------------------------------------------
 * Version queries.
 * ------------------------------------------------------------------------- */

/*! crelu_version_number() :
 *  @return the library's version as MAJOR * 10000 + MINOR * 100 + PATCH.
 *  Compare it with CRELU_VERSION_NUMBER to detect a header/library mismatch.
 *  Thread-safe. */
CRELU_API int crelu_version_number(void);

/*! crelu_version_string() :
 *  @return the library's version as "MAJOR.MINOR.PATCH", a static string.
 *  Thread-safe. */
CRELU_API const char *crelu_version_string(void);

/*! crelu_isa_name() :
 *  @return the instruction set the kernels run on, a static string: "avx512",
 *  "avx2", "sse2" (x86), "neon" (AArch64), "portable" (compiler-vectorised C)
 *  or "scalar". Chosen once, on first use, as the best this CPU supports; the
 *  environment variable CRELU_ISA, read at that moment, can lower the choice
 *  to one of these names (never raise it). Every choice gives bit-identical
 *  results.
 *  Thread-safe. */
CRELU_API const char *crelu_isa_name(void);

/*! crelu_strerror() :
 *  @return a static, human-readable sentence for `status`. Never NULL: an
 *  unknown status gets a generic "unknown status" message. Thread-safe. */
CRELU_API const char *crelu_strerror(int status);

/* ---------------------------------------------------------------------------
 * Context: options plus what the last forward saved for backward.
 *
 * Lifetime: crelu_create() -> any number of setters, forward and backward
 * calls -> crelu_destroy(). Options set with the setters apply from the next
 * forward on; a backward always uses the options of the forward it follows.
 *
 * Errors: every function below returns a status and never aborts. A call that
 * fails changes nothing: not the options, not the saved state, not the output
 * buffer. The context stays usable after any error.
 * ------------------------------------------------------------------------- */
typedef struct crelu_ctx crelu_ctx; /* opaque */

/* A custom allocator for crelu_create_with_allocator(). `alloc` returns
 * `size` bytes aligned for any object type, or NULL; `free` releases what
 * `alloc` returned and ignores NULL. `opaque` is passed through unchanged. */
typedef void *(*crelu_alloc_fn)(void *opaque, size_t size);
typedef void (*crelu_free_fn)(void *opaque, void *ptr);

/*! crelu_create() :
 *  Makes a context with the default options: CRELU_SAVE_X, CRELU_GRAD_PYTORCH,
 *  plain ReLU (slope 0, no cap), automatic thread count. Memory comes from
 *  malloc/free.
 *  @param out  receives the context; set to NULL on failure.
 *  @retval CRELU_OK                    success.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `out` is NULL.
 *  @retval CRELU_ERR_OUT_OF_MEMORY     the context could not be allocated.
 *  Thread-safe. */
CRELU_API int crelu_create(crelu_ctx **out);

/*! crelu_create_with_allocator() :
 *  Same as crelu_create(), but every allocation of this context, including
 *  the context itself, goes through `alloc` and `free`.
 *  @retval CRELU_OK                    success.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `out`, `alloc` or `free` is NULL.
 *  @retval CRELU_ERR_OUT_OF_MEMORY     `alloc` returned NULL.
 *  Thread-safe (as far as the allocator is). */
CRELU_API int crelu_create_with_allocator(crelu_ctx **out, crelu_alloc_fn alloc,
                                          crelu_free_fn free, void *opaque);

/*! crelu_destroy() :
 *  Frees the context and everything it owns. NULL is a no-op.
 *  No other call on `ctx` may be running or follow. */
CRELU_API void crelu_destroy(crelu_ctx *ctx);

/*! crelu_sizeof_ctx() :
 *  @return the bytes this context currently holds: the context itself plus
 *  its saved-state buffer (n * sizeof(element) after a CRELU_SAVE_X forward,
 *  ceil(n / 8) after a CRELU_SAVE_MASK one; the buffer is kept and reused,
 *  never shrunk, until crelu_destroy()). 0 for NULL. One thread at a time per context. */
CRELU_API size_t crelu_sizeof_ctx(const crelu_ctx *ctx);

/*! crelu_set_save() :
 *  Chooses what forward keeps for backward: CRELU_SAVE_X or CRELU_SAVE_MASK.
 *  Both give bit-identical backward results; the mask is 16x (bfloat16,
 *  float16), 32x (float32) or 64x (float64) smaller.
 *  @retval CRELU_OK                    success.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `ctx` is NULL or `save` is not one of the two.
 *  One thread at a time per context. */
CRELU_API int crelu_set_save(crelu_ctx *ctx, int save);

/*! crelu_set_grad_rule() :
 *  Chooses the backward reference: CRELU_GRAD_PYTORCH or CRELU_GRAD_CS231N.
 *  @retval CRELU_OK                    success.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `ctx` is NULL or `rule` is not one of the two.
 *  One thread at a time per context. */
CRELU_API int crelu_set_grad_rule(crelu_ctx *ctx, int rule);

/*! crelu_set_negative_slope() :
 *  Sets the leaky slope `a`: 0 (or -0.0) means plain ReLU, any other finite
 *  value selects leaky ReLU. Converted to float for float32, bfloat16 and
 *  float16 data, as PyTorch does.
 *  @retval CRELU_OK                    success.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `ctx` is NULL, `slope` is NaN or infinite,
 *                                      or `slope` != 0 while a cap is set.
 *  One thread at a time per context. */
CRELU_API int crelu_set_negative_slope(crelu_ctx *ctx, double slope);

/*! crelu_set_max_value() :
 *  Sets the cap `c`: INFINITY means no cap, any other value > 0 selects
 *  clipped ReLU (c = 6 is ReLU6). Converted to float for float32, bfloat16
 *  and float16 data.
 *  @retval CRELU_OK                    success.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `ctx` is NULL, `max_value` is NaN or <= 0,
 *                                      or a finite cap while the slope is != 0.
 *  One thread at a time per context. */
CRELU_API int crelu_set_max_value(crelu_ctx *ctx, double max_value);

/*! crelu_set_num_threads() :
 *  Sets how many threads one forward or backward call may use; 0 (the
 *  default) = automatic: the environment variable CRELU_NUM_THREADS if it
 *  holds a positive number, else the number of CPUs the process may run on.
 *  Threads are used only for calls big enough to gain from them (touching
 *  at least 1 MiB, e.g. 131,072 float32 elements in and out), each taking
 *  at least 512 KiB of it; they come from one pool started on first need
 *  and shared between contexts. Its workers spin for about 1 ms after a
 *  call (yielding the CPU often), then sleep: an idle process uses no CPU.
 *  A call that finds the pool busy with another thread's call runs on its
 *  own thread. Results never depend on the thread count.
 *  The pool survives fork(): a child process starts its own on first need.
 *  With the environment variable CRELU_OPENMP=1, in a process that had
 *  libgomp (GCC's OpenMP runtime) loaded when it made its first split call,
 *  split calls run on libgomp's team instead, one contiguous part per
 *  thread: its workers, which spin for milliseconds after each OpenMP call,
 *  then take libcrelu's call at once instead of holding a core it needs.
 *  Not inside an OpenMP region, and never in a child of fork(), where the
 *  pool runs them; such calls are not async-signal-safe (see the top).
 *  @retval CRELU_OK                    success.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `ctx` is NULL or `num_threads` < 0.
 *  One thread at a time per context. */
CRELU_API int crelu_set_num_threads(crelu_ctx *ctx, int num_threads);

/*! crelu_forward_f32() / crelu_forward_f64() / _bf16() / _f16() :
 *  y[i] = relu(x[i]) for i < n, with the context's current options, and saves
 *  what backward needs (a copy of x, or the mask) inside the context; the
 *  context never keeps `x` or `y` past the call. Buffers are reused: a forward
 *  whose saved state fits the buffer of an earlier one allocates nothing.
 *  @param x  n input elements.
 *  @param y  n output elements; may be exactly `x` (in place), may not
 *            partially overlap it.
 *  Checks run in this order; the first that fails is returned:
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `ctx` is NULL.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `x` or `y` is NULL (allowed when `n` is 0:
 *                                      nothing is read or written then, and
 *                                      the forward of 0 elements is the last
 *                                      forward, so only a backward of 0 follows).
 *  @retval CRELU_ERR_OVERFLOW          n * sizeof(element) does not fit in size_t,
 *                                      or is more than a buffer can hold: over
 *                                      PTRDIFF_MAX, or past the address space's end.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `x` and `y` overlap without being equal.
 *  @retval CRELU_ERR_OUT_OF_MEMORY     the saved-state buffer could not grow
 *                                      (the previous forward's state is kept).
 *  @retval CRELU_OK                    success.
 *  One thread at a time per context. */
CRELU_API int crelu_forward_f32(crelu_ctx *ctx, const float *x, float *y, size_t n);
CRELU_API int crelu_forward_f64(crelu_ctx *ctx, const double *x, double *y, size_t n);
/* Since 1.1: elements are bfloat16 or float16 bit patterns (see the top). */
CRELU_API int crelu_forward_bf16(crelu_ctx *ctx, const uint16_t *x, uint16_t *y, size_t n);
CRELU_API int crelu_forward_f16(crelu_ctx *ctx, const uint16_t *x, uint16_t *y, size_t n);

/*! crelu_backward_f32() / crelu_backward_f64() / _bf16() / _f16() :
 *  dx[i] = relu'(x[i]) * dy[i] for the x of the last successful forward, with
 *  that forward's options. May be called any number of times until the next
 *  forward; it does not change the context.
 *  @param dy  n upstream gradient elements.
 *  @param dx  n output elements; may be exactly `dy`, may not partially overlap it.
 *  Checks run in this order; the first that fails is returned:
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `ctx` is NULL.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `dy` or `dx` is NULL (allowed when `n` is 0).
 *  @retval CRELU_ERR_OVERFLOW          n * sizeof(element) does not fit in size_t,
 *                                      or is more than a buffer can hold: over
 *                                      PTRDIFF_MAX, or past the address space's end.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `dy` and `dx` overlap without being equal.
 *  @retval CRELU_ERR_NO_FORWARD        no forward has succeeded on this context.
 *  @retval CRELU_ERR_DTYPE_MISMATCH    the last forward was of another dtype
 *                                      (bfloat16 and float16 are two dtypes).
 *  @retval CRELU_ERR_SIZE_MISMATCH     `n` differs from the last forward's, 0
 *                                      included: an empty gradient after a
 *                                      non-empty forward is an error, not an
 *                                      empty result.
 *  @retval CRELU_OK                    success (nothing read or written when `n`
 *                                      is 0, after a forward of 0).
 *  One thread at a time per context. */
CRELU_API int crelu_backward_f32(crelu_ctx *ctx, const float *dy, float *dx, size_t n);
CRELU_API int crelu_backward_f64(crelu_ctx *ctx, const double *dy, double *dx, size_t n);
CRELU_API int crelu_backward_bf16(crelu_ctx *ctx, const uint16_t *dy, uint16_t *dx, size_t n);
CRELU_API int crelu_backward_f16(crelu_ctx *ctx, const uint16_t *dy, uint16_t *dx, size_t n);

/* ---------------------------------------------------------------------------
 * Stateless functions: plain ReLU with the default options (CRELU_GRAD_PYTORCH),
 * no context, no allocation, the automatic thread count (see
 * crelu_set_num_threads). Thread-safe.
 * ------------------------------------------------------------------------- */

/*! crelu_relu_f32() / crelu_relu_f64() / _bf16() / _f16() :
 *  y[i] = x[i] < 0 ? +0 : x[i] (bfloat16: a NaN x gives 0xffff). `y` may
 *  be exactly `x`.
 *  @retval CRELU_OK                    success, or `n` is 0.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  `x` or `y` is NULL, or they partially overlap.
 *  @retval CRELU_ERR_OVERFLOW          n * sizeof(element) does not fit in size_t,
 *                                      or is more than a buffer can hold: over
 *                                      PTRDIFF_MAX, or past the address space's end. */
CRELU_API int crelu_relu_f32(const float *x, float *y, size_t n);
CRELU_API int crelu_relu_f64(const double *x, double *y, size_t n);
CRELU_API int crelu_relu_bf16(const uint16_t *x, uint16_t *y, size_t n);
CRELU_API int crelu_relu_f16(const uint16_t *x, uint16_t *y, size_t n);

/*! crelu_relu_backward_f32() / crelu_relu_backward_f64() / _bf16() / _f16() :
 *  dx[i] = x[i] <= 0 ? +0 : dy[i] (PyTorch's rule). `dx` may be exactly `dy`
 *  or exactly `x`; partial overlap with either is an error.
 *  @retval CRELU_OK                    success, or `n` is 0.
 *  @retval CRELU_ERR_INVALID_ARGUMENT  a pointer is NULL, or `dx` partially
 *                                      overlaps `x` or `dy`.
 *  @retval CRELU_ERR_OVERFLOW          n * sizeof(element) does not fit in size_t,
 *                                      or is more than a buffer can hold: over
 *                                      PTRDIFF_MAX, or past the address space's end. */
CRELU_API int crelu_relu_backward_f32(const float *x, const float *dy, float *dx, size_t n);
CRELU_API int crelu_relu_backward_f64(const double *x, const double *dy, double *dx, size_t n);
CRELU_API int crelu_relu_backward_bf16(const uint16_t *x, const uint16_t *dy, uint16_t *dx,
                                       size_t n);
CRELU_API int crelu_relu_backward_f16(const uint16_t *x, const uint16_t *dy, uint16_t *dx,
                                      size_t n);

#ifdef __cplusplus
}
#endif

#endif /* CRELU_H */
