/* SPDX-License-Identifier: MIT */
/* What the library reads from the machine, and what it does when a source
 * is missing or odd: the sysfs cache listing (from fixture directories),
 * the choice between sysfs, sysconf and the 8 MiB fallback, the automatic
 * thread count (CRELU_NUM_THREADS's parsing, the affinity mask, and the
 * online CPUs when a sandbox forbids reading the mask), and the tuning
 * override's reset. White-box: linked against the static library only. Each
 * Test runs in its own process (Criterion forks), so each measures afresh. */
#define _GNU_SOURCE /* mkdtemp, nftw, sched_setaffinity, CPU_SET */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"

/* ---- the sysfs cache listing, from fixture directories ---- */

static char fixture[64];

static void make_fixture(void) {
    snprintf(fixture, sizeof fixture, "/tmp/crelu-sysfs-XXXXXX");
    cr_assert_not_null(mkdtemp(fixture));
}

/* Writes `text` as <fixture>/index<index>/size. */
static void cache_entry(int index, const char *text) {
    char path[128];
    snprintf(path, sizeof path, "%s/index%d", fixture, index);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/index%d/size", fixture, index);
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs(text, file);
    cr_assert_eq(fclose(file), 0);
}

static int remove_entry(const char *path, const struct stat *info, int type, struct FTW *ftw) {
    (void)info;
    (void)type;
    (void)ftw;
    return remove(path);
}

/* In-process, not system("rm -rf"): under valgrind --trace-children every
 * child process is traced too, slowly. */
