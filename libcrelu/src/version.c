/* SPDX-License-Identifier: MIT */
/* Version queries, from the macros in crelu.h. */
#include "crelu_internal.h"

int crelu_version_number(void) {
    return CRELU_VERSION_NUMBER;
}

const char *crelu_version_string(void) {
    return CRELU_VERSION_STRING;
}
