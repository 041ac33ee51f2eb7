/* SPDX-License-Identifier: MIT */
/* The seed's example, through libcrelu.
 *
 * The seed (a blog post) draws x and d_loss with np.random.seed(123) and
 * np.random.random((3, 7)), runs its NumPy ReLU class and torch.nn.ReLU
 * forward and backward, and prints the four 3x7 matrices. This program does
 * the same with two libcrelu contexts, one per backward rule, and prints them
 * in the seed's format. Its input is all positive, where the rules agree, so
 * a second part shows the inputs where they differ. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crelu.h"
#include "numpy_random.h"

enum { ROWS = 3, COLS = 7, COUNT = ROWS * COLS };

static void check(int status, const char *what) {
    if (status != CRELU_OK) {
        fprintf(stderr, "crelu-demo: %s: %s\n", what, crelu_strerror(status));
        exit(1);
    }
}

/* Prints like print("label : \n", matrix) under NumPy's 1.13 print style with
 * precision=6, suppress=True, as the seed's output shows: fraction digits
 * trimmed of trailing zeros and right-padded, a sign column, two spaces
 * between columns. Finite values only. */
static void print_matrix(const char *label, const double m[COUNT]) {
    char text[COUNT][1 + 64]; /* a sign, then digits[] */
    size_t int_width = 0, frac_width = 0;
    for (int i = 0; i < COUNT; i++) {
        char digits[64];
        snprintf(digits, sizeof digits, "%.6f", fabs(m[i]));
        char *point = strchr(digits, '.');
        size_t end = strlen(digits);
        while (end > (size_t)(point - digits) + 1 && digits[end - 1] == '0') {
            digits[--end] = '\0';
        }
        snprintf(text[i], sizeof text[i], "%c%s", signbit(m[i]) ? '-' : ' ', digits);
        size_t int_len = (size_t)(strchr(text[i], '.') - text[i]);
        size_t frac_len = strlen(text[i]) - int_len - 1;
        int_width = int_len > int_width ? int_len : int_width;
        frac_width = frac_len > frac_width ? frac_len : frac_width;
    }
    printf("%s : \n", label);
    for (int r = 0; r < ROWS; r++) {
        printf(r == 0 ? " [[" : " [");
        for (int c = 0; c < COLS; c++) {
            const char *t = text[r * COLS + c];
            size_t int_len = (size_t)(strchr(t, '.') - t);
            printf("%s%*s%s%*s", c ? " " : "", (int)(int_width - int_len), "", t,
                   (int)(frac_width - (strlen(t) - int_len - 1)), "");
        }
        printf(r == ROWS - 1 ? "]]\n" : "]\n");
    }
}

static crelu_ctx *make_context(int rule) {
    crelu_ctx *ctx;
    check(crelu_create(&ctx), "crelu_create");
    check(crelu_set_grad_rule(ctx, rule), "crelu_set_grad_rule");
    return ctx;
}

static void seed_example(void) {
    double x[COUNT], d_loss[COUNT];
    numpy_random rng;
    numpy_random_seed(&rng, 123);
    for (int i = 0; i < COUNT; i++) {
        x[i] = numpy_random_double(&rng);
    }
    for (int i = 0; i < COUNT; i++) {
        d_loss[i] = numpy_random_double(&rng);
    }

    crelu_ctx *numpy_like = make_context(CRELU_GRAD_CS231N);
    crelu_ctx *torch_like = make_context(CRELU_GRAD_PYTORCH);
    double out_numpy[COUNT], out_tensor[COUNT], dx_numpy[COUNT], dx_tensor[COUNT];
    check(crelu_forward_f64(numpy_like, x, out_numpy, COUNT), "forward");
    check(crelu_forward_f64(torch_like, x, out_tensor, COUNT), "forward");
    check(crelu_backward_f64(numpy_like, d_loss, dx_numpy, COUNT), "backward");
    check(crelu_backward_f64(torch_like, d_loss, dx_tensor, COUNT), "backward");

    printf("libcrelu %s: the seed's example (np.random.seed(123), two 3x7 float64 draws).\n",
           crelu_version_string());
    printf("'numpy' is a CRELU_GRAD_CS231N context, 'tensor' a CRELU_GRAD_PYTORCH one.\n\n");
    print_matrix("numpy out", out_numpy);
    print_matrix("tensor out", out_tensor);
    print_matrix("dx_numpy", dx_numpy);
    print_matrix("dx_tensor", dx_tensor);
    crelu_destroy(numpy_like);
    crelu_destroy(torch_like);
}

static void where_rules_differ(void) {
    const double x[] = {-2.0, -2.0, -0.0, 0.0, 1.5, NAN, INFINITY, -INFINITY};
    const double dy[] = {-1.0, NAN, -1.0, -1.0, -1.0, -1.0, -1.0, INFINITY};
    enum { N = sizeof x / sizeof x[0] };
    double y[N], dx_torch[N], dx_numpy[N];

    crelu_ctx *numpy_like = make_context(CRELU_GRAD_CS231N);
    crelu_ctx *torch_like = make_context(CRELU_GRAD_PYTORCH);
    check(crelu_forward_f64(torch_like, x, y, N), "forward");
    check(crelu_forward_f64(numpy_like, x, y, N), "forward");
    check(crelu_backward_f64(torch_like, dy, dx_torch, N), "backward");
    check(crelu_backward_f64(numpy_like, dy, dx_numpy, N), "backward");

    printf("\nWhere the rules differ: zeros, NaN and infinities (float64, plain ReLU).\n");
    printf("PyTorch selects (a blocked element is +0); cs231n multiplies dy by the 0/1 mask.\n");
    printf("%8s %8s %10s %12s %12s\n", "x", "dy", "relu(x)", "dx pytorch", "dx cs231n");
    for (int i = 0; i < N; i++) {
        printf("%8.1f %8.1f %10.1f %12.1f %12.1f\n", x[i], dy[i], y[i], dx_torch[i],
               dx_numpy[i]);
    }
    crelu_destroy(numpy_like);
    crelu_destroy(torch_like);
}

int main(void) {
    if (crelu_version_number() != CRELU_VERSION_NUMBER) {
        fprintf(stderr, "crelu-demo: built against crelu.h %d but running libcrelu %d\n",
                CRELU_VERSION_NUMBER, crelu_version_number());
        return 1;
    }
    seed_example();
    where_rules_differ();
    return 0;
}
