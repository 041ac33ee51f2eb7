/* SPDX-License-Identifier: MIT */
/*
 * The installed libcrelu.so.1 seen from a foreign caller, the way ctypes or
 * any other FFI sees it: without crelu.h. Everything this program knows of
 * the library is written out below, from the documentation: each function's
 * prototype as libffi type descriptions, the status and option numbers, and
 * a scalar reference for the semantics table.
 *
 *   foreign_caller LIBRARY EXPORTS VERSION
 *
 * 1. Reads LIBRARY's dynamic symbol table and version sections straight from
 *    the ELF file and requires the defined symbols to be exactly the lines of
 *    EXPORTS (abi/exports.txt, NAME@@VERSION): an extra export fails as
 *    surely as a missing one.
 * 2. dlopens LIBRARY and resolves each listed symbol with dlvsym at its
 *    listed version.
 * 3. Calls every exported function through ffi_call and checks the results:
 *    VERSION is the version CMake read from crelu.h.
 *
 * Exit 0 when every check holds; otherwise each failed check is printed
 * and the exit status is 1.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <ffi.h>
#include <limits.h>
#include <link.h> /* ElfW, __ELF_NATIVE_CLASS */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the ABI, as documented: numbers ---- */
enum {
    OK = 0,
    ERR_INVALID_ARGUMENT = 1,
    ERR_OUT_OF_MEMORY = 2,
    ERR_NO_FORWARD = 3,
    ERR_SIZE_MISMATCH = 4,
    ERR_DTYPE_MISMATCH = 5,
    ERR_OVERFLOW = 6,
    NUM_STATUSES = 7
};
enum { SAVE_X = 0, SAVE_MASK = 1 };
enum { GRAD_PYTORCH = 0, GRAD_CS231N = 1 };

/* ---- the ABI, as documented: prototypes ----
 * One letter per type, as in a ctypes declaration: i int, z size_t,
 * d double, p any pointer (data, context, string or function), v void. */
typedef struct proto {
    const char *name;
    char ret;
    const char *args;
    ffi_cif cif;
    ffi_type *arg_types[4];
    void (*fn)(void);
    unsigned calls;
} proto;

#define PROTO(name_, ret_, args_) {.name = name_, .ret = ret_, .args = args_}
static proto protos[] = {
    PROTO("crelu_version_number", 'i', ""),
    PROTO("crelu_version_string", 'p', ""),
    PROTO("crelu_isa_name", 'p', ""),
    PROTO("crelu_strerror", 'p', "i"),
    PROTO("crelu_create", 'i', "p"),
    PROTO("crelu_create_with_allocator", 'i', "pppp"),
    PROTO("crelu_destroy", 'v', "p"),
    PROTO("crelu_sizeof_ctx", 'z', "p"),
    PROTO("crelu_set_save", 'i', "pi"),
    PROTO("crelu_set_grad_rule", 'i', "pi"),
    PROTO("crelu_set_negative_slope", 'i', "pd"),
    PROTO("crelu_set_max_value", 'i', "pd"),
    PROTO("crelu_set_num_threads", 'i', "pi"),
    PROTO("crelu_forward_f32", 'i', "pppz"),
    PROTO("crelu_forward_f64", 'i', "pppz"),
    PROTO("crelu_backward_f32", 'i', "pppz"),
    PROTO("crelu_backward_f64", 'i', "pppz"),
    PROTO("crelu_relu_f32", 'i', "ppz"),
    PROTO("crelu_relu_f64", 'i', "ppz"),
    PROTO("crelu_relu_backward_f32", 'i', "pppz"),
    PROTO("crelu_relu_backward_f64", 'i', "pppz"),
    /* 1.1: bfloat16 and float16, as uint16_t bit patterns. */
    PROTO("crelu_forward_bf16", 'i', "pppz"),
    PROTO("crelu_forward_f16", 'i', "pppz"),
    PROTO("crelu_backward_bf16", 'i', "pppz"),
    PROTO("crelu_backward_f16", 'i', "pppz"),
    PROTO("crelu_relu_bf16", 'i', "ppz"),
    PROTO("crelu_relu_f16", 'i', "ppz"),
    PROTO("crelu_relu_backward_bf16", 'i', "pppz"),
    PROTO("crelu_relu_backward_f16", 'i', "pppz"),
};
#define NUM_PROTOS (sizeof protos / sizeof protos[0])

/* The ELF symbol-info macros of this process's class (ELF64_ST_BIND, ...). */
#define ELFW_(w, t) ELF##w##_##t
#define ELFW_1(w, t) ELFW_(w, t)
#define ELFW_ST(t) ELFW_1(__ELF_NATIVE_CLASS, t)

_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
               "function and data pointers are passed through the same ffi_type_pointer");

static ffi_type *ffi_type_of(char letter) {
    switch (letter) {
    case 'i': return &ffi_type_sint;
    case 'z': return sizeof(size_t) == 8 ? &ffi_type_uint64 : &ffi_type_uint32;
    case 'd': return &ffi_type_double;
    case 'p': return &ffi_type_pointer;
    case 'v': return &ffi_type_void;
    default: return NULL;
    }
}

/* ---- reporting ---- */
static unsigned failures;
static unsigned checks;

#define CHECK(cond, ...)                                                           \
    do {                                                                           \
        checks++;                                                                  \
        if (!(cond)) {                                                             \
            failures++;                                                            \
            fprintf(stderr, "foreign_caller.c:%d: FAILED: %s: ", __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                   \
        }                                                                          \
    } while (0)

static _Noreturn void die(const char *what) {
    fprintf(stderr, "foreign_caller: %s\n", what);
    exit(1);
}

/* ---- calling through libffi ---- */
typedef union ffi_result {
    ffi_sarg i;
    uint64_t z;
    void *p;
} ffi_result;

static proto *find_proto(const char *name) {
    for (size_t i = 0; i < NUM_PROTOS; i++) {
        if (strcmp(protos[i].name, name) == 0) {
            return &protos[i];
        }
    }
    return NULL;
}

static ffi_result call(const char *name, void **args) {
    proto *p = find_proto(name);
    if (p == NULL || p->fn == NULL) {
        fprintf(stderr, "foreign_caller: %s was not resolved\n", name);
        exit(1);
    }
    ffi_result result;
    memset(&result, 0, sizeof result);
    ffi_call(&p->cif, p->fn, &result, args);
    p->calls++;
    return result;
}

#define ARGS(...) ((void *[]){__VA_ARGS__})

/* Return values narrower than a register come back widened to ffi_arg. */
static int call_int(const char *name, void **args) {
    return (int)call(name, args).i;
}
static size_t call_size(const char *name, void **args) {
    return (size_t)call(name, args).z;
}
static const char *call_string(const char *name, void **args) {
    return (const char *)call(name, args).p;
}

/* A function pointer, as the data pointer ffi_type_pointer carries. */
typedef void (*any_fn)(void);
static void *fn_as_pointer(any_fn fn) {
    void *p;
    memcpy(&p, &fn, sizeof p);
    return p;
}

/* ---- 1. the dynamic symbol table, read from the file ---- */
#define MAX_EXPORTS 256
typedef struct symbol_list {
    char *entries[MAX_EXPORTS]; /* "name@@VERSION", "name@VERSION" or "name" */
    size_t count;
} symbol_list;

static void list_add(symbol_list *list, const char *name, const char *version, int hidden) {
    if (list->count == MAX_EXPORTS) {
        die("too many symbols");
    }
    size_t size = strlen(name) + (version ? strlen(version) : 0) + 3;
    char *entry = malloc(size);
    if (entry == NULL) {
        die("out of memory");
    }
    if (version != NULL) {
        snprintf(entry, size, "%s%s%s", name, hidden ? "@" : "@@", version);
    } else {
        snprintf(entry, size, "%s", name);
    }
    list->entries[list->count++] = entry;
}

static int list_has(const symbol_list *list, const char *entry) {
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->entries[i], entry) == 0) {
            return 1;
        }
    }
    return 0;
}

static void list_free(symbol_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        free(list->entries[i]);
    }
    list->count = 0;
}

static void read_exports_file(const char *path, symbol_list *list) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#') {
            continue;
        }
        if (list_has(list, line)) {
            CHECK(0, "%s lists %s twice", path, line);
            continue;
        }
        list_add(list, line, NULL, 0);
    }
    fclose(f);
}

typedef struct elf_image {
    const unsigned char *bytes;
    size_t size;
} elf_image;

static const void *elf_at(const elf_image *elf, size_t offset, size_t size) {
    if (offset > elf->size || size > elf->size - offset) {
        die("ELF file truncated or malformed");
    }
    return elf->bytes + offset;
}