static void remove_fixture(void) {
    cr_assert_eq(nftw(fixture, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

TestSuite(machine_sysfs, .init = make_fixture, .fini = remove_fixture);

Test(machine_sysfs, takes_the_largest_listed_size_in_each_unit) {
    cache_entry(0, "48K\n");
    cache_entry(1, "2M\n");
    cache_entry(2, "1000000\n"); /* no unit: bytes */
    cache_entry(3, "32K\n");
    cr_assert_eq(crelu__sysfs_cache_bytes(fixture), (size_t)2 << 20);
}

Test(machine_sysfs, a_size_without_a_unit_is_in_bytes) {
    cache_entry(0, "2M\n");
    cache_entry(1, "3000000\n");
    cr_assert_eq(crelu__sysfs_cache_bytes(fixture), (size_t)3000000);
}

Test(machine_sysfs, skips_an_entry_that_is_not_a_number) {
    cache_entry(0, "64K\n");
    cache_entry(1, "unknown\n");
    cache_entry(2, "1M\n");
    cr_assert_eq(crelu__sysfs_cache_bytes(fixture), (size_t)1 << 20);
}

Test(machine_sysfs, stops_at_the_first_missing_index) {
    cache_entry(0, "64K\n");
    cache_entry(2, "1M\n"); /* after the gap: not read */
    cr_assert_eq(crelu__sysfs_cache_bytes(fixture), (size_t)64 << 10);
}

Test(machine_sysfs, reads_at_most_eight_entries) {
    for (int index = 0; index < 8; index++) {
        cache_entry(index, "1M\n");
    }
    cache_entry(8, "64M\n");
    cr_assert_eq(crelu__sysfs_cache_bytes(fixture), (size_t)1 << 20);
}

Test(machine_sysfs, an_empty_or_missing_listing_is_zero) {
    cr_assert_eq(crelu__sysfs_cache_bytes(fixture), 0);
    cr_assert_eq(crelu__sysfs_cache_bytes("/nonexistent/crelu/cache"), 0);
}

/* ---- which cache size the tuning uses ---- */

Test(machine, cache_size_is_sysfs_then_sysconf_then_8_mib) {
    cr_assert_eq(crelu__cache_bytes(3 << 20, 5 << 20), (size_t)3 << 20);
    cr_assert_eq(crelu__cache_bytes(0, 5 << 20), (size_t)5 << 20);
    cr_assert_eq(crelu__cache_bytes(0, 0), (size_t)8 << 20);
    cr_assert_eq(crelu__cache_bytes(0, -1), (size_t)8 << 20); /* sysconf's "unknown" */
    /* A virtual machine's CPUID may describe the host's whole socket. */
    cr_assert_eq(crelu__cache_bytes(0, 508L << 20), (size_t)32 << 20);
    cr_assert_eq(crelu__cache_bytes(508 << 20, 0), (size_t)508 << 20); /* sysfs is believed */
}

Test(machine, streaming_is_derived_from_this_machines_cache_and_pieces_are_fixed) {
    long l3 = 0;
#ifdef _SC_LEVEL3_CACHE_SIZE
    l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
    const size_t cache =
        crelu__cache_bytes(crelu__sysfs_cache_bytes("/sys/devices/system/cpu/cpu0/cache"), l3);
    const crelu__tuning *tuning = crelu__tuning_now();
    cr_assert_eq(tuning->stream_bytes, cache);
    cr_assert_eq(tuning->piece_bytes, CRELU__PIECE_BYTES);
}

Test(machine, tuning_override_null_restores_the_measured_tuning) {
    const crelu__tuning measured = *crelu__tuning_now();
    const crelu__tuning small = {1000, 100};
    crelu__tuning_override(&small);
    cr_assert_eq(crelu__tuning_now()->piece_bytes, 100);
    crelu__tuning_override(NULL);
    cr_assert_eq(crelu__tuning_now()->stream_bytes, measured.stream_bytes);
    cr_assert_eq(crelu__tuning_now()->piece_bytes, measured.piece_bytes);
}

/* ---- the automatic thread count ---- */

Test(machine, crelu_num_threads_counts_only_as_a_positive_number) {
    cr_assert_eq(crelu__threads_from("4", 3), 4);
    cr_assert_eq(crelu__threads_from(NULL, 3), 3);
    cr_assert_eq(crelu__threads_from("", 3), 3);
    cr_assert_eq(crelu__threads_from("many", 3), 3);
    cr_assert_eq(crelu__threads_from("4 threads", 3), 3);
    cr_assert_eq(crelu__threads_from("0", 3), 3);
    cr_assert_eq(crelu__threads_from("-2", 3), 3);
}

Test(machine, thread_counts_are_clamped_to_1_through_256) {
    cr_assert_eq(crelu__threads_from("255", 3), 255);
    cr_assert_eq(crelu__threads_from("256", 3), 256);
    cr_assert_eq(crelu__threads_from("100000", 3), 256);
    cr_assert_eq(crelu__threads_from(NULL, 0), 1);
    cr_assert_eq(crelu__threads_from(NULL, -1), 1); /* sysconf's "unknown" */
    cr_assert_eq(crelu__threads_from(NULL, 255), 255);
    cr_assert_eq(crelu__threads_from(NULL, 1000), 256);
}

/* Pins this process to CPU 0, so that its affinity mask (1 CPU) differs
 * from the online CPUs wherever the machine has more than one. */
static void pin_to_cpu0(void) {
    unsetenv("CRELU_NUM_THREADS");
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
}

Test(machine, automatic_count_is_the_cpus_this_process_may_use, .init = pin_to_cpu0) {
    cr_assert_eq(crelu__default_threads(), 1);
}

/* A seccomp filter that makes sched_getaffinity fail with EPERM, as some
 * sandboxes do; every other system call is allowed. */
static void forbid_sched_getaffinity(void) {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sched_getaffinity, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {sizeof filter / sizeof filter[0], filter};
    cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
    cr_assert_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program), 0);
    cpu_set_t mask;
    cr_assert_eq(sched_getaffinity(0, sizeof mask, &mask), -1, "the filter is not in force");
}

Test(machine, without_the_affinity_mask_the_count_is_the_online_cpus, .init = pin_to_cpu0) {
    forbid_sched_getaffinity();
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    cr_assert_eq(crelu__default_threads(), crelu__threads_from(NULL, online));
}
