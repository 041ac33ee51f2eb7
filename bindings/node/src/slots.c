/* SPDX-License-Identifier: MIT */
#include "slots.h"

#include <stdlib.h>

crelu_node_slots *crelu_node__slots_create(void) {
    crelu_node_slots *slots = calloc(1, sizeof *slots);
    if (slots != NULL) {
        slots->references = 1;
    }
    return slots;
}

void crelu_node__slots_release(crelu_node_slots *slots) {
    if (--slots->references == 0) {
        free(slots->objects);
        free(slots->free);
        free(slots);
    }
}

static bool grow(crelu_node_slots *slots) {
    if (slots->capacity > UINT32_MAX / 2) {
        return false;
    }
    uint32_t capacity = slots->capacity == 0 ? 16 : slots->capacity * 2;
    void **objects = realloc(slots->objects, capacity * sizeof *objects);
    if (objects == NULL) {
        return false;
    }
    slots->objects = objects;
    uint32_t *free_slots = realloc(slots->free, capacity * sizeof *free_slots);
    if (free_slots == NULL) {
        return false; /* objects grew; capacity stays as it was, still true of both */
    }
    slots->free = free_slots;
    slots->capacity = capacity;
    return true;
}

bool crelu_node__slots_add(crelu_node_slots *slots, void *object, uint32_t *slot) {
    if (slots->freed > 0) {
        *slot = slots->free[--slots->freed];
    } else {
        if (slots->used == slots->capacity && !grow(slots)) {
            return false;
        }
        *slot = slots->used++;
    }
    slots->objects[*slot] = object;
    slots->references++;
    return true;
}

void crelu_node__slots_remove(crelu_node_slots *slots, uint32_t slot) {
    slots->objects[slot] = NULL;
    slots->free[slots->freed++] = slot; /* freed < used <= capacity */
    crelu_node__slots_release(slots);
}
