/* SPDX-License-Identifier: MIT */
/* Small integers standing for live ReLU objects, one table per addon
 * instance (thread). index.js keeps an object's slot in a private field and
 * passes it to the fast entry points, which find the object here in a few
 * instructions instead of napi_unwrap's property lookups. A slot that does
 * not name a live object finds NULL, so a forged one (only code that
 * bypasses index.js can pass one) reaches at most another live ReLU object
 * of the same thread, never freed or foreign memory.
 *
 * The table is freed when its last user lets go: the addon instance and
 * every object in it each hold a reference, because Node-API does not
 * promise whether objects or the instance are finalized first. */
#ifndef CRELU_NODE_SLOTS_H
#define CRELU_NODE_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct crelu_node_slots crelu_node_slots;

/* A new, empty table holding one reference (the caller's); NULL when out of memory. */
crelu_node_slots *crelu_node__slots_create(void);

/* Drops one reference; the last one frees the table. */
void crelu_node__slots_release(crelu_node_slots *slots);

/* Gives `object` (not NULL) a slot and takes a reference for it. False when out of memory. */
bool crelu_node__slots_add(crelu_node_slots *slots, void *object, uint32_t *slot);

/* Frees `slot` for reuse and drops its reference (may free the table). */
void crelu_node__slots_remove(crelu_node_slots *slots, uint32_t slot);

/* Defined here only so that crelu_node__slots_get inlines. */
struct crelu_node_slots {
    void **objects;    /* objects[i] is the object in slot i, or NULL */
    uint32_t *free;    /* a stack of the freed slots below `used` */
    uint32_t capacity; /* of both arrays */
    uint32_t used;     /* slots ever handed out: every slot >= used is NULL */
    uint32_t freed;    /* entries on the `free` stack */
    uint64_t references;
};

/* The object in `slot`, or NULL if there is none. */
static inline void *crelu_node__slots_get(const crelu_node_slots *slots, uint32_t slot) {
    return slot < slots->used ? slots->objects[slot] : NULL;
}

#endif /* CRELU_NODE_SLOTS_H */
