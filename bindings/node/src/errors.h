/* SPDX-License-Identifier: MIT */
/* Throwing JS errors from the addon: every napi_* status is checked, and a C
 * status becomes an error whose message carries crelu_strerror()'s text and
 * whose `code` names the status. */
#ifndef CRELU_NODE_ERRORS_H
#define CRELU_NODE_ERRORS_H

#include "napi.h"

/* Which JS error constructor a failure maps to. */
typedef enum crelu_node_error_class {
    CRELU_NODE_ERROR,       /* state: closed, backward before forward */
    CRELU_NODE_TYPE_ERROR,  /* wrong kind of value: not an array, not a number, wrong dtype,
                               a detached buffer (as V8's own TypeError) */
    CRELU_NODE_RANGE_ERROR, /* right kind, bad size or value; out of memory (as V8's) */
} crelu_node_error_class;

/* Evaluates a napi_* call; on failure throws (unless a JS exception is
 * already pending, e.g. from a getter) and returns `fail` from the caller.
 * Not assert(): it must also hold in release builds. */
#define CRELU_NAPI_CALL(env, call, fail)                     \
    do {                                                     \
        if ((call) != napi_ok) {                             \
            crelu_node__throw_napi_failure((env), #call);    \
            return fail;                                     \
        }                                                    \
    } while (0)

/* Throws an error of `cls` with `code` (e.g. "CRELU_ERR_CLOSED") and a
 * printf-formatted message. Returns false, so callers can `return throw(...)`. */
bool crelu_node__throw(napi_env env, crelu_node_error_class cls, const char *code,
                       const char *format, ...) __attribute__((format(printf, 4, 5)));

/* Throws for a non-OK libcrelu status: "<where>: <crelu_strerror(status)>",
 * code "CRELU_ERR_...", class chosen by the status. Returns false. */
bool crelu_node__throw_status(napi_env env, int status, const char *where);

/* The stable name of a status, e.g. "CRELU_ERR_SIZE_MISMATCH". */
const char *crelu_node__status_code(int status);

/* What CRELU_NAPI_CALL calls on failure. */
void crelu_node__throw_napi_failure(napi_env env, const char *call);

#endif /* CRELU_NODE_ERRORS_H */
