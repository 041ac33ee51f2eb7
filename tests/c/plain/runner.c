/* SPDX-License-Identifier: MIT */
/* The runner behind plain/criterion/criterion.h: a program made of Criterion
 * test files, without Criterion. With no argument it runs every test, each in
 * a fresh process (fork, then exec of itself with --run): the isolation
 * Criterion gives, with no threads in the parent and none inherited, so that
 * ThreadSanitizer sees each test from its start. A test fails when its
 * process exits non-zero or dies by a signal, or outlives its .timeout.
 * PLAIN_FORK_ONLY runs each test in the forked child, without the exec
 * (for qemu-user; see fork_only). PLAIN_SKIP_FILE names tests not to run,
 * each with its reason, one a line
 * ("suite/name: reason"; # starts a comment): each is printed as skipped
 * with that reason, and an entry that names no test of any plain program is
 * not checked here (one file serves them all).
 *   plain_<area> [--list | --run SUITE/NAME | SUITE/NAME...]
 * Exit status: 0 when every test run passed or skipped, 1 otherwise. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* syscall */
#include <criterion/criterion.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_TESTS = 256, MAX_SUITES = 16, SKIPPED = 77 };

typedef struct plain_test {
    const char *suite, *name;
    void (*body)(void);
    const struct criterion_test_extra_data *extra;
} plain_test;

static plain_test tests[MAX_TESTS];
static size_t test_count;
static struct {
    const char *suite;
    const struct criterion_test_extra_data *extra;
} suites[MAX_SUITES];
static size_t suite_count;

void plain__register_test(const char *suite, const char *name, void (*body)(void),
                          const struct criterion_test_extra_data *extra) {
    if (test_count == MAX_TESTS) {
        fprintf(stderr, "plain runner: more than %d tests\n", MAX_TESTS);
        abort();
    }
    tests[test_count++] = (plain_test){suite, name, body, extra};
}

void plain__register_suite(const char *suite, const struct criterion_test_extra_data *extra) {
    if (suite_count == MAX_SUITES) {
        fprintf(stderr, "plain runner: more than %d suites\n", MAX_SUITES);
        abort();
    }
    suites[suite_count].suite = suite;
    suites[suite_count++].extra = extra;
}

/* Within a test's process: the failing line, then the end of the process
 * (_exit: another thread may still be running the library). */
void plain__fail(const char *file, int line, const char *what, const char *format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s:%d: assertion failed: %s:", file, line, what);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    fflush(stdout);
    _exit(1);
}

void plain__skip(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "skipped:");
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    fflush(stdout);
    _exit(SKIPPED);
}

void plain__log(const char *level, const char *format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "[%s] ", level);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
}

/* The reason PLAIN_SKIP_FILE gives for not running `id`, or NULL. */
static const char *skip_reason(const char *id) {
    static char line[1024];
    const char *path = getenv("PLAIN_SKIP_FILE");
    if (path == NULL || *path == '\0') {
        return NULL;
    }
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        perror(path);
        exit(2);
    }
    const size_t length = strlen(id);
    const char *reason = NULL;
    while (reason == NULL && fgets(line, sizeof line, file) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, id, length) == 0 && line[length] == ':') {
            reason = line + length + 1 + strspn(line + length + 1, " ");
        }
    }
    fclose(file);
    return reason;
}

static const struct criterion_test_extra_data *suite_extra(const char *suite) {
    for (size_t i = 0; i < suite_count; i++) {
        if (strcmp(suites[i].suite, suite) == 0) {
            return suites[i].extra;
        }
    }
    return NULL;
}

static const plain_test *find(const char *id) {
    for (size_t i = 0; i < test_count; i++) {
        size_t length = strlen(tests[i].suite);
        if (strncmp(id, tests[i].suite, length) == 0 && id[length] == '/' &&
            strcmp(id + length + 1, tests[i].name) == 0) {
            return &tests[i];
        }
    }
    return NULL;
}

static void *note_tid(void *tid) {
    *(pid_t *)tid = (pid_t)syscall(SYS_gettid);
    return NULL;
}

/* Waits until /proc/self/task no longer lists a joined thread: pthread_join
 * returns once the thread has cleared its tid, and the thread is torn down
 * after that (under qemu-user, which clears the tid itself, for some
 * milliseconds on a loaded machine). Returns -1 if it is still there after
 * 10 s. */
static int wait_until_gone(pid_t tid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d", (int)tid);
    for (int ms = 0; ms < 10000; ms++) {
        if (access(path, F_OK) != 0) {
            return 0;
        }
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    }
    return -1;
}

/* In the test's own process: the suite's and the test's set-up, the body,
 * then their tear-down, in Criterion's order. A thread started and joined
 * first makes ThreadSanitizer start its own background thread now (it does
 * at the first pthread_create), so tests that count their process's threads
 * count the library's alone; the test starts once that first thread is
 * gone from /proc/self/task, or it would count it too. */
