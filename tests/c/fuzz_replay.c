/* SPDX-License-Identifier: MIT */
/* Replays fuzz inputs through the libFuzzer harness (tests/fuzz/fuzz_api.c)
 * without libFuzzer, which needs clang and does not run under qemu-user:
 * each file of each directory named on the command line, in name order,
 * goes to LLVMFuzzerTestOneInput once. The harness aborts on the first
 * contract violation, so a clean exit means every input held.
 *   fuzz_replay DIR...   (tests/fuzz/corpus tests/fuzz/grown) */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crelu.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *entry) {
    return entry->d_name[0] != '.';
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        perror(path);
        exit(2);
    }
    size_t capacity = 4096, length = 0;
    unsigned char *data = malloc(capacity);
    size_t got;
    while (data != NULL && (got = fread(data + length, 1, capacity - length, file)) > 0) {
        length += got;
        if (length == capacity) {
            capacity *= 2;
            data = realloc(data, capacity);
        }
    }
    if (data == NULL || ferror(file)) {
        fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
        exit(2);
    }
    fclose(file);
    *size = length;
    return data;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR...\n", argv[0]);
        return 2;
    }
    LLVMFuzzerInitialize(&argc, &argv);
    size_t total = 0;
    for (int a = 1; a < argc; a++) {
        struct dirent **names;
        const int count = scandir(argv[a], &names, not_hidden, by_name);
        if (count < 0) {
            perror(argv[a]);
            return 2;
        }
        for (int i = 0; i < count; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[a], names[i]->d_name);
            size_t size;
            unsigned char *data = read_file(path, &size);
            LLVMFuzzerTestOneInput(data, size);
            free(data);
            free(names[i]);
        }
        free(names);
        printf("fuzz_replay: %d inputs from %s held\n", count, argv[a]);
        total += (size_t)count;
    }
    printf("fuzz_replay: %zu inputs held\n", total);
    return total > 0 ? 0 : 1;
}
