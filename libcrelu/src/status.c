/* SPDX-License-Identifier: MIT */
/* Status messages, from the one table in crelu.h. */
#include "crelu_internal.h"

const char *crelu_strerror(int status) {
    switch (status) {
#define CRELU__STATUS_CASE(name, number, message) \
    case number:                                  \
        return message;
        CRELU_STATUS_MAP(CRELU__STATUS_CASE)
#undef CRELU__STATUS_CASE
    default:
        return "unknown crelu status";
    }
}