static int run_here(const plain_test *test) {
    pthread_t first;
    pid_t first_tid = 0;
    if (pthread_create(&first, NULL, note_tid, &first_tid) != 0 || pthread_join(first, NULL) != 0) {
        fprintf(stderr, "plain runner: cannot start a thread\n");
        return 1;
    }
    if (wait_until_gone(first_tid) != 0) {
        fprintf(stderr, "plain runner: thread %d still listed 10 s after it ended\n",
                (int)first_tid);
        return 1;
    }
    const struct criterion_test_extra_data *suite = suite_extra(test->suite);
    if (suite != NULL && suite->init != NULL) {
        suite->init();
    }
    if (test->extra->init != NULL) {
        test->extra->init();
    }
    test->body();
    if (test->extra->fini != NULL) {
        test->extra->fini();
    }
    if (suite != NULL && suite->fini != NULL) {
        suite->fini();
    }
    return 0;
}

static double timeout_of(const plain_test *test) {
    const struct criterion_test_extra_data *suite = suite_extra(test->suite);
    if (test->extra->timeout > 0) {
        return test->extra->timeout;
    }
    return suite != NULL ? suite->timeout : 0;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* PLAIN_FORK_ONLY set: the test runs in the forked child itself, without
 * the exec. Under qemu-user an exec of this program would need binfmt_misc
 * (or, for i386 on x86-64, run natively, outside the emulator); a fork is
 * emulated like everything else. Each test still gets a fresh process, only
 * not a fresh image: the library's once-only state (the kernel pick, the
 * measured tuning) is still unset in the child, since the parent never
 * calls the library. */
static int fork_only;

/* Runs one test in a fresh process and says how it went: 0 passed,
 * SKIPPED, or 1 failed. A timeout kills the test's process group (a test's
 * own children included). PLAIN_TIMEOUT_SCALE stretches every .timeout, for
 * a sanitizer's slowdown. */
static int run_apart(const char *self, const plain_test *test) {
    char id[512];
    snprintf(id, sizeof id, "%s/%s", test->suite, test->name);
    const char *scale_text = getenv("PLAIN_TIMEOUT_SCALE");
    const double scale = scale_text != NULL ? atof(scale_text) : 1.0;
    const double timeout = timeout_of(test) * (scale > 0 ? scale : 1.0);
    const double start = now();
    fflush(stdout);
    pid_t child = fork();
    if (child == -1) {
        perror("fork");
        return 1;
    }
    if (child == 0) {
        setpgid(0, 0);
        if (fork_only) {
            fflush(stdout);
            _exit(run_here(test));
        }
        execl(self, self, "--run", id, (char *)NULL);
        perror("exec");
        _exit(127);
    }
    int status = 0, timed_out = 0;
    for (;;) {
        pid_t done = waitpid(child, &status, timeout > 0 ? WNOHANG : 0);
        if (done == child) {
            break;
        }
        if (done == -1 && errno != EINTR) {
            perror("waitpid");
            return 1;
        }
        if (timeout > 0 && now() - start > timeout && !timed_out) {
            timed_out = 1;
            kill(-child, SIGKILL);
            kill(child, SIGKILL);
        }
        if (timeout > 0) {
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        }
    }
    const double took = now() - start;
    if (timed_out) {
        printf("[FAIL] %s: timed out after %.1f s\n", id, timeout);
        return 1;
    }
    if (WIFSIGNALED(status)) {
        printf("[FAIL] %s: killed by signal %d (%.1f s)\n", id, WTERMSIG(status), took);
        return 1;
    }
    if (WEXITSTATUS(status) == SKIPPED) {
        printf("[SKIP] %s\n", id);
        return SKIPPED;
    }
    if (WEXITSTATUS(status) != 0) {
        printf("[FAIL] %s: exit status %d (%.1f s)\n", id, WEXITSTATUS(status), took);
        return 1;
    }
    printf("[ OK ] %s (%.1f s)\n", id, took);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < test_count; i++) {
            printf("%s/%s\n", tests[i].suite, tests[i].name);
        }
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--run") == 0) {
        const plain_test *test = find(argv[2]);
        if (test == NULL) {
            fprintf(stderr, "%s: no test %s\n", argv[0], argv[2]);
            return 2;
        }
        return run_here(test);
    }
    /* /proc/self/exe: argv[0] may be a bare name found through PATH. */
    char self[4096];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        perror("readlink /proc/self/exe");
        return 2;
    }
    self[length] = '\0';
    fork_only = getenv("PLAIN_FORK_ONLY") != NULL;
    size_t passed = 0, skipped = 0, failed = 0;
    for (int a = 1; a < argc; a++) {
        if (find(argv[a]) == NULL) {
            fprintf(stderr, "%s: no test %s\n", argv[0], argv[a]);
            return 2;
        }
    }
    for (size_t i = 0; i < test_count; i++) {
        char id[512];
        snprintf(id, sizeof id, "%s/%s", tests[i].suite, tests[i].name);
        int wanted = argc == 1;
        for (int a = 1; a < argc && !wanted; a++) {
            wanted = strcmp(argv[a], id) == 0;
        }
        if (!wanted) {
            continue;
        }
        const char *reason = skip_reason(id);
        if (reason != NULL) {
            printf("[SKIP] %s: not run here: %s\n", id, reason);
            skipped++;
            continue;
        }
        int result = run_apart(self, &tests[i]);
        passed += result == 0;
        skipped += result == SKIPPED;
        failed += result == 1;
    }
    printf("%zu passed, %zu skipped, %zu failed\n", passed, skipped, failed);
    return failed == 0 && passed + skipped > 0 ? 0 : 1;
}
