/* SPDX-License-Identifier: MIT */
/* What one instance of the addon (one per main thread or worker) keeps.
 * Any state the addon grows goes here, never into a static. It is the
 * instance data, and the callback data of the functions that need it. */
#ifndef CRELU_NODE_INSTANCE_H
#define CRELU_NODE_INSTANCE_H

#include "napi.h"
#include "slots.h"

typedef struct crelu_node_instance {
    /* The ReLU constructor, held independently of `exports`, which user
     * code may overwrite. */
    napi_ref relu_class;
    /* index.js's function that keeps a new object's slot in a private
     * field (internal.setSlotKeeper); NULL until it is set. */
    napi_ref slot_keeper;
    /* The Float32Array, Float64Array and Uint16Array constructors and
     * %TypedArray%.prototype.at, as they were at load (globals user code may
     * replace): results are made by the constructors, which throw when
     * memory runs out where napi_create_arraybuffer aborts the process, and
     * `at` tells a view left out of bounds by a resize from an empty one.
     * typed_array_at is NULL on a runtime without it. float16_array is
     * the Float16Array constructor, NULL on a runtime without one. */
    napi_ref float32_array;
    napi_ref float64_array;
    napi_ref uint16_array;
    napi_ref float16_array;
    napi_ref typed_array_at;
    /* The live ReLU objects by slot; one reference is the instance's. */
    crelu_node_slots *slots;
} crelu_node_instance;

#endif /* CRELU_NODE_INSTANCE_H */
