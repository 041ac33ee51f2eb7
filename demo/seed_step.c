/* SPDX-License-Identifier: MIT */
/* One step of the seed's example through libcrelu's C API, for the
 * all-languages demo (demo/all_languages.py), which runs the same step
 * through every binding.
 *
 * stdin:  two lines of 21 numbers, x and d_loss (3x7, row-major, float64).
 * stdout: four lines, "numpy_out", "tensor_out", "dx_numpy", "dx_tensor",
 *         each followed by 21 values printed with %.17g, which reads back as
 *         the same double. "numpy" is a cs231n context (the seed's NumPy
 *         class), "tensor" a PyTorch one (torch.nn.ReLU). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "crelu.h"

enum { COUNT = 3 * 7 };

static void fail(const char *what, const char *why) {
    fprintf(stderr, "crelu-seed-step: %s: %s\n", what, why);
    exit(1);
}

static void check(int status, const char *what) {
    if (status != CRELU_OK) {
        fail(what, crelu_strerror(status));
    }
}

static void read_values(const char *name, double values[COUNT]) {
    for (int i = 0; i < COUNT; i++) {
        errno = 0;
        if (scanf("%lf", &values[i]) != 1 || errno != 0) {
            fail(name, "expected 21 numbers on stdin");
        }
    }
}

static void print_values(const char *name, const double values[COUNT]) {
    printf("%s", name);
    for (int i = 0; i < COUNT; i++) {
        printf(" %.17g", values[i]);
    }
    printf("\n");
}

int main(void) {
    double x[COUNT], d_loss[COUNT];
    read_values("x", x);
    read_values("d_loss", d_loss);

    crelu_ctx *numpy_like, *torch_like;
    check(crelu_create(&numpy_like), "crelu_create");
    check(crelu_create(&torch_like), "crelu_create");
    check(crelu_set_grad_rule(numpy_like, CRELU_GRAD_CS231N), "crelu_set_grad_rule");
    check(crelu_set_grad_rule(torch_like, CRELU_GRAD_PYTORCH), "crelu_set_grad_rule");

    double out_numpy[COUNT], out_tensor[COUNT], dx_numpy[COUNT], dx_tensor[COUNT];
    check(crelu_forward_f64(numpy_like, x, out_numpy, COUNT), "crelu_forward_f64");
    check(crelu_forward_f64(torch_like, x, out_tensor, COUNT), "crelu_forward_f64");
    check(crelu_backward_f64(numpy_like, d_loss, dx_numpy, COUNT), "crelu_backward_f64");
    check(crelu_backward_f64(torch_like, d_loss, dx_tensor, COUNT), "crelu_backward_f64");
    crelu_destroy(numpy_like);
    crelu_destroy(torch_like);

    print_values("numpy_out", out_numpy);
    print_values("tensor_out", out_tensor);
    print_values("dx_numpy", dx_numpy);
    print_values("dx_tensor", dx_tensor);
    return ferror(stdout) ? 1 : 0;
}
