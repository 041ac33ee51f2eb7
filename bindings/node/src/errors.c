/* SPDX-License-Identifier: MIT */
#include "errors.h"

#include <crelu.h>
#include <stdarg.h>
#include <stdio.h>

const char *crelu_node__status_code(int status) {
    switch (status) {
#define CRELU_NODE__STATUS_CODE(name, number, message) \
    case number:                                       \
        return "CRELU_" #name;
        CRELU_STATUS_MAP(CRELU_NODE__STATUS_CODE)
#undef CRELU_NODE__STATUS_CODE
    default:
        return "CRELU_ERR_UNKNOWN";
    }
}

static crelu_node_error_class class_of_status(int status) {
    switch (status) {
    case CRELU_ERR_DTYPE_MISMATCH:
        return CRELU_NODE_TYPE_ERROR;
    case CRELU_ERR_INVALID_ARGUMENT: /* a bad option value, or overlapping buffers */
    case CRELU_ERR_SIZE_MISMATCH:
    case CRELU_ERR_OVERFLOW:
    case CRELU_ERR_OUT_OF_MEMORY: /* as V8's own allocation failures */
        return CRELU_NODE_RANGE_ERROR;
    default:
        return CRELU_NODE_ERROR;
    }
}

static void throw_message(napi_env env, crelu_node_error_class cls, const char *code,
                          const char *message) {
    /* If throwing itself fails there is nothing left to report it with; the
     * caller still returns its failure value, so JS sees undefined. */
    switch (cls) {
    case CRELU_NODE_TYPE_ERROR:
        (void)napi_throw_type_error(env, code, message);
        break;
    case CRELU_NODE_RANGE_ERROR:
        (void)napi_throw_range_error(env, code, message);
        break;
    default:
        (void)napi_throw_error(env, code, message);
        break;
    }
}

bool crelu_node__throw(napi_env env, crelu_node_error_class cls, const char *code,
                       const char *format, ...) {
    char message[512];
    va_list args;
    va_start(args, format);
    (void)vsnprintf(message, sizeof message, format, args);
    va_end(args);
    throw_message(env, cls, code, message);
    return false;
}

bool crelu_node__throw_status(napi_env env, int status, const char *where) {
    return crelu_node__throw(env, class_of_status(status), crelu_node__status_code(status),
                             "%s: %s", where, crelu_strerror(status));
}

void crelu_node__throw_napi_failure(napi_env env, const char *call) {
    /* Read the error info first: any later napi_* call overwrites it. */
    const napi_extended_error_info *info = NULL;
    const char *reason = "unknown Node-API error";
    if (napi_get_last_error_info(env, &info) == napi_ok && info != NULL &&
        info->error_message != NULL) {
        reason = info->error_message;
    }
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
        return; /* a JS exception (e.g. thrown by a getter) is already on its way */
    }
    (void)crelu_node__throw(env, CRELU_NODE_ERROR, "CRELU_ERR_NAPI", "crelu: %s failed: %s",
                            call, reason);
}