static const ElfW(Shdr) *elf_section(const elf_image *elf, size_t index) {
    const ElfW(Ehdr) *eh = elf_at(elf, 0, sizeof *eh);
    if (index >= eh->e_shnum) {
        die("ELF section index out of range");
    }
    return elf_at(elf, eh->e_shoff + index * sizeof(ElfW(Shdr)), sizeof(ElfW(Shdr)));
}

static const char *elf_string(const elf_image *elf, const ElfW(Shdr) *strtab, size_t offset) {
    if (offset >= strtab->sh_size) {
        die("ELF string offset out of range");
    }
    const char *s = elf_at(elf, strtab->sh_offset + offset, 1);
    if (memchr(s, '\0', strtab->sh_size - offset) == NULL) {
        die("ELF string not terminated");
    }
    return s;
}

/* The defined dynamic symbols of the ELF file at `path`, each with its
 * version from .gnu.version/.gnu.version_d: what the dynamic linker exports.
 * Function symbols are also counted in *functions. */
static void read_elf_exports(const char *path, symbol_list *list, size_t *functions) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(path);
        exit(1);
    }
    elf_image elf = {NULL, (size_t)st.st_size};
    void *map = mmap(NULL, elf.size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    close(fd);
    elf.bytes = map;

    const ElfW(Ehdr) *eh = elf_at(&elf, 0, sizeof *eh);
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_shentsize != sizeof(ElfW(Shdr))) {
        die("not an ELF file of this process's class");
    }
    const ElfW(Shdr) *dynsym = NULL, *versym = NULL, *verdef = NULL;
    for (size_t i = 0; i < eh->e_shnum; i++) {
        const ElfW(Shdr) *sh = elf_section(&elf, i);
        if (sh->sh_type == SHT_DYNSYM) dynsym = sh;
        if (sh->sh_type == SHT_GNU_versym) versym = sh;
        if (sh->sh_type == SHT_GNU_verdef) verdef = sh;
    }
    if (dynsym == NULL) {
        die("no .dynsym");
    }
    const ElfW(Shdr) *dynstr = elf_section(&elf, dynsym->sh_link);
    size_t nsyms = dynsym->sh_size / sizeof(ElfW(Sym));
    const ElfW(Sym) *syms = elf_at(&elf, dynsym->sh_offset, nsyms * sizeof(ElfW(Sym)));
    const ElfW(Versym) *versions =
        versym ? elf_at(&elf, versym->sh_offset, nsyms * sizeof(ElfW(Versym))) : NULL;

    /* Version index -> name, from the version definitions. */
    const char *version_names[64] = {NULL};
    if (verdef != NULL) {
        const ElfW(Shdr) *verstr = elf_section(&elf, verdef->sh_link);
        size_t offset = verdef->sh_offset;
        for (size_t i = 0; i < verdef->sh_info; i++) {
            const ElfW(Verdef) *vd = elf_at(&elf, offset, sizeof *vd);
            const ElfW(Verdaux) *aux = elf_at(&elf, offset + vd->vd_aux, sizeof *aux);
            if (vd->vd_ndx < 64) {
                version_names[vd->vd_ndx] = elf_string(&elf, verstr, aux->vda_name);
            }
            offset += vd->vd_next;
        }
    }

    *functions = 0;
    for (size_t i = 1; i < nsyms; i++) {
        const ElfW(Sym) *sym = &syms[i];
        if (sym->st_shndx == SHN_UNDEF || ELFW_ST(ST_BIND)(sym->st_info) == STB_LOCAL) {
            continue; /* imported, or not visible */
        }
        const char *name = elf_string(&elf, dynstr, sym->st_name);
        unsigned index = versions ? (versions[i] & 0x7fffu) : 1u;
        int hidden = versions ? (versions[i] & 0x8000u) != 0 : 0;
        /* Index 1 is the file's own name (VER_FLG_BASE): unversioned. */
        const char *version = index >= 2 && index < 64 ? version_names[index] : NULL;
        if (index >= 2 && version == NULL) {
            die("symbol with an undefined version index");
        }
        /* GNU ld marks each version node with an absolute symbol of its name. */
        if (sym->st_shndx == SHN_ABS && version != NULL && strcmp(name, version) == 0) {
            continue;
        }
        list_add(list, name, version, hidden);
        if (ELFW_ST(ST_TYPE)(sym->st_info) == STT_FUNC) {
            (*functions)++;
        } else {
            CHECK(0, "%s is exported but is not a function", name);
        }
    }
    munmap(map, elf.size);
}

static void check_exports(const char *library, const char *exports_path, void *handle) {
    symbol_list listed = {{NULL}, 0}, exported = {{NULL}, 0};
    size_t functions = 0;
    read_exports_file(exports_path, &listed);
    read_elf_exports(library, &exported, &functions);

    for (size_t i = 0; i < exported.count; i++) {
        CHECK(list_has(&listed, exported.entries[i]),
              "%s is exported but not listed in %s", exported.entries[i], exports_path);
    }
    for (size_t i = 0; i < listed.count; i++) {
        CHECK(list_has(&exported, listed.entries[i]), "%s is listed in %s but not exported",
              listed.entries[i], exports_path);
    }
    CHECK(listed.count > 0, "%s lists nothing", exports_path);

    /* 2. Resolve each listed symbol at its version, and tie it to a prototype. */
    for (size_t i = 0; i < listed.count; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s", listed.entries[i]);
        char *at = strchr(name, '@');
        CHECK(at != NULL, "%s: no version; lines read NAME@@VERSION", listed.entries[i]);
        if (at == NULL) {
            continue;
        }
        *at = '\0';
        const char *version = at[1] == '@' ? at + 2 : at + 1;
        void *sym = dlvsym(handle, name, version);
        CHECK(sym != NULL, "dlvsym(%s, %s): %s", name, version, dlerror());
        Dl_info info;
        CHECK(sym == NULL || (dladdr(sym, &info) != 0 && info.dli_fbase != NULL &&
                              dlsym(handle, name) == sym),
              "%s@%s does not resolve to the default definition in %s", name, version, library);
        proto *p = find_proto(name);
        CHECK(p != NULL, "%s is exported, but this test has no prototype for it: describe it in "
                         "protos[] and exercise it", name);
        if (p != NULL && sym != NULL) {
            memcpy(&p->fn, &sym, sizeof p->fn);
        }
    }
    for (size_t i = 0; i < NUM_PROTOS; i++) {
        CHECK(protos[i].fn != NULL, "%s is described here but not exported", protos[i].name);
    }
    if (failures == 0) {
        printf("exports: %zu symbols, %zu functions, exactly as %s lists them\n",
               exported.count, functions, exports_path);
    }
    list_free(&listed);
    list_free(&exported);
}

static void prepare_protos(void) {
    for (size_t i = 0; i < NUM_PROTOS; i++) {
        proto *p = &protos[i];
        unsigned nargs = (unsigned)strlen(p->args);
        for (unsigned a = 0; a < nargs; a++) {
            p->arg_types[a] = ffi_type_of(p->args[a]);
        }
        if (ffi_prep_cif(&p->cif, FFI_DEFAULT_ABI, nargs, ffi_type_of(p->ret), p->arg_types) !=
            FFI_OK) {
            die("ffi_prep_cif failed");
        }
    }
}

/* ---- the scalar reference: the semantics table, row by row ---- */
enum variant { RELU, LEAKY, CLIPPED };
static const char *const variant_names[] = {"relu", "leaky", "clipped"};

#define DEFINE_REFERENCE(T, SUFFIX)                                                         \
    static T ref_forward_##SUFFIX(T x, enum variant v, T a, T c) {                          \
        switch (v) {                                                                        \
        case RELU: return x < 0 ? (T)0 : x;                                                 \
        case LEAKY: return x > 0 ? x : x * a;                                               \
        default: return x < 0 ? (T)0 : x > c ? c : x; /* NaN, -0.0 pass */                 \
        }                                                                                   \
    }                                                                                       \
    static T ref_backward_##SUFFIX(T x, T dy, enum variant v, int rule, T a, T c) {         \
        if (rule == GRAD_PYTORCH) {                                                         \
            switch (v) {                                                                    \
            case RELU: return x <= 0 ? (T)0 : dy;                                           \
            case LEAKY: return dy * (x > 0 ? (T)1 : a);                                     \
            default: return 0 < x && x < c ? dy : (T)0;                                     \
            }                                                                               \
        }                                                                                   \
        switch (v) {                                                                        \
        case RELU: return dy * (x >= 0 ? (T)1 : (T)0);                                      \
        case LEAKY: return dy * (x >= 0 ? (T)1 : a);                                        \
        default: return dy * (0 <= x && x <= c ? (T)1 : (T)0);                              \
        }                                                                                   \
    }
