/* Runs a kernel over a whole array: decides streaming once for the whole
 * call, then splits the work across threads when it is big enough. */
#include "crelu_internal.h"

/* Pieces are multiples of 64 elements, so each starts on a mask byte (and a
 * cache line, for aligned buffers) and threads never share a mask byte. */
enum { GRAIN = 64 };

/* A piece must touch at least this many bytes to be worth a thread: below
 * it, waking a worker costs more than the work it takes over. */
#define MIN_PIECE_BYTES ((size_t)512 * 1024)

typedef struct call {
    const crelu__kernels *kernels;
    const crelu__op *op;
    int f64;
    int stream;
    const void *x; /* forward input, or backward's saved x (NULL with a mask) */
    void *y;       /* forward output */
    unsigned char *mask_out;
    const unsigned char *mask_in;
    const void *dy;
    void *dx;
} call;


static void forward_piece(void *arg, size_t begin, size_t end) {
    const call *c = arg;
    const size_t n = end - begin;
    unsigned char *mask = c->mask_out == NULL ? NULL : c->mask_out + begin / 8;
    if (c->f64) {
        const double *x = (const double *)c->x + begin;
        double *y = (double *)c->y + begin;
        if (mask != NULL) {
            c->kernels->forward_mask_f64(c->op, x, y, mask, n, c->stream);
        } else {
            c->kernels->forward_f64(c->op, x, y, n, c->stream);
        }
    } else {
        const float *x = (const float *)c->x + begin;
        float *y = (float *)c->y + begin;
        if (mask != NULL) {
            c->kernels->forward_mask_f32(c->op, x, y, mask, n, c->stream);
        } else {
            c->kernels->forward_f32(c->op, x, y, n, c->stream);
        }
    }
}

static void backward_piece(void *arg, size_t begin, size_t end) {
    const call *c = arg;
    const size_t n = end - begin;
    const unsigned char *mask = c->mask_in == NULL ? NULL : c->mask_in + begin / 8;
    if (c->f64) {
        const double *dy = (const double *)c->dy + begin;
        double *dx = (double *)c->dx + begin;
        if (mask != NULL) {
            c->kernels->backward_mask_f64(c->op, mask, dy, dx, n, c->stream);
        } else {
            c->kernels->backward_x_f64(c->op, (const double *)c->x + begin, dy, dx, n, c->stream);
        }
    } else {
        const float *dy = (const float *)c->dy + begin;
        float *dx = (float *)c->dx + begin;
        if (mask != NULL) {
            c->kernels->backward_mask_f32(c->op, mask, dy, dx, n, c->stream);
        } else {
            c->kernels->backward_x_f32(c->op, (const float *)c->x + begin, dy, dx, n, c->stream);
        }
    }
}

/* Splits [0, n) over up to `threads` threads (0 = automatic), each piece
 * touching at least MIN_PIECE_BYTES. The call reads or writes `arrays`
 * arrays of `array_bytes` each (divided, not multiplied, so nothing can
 * overflow). */
static void run(void (*piece)(void *, size_t, size_t), call *c, size_t n, size_t array_bytes,
                size_t arrays, int threads) {
    c->stream = array_bytes > crelu__stream_threshold() / arrays;
    if (threads == 0) {
        threads = crelu__default_threads();
    }
    const size_t worth = array_bytes / (MIN_PIECE_BYTES / arrays);
    if (worth < (size_t)threads) {
        threads = (int)worth;
    }
    crelu__parallel_for(threads, n, GRAIN, piece, c);
}

void crelu__run_forward(const crelu__op *op, crelu__dtype dtype, const void *x, void *y,
                        unsigned char *mask, size_t n, int threads) {
    call c = {0};
    c.kernels = crelu__active_kernels();
    c.op = op;
    c.f64 = dtype == CRELU__F64;
    c.x = x;
    c.y = y;
    c.mask_out = mask;
    const size_t elem_size = c.f64 ? sizeof(double) : sizeof(float);
    run(forward_piece, &c, n, n * elem_size, 2, threads);
}

void crelu__run_backward(const crelu__op *op, crelu__dtype dtype, const void *x,
                         const unsigned char *mask, const void *dy, void *dx, size_t n,
                         int threads) {
    call c = {0};
    c.kernels = crelu__active_kernels();
    c.op = op;
    c.f64 = dtype == CRELU__F64;
    c.x = x;
    c.mask_in = mask;
    c.dy = dy;
    c.dx = dx;
    const size_t elem_size = c.f64 ? sizeof(double) : sizeof(float);
    run(backward_piece, &c, n, n * elem_size, mask != NULL ? 2 : 3, threads);
}
