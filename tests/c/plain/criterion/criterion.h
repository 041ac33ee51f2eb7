/* SPDX-License-Identifier: MIT */
/* A stand-in for <criterion/criterion.h>, for sanitizers Criterion cannot
 * start under (ThreadSanitizer): the same test files, unchanged, compiled
 * with this directory first on the include path, become a plain program
 * (plain/runner.c) that runs each test in a fresh process, as Criterion
 * does. Only what the suites use is here: Test and TestSuite with .init,
 * .fini and .timeout, the cr_assert family, cr_skip_test and cr_log_*.
 * A failed assertion or a skip ends the test's process at once. */
#ifndef CRELU_PLAIN_CRITERION_H
#define CRELU_PLAIN_CRITERION_H

#include <stddef.h>
#include <string.h>

/* Criterion takes any other fields too; these are the ones the suites use. */
struct criterion_test_extra_data {
    int unused; /* so that `{0, __VA_ARGS__}` is valid with no options */
    void (*init)(void);
    void (*fini)(void);
    double timeout; /* seconds; 0 = none */
};

void plain__register_test(const char *suite, const char *name, void (*body)(void),
                          const struct criterion_test_extra_data *extra);
void plain__register_suite(const char *suite, const struct criterion_test_extra_data *extra);
/* Print "file:line: what" and the optional message, then end the test. */
_Noreturn void plain__fail(const char *file, int line, const char *what, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
_Noreturn void plain__skip(const char *format, ...) __attribute__((format(printf, 1, 2)));
void plain__log(const char *level, const char *format, ...) __attribute__((format(printf, 2, 3)));

#define Test(suite, name, ...)                                                            \
    static void suite##_##name##_body(void);                                              \
    static const struct criterion_test_extra_data suite##_##name##_extra = {0, __VA_ARGS__}; \
    __attribute__((constructor)) static void suite##_##name##_register(void) {            \
        plain__register_test(#suite, #name, suite##_##name##_body, &suite##_##name##_extra); \
    }                                                                                     \
    static void suite##_##name##_body(void)

#define TestSuite(suite, ...)                                                             \
    static const struct criterion_test_extra_data suite##_suite_extra = {0, __VA_ARGS__}; \
    __attribute__((constructor)) static void suite##_suite_register(void) {               \
        plain__register_suite(#suite, &suite##_suite_extra);                              \
    }

/* The message arguments are optional, as in Criterion: `" " __VA_ARGS__`
 * joins " " to a leading format literal, and is the format " " without one. */
#define plain__check(ok, what, ...)                                                       \
    do {                                                                                  \
        if (!(ok)) {                                                                      \
            plain__fail(__FILE__, __LINE__, what, __VA_ARGS__);                           \
        }                                                                                 \
    } while (0)

#define cr_assert(cond, ...) plain__check((cond), #cond, " " __VA_ARGS__)
#define cr_assert_fail(...) plain__fail(__FILE__, __LINE__, "cr_assert_fail", " " __VA_ARGS__)
#define cr_assert_eq(a, b, ...) plain__check((a) == (b), #a " == " #b, " " __VA_ARGS__)
#define cr_assert_neq(a, b, ...) plain__check((a) != (b), #a " != " #b, " " __VA_ARGS__)
#define cr_assert_lt(a, b, ...) plain__check((a) < (b), #a " < " #b, " " __VA_ARGS__)
#define cr_assert_leq(a, b, ...) plain__check((a) <= (b), #a " <= " #b, " " __VA_ARGS__)
#define cr_assert_gt(a, b, ...) plain__check((a) > (b), #a " > " #b, " " __VA_ARGS__)
#define cr_assert_geq(a, b, ...) plain__check((a) >= (b), #a " >= " #b, " " __VA_ARGS__)
#define cr_assert_null(p, ...) plain__check((p) == NULL, #p " is NULL", " " __VA_ARGS__)
#define cr_assert_not_null(p, ...) plain__check((p) != NULL, #p " is not NULL", " " __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...)                                                       \
    plain__check(strcmp((a), (b)) == 0, #a " equals " #b, " " __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...)                                                      \
    plain__check(strcmp((a), (b)) != 0, #a " differs from " #b, " " __VA_ARGS__)

#define cr_skip_test(...) plain__skip(" " __VA_ARGS__)
#define cr_log_info(...) plain__log("info", __VA_ARGS__)
#define cr_log_warn(...) plain__log("warn", __VA_ARGS__)
#define cr_log_error(...) plain__log("error", __VA_ARGS__)

#endif