DEFINE_REFERENCE(float, f32)
DEFINE_REFERENCE(double, f64)

/* Inputs: every special class the table distinguishes (signed zeros, the
 * cap, infinities, NaNs with a payload, subnormals), then pseudo-random
 * values, so that the vector bodies and the tails of each kernel run. No
 * signalling NaNs: whether a multiply by 1 quiets them is where the two
 * references themselves need care, and the differential suite covers it. */
#define N 301
static const double specials[] = {
    -INFINITY, -1e30, -6.0, -1.0, -0.5, -1e-40, -0.0, 0.0, 1e-40, 0.25, 1.0,
    5.5,       6.0,   6.5,  1e30, INFINITY,
};
#define NUM_SPECIALS (sizeof specials / sizeof specials[0])

static uint64_t lcg_state = 0x9e3779b97f4a7c15u;
static double next_random(void) { /* in [-8, 8) */
    lcg_state = lcg_state * 6364136223846793005u + 1442695040888963407u;
    return (double)(lcg_state >> 11) / 9007199254740992.0 * 16.0 - 8.0;
}

static float nan_f32(uint32_t payload, int negative) {
    uint32_t bits = (negative ? 0x80000000u : 0u) | 0x7fc00000u | (payload & 0x3fffffu);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}
static double nan_f64(uint64_t payload, int negative) {
    uint64_t bits = (negative ? 0x8000000000000000u : 0u) | 0x7ff8000000000000u |
                    (payload & 0x7ffffffffffffu);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* x gets the specials and NaNs first; dy pairs each of them with normal,
 * zero, negative, infinite and NaN gradients in turn. */
static void fill_f32(float *x, float *dy, size_t n) {
    for (size_t i = 0; i < n; i++) {
        x[i] = i < NUM_SPECIALS ? (float)specials[i]
               : i == NUM_SPECIALS ? nan_f32(0x1234, 0)
               : i == NUM_SPECIALS + 1 ? nan_f32(0x4321, 1)
                                       : (float)next_random();
        switch (i % 7) {
        case 0: dy[i] = 0.0f; break;
        case 1: dy[i] = -1.5f; break;
        case 2: dy[i] = INFINITY; break;
        case 3: dy[i] = nan_f32((uint32_t)i, (int)(i & 8)); break;
        default: dy[i] = (float)next_random(); break;
        }
    }
}
static void fill_f64(double *x, double *dy, size_t n) {
    for (size_t i = 0; i < n; i++) {
        x[i] = i < NUM_SPECIALS ? specials[i]
               : i == NUM_SPECIALS ? nan_f64(0x1234, 0)
               : i == NUM_SPECIALS + 1 ? nan_f64(0x4321, 1)
                                       : next_random();
        switch (i % 7) {
        case 0: dy[i] = 0.0; break;
        case 1: dy[i] = -1.5; break;
        case 2: dy[i] = -INFINITY; break;
        case 3: dy[i] = nan_f64(i, (int)(i & 8)); break;
        default: dy[i] = next_random(); break;
        }
    }
}

/* Bit-for-bit comparison; reports the first mismatch only. */
static int same_bits_f32(const float *got, const float *want, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++) {
        uint32_t g, w;
        memcpy(&g, &got[i], sizeof g);
        memcpy(&w, &want[i], sizeof w);
        if (g != w) {
            fprintf(stderr, "  %s: element %zu is %a (0x%08x), want %a (0x%08x)\n", what, i,
                    (double)got[i], g, (double)want[i], w);
            return 0;
        }
    }
    return 1;
}
static int same_bits_f64(const double *got, const double *want, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++) {
        uint64_t g, w;
        memcpy(&g, &got[i], sizeof g);
        memcpy(&w, &want[i], sizeof w);
        if (g != w) {
            fprintf(stderr, "  %s: element %zu is %a (0x%016llx), want %a (0x%016llx)\n", what,
                    i, got[i], (unsigned long long)g, want[i], (unsigned long long)w);
            return 0;
        }
    }
    return 1;
}

/* ---- the 16-bit dtypes, as documented: the float32 row on the exactly
 * widened value, narrowed once to nearest even (bfloat16: every NaN 0xffff;
 * float16: a NaN keeps its sign and top 10 payload bits), except that the
 * PyTorch-rule ReLU and clipped backward select dy's bits. ---- */
enum half_format { BF16, F16 };
static const char *const half_names[] = {"bf16", "f16"};

static float float_of_bits(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}
static uint32_t bits_of_float(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static float half_widen(enum half_format fmt, uint16_t h) {
    if (fmt == BF16) {
        return float_of_bits((uint32_t)h << 16);
    }
    const unsigned e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    const uint32_t sign = h & 0x8000u ? 0x80000000u : 0;
    if (e == 0x1f) {
        return float_of_bits(sign | 0x7f800000u | (uint32_t)m << 13);
    }
    const double v = e == 0 ? ldexp(m, -24) : ldexp(1024.0 + m, (int)e - 25);
    return (float)(sign ? -v : v);
}

/* Scales the value to its float16 significand and lets the FPU round it
 * (to nearest even, the default mode). */
static uint16_t half_narrow(enum half_format fmt, float f) {
    const uint32_t bits = bits_of_float(f);
    if (fmt == BF16) {
        return isnan(f) ? 0xffff : (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
    }
    const uint16_t sign = bits & 0x80000000u ? 0x8000u : 0;
    if (isnan(f)) {
        const uint16_t top = (uint16_t)((bits >> 13) & 0x3ffu);
        return (uint16_t)(sign | 0x7c00u | (top != 0 ? top : 1u));
    }
    const double v = fabs((double)f);
    if (v < 0x1p-14) { /* subnormal, or rounds up to the smallest normal */
        return (uint16_t)(sign | (uint16_t)nearbyint(v * 0x1p24));
    }
    int e = ilogb(v);
    double m = nearbyint(ldexp(v, 10 - e)); /* 1024..2048 */
    if (m == 2048.0) {
        m = 1024.0;
        e++;
    }
    if (e > 15) {
        return (uint16_t)(sign | 0x7c00u);
    }
    return (uint16_t)(sign | (unsigned)(e + 15) << 10 | (unsigned)(m - 1024.0));
}

static uint16_t ref_forward_half(enum half_format fmt, uint16_t x, enum variant v, float a,
                                 float c) {
    return half_narrow(fmt, ref_forward_f32(half_widen(fmt, x), v, a, c));
}

static uint16_t ref_backward_half(enum half_format fmt, uint16_t x, uint16_t dy, enum variant v,
                                  int rule, float a, float c) {
    const float wx = half_widen(fmt, x);
    if (rule == GRAD_PYTORCH && v != LEAKY) {
        /* The table's conditions as written: a NaN x passes in ReLU's. */
        const int passes = v == RELU ? !(wx <= 0) : 0 < wx && wx < c;
        return passes ? dy : 0;
    }
    return half_narrow(fmt, ref_backward_f32(wx, half_widen(fmt, dy), v, rule, a, c));
}

/* Every special class (zeros, infinities, quiet NaNs with payloads,
 * subnormals, the cap and its neighbours, ties of the leaky product) and
 * random patterns; no signalling NaNs, as for float32. */
static void fill_half(enum half_format fmt, uint16_t *x, uint16_t *dy, size_t n) {
    static const uint16_t bf16_specials[] = {0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0xffc1,
                                             0x0001, 0x8001, 0x007f, 0x40c0, 0x40bf, 0x40c1,
                                             0x3f80, 0xbf80, 0x7f7f, 0xff7f};
    static const uint16_t f16_specials[] = {0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0xfe55,
                                            0x0001, 0x8001, 0x03ff, 0x4600, 0x45ff, 0x4601,
                                            0x3c00, 0xbc00, 0x7bff, 0xfbff};
    const uint16_t *specials16 = fmt == BF16 ? bf16_specials : f16_specials;
    const size_t count = 16;
    for (size_t i = 0; i < n; i++) {
        lcg_state = lcg_state * 6364136223846793005u + 1442695040888963407u;
        uint16_t r = (uint16_t)(lcg_state >> 40);
        /* Random patterns that are signalling NaNs become quiet ones. */
        if (fmt == BF16 ? (r & 0x7f80u) == 0x7f80u && (r & 0x7fu) : (r & 0x7c00u) == 0x7c00u &&
                                                                         (r & 0x3ffu)) {
            r |= fmt == BF16 ? 0x0040u : 0x0200u;
        }
        x[i] = i < count ? specials16[i] : r;
        switch (i % 5) {
        case 0: dy[i] = specials16[(i / 5) % count]; break;
        case 1: dy[i] = fmt == BF16 ? 0x7f80 : 0x7c00; break; /* +inf */
        default: dy[i] = (uint16_t)(r * 7u + 3u); break;
        }
        if (fmt == BF16 ? (dy[i] & 0x7f80u) == 0x7f80u && (dy[i] & 0x7fu)
                        : (dy[i] & 0x7c00u) == 0x7c00u && (dy[i] & 0x3ffu)) {
            dy[i] |= fmt == BF16 ? 0x0040u : 0x0200u;
        }
    }
}

static int same_bits_half(const uint16_t *got, const uint16_t *want, size_t n,
                          const char *what) {
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            fprintf(stderr, "  %s: element %zu is 0x%04x, want 0x%04x\n", what, i, got[i],
                    want[i]);
            return 0;
        }
    }
    return 1;
}

