/* SPDX-License-Identifier: MIT */
/*
 * crelu.ReLU: a crelu_ctx with its options, as a Lua object. r(x) or
 * r:forward(x [, out]), then r:backward(d [, out]); r:close(), __gc and
 * __close (local r <close> = crelu.ReLU{}) all free the context, once.
 */
#include <math.h>
#include <string.h>

#include <crelu.h>

#include "crelu_lua.h"

typedef struct relu_object {
    crelu_ctx *ctx; /* NULL once closed */
    /* The options as given, for tostring(); the context holds the real ones. */
    int save;
    int grad;
    double negative_slope;
    double max_value;
} relu_object;

static const char *const save_names[] = {"x", "mask", NULL};       /* CRELU_SAVE_* */
static const char *const grad_names[] = {"pytorch", "cs231n", NULL}; /* CRELU_GRAD_* */

static relu_object *check_self(lua_State *L, const char *who) {
    relu_object *object = crelu_lua__test_udata(L, 1, CRELU_LUA__RELU_MT);
    if (object == NULL) {
        luaL_error(L, "%s: self must be a crelu.ReLU, got %s (call methods with a colon: r:%s(...))",
                   who, crelu_lua__type_name(L, 1), strchr(who, ':') + 1);
    }
    return object;
}

static relu_object *check_open(lua_State *L, const char *who) {
    relu_object *object = check_self(L, who);
    if (object->ctx == NULL) {
        luaL_error(L, "%s: this crelu.ReLU is closed", who);
    }
    return object;
}

/* ---- options ---- */

static int check_choice(lua_State *L, const char *option, const char *const choices[]) {
    if (lua_type(L, -1) == LUA_TSTRING) {
        const char *value = lua_tostring(L, -1);
        for (int i = 0; choices[i] != NULL; i++) {
            if (strcmp(value, choices[i]) == 0) {
                return i;
            }
        }
        luaL_error(L, "crelu.ReLU: option '%s' must be \"%s\" or \"%s\", got \"%s\"", option,
                   choices[0], choices[1], value);
    }
    return luaL_error(L, "crelu.ReLU: option '%s' must be \"%s\" or \"%s\", got %s", option,
                      choices[0], choices[1], crelu_lua__type_name(L, -1));
}

static double check_number_option(lua_State *L, const char *option) {
    if (lua_type(L, -1) != LUA_TNUMBER) {
        luaL_error(L, "crelu.ReLU: option '%s' must be a number, got %s", option,
                   crelu_lua__type_name(L, -1));
    }
    return lua_tonumber(L, -1);
}

/* Reads the options table at index 1 into `object`; nil means defaults. */
static void read_options(lua_State *L, relu_object *object) {
    if (lua_isnoneornil(L, 1)) {
        return;
    }
    if (lua_type(L, 1) != LUA_TTABLE) {
        luaL_error(L, "crelu.ReLU: options must be a table, e.g. crelu.ReLU{save = \"mask\"}, "
                      "got %s",
                   crelu_lua__type_name(L, 1));
    }
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            luaL_error(L, "crelu.ReLU: options go by name, e.g. crelu.ReLU{save = \"mask\"}, "
                          "got a %s key",
                       luaL_typename(L, -2));
        }
        const char *name = lua_tostring(L, -2);
        if (strcmp(name, "save") == 0) {
            object->save = check_choice(L, name, save_names);
        } else if (strcmp(name, "grad") == 0) {
            object->grad = check_choice(L, name, grad_names);
        } else if (strcmp(name, "negative_slope") == 0) {
            object->negative_slope = check_number_option(L, name);
        } else if (strcmp(name, "max_value") == 0) {
            object->max_value = check_number_option(L, name);
        } else {
            luaL_error(L, "crelu.ReLU: unknown option '%s' (the options are save, grad, "
                          "negative_slope, max_value)",
                       name);
        }
        lua_pop(L, 1);
    }
}

/* Raises "crelu.ReLU: <what was wrong>: <crelu_strerror(status)>". */
static int option_error(lua_State *L, int status, const char *what) {
    return luaL_error(L, "crelu.ReLU: %s: %s", what, crelu_strerror(status));
}

/* Hands the options to the context; the C library judges the values. */
static void apply_options(lua_State *L, relu_object *object) {
    int status = crelu_set_save(object->ctx, object->save);
    if (status != CRELU_OK) {
        option_error(L, status, "option 'save'");
    }
    status = crelu_set_grad_rule(object->ctx, object->grad);
    if (status != CRELU_OK) {
        option_error(L, status, "option 'grad'");
    }
    /* The cap first, so that a bad cap is reported as such even with a slope. */
    status = crelu_set_max_value(object->ctx, object->max_value);
    if (status != CRELU_OK) {
        option_error(L, status,
                     lua_pushfstring(L, "max_value = %f (it must be > 0; math.huge or nil means "
                                        "no cap)",
                                     object->max_value));
    }
    status = crelu_set_negative_slope(object->ctx, object->negative_slope);
    if (status != CRELU_OK) {
        if (isfinite(object->negative_slope) && isfinite(object->max_value)) {
            option_error(L, status,
                         lua_pushfstring(L, "negative_slope = %f with max_value = %f (a slope "
                                            "and a cap cannot be combined)",
                                         object->negative_slope, object->max_value));
        }
        option_error(L, status,
                     lua_pushfstring(L, "negative_slope = %f (it must be finite)",
                                     object->negative_slope));
    }
}

