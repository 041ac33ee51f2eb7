/* SPDX-License-Identifier: MIT */
/* A user's first program: built only from the installed header and library,
 * found through pkg-config or find_package. It checks that the header and
 * the library it loaded agree, and runs one forward/backward pair. */
#include <crelu.h>
#include <stdio.h>

int main(void) {
    if (crelu_version_number() != CRELU_VERSION_NUMBER) {
        fprintf(stderr, "header %d, library %d\n", CRELU_VERSION_NUMBER, crelu_version_number());
        return 1;
    }
    const float x[4] = {-1.5f, 0.0f, 2.0f, 3.5f};
    const float dy[4] = {1.0f, 1.0f, 1.0f, 1.0f};
    float y[4], dx[4];
    crelu_ctx *ctx;
    int status = crelu_create(&ctx);
    if (status == CRELU_OK) {
        status = crelu_set_save(ctx, CRELU_SAVE_MASK);
    }
    if (status == CRELU_OK) {
        status = crelu_forward_f32(ctx, x, y, 4);
    }
    if (status == CRELU_OK) {
        status = crelu_backward_f32(ctx, dy, dx, 4);
    }
    crelu_destroy(ctx);
    if (status != CRELU_OK) {
        fprintf(stderr, "crelu: %s\n", crelu_strerror(status));
        return 1;
    }
    printf("libcrelu %s: y = [%g %g %g %g], dx = [%g %g %g %g]\n", crelu_version_string(), y[0],
           y[1], y[2], y[3], dx[0], dx[1], dx[2], dx[3]);
    return 0;
}