/* ---- 3. the calls ---- */
static void *create_context(void) {
    void *ctx = NULL;
    void **out = &ctx;
    int status = call_int("crelu_create", ARGS(&out));
    if (status != OK || ctx == NULL) {
        die("crelu_create failed");
    }
    return ctx;
}
static void destroy_context(void *ctx) {
    call("crelu_destroy", ARGS(&ctx));
}

static void check_version(const char *expected) {
    int number = call_int("crelu_version_number", NULL);
    const char *string = call_string("crelu_version_string", NULL);
    CHECK(string != NULL, "crelu_version_string returned NULL");
    if (string == NULL) {
        return;
    }
    int major = -1, minor = -1, patch = -1, end = 0;
    CHECK(sscanf(string, "%d.%d.%d%n", &major, &minor, &patch, &end) == 3 &&
              string[end] == '\0',
          "crelu_version_string is \"%s\", not MAJOR.MINOR.PATCH", string);
    CHECK(number == major * 10000 + minor * 100 + patch,
          "crelu_version_number %d disagrees with crelu_version_string \"%s\"", number, string);
    CHECK(strcmp(string, expected) == 0, "crelu_version_string is \"%s\", crelu.h says %s",
          string, expected);
    printf("version: %s = %d\n", string, number);
}

static void check_strerror(void) {
    const char *known[NUM_STATUSES];
    for (int s = 0; s < NUM_STATUSES; s++) {
        known[s] = call_string("crelu_strerror", ARGS(&s));
        CHECK(known[s] != NULL && known[s][0] != '\0', "crelu_strerror(%d) is empty or NULL", s);
        for (int t = 0; t < s; t++) {
            CHECK(known[s] == NULL || known[t] == NULL || strcmp(known[s], known[t]) != 0,
                  "crelu_strerror(%d) and crelu_strerror(%d) say the same", s, t);
        }
    }
    int unknown[] = {NUM_STATUSES, -1, 1000, INT_MAX, INT_MIN};
    const char *generic = NULL;
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *message = call_string("crelu_strerror", ARGS(&unknown[i]));
        CHECK(message != NULL, "crelu_strerror(%d) returned NULL", unknown[i]);
        if (message == NULL) {
            continue;
        }
        if (generic == NULL) {
            generic = message;
        }
        CHECK(strcmp(message, generic) == 0, "unknown statuses get different messages");
        for (int s = 0; s < NUM_STATUSES; s++) {
            CHECK(known[s] == NULL || strcmp(message, known[s]) != 0,
                  "unknown status %d gets status %d's message", unknown[i], s);
        }
    }
}

static void check_isa_name(void) {
    const char *isa = call_string("crelu_isa_name", NULL);
    const char *const documented[] = {"avx512", "avx2", "sse2", "neon", "portable", "scalar"};
    int found = 0;
    for (size_t i = 0; isa != NULL && i < sizeof documented / sizeof documented[0]; i++) {
        found |= strcmp(isa, documented[i]) == 0;
    }
    CHECK(found, "crelu_isa_name returned \"%s\"", isa ? isa : "(null)");
    printf("isa: %s\n", isa ? isa : "(null)");
}

static void check_setters(void) {
    void *ctx = create_context();
    void *null_ctx = NULL;
    int ints_valid[] = {0, 1}, ints_invalid[] = {-1, 2, INT_MAX};
    const char *const int_setters[] = {"crelu_set_save", "crelu_set_grad_rule"};
    for (size_t s = 0; s < 2; s++) {
        for (size_t i = 0; i < 2; i++) {
            CHECK(call_int(int_setters[s], ARGS(&ctx, &ints_valid[i])) == OK, "%s(%d)",
                  int_setters[s], ints_valid[i]);
        }
        for (size_t i = 0; i < 3; i++) {
            CHECK(call_int(int_setters[s], ARGS(&ctx, &ints_invalid[i])) ==
                      ERR_INVALID_ARGUMENT,
                  "%s(%d)", int_setters[s], ints_invalid[i]);
        }
        CHECK(call_int(int_setters[s], ARGS(&null_ctx, &ints_valid[0])) ==
                  ERR_INVALID_ARGUMENT,
              "%s(NULL, 0)", int_setters[s]);
    }

    int threads_valid[] = {0, 1, 2, 64}, threads_invalid[] = {-1, INT_MIN};
    for (size_t i = 0; i < 4; i++) {
        CHECK(call_int("crelu_set_num_threads", ARGS(&ctx, &threads_valid[i])) == OK,
              "crelu_set_num_threads(%d)", threads_valid[i]);
    }
    for (size_t i = 0; i < 2; i++) {
        CHECK(call_int("crelu_set_num_threads", ARGS(&ctx, &threads_invalid[i])) ==
                  ERR_INVALID_ARGUMENT,
              "crelu_set_num_threads(%d)", threads_invalid[i]);
    }
    CHECK(call_int("crelu_set_num_threads", ARGS(&null_ctx, &threads_valid[0])) ==
              ERR_INVALID_ARGUMENT,
          "crelu_set_num_threads(NULL, 0)");

    /* Slope: finite; cap: > 0 or INFINITY; never a slope != 0 with a cap. */
    double slopes_valid[] = {0.01, -0.0, 0.0, 3.0, -2.0};
    double slopes_invalid[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < 5; i++) {
        CHECK(call_int("crelu_set_negative_slope", ARGS(&ctx, &slopes_valid[i])) == OK,
              "crelu_set_negative_slope(%g)", slopes_valid[i]);
    }
    for (size_t i = 0; i < 3; i++) {
        CHECK(call_int("crelu_set_negative_slope", ARGS(&ctx, &slopes_invalid[i])) ==
                  ERR_INVALID_ARGUMENT,
              "crelu_set_negative_slope(%g)", slopes_invalid[i]);
    }
    double zero = 0.0, slope = 0.25, cap = 6.0, inf = INFINITY;
    CHECK(call_int("crelu_set_negative_slope", ARGS(&ctx, &zero)) == OK, "back to slope 0");
    double caps_valid[] = {6.0, 1e-300, INFINITY};
    double caps_invalid[] = {0.0, -0.0, -1.0, NAN, -INFINITY};
    for (size_t i = 0; i < 3; i++) {
        CHECK(call_int("crelu_set_max_value", ARGS(&ctx, &caps_valid[i])) == OK,
              "crelu_set_max_value(%g) with slope 0", caps_valid[i]);
    }
    for (size_t i = 0; i < 5; i++) {
        CHECK(call_int("crelu_set_max_value", ARGS(&ctx, &caps_invalid[i])) ==
                  ERR_INVALID_ARGUMENT,
              "crelu_set_max_value(%g)", caps_invalid[i]);
    }
    CHECK(call_int("crelu_set_max_value", ARGS(&ctx, &cap)) == OK, "cap 6");
    CHECK(call_int("crelu_set_negative_slope", ARGS(&ctx, &slope)) == ERR_INVALID_ARGUMENT,
          "a slope while a cap is set");
    CHECK(call_int("crelu_set_negative_slope", ARGS(&ctx, &zero)) == OK,
          "slope 0 while a cap is set");
    CHECK(call_int("crelu_set_max_value", ARGS(&ctx, &inf)) == OK, "no cap");
    CHECK(call_int("crelu_set_negative_slope", ARGS(&ctx, &slope)) == OK, "slope 0.25");
    CHECK(call_int("crelu_set_max_value", ARGS(&ctx, &cap)) == ERR_INVALID_ARGUMENT,
          "a cap while a slope is set");
    CHECK(call_int("crelu_set_negative_slope", ARGS(&null_ctx, &slope)) == ERR_INVALID_ARGUMENT,
          "crelu_set_negative_slope(NULL)");
    CHECK(call_int("crelu_set_max_value", ARGS(&null_ctx, &cap)) == ERR_INVALID_ARGUMENT,
          "crelu_set_max_value(NULL)");

    /* The rejected cap changed nothing: this context is leaky with slope 0.25. */
    float x[4] = {-4.0f, -1.0f, 2.0f, 7.0f}, y[4];
    size_t n = 4;
    void *px = x, *py = y;
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &px, &py, &n)) == OK, "forward");
    CHECK(y[0] == -1.0f && y[1] == -0.25f && y[2] == 2.0f && y[3] == 7.0f,
          "after a rejected cap, forward gave %g %g %g %g, want leaky 0.25", (double)y[0],
          (double)y[1], (double)y[2], (double)y[3]);
    destroy_context(ctx);
}