/* crelu.ReLU{save = "x"|"mask", grad = "pytorch"|"cs231n", negative_slope = 0,
 * max_value = nil}. */
int crelu_lua__relu_new(lua_State *L) {
    relu_object options = {NULL, CRELU_SAVE_X, CRELU_GRAD_PYTORCH, 0.0, HUGE_VAL};
    read_options(L, &options);
    /* The userdata owns the context from the start: if a setter fails, the
     * error unwinds and __gc destroys the context. */
    relu_object *object = lua_newuserdatauv(L, sizeof(relu_object), 0);
    *object = options;
    lua_pushvalue(L, CRELU_LUA__RELU_MT);
    lua_setmetatable(L, -2);
    int status = crelu_create(&object->ctx);
    if (status != CRELU_OK) {
        return option_error(L, status, "cannot create the context");
    }
    apply_options(L, object);
    return 1;
}

/* ---- methods ---- */

/* The context is read here, at the C call, not when the method starts: the
 * binding allocates in between (the result, a scratch buffer), and Lua may
 * run a pending __gc at any allocation, one that closes this very object.
 * The object itself stays valid: it is argument 1 on the stack. */
static crelu_ctx *context_of(void *self) {
    return ((relu_object *)self)->ctx;
}

/* One wrapper per entry point and dtype; `name` is forward or backward. */
#define CRELU_LUA__WRAP(name, suffix)                                                    \
    static int name##_##suffix(void *self, const void *in, void *out, size_t n) {        \
        crelu_ctx *ctx = context_of(self);                                                \
        return ctx == NULL ? CRELU_LUA__CLOSED : crelu_##name##_##suffix(ctx, in, out, n); \
    }
CRELU_LUA__WRAP(forward, f32)
CRELU_LUA__WRAP(forward, f64)
CRELU_LUA__WRAP(forward, bf16)
CRELU_LUA__WRAP(forward, f16)
CRELU_LUA__WRAP(backward, f32)
CRELU_LUA__WRAP(backward, f64)
CRELU_LUA__WRAP(backward, bf16)
CRELU_LUA__WRAP(backward, f16)
#undef CRELU_LUA__WRAP

/* By crelu_lua__dtype. */
static const crelu_lua__kernel forward_kernels[CRELU_LUA__DTYPES] = {forward_f32, forward_f64,
                                                                     forward_bf16, forward_f16};
static const crelu_lua__kernel backward_kernels[CRELU_LUA__DTYPES] = {
    backward_f32, backward_f64, backward_bf16, backward_f16};

/* r:forward(x [, out]) and r(x [, out]). */
static int relu_forward(lua_State *L) {
    relu_object *object = check_open(L, "crelu.ReLU:forward");
    crelu_lua__op op = {"crelu.ReLU:forward", "x", object, forward_kernels};
    return crelu_lua__apply(L, &op, 2, 3);
}

/* r:backward(d [, out]). */
static int relu_backward(lua_State *L) {
    relu_object *object = check_open(L, "crelu.ReLU:backward");
    crelu_lua__op op = {"crelu.ReLU:backward", "d", object, backward_kernels};
    return crelu_lua__apply(L, &op, 2, 3);
}

/* r:close(), __gc and __close: frees the context; again is a no-op. */
static int relu_close(lua_State *L) {
    relu_object *object = check_self(L, "crelu.ReLU:close");
    crelu_destroy(object->ctx);
    object->ctx = NULL;
    return 0;
}

static int relu_tostring(lua_State *L) {
    relu_object *object = check_self(L, "crelu.ReLU:__tostring");
    lua_pushfstring(L, "crelu.ReLU{save = \"%s\", grad = \"%s\", negative_slope = %f, "
                       "max_value = %f}%s",
                    save_names[object->save], grad_names[object->grad], object->negative_slope,
                    object->max_value, object->ctx == NULL ? " (closed)" : "");
    return 1;
}

void crelu_lua__register_relu(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"forward", relu_forward},
        {"backward", relu_backward},
        {"close", relu_close},
        {NULL, NULL},
    };
    static const luaL_Reg metamethods[] = {
        {"__call", relu_forward},
        {"__gc", relu_close},
        {"__close", relu_close},
        {"__tostring", relu_tostring},
        {NULL, NULL},
    };
    luaL_getmetatable(L, CRELU_LUA__RELU_TYPE);
    crelu_lua__set_functions(L, metamethods);
    lua_createtable(L, 0, 3);
    crelu_lua__set_functions(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}
