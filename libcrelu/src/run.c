/* SPDX-License-Identifier: MIT */
/* Runs a kernel over a whole array: decides streaming once for the whole
 * call, then splits the work across threads when it is big enough. */
#include "crelu_internal.h"

/* Pieces are multiples of 64 elements, so each starts on a mask byte (and a
 * cache line, for aligned buffers) and threads never share a mask byte. */
enum { GRAIN = 64 };

/* Read by every thread of a split call, for every chunk: it holds the op by
 * value and sits in cache lines of its own (its alignment), so that a
 * worker's reads never miss on a line that the caller is writing (its
 * stack, or the context). */
typedef struct call {
    _Alignas(CRELU__CACHE_LINE) const crelu__dtype_kernels *kernels; /* the dtype's row */
    crelu__op op;
    size_t element_bytes;
    int stream;
    const void *x; /* forward input, or backward's saved x (NULL with a mask) */
    void *y;       /* forward output */
    void *saved;   /* forward's copy of x (save-x mode), or NULL */
    unsigned char *mask_out;
    const unsigned char *mask_in;
    const void *dy;
    void *dx;
} call;

/* Element `begin` of an array of the call's dtype. */
static const void *from(const call *c, const void *array, size_t begin) {
    return (const char *)array + begin * c->element_bytes;
}

static void *from_mut(const call *c, void *array, size_t begin) {
    return (char *)array + begin * c->element_bytes;
}

static void forward_piece(void *arg, size_t begin, size_t end) {
    const call *c = arg;
    const size_t n = end - begin;
    if (c->mask_out != NULL) {
        c->kernels->forward_mask(&c->op, from(c, c->x, begin), from_mut(c, c->y, begin),
                                 c->mask_out + begin / 8, n, c->stream);
    } else {
        /* saved is NULL when forward keeps no copy of x. */
        void *saved = c->saved == NULL ? NULL : from_mut(c, c->saved, begin);
        c->kernels->forward(&c->op, from(c, c->x, begin), from_mut(c, c->y, begin), saved, n,
                            c->stream);
    }
}

static void backward_piece(void *arg, size_t begin, size_t end) {
    const call *c = arg;
    const size_t n = end - begin;
    if (c->mask_in != NULL) {
        c->kernels->backward_mask(&c->op, c->mask_in + begin / 8, from(c, c->dy, begin),
                                  from_mut(c, c->dx, begin), n, c->stream);
    } else {
        c->kernels->backward_x(&c->op, from(c, c->x, begin), from(c, c->dy, begin),
                               from_mut(c, c->dx, begin), n, c->stream);
    }
}

/* Whether a call of `arrays` arrays of `array_bytes` each streams its
 * output: once they fill stream_bytes (machine.c says why). Sizes are
 * divided, never multiplied, so nothing overflows; the callers pass
 * `arrays` as a constant, so no division instruction is left. */
static int streams(const crelu__tuning *tuning, size_t array_bytes, size_t arrays) {
    return array_bytes >= tuning->stream_bytes / arrays;
}

/* Each array's share of a piece: at least a byte. */
static size_t piece_per_array(const crelu__tuning *tuning, size_t arrays) {
    const size_t share = tuning->piece_bytes / arrays;
    return share > 0 ? share : 1;
}

/* Each thread's share is cut into this many chunks, so that a thread that
 * finishes early, or a worker the OS does not run, leaves at most a chunk
 * to wait for; and chunks touch at least MIN_CHUNK_BYTES, so that taking
 * one (a compare-and-swap) costs nothing measurable. */
enum { CHUNKS_PER_THREAD = 32, MIN_CHUNK_BYTES = 32 << 10 };

/* Runs `piece` over [0, n) on up to `threads` threads (0 = automatic), no
 * more than the call has pieces for. */
static void run_split(void (*piece)(void *, size_t, size_t), call *c, size_t n, size_t pieces,
                      size_t bytes_per_element, int threads) {
    if (threads == 0) {
        threads = crelu__default_threads();
    }
    if (pieces < (size_t)threads) {
        threads = (int)pieces;
    }
    size_t chunk = n / ((size_t)threads * CHUNKS_PER_THREAD) + 1;
    const size_t least = MIN_CHUNK_BYTES / bytes_per_element;
    chunk = chunk > least ? chunk : least;
    chunk = (chunk + GRAIN - 1) / GRAIN * GRAIN;
    crelu__parallel_for(threads, n, chunk, piece, c);
}

/* Decides how call `c`, which touches `arrays` arrays of n elements, runs:
 * streamed or not, on one thread or split. Inlined into both entry points,
 * so the common case, a call too small to split, reaches its kernel with
 * no indirect call: small calls are all overhead. */
static CRELU__ALWAYS_INLINE void run(void (*piece)(void *, size_t, size_t), call *c, size_t n,
                                     size_t arrays, int threads) {
    const crelu__tuning *tuning = crelu__tuning_now();
    const size_t element_bytes = c->element_bytes;
    const size_t array_bytes = n * element_bytes;
    c->stream = streams(tuning, array_bytes, arrays);
    const size_t share = piece_per_array(tuning, arrays);
    /* Fewer than two pieces (array_bytes / share < 2), without dividing by
     * a variable: the one division is for calls big enough to split. */
    if (array_bytes / 2 < share || threads == 1) {
        piece(c, 0, n);
        return;
    }
    run_split(piece, c, n, array_bytes / share, arrays * element_bytes, threads);
}

void crelu__run_forward(const crelu__op *op, crelu__dtype dtype, const void *x, void *y,
                        unsigned char *mask, void *saved, size_t n, int threads) {
    call c = {&crelu__active_kernels()->dtypes[dtype], *op, crelu__dtype_size(dtype), 0, x, y,
              saved, mask, NULL, NULL, NULL};
    if (saved != NULL) { /* x, y and the copy */
        run(forward_piece, &c, n, 3, threads);
    } else {
        run(forward_piece, &c, n, 2, threads);
    }
}

void crelu__run_backward(const crelu__op *op, crelu__dtype dtype, const void *x,
                         const unsigned char *mask, const void *dy, void *dx, size_t n,
                         int threads) {
    call c = {&crelu__active_kernels()->dtypes[dtype], *op, crelu__dtype_size(dtype), 0, x,
              NULL, NULL, NULL, mask, dy, dx};
    if (mask != NULL) { /* dy and dx; the mask is small */
        run(backward_piece, &c, n, 2, threads);
    } else {
        run(backward_piece, &c, n, 3, threads);
    }
}
