/* The one place that picks which kernel implementation the library runs.
 * Runtime ISA detection will choose among several tables here; today there
 * is one vectorisable portable table. */
#include "crelu_internal.h"

const crelu__kernels *crelu__active_kernels(void) {
    return &crelu__kernels_portable;
}