/* One forward/backward pair through a context, for each option set and both
 * dtypes, against the reference. */
typedef struct options {
    enum variant variant;
    int rule, save;
} options;

static void *configured_context(options o, double slope, double cap) {
    void *ctx = create_context();
    CHECK(call_int("crelu_set_save", ARGS(&ctx, &o.save)) == OK, "set_save");
    CHECK(call_int("crelu_set_grad_rule", ARGS(&ctx, &o.rule)) == OK, "set_grad_rule");
    if (o.variant == LEAKY) {
        CHECK(call_int("crelu_set_negative_slope", ARGS(&ctx, &slope)) == OK, "slope");
    } else if (o.variant == CLIPPED) {
        CHECK(call_int("crelu_set_max_value", ARGS(&ctx, &cap)) == OK, "cap");
    }
    return ctx;
}

static void check_pair_f32(options o, double slope, double cap) {
    static float x[N], dy[N], y[N], dx[N], want_y[N], want_dx[N];
    fill_f32(x, dy, N);
    for (size_t i = 0; i < N; i++) {
        want_y[i] = ref_forward_f32(x[i], o.variant, (float)slope, (float)cap);
        want_dx[i] = ref_backward_f32(x[i], dy[i], o.variant, o.rule, (float)slope, (float)cap);
    }
    void *ctx = configured_context(o, slope, cap);
    size_t n = N;
    void *px = x, *py = y, *pdy = dy, *pdx = dx;
    char what[96];
    snprintf(what, sizeof what, "f32 %s rule %d save %d", variant_names[o.variant], o.rule,
             o.save);
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &px, &py, &n)) == OK, "%s forward", what);
    CHECK(same_bits_f32(y, want_y, N, what), "%s forward matches the reference", what);
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &pdy, &pdx, &n)) == OK, "%s backward", what);
    CHECK(same_bits_f32(dx, want_dx, N, what), "%s backward matches the reference", what);
    /* In place, dx == dy. */
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &pdy, &pdy, &n)) == OK, "%s in place", what);
    CHECK(same_bits_f32(dy, want_dx, N, what), "%s in-place backward", what);
    destroy_context(ctx);
}

static void check_pair_f64(options o, double slope, double cap) {
    static double x[N], dy[N], y[N], dx[N], want_y[N], want_dx[N];
    fill_f64(x, dy, N);
    for (size_t i = 0; i < N; i++) {
        want_y[i] = ref_forward_f64(x[i], o.variant, slope, cap);
        want_dx[i] = ref_backward_f64(x[i], dy[i], o.variant, o.rule, slope, cap);
    }
    void *ctx = configured_context(o, slope, cap);
    size_t n = N;
    void *px = x, *py = y, *pdy = dy, *pdx = dx;
    char what[96];
    snprintf(what, sizeof what, "f64 %s rule %d save %d", variant_names[o.variant], o.rule,
             o.save);
    CHECK(call_int("crelu_forward_f64", ARGS(&ctx, &px, &py, &n)) == OK, "%s forward", what);
    CHECK(same_bits_f64(y, want_y, N, what), "%s forward matches the reference", what);
    CHECK(call_int("crelu_backward_f64", ARGS(&ctx, &pdy, &pdx, &n)) == OK, "%s backward", what);
    CHECK(same_bits_f64(dx, want_dx, N, what), "%s backward matches the reference", what);
    /* In place, y == x. */
    CHECK(call_int("crelu_forward_f64", ARGS(&ctx, &px, &px, &n)) == OK, "%s in place", what);
    CHECK(same_bits_f64(x, want_y, N, what), "%s in-place forward", what);
    destroy_context(ctx);
}

static void check_pair_half(enum half_format fmt, options o, double slope, double cap) {
    static uint16_t x[N], dy[N], y[N], dx[N], want_y[N], want_dx[N];
    fill_half(fmt, x, dy, N);
    for (size_t i = 0; i < N; i++) {
        want_y[i] = ref_forward_half(fmt, x[i], o.variant, (float)slope, (float)cap);
        want_dx[i] =
            ref_backward_half(fmt, x[i], dy[i], o.variant, o.rule, (float)slope, (float)cap);
    }
    void *ctx = configured_context(o, slope, cap);
    size_t n = N;
    void *px = x, *py = y, *pdy = dy, *pdx = dx;
    char what[96], forward[32], backward[32];
    snprintf(what, sizeof what, "%s %s rule %d save %d", half_names[fmt],
             variant_names[o.variant], o.rule, o.save);
    snprintf(forward, sizeof forward, "crelu_forward_%s", half_names[fmt]);
    snprintf(backward, sizeof backward, "crelu_backward_%s", half_names[fmt]);
    CHECK(call_int(forward, ARGS(&ctx, &px, &py, &n)) == OK, "%s forward", what);
    CHECK(same_bits_half(y, want_y, N, what), "%s forward matches the reference", what);
    CHECK(call_int(backward, ARGS(&ctx, &pdy, &pdx, &n)) == OK, "%s backward", what);
    CHECK(same_bits_half(dx, want_dx, N, what), "%s backward matches the reference", what);
    /* In place: y == x, then dx == dy. */
    CHECK(call_int(forward, ARGS(&ctx, &px, &px, &n)) == OK, "%s in place", what);
    CHECK(same_bits_half(x, want_y, N, what), "%s in-place forward", what);
    CHECK(call_int(backward, ARGS(&ctx, &pdy, &pdy, &n)) == OK, "%s in place", what);
    CHECK(same_bits_half(dy, want_dx, N, what), "%s in-place backward", what);
    destroy_context(ctx);
}

static void check_forward_backward(void) {
    unsigned pairs = 0;
    for (int v = RELU; v <= CLIPPED; v++) {
        for (int rule = GRAD_PYTORCH; rule <= GRAD_CS231N; rule++) {
            for (int save = SAVE_X; save <= SAVE_MASK; save++) {
                options o = {(enum variant)v, rule, save};
                check_pair_f32(o, 0.01, 6.0);
                check_pair_f64(o, 0.01, 6.0);
                check_pair_half(BF16, o, 0.01, 6.0);
                check_pair_half(F16, o, 0.01, 6.0);
                pairs += 4;
                if (v == LEAKY) { /* x * 2.5 has 2 bits more than x: ties to round */
                    check_pair_half(BF16, o, -2.5, 6.0);
                    check_pair_half(F16, o, -2.5, 6.0);
                    pairs += 2;
                }
            }
        }
    }
    printf("forward/backward: %u option sets x dtypes, %d elements each, bit-exact\n", pairs, N);
}

