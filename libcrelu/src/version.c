/* Version queries, from the macros in crelu.h. */
#include "crelu_internal.h"

#define CRELU__STRINGIFY_(x) #x
#define CRELU__STRINGIFY(x) CRELU__STRINGIFY_(x)

int crelu_version_number(void) {
    return CRELU_VERSION_NUMBER;
}

const char *crelu_version_string(void) {
    return CRELU__STRINGIFY(CRELU_VERSION_MAJOR) "." CRELU__STRINGIFY(
        CRELU_VERSION_MINOR) "." CRELU__STRINGIFY(CRELU_VERSION_PATCH);
}
