/* SPDX-License-Identifier: MIT */
/* Lists the kernel tables compiled into libcrelu, best first, one a line:
 * its name, then "runs" or "cannot-run", from the table's own supported()
 * check, the one the library's picker asks. .ci/coverage reads it to name
 * the tables this host cannot run. White-box: links the static library. */
#include <stdio.h>

#include "crelu_internal.h"

int main(void) {
    for (size_t i = 0; crelu__kernel_tables[i] != NULL; i++) {
        const crelu__kernels *table = crelu__kernel_tables[i];
        printf("%s %s\n", table->name, table->supported() ? "runs" : "cannot-run");
    }
    return ferror(stdout) != 0;
}