/* The documented statuses of forward and backward, in their documented order. */
static void check_context_errors(void) {
    void *ctx = create_context();
    void *null_ctx = NULL, *null_ptr = NULL;
    float x[8] = {1, -1, 2, -2, 3, -3, 4, -4}, y[8], dx[8];
    double xd[8] = {0};
    void *px = x, *py = y, *pdx = dx, *pxd = xd, *px1 = x + 1;
    size_t n = 8, zero = 0, other = 7, huge = SIZE_MAX / sizeof(float) + 1;

    CHECK(call_int("crelu_forward_f32", ARGS(&null_ctx, &px, &py, &n)) == ERR_INVALID_ARGUMENT,
          "forward, NULL context");
    CHECK(call_int("crelu_forward_f32", ARGS(&null_ctx, &null_ptr, &null_ptr, &zero)) ==
              ERR_INVALID_ARGUMENT,
          "forward, NULL context, n = 0");
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &null_ptr, &null_ptr, &zero)) ==
              ERR_NO_FORWARD,
          "backward, n = 0, before any forward");
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &px, &pdx, &n)) == ERR_NO_FORWARD,
          "backward before forward");
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &null_ptr, &null_ptr, &zero)) == OK,
          "forward, n = 0, NULL buffers");
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &px, &pdx, &n)) == ERR_SIZE_MISMATCH,
          "an n = 0 forward is the last forward: a backward of 8 does not match it");
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &null_ptr, &null_ptr, &zero)) == OK,
          "backward, n = 0, after a forward of 0");
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &null_ptr, &py, &n)) == ERR_INVALID_ARGUMENT,
          "forward, NULL x");
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &px, &null_ptr, &n)) == ERR_INVALID_ARGUMENT,
          "forward, NULL y");
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &px, &py, &huge)) == ERR_OVERFLOW,
          "forward, n * 4 overflows");
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &px, &px1, &other)) == ERR_INVALID_ARGUMENT,
          "forward, partial overlap");
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &null_ptr, &null_ptr, &zero)) == OK,
          "failed forwards save nothing: the n = 0 forward is still the last");

    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &px, &py, &n)) == OK, "forward");
    CHECK(call_int("crelu_backward_f32", ARGS(&null_ctx, &px, &pdx, &n)) == ERR_INVALID_ARGUMENT,
          "backward, NULL context");
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &null_ptr, &pdx, &n)) == ERR_INVALID_ARGUMENT,
          "backward, NULL dy");
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &px, &pdx, &huge)) == ERR_OVERFLOW,
          "backward, n * 4 overflows");
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &px, &px1, &other)) == ERR_INVALID_ARGUMENT,
          "backward, partial overlap");
    CHECK(call_int("crelu_backward_f64", ARGS(&ctx, &pxd, &pxd, &n)) == ERR_DTYPE_MISMATCH,
          "backward_f64 after forward_f32");
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &px, &pdx, &other)) == ERR_SIZE_MISMATCH,
          "backward with another n");
    CHECK(call_int("crelu_backward_bf16", ARGS(&ctx, &px, &pdx, &n)) == ERR_DTYPE_MISMATCH,
          "backward_bf16 after forward_f32");
    CHECK(call_int("crelu_backward_f16", ARGS(&ctx, &px, &pdx, &n)) == ERR_DTYPE_MISMATCH,
          "backward_f16 after forward_f32");

    /* After all that, the context still holds the successful forward. */
    float dy[8] = {10, 10, 10, 10, 10, 10, 10, 10};
    void *pdy = dy;
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &pdy, &pdx, &n)) == OK, "backward");
    for (size_t i = 0; i < 8; i++) {
        CHECK(dx[i] == (x[i] > 0 ? 10.0f : 0.0f), "dx[%zu] = %g", i, (double)dx[i]);
    }
    destroy_context(ctx);
    destroy_context(null_ctx); /* NULL is a no-op */

    /* The 16-bit forms: the same checks, and the two formats are two
     * dtypes (a forward in one, a backward in the other, is a mismatch). */
    uint16_t h[8] = {0x3f80, 0xbf80, 0x4000, 0xc000, 0x4040, 0xc040, 0x4080, 0xc080};
    uint16_t hy[8], hdx[8], hdy[8] = {0x4120, 0x4120, 0x4120, 0x4120,
                                      0x4120, 0x4120, 0x4120, 0x4120}; /* bf16 10.0 */
    void *ph = h, *phy = hy, *phdx = hdx, *phdy = hdy, *ph1 = h + 1;
    size_t huge16 = SIZE_MAX / 2 + 1;
    ctx = create_context();
    for (int fmt = BF16; fmt <= F16; fmt++) {
        char forward[32], backward[32];
        snprintf(forward, sizeof forward, "crelu_forward_%s", half_names[fmt]);
        snprintf(backward, sizeof backward, "crelu_backward_%s", half_names[fmt]);
        CHECK(call_int(forward, ARGS(&null_ctx, &ph, &phy, &n)) == ERR_INVALID_ARGUMENT,
              "%s, NULL context", forward);
        CHECK(call_int(forward, ARGS(&ctx, &null_ptr, &phy, &n)) == ERR_INVALID_ARGUMENT,
              "%s, NULL x", forward);
        CHECK(call_int(forward, ARGS(&ctx, &ph, &phy, &huge16)) == ERR_OVERFLOW,
              "%s, n * 2 overflows", forward);
        CHECK(call_int(forward, ARGS(&ctx, &ph, &ph1, &other)) == ERR_INVALID_ARGUMENT,
              "%s, partial overlap", forward);
        CHECK(call_int(forward, ARGS(&ctx, &ph, &phy, &n)) == OK, "%s", forward);
        CHECK(call_int(backward, ARGS(&ctx, &null_ptr, &phdx, &n)) == ERR_INVALID_ARGUMENT,
              "%s, NULL dy", backward);
        CHECK(call_int(backward, ARGS(&ctx, &phdy, &phdx, &huge16)) == ERR_OVERFLOW,
              "%s, n * 2 overflows", backward);
        CHECK(call_int(backward, ARGS(&ctx, &phdy, &phdx, &other)) == ERR_SIZE_MISMATCH,
              "%s with another n", backward);
        CHECK(call_int(fmt == BF16 ? "crelu_backward_f16" : "crelu_backward_bf16",
                       ARGS(&ctx, &phdy, &phdx, &n)) == ERR_DTYPE_MISMATCH,
              "the other 16-bit backward after %s", forward);
        CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &px, &pdx, &n)) == ERR_DTYPE_MISMATCH,
              "backward_f32 after %s", forward);
        CHECK(call_int(backward, ARGS(&ctx, &phdy, &phdx, &n)) == OK, "%s", backward);
        for (size_t i = 0; i < 8; i++) {
            CHECK(hdx[i] == (i % 2 == 0 ? 0x4120 : 0), "%s: dx[%zu] = 0x%04x", backward, i,
                  hdx[i]);
        }
    }
    destroy_context(ctx);
}

static void check_stateless(void) {
    static float x[N], dy[N], y[N], dx[N], want_y[N], want_dx[N];
    static double xd[N], dyd[N], yd[N], dxd[N], want_yd[N], want_dxd[N];
    fill_f32(x, dy, N);
    fill_f64(xd, dyd, N);
    for (size_t i = 0; i < N; i++) {
        want_y[i] = ref_forward_f32(x[i], RELU, 0, 0);
        want_dx[i] = ref_backward_f32(x[i], dy[i], RELU, GRAD_PYTORCH, 0, 0);
        want_yd[i] = ref_forward_f64(xd[i], RELU, 0, 0);
        want_dxd[i] = ref_backward_f64(xd[i], dyd[i], RELU, GRAD_PYTORCH, 0, 0);
    }
    size_t n = N;
    void *px = x, *py = y, *pdy = dy, *pdx = dx;
    void *pxd = xd, *pyd = yd, *pdyd = dyd, *pdxd = dxd;
    CHECK(call_int("crelu_relu_f32", ARGS(&px, &py, &n)) == OK, "relu_f32");
    CHECK(same_bits_f32(y, want_y, N, "relu_f32"), "relu_f32 matches the reference");
    CHECK(call_int("crelu_relu_backward_f32", ARGS(&px, &pdy, &pdx, &n)) == OK, "relu_backward_f32");
    CHECK(same_bits_f32(dx, want_dx, N, "relu_backward_f32"), "relu_backward_f32 matches");
    CHECK(call_int("crelu_relu_f64", ARGS(&pxd, &pyd, &n)) == OK, "relu_f64");
    CHECK(same_bits_f64(yd, want_yd, N, "relu_f64"), "relu_f64 matches the reference");
    CHECK(call_int("crelu_relu_backward_f64", ARGS(&pxd, &pdyd, &pdxd, &n)) == OK,
          "relu_backward_f64");
    CHECK(same_bits_f64(dxd, want_dxd, N, "relu_backward_f64"), "relu_backward_f64 matches");
    /* dx may be exactly x; then y may be exactly x. */
    CHECK(call_int("crelu_relu_backward_f64", ARGS(&pxd, &pdyd, &pxd, &n)) == OK,
          "relu_backward_f64, dx == x");
    CHECK(same_bits_f64(xd, want_dxd, N, "relu_backward_f64 dx == x"), "dx == x matches");
    CHECK(call_int("crelu_relu_f32", ARGS(&px, &px, &n)) == OK, "relu_f32 in place");
    CHECK(same_bits_f32(x, want_y, N, "relu_f32 in place"), "in place matches");

    void *null_ptr = NULL, *px1 = x + 1;
    size_t zero = 0, other = N - 1, huge = SIZE_MAX / sizeof(double) + 1;
    CHECK(call_int("crelu_relu_f32", ARGS(&null_ptr, &null_ptr, &zero)) == OK, "n = 0");
    CHECK(call_int("crelu_relu_f32", ARGS(&null_ptr, &py, &n)) == ERR_INVALID_ARGUMENT, "NULL x");
    CHECK(call_int("crelu_relu_f32", ARGS(&px, &px1, &other)) == ERR_INVALID_ARGUMENT,
          "partial overlap");
    CHECK(call_int("crelu_relu_f64", ARGS(&pxd, &pyd, &huge)) == ERR_OVERFLOW, "n * 8 overflows");
    CHECK(call_int("crelu_relu_backward_f32", ARGS(&px, &null_ptr, &pdx, &n)) ==
              ERR_INVALID_ARGUMENT,
          "NULL dy");
    CHECK(call_int("crelu_relu_backward_f32", ARGS(&px, &pdy, &px1, &other)) ==
              ERR_INVALID_ARGUMENT,
          "dx partially overlaps x");
    CHECK(call_int("crelu_relu_backward_f64", ARGS(&pxd, &pdyd, &pdxd, &huge)) == ERR_OVERFLOW,
          "backward, n * 8 overflows");
    CHECK(call_int("crelu_relu_backward_f64", ARGS(&null_ptr, &null_ptr, &null_ptr, &zero)) == OK,
          "backward, n = 0");

    static uint16_t h[N], hdy[N], hy[N], hdx[N], want_hy[N], want_hdx[N];
    for (int fmt = BF16; fmt <= F16; fmt++) {
        char relu[32], relu_backward[40];
        snprintf(relu, sizeof relu, "crelu_relu_%s", half_names[fmt]);
        snprintf(relu_backward, sizeof relu_backward, "crelu_relu_backward_%s", half_names[fmt]);
        fill_half((enum half_format)fmt, h, hdy, N);
        for (size_t i = 0; i < N; i++) {
            want_hy[i] = ref_forward_half((enum half_format)fmt, h[i], RELU, 0, 0);
            want_hdx[i] =
                ref_backward_half((enum half_format)fmt, h[i], hdy[i], RELU, GRAD_PYTORCH, 0, 0);
        }
        void *ph = h, *phy = hy, *phdy = hdy, *phdx = hdx, *ph1 = h + 1;
        size_t huge16 = SIZE_MAX / 2 + 1;
        CHECK(call_int(relu, ARGS(&ph, &phy, &n)) == OK, "%s", relu);
        CHECK(same_bits_half(hy, want_hy, N, relu), "%s matches the reference", relu);
        CHECK(call_int(relu_backward, ARGS(&ph, &phdy, &phdx, &n)) == OK, "%s", relu_backward);
        CHECK(same_bits_half(hdx, want_hdx, N, relu_backward), "%s matches", relu_backward);
        CHECK(call_int(relu_backward, ARGS(&ph, &phdy, &phdy, &n)) == OK, "%s in place",
              relu_backward);
        CHECK(same_bits_half(hdy, want_hdx, N, relu_backward), "%s in place matches",
              relu_backward);
        CHECK(call_int(relu, ARGS(&ph, &ph, &n)) == OK, "%s in place", relu);
        CHECK(same_bits_half(h, want_hy, N, relu), "%s in place matches", relu);
        CHECK(call_int(relu, ARGS(&null_ptr, &null_ptr, &zero)) == OK, "%s, n = 0", relu);
        CHECK(call_int(relu, ARGS(&null_ptr, &phy, &n)) == ERR_INVALID_ARGUMENT, "%s, NULL x",
              relu);
        CHECK(call_int(relu, ARGS(&ph, &ph1, &other)) == ERR_INVALID_ARGUMENT,
              "%s, partial overlap", relu);
        CHECK(call_int(relu, ARGS(&ph, &phy, &huge16)) == ERR_OVERFLOW, "%s, n * 2 overflows",
              relu);
        CHECK(call_int(relu_backward, ARGS(&ph, &null_ptr, &phdx, &n)) == ERR_INVALID_ARGUMENT,
              "%s, NULL dy", relu_backward);
        CHECK(call_int(relu_backward, ARGS(&ph, &phdy, &ph1, &other)) == ERR_INVALID_ARGUMENT,
              "%s, dx partially overlaps x", relu_backward);
        CHECK(call_int(relu_backward, ARGS(&ph, &phdy, &phdx, &huge16)) == ERR_OVERFLOW,
              "%s, n * 2 overflows", relu_backward);
    }
}

/* sizeof_ctx: the context plus n * sizeof(element) (CRELU_SAVE_X) or
 * ceil(n / 8) (CRELU_SAVE_MASK); the buffer never shrinks. */
static void check_sizeof_ctx(void) {
    void *null_ctx = NULL;
    CHECK(call_size("crelu_sizeof_ctx", ARGS(&null_ctx)) == 0, "crelu_sizeof_ctx(NULL)");
    static double x[N], y[N];
    size_t n = N, small = 10;
    void *px = x, *py = y;
    int mask = SAVE_MASK;

    void *ctx = create_context();
    size_t base = call_size("crelu_sizeof_ctx", ARGS(&ctx));
    CHECK(base > 0, "an empty context holds %zu bytes", base);
    CHECK(call_int("crelu_forward_f64", ARGS(&ctx, &px, &py, &n)) == OK, "forward");
    size_t after = call_size("crelu_sizeof_ctx", ARGS(&ctx));
    CHECK(after == base + N * sizeof(double), "save x: %zu bytes, want %zu + %zu", after, base,
          N * sizeof(double));
    CHECK(call_int("crelu_forward_f64", ARGS(&ctx, &px, &py, &small)) == OK, "smaller forward");
    CHECK(call_size("crelu_sizeof_ctx", ARGS(&ctx)) == after, "the buffer shrank");
    destroy_context(ctx);

    ctx = create_context();
    CHECK(call_int("crelu_set_save", ARGS(&ctx, &mask)) == OK, "save mask");
    CHECK(call_int("crelu_forward_f64", ARGS(&ctx, &px, &py, &n)) == OK, "mask forward");
    after = call_size("crelu_sizeof_ctx", ARGS(&ctx));
    CHECK(after == base + (N + 7) / 8, "save mask: %zu bytes, want %zu + %d", after, base,
          (N + 7) / 8);
    destroy_context(ctx);

    /* 16-bit: two bytes an element saved, or the same mask. */
    static uint16_t h[N], hy[N];
    void *ph = h, *phy = hy;
    ctx = create_context();
    CHECK(call_int("crelu_forward_bf16", ARGS(&ctx, &ph, &phy, &n)) == OK, "bf16 forward");
    after = call_size("crelu_sizeof_ctx", ARGS(&ctx));
    CHECK(after == base + N * 2, "bf16 save x: %zu bytes, want %zu + %d", after, base, N * 2);
    destroy_context(ctx);
    ctx = create_context();
    CHECK(call_int("crelu_set_save", ARGS(&ctx, &mask)) == OK, "save mask");
    CHECK(call_int("crelu_forward_f16", ARGS(&ctx, &ph, &phy, &n)) == OK, "f16 mask forward");
    after = call_size("crelu_sizeof_ctx", ARGS(&ctx));
    CHECK(after == base + (N + 7) / 8, "f16 save mask: %zu bytes, want %zu + %d", after, base,
          (N + 7) / 8);
    destroy_context(ctx);
}

/* Allocators for crelu_create_with_allocator, two ways: plain C functions
 * passed by address, and libffi closures (what ctypes' CFUNCTYPE makes). */
typedef struct counting {
    unsigned allocs, frees, fail_after; /* fail every alloc once allocs reaches fail_after */
    long live;
    int bad_opaque;
} counting;

typedef struct header {
    size_t size;
    max_align_t align;
} header;

static void *counting_alloc_impl(counting *c, size_t size) {
    if (c->allocs >= c->fail_after) {
        return NULL;
    }
    header *h = malloc(sizeof(header) + size);
    if (h == NULL) {
        return NULL;
    }
    h->size = size;
    c->allocs++;
    c->live++;
    return h + 1;
}
static void counting_free_impl(counting *c, void *ptr) {
    if (ptr != NULL) {
        c->frees++;
        c->live--;
        free((header *)ptr - 1);
    }
}

static counting plain_counter;
static void *plain_alloc(void *opaque, size_t size) {
    plain_counter.bad_opaque |= opaque != &plain_counter;
    return counting_alloc_impl(&plain_counter, size);
}
static void plain_free(void *opaque, void *ptr) {
    plain_counter.bad_opaque |= opaque != &plain_counter;
    counting_free_impl(&plain_counter, ptr);
}

/* Closure handlers: args[i] points at the i-th argument. */
static void closure_alloc(ffi_cif *cif, void *ret, void **args, void *user_data) {
    (void)cif;
    counting *c = user_data;
    c->bad_opaque |= *(void **)args[0] != c;
    *(void **)ret = counting_alloc_impl(c, *(size_t *)args[1]);
}
static void closure_free(ffi_cif *cif, void *ret, void **args, void *user_data) {
    (void)cif;
    (void)ret;
    counting *c = user_data;
    c->bad_opaque |= *(void **)args[0] != c;
    counting_free_impl(c, *(void **)args[1]);
}

/* Runs one context's life on the given allocator and checks the counts. */
static void exercise_allocator(const char *how, void *alloc, void *free_fn, counting *c) {
    c->fail_after = UINT_MAX;
    void *ctx = (void *)&ctx; /* must become a context, or NULL on failure */
    void **out = &ctx;
    void *opaque = c;
    CHECK(call_int("crelu_create_with_allocator", ARGS(&out, &alloc, &free_fn, &opaque)) == OK,
          "%s: create_with_allocator", how);
    CHECK(c->allocs >= 1, "%s: the context itself was not allocated through alloc", how);
    static float x[N], dy[N], y[N], dx[N];
    fill_f32(x, dy, N);
    size_t n = N, small = 16;
    void *px = x, *py = y, *pdy = dy, *pdx = dx;
    unsigned before = c->allocs;
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &px, &py, &n)) == OK, "%s: forward", how);
    CHECK(c->allocs > before, "%s: the saved x was not allocated through alloc", how);
    before = c->allocs;
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &px, &py, &n)) == OK, "%s: forward", how);
    CHECK(c->allocs == before, "%s: a forward that fits the buffer allocated", how);

    /* Out of memory while growing: status 2, and the old state is kept. */
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &px, &py, &small)) == OK, "%s: small", how);
    c->fail_after = c->allocs;
    static float big_x[4 * N], big_y[4 * N];
    void *pbx = big_x, *pby = big_y;
    size_t big = 4 * N;
    CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &pbx, &pby, &big)) == ERR_OUT_OF_MEMORY,
          "%s: forward that cannot grow the buffer", how);
    CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &pdy, &pdx, &small)) == OK,
          "%s: backward after the failed forward uses the earlier one", how);
    for (size_t i = 0; i < small; i++) {
        float want = ref_backward_f32(x[i], dy[i], RELU, GRAD_PYTORCH, 0, 0);
        CHECK(memcmp(&dx[i], &want, sizeof want) == 0, "%s: dx[%zu]", how, i);
    }
    c->fail_after = UINT_MAX;
    destroy_context(ctx);
    CHECK(c->live == 0 && c->frees == c->allocs, "%s: %u allocations, %u frees", how, c->allocs,
          c->frees);
    CHECK(!c->bad_opaque, "%s: opaque was not passed through unchanged", how);

    /* An allocator that fails at once: status 2 and *out = NULL. */
    c->fail_after = c->allocs;
    ctx = (void *)&ctx;
    CHECK(call_int("crelu_create_with_allocator", ARGS(&out, &alloc, &free_fn, &opaque)) ==
              ERR_OUT_OF_MEMORY,
          "%s: create with a failing allocator", how);
    CHECK(ctx == NULL, "%s: *out was not set to NULL on failure", how);
}

static void check_allocators(void) {
    exercise_allocator("plain C allocator", fn_as_pointer((any_fn)plain_alloc),
                       fn_as_pointer((any_fn)plain_free), &plain_counter);

    static counting closure_counter;
    ffi_cif alloc_cif, free_cif;
    ffi_type *alloc_args[2] = {&ffi_type_pointer, ffi_type_of('z')};
    ffi_type *free_args[2] = {&ffi_type_pointer, &ffi_type_pointer};
    void *alloc_code = NULL, *free_code = NULL;
    ffi_closure *alloc_closure = ffi_closure_alloc(sizeof(ffi_closure), &alloc_code);
    ffi_closure *free_closure = ffi_closure_alloc(sizeof(ffi_closure), &free_code);
    if (alloc_closure == NULL || free_closure == NULL ||
        ffi_prep_cif(&alloc_cif, FFI_DEFAULT_ABI, 2, &ffi_type_pointer, alloc_args) != FFI_OK ||
        ffi_prep_cif(&free_cif, FFI_DEFAULT_ABI, 2, &ffi_type_void, free_args) != FFI_OK ||
        ffi_prep_closure_loc(alloc_closure, &alloc_cif, closure_alloc, &closure_counter,
                             alloc_code) != FFI_OK ||
        ffi_prep_closure_loc(free_closure, &free_cif, closure_free, &closure_counter,
                             free_code) != FFI_OK) {
        die("cannot make libffi closures");
    }
    exercise_allocator("libffi closure allocator", alloc_code, free_code, &closure_counter);
    ffi_closure_free(alloc_closure);
    ffi_closure_free(free_closure);

    void *ctx = NULL, **out = &ctx, *null_ptr = NULL, *opaque = NULL;
    void *alloc = fn_as_pointer((any_fn)plain_alloc), *free_fn = fn_as_pointer((any_fn)plain_free);
    CHECK(call_int("crelu_create_with_allocator", ARGS(&null_ptr, &alloc, &free_fn, &opaque)) ==
              ERR_INVALID_ARGUMENT,
          "NULL out");
    CHECK(call_int("crelu_create_with_allocator", ARGS(&out, &null_ptr, &free_fn, &opaque)) ==
              ERR_INVALID_ARGUMENT,
          "NULL alloc");
    CHECK(call_int("crelu_create_with_allocator", ARGS(&out, &alloc, &null_ptr, &opaque)) ==
              ERR_INVALID_ARGUMENT,
          "NULL free");
    CHECK(call_int("crelu_create", ARGS(&null_ptr)) == ERR_INVALID_ARGUMENT, "crelu_create(NULL)");
}

/* Results never depend on the thread count, on arrays big enough to be
 * split (several MiB, well past "hundreds of KiB"). */
static void check_threads(void) {
    const size_t big = (size_t)1 << 21;
    float *x = malloc(big * sizeof *x), *dy = malloc(big * sizeof *dy);
    float *y = malloc(big * sizeof *y), *dx = malloc(big * sizeof *dx);
    float *want_y = malloc(big * sizeof *want_y), *want_dx = malloc(big * sizeof *want_dx);
    if (!x || !dy || !y || !dx || !want_y || !want_dx) {
        die("out of memory");
    }
    fill_f32(x, dy, big);
    for (size_t i = 0; i < big; i++) {
        want_y[i] = ref_forward_f32(x[i], CLIPPED, 0, 6.0f);
        want_dx[i] = ref_backward_f32(x[i], dy[i], CLIPPED, GRAD_CS231N, 0, 6.0f);
    }
    int counts[] = {1, 2, 3};
    for (size_t t = 0; t < 3; t++) {
        options o = {CLIPPED, GRAD_CS231N, SAVE_MASK};
        void *ctx = configured_context(o, 0.0, 6.0);
        CHECK(call_int("crelu_set_num_threads", ARGS(&ctx, &counts[t])) == OK, "threads");
        size_t n = big;
        void *px = x, *py = y, *pdy = dy, *pdx = dx;
        memset(y, 0xff, big * sizeof *y);
        memset(dx, 0xff, big * sizeof *dx);
        CHECK(call_int("crelu_forward_f32", ARGS(&ctx, &px, &py, &n)) == OK, "big forward");
        CHECK(call_int("crelu_backward_f32", ARGS(&ctx, &pdy, &pdx, &n)) == OK, "big backward");
        CHECK(same_bits_f32(y, want_y, big, "threads forward"), "%d threads forward", counts[t]);
        CHECK(same_bits_f32(dx, want_dx, big, "threads backward"), "%d threads backward",
              counts[t]);
        destroy_context(ctx);
    }
    free(x), free(dy), free(y), free(dx), free(want_y), free(want_dx);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s LIBRARY EXPORTS VERSION\n", argv[0]);
        return 2;
    }
    const char *library = argv[1], *exports = argv[2], *version = argv[3];
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    prepare_protos();
    check_exports(library, exports, handle);
    if (failures > 0) {
        fprintf(stderr, "foreign_caller: the exports are wrong; not calling anything\n");
        return 1;
    }

    check_version(version);
    check_strerror();
    check_isa_name();
    check_setters();
    check_forward_backward();
    check_context_errors();
    check_stateless();
    check_sizeof_ctx();
    check_allocators();
    check_threads();

    unsigned called = 0, calls = 0;
    for (size_t i = 0; i < NUM_PROTOS; i++) {
        CHECK(protos[i].calls > 0, "%s was never called", protos[i].name);
        if (protos[i].calls > 0) {
            called++;
        }
        calls += protos[i].calls;
    }
    printf("ffi_call: %u of %zu exported functions called, %u calls; %u checks, %u failed\n",
           called, NUM_PROTOS, calls, checks, failures);
    dlclose(handle);
    return failures == 0 ? 0 : 1;
}
