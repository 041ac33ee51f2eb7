#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of the libFuzzer harness: one small program per
scenario, in fuzz_api.c's input format, into tests/fuzz/corpus/.

    tests/fuzz/make_corpus.py        (then commit the files it changed)

CRELU_FUZZ_TRACE=1 build-fuzz/tests/fuzz/crelu_fuzz_api FILE shows what one does.
When fuzz_api.c's decoding changes, also grow tests/fuzz/grown again
(scripts/fuzz --grow 1800): its inputs are in the same format.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# Operation codes (the byte % 16 in LLVMFuzzerTestOneInput).
FORWARD, BACKWARD, CREATE, DESTROY = 0, 2, 4, 5
SET_SAVE, SET_RULE, SET_SLOPE, SET_CAP, SET_THREADS = 6, 7, 8, 9, 10
RELU, RELU_BACKWARD, ALLOC_FAIL, ISA, MISC = 11, 12, 13, 14, 15
NULL_CTX = 4  # take_slot: 0..3 pick a slot, 4 means a NULL context
F32, F64, BF16, F16 = 0, 1, 2, 3  # take_dtype: the byte % 4

# Indices into fuzz_api.c's value tables.
SLOPES = {0.0: 0, 0.1: 2, -2.5: 3, 1.0: 4, 1e-50: 7, 1e-40: 8, "DBL_MAX": 9, "NAN": 13,
          "INF": 15, "-INF": 16, "DENORM": 17}
CAPS = {"INF": 0, 6.0: 1, 0.1: 2, 1e-40: 4, "DENORM": 5, "DBL_MAX": 6, 3.5e38: 8, 0.0: 9,
        -1.0: 11, "NAN": 12}
INTS = {0: 0, 1: 1, 2: 2, -1: 3, 3: 4, "INT_MIN": 5, "INT_MAX": 6, 4: 7, 8: 8, 16: 9, 17: 10,
        1000: 11}
# Special element values (fuzz_api.c's special32/special64, then the dynamic ones).
SP = dict(pz=0, nz=1, pinf=2, ninf=3, qnan=4, nqnan=5, qnan_payload=6, nqnan_payload=7,
          snan=8, snan2=9, nsnan=10, snan_max=11, dmin=12, ndmin=13, dmax=14, ndmax=15,
          nmin=16, nnmin=17, big=18, nbig=19, one=20, none=21, tenth=22, ntenth=23, six=24,
          below6=25, above6=26, m25=27, cap=28, below_cap=29, above_cap=30, ncap=31,
          slope=32, nslope=33)


def header(isa=0, tuning=0):
    """isa < 128: the default table; tuning % 4 == 0: the measured thresholds."""
    return bytes([isa, tuning])


def tuning(stream, piece):
    """A tuning byte: indices into {0,64,256,1K,4K,64K,1M,max} and {0,1,64,256,1000,4K,64K,1M}."""
    return 1 | stream << 2 | piece << 5


def create(slot=0, kind=0, sub=0):
    """kind 0..2 crelu_create, 3..4 with the fuzz allocator, 5 with a NULL alloc
    (sub 0) or free (sub 1), 6 with an allocator that fails, 7 out == NULL
    (sub 1: crelu_create, sub 0: crelu_create_with_allocator)."""
    out = [CREATE, slot, kind]
    if kind in (5, 7):
        out.append(sub)
    return bytes(out)


def setter(op, value, slot=0, table=None):
    if isinstance(value, float) and value not in (table or {}):
        return bytes([op, slot, 224]) + struct.pack("<d", value)
    return bytes([op, slot, table[value]])


def set_save(v, slot=0):
    return setter(SET_SAVE, v, slot, INTS)


def set_rule(v, slot=0):
    return setter(SET_RULE, v, slot, INTS)


def set_slope(v, slot=0):
    return setter(SET_SLOPE, v, slot, SLOPES)


def set_cap(v, slot=0):
    return setter(SET_CAP, v, slot, CAPS)


def set_threads(v, slot=0):
    return setter(SET_THREADS, v, slot, INTS)


def n_bytes(n):
    assert 0 <= n <= 65536
    if n == 0:
        return bytes([5])
    if n <= 24:
        return bytes([0, n - 1])
    if n <= 160:
        return bytes([6, n - 1])
    if n < 1100:
        return bytes([9]) + struct.pack("<H", n)
    if n < 8300:
        return bytes([12]) + struct.pack("<H", n)
    return bytes([14]) + struct.pack("<I", n)[:3]


def call_n(n):
    """The huge flag (no), then n; n='overflow' or 'huge' makes a byte count
    that is more than a buffer can hold, or one just below that limit."""
    if n == "overflow":
        return bytes([15, 0])
    if n == "huge":
        return bytes([15, 3, 0, 0])
    return bytes([0]) + n_bytes(n)


# Buffer placements: [code, misalignment] (+ a distance for a partial overlap).
def fresh(mis=0):
    return bytes([0, mis])


def null():
    return bytes([15, 0])


def same(other=0):
    return bytes([8 | other << 4, 0])


def overlap(d, other=0, before=False):
    return bytes([10 | other << 4 | (0x80 if before else 0), 0]) + struct.pack("<H", d - 1)


def touching(other=0, before=False):
    return bytes([(13 if before else 12) | other << 4, 0])


def values(*codes, seed=1):
    """A pattern of special values (names of SP) or raw bits (ints), then a seed."""
    out = [len(codes) - 1]
    for c in codes:
        if isinstance(c, str):
            out.append(SP[c])
        else:
            out.append(200)
            out.extend(c)
    return bytes(out) + struct.pack("<H", seed)


EVERYTHING = values("pz", "nz", "pinf", "ninf", "qnan", "nqnan_payload", "snan", "nsnan",
                    "dmin", "ndmin", "dmax", "nmin", "big", "nbig", "one", "none", "tenth",
                    "six", "below6", "above6", "cap", "below_cap", "above_cap", "ncap",
                    "slope", "nslope", "m25", "snan_max")


def forward(dtype, n, x=fresh(), y=fresh(3), vals=EVERYTHING, slot=0):
    body = bytes([FORWARD, slot, dtype]) + call_n(n) + x + y
    return body + (vals if x != null() else b"")


def backward(dy=fresh(), dx=fresh(5), vals=EVERYTHING, slot=0, dtype=None, n=None):
    """Without dtype and n: those of the last forward."""
    if dtype is None:
        body = bytes([BACKWARD, slot, 0])
    else:
        body = bytes([BACKWARD, slot, 255, dtype]) + call_n(n)
    return body + dy + dx + (vals if dy != null() else b"")


def relu(dtype, n, x=fresh(1), y=fresh(2), vals=EVERYTHING):
    return bytes([RELU, dtype]) + call_n(n) + x + y + (vals if x != null() else b"")


def relu_backward(dtype, n, x=fresh(1), dy=fresh(2), dx=fresh(3), vals=EVERYTHING):
    out = bytes([RELU_BACKWARD, dtype]) + call_n(n) + x + dy + dx
    if x != null():
        out += vals
    if dy != null():
        out += values("one", "none", "qnan_payload", "snan", "nz", "pinf", "dmin", seed=7)
    return out


def alloc_fail(on, slot=0):
    return bytes([ALLOC_FAIL, slot, 1 if on else 0])


def isa(code):
    return bytes([ISA, code])


def misc(status):
    return bytes([MISC, 0]) + struct.pack("<i", status)


def train(dtype, n, **kw):
    return forward(dtype, n, **kw) + backward()


SEEDS = {
    "relu_f32": header() + create() + train(F32, 17),
    "relu_f64": header() + create() + train(F64, 33),
    "relu_cs231n_f32": header() + create() + set_rule(1) + train(F32, 70),
    "leaky_pytorch_f32": header() + create() + set_slope(0.1) + train(F32, 45),
    "leaky_cs231n_f64": header() + create() + set_rule(1) + set_slope(-2.5) + train(F64, 45),
    "leaky_dblmax_slope_f32": header() + create() + set_slope("DBL_MAX") + train(F32, 40),
    "leaky_tiny_slope_f32": header() + create() + set_slope(1e-50) + train(F32, 40),
    "relu6_pytorch_f32": header() + create() + set_cap(6.0) + train(F32, 100),
    "relu6_cs231n_f64": header() + create() + set_rule(1) + set_cap(6.0) + train(F64, 100),
    "clip_tenth_f64": header() + create() + set_cap(0.1) + train(F64, 31),
    "clip_denormal_cap_f32": header() + create() + set_cap("DENORM") + train(F32, 20),
    "clip_huge_cap_f32": header() + create() + set_cap(3.5e38) + train(F32, 20),
    "mask_f32_misaligned": header() + create() + set_save(1)
    + forward(F32, 200, x=fresh(3), y=fresh(7)) + backward(dy=fresh(1), dx=fresh(9)),
    "mask_f64_streamed": header(tuning=tuning(2, 7)) + create() + set_save(1) + set_rule(1)
    + train(F64, 1000, x=fresh(5), y=fresh(1)),
    "in_place": header() + create() + forward(F32, 130, y=same())
    + backward(dx=same()),
    "in_place_mask_f64": header() + create() + set_save(1) + set_cap(6.0)
    + forward(F64, 77, y=same()) + backward(dx=same()),
    "forward_partial_overlap": header() + create() + forward(F32, 64, y=overlap(3))
    + forward(F64, 64, y=overlap(1, before=True)),
    "backward_partial_overlap": header() + create() + forward(F32, 50)
    + backward(dx=overlap(7)) + backward(),
    "touching_buffers": header() + create() + forward(F64, 40, y=touching())
    + backward(dx=touching(before=True)),
    "backward_before_forward": header() + create() + backward(dtype=F32, n=10),
    "dtype_mismatch": header() + create() + forward(F32, 10) + backward(dtype=F64, n=10),
    "size_mismatch": header() + create() + forward(F64, 10) + backward(dtype=F64, n=11),
    "null_context": header() + set_save(1, slot=NULL_CTX) + set_rule(1, slot=NULL_CTX)
    + set_slope(0.1, slot=NULL_CTX) + set_cap(6.0, slot=NULL_CTX)
    + set_threads(2, slot=NULL_CTX) + forward(F32, 5, slot=NULL_CTX)
    + backward(dtype=F32, n=5, slot=NULL_CTX) + misc(0),
    "null_buffers": header() + create() + forward(F32, 5, x=null()) + forward(F32, 5, y=null())
    + forward(F32, 0, x=null(), y=null()) + forward(F64, 8) + backward(dy=null())
    + backward(dx=null()),
    "overflow": header() + create() + forward(F32, "overflow") + forward(F64, "overflow")
    + forward(F64, 9) + backward(dtype=F64, n="overflow") + backward(dtype=F64, n="huge"),
    "odd_setters": header() + create() + set_slope("NAN") + set_slope("INF")
    + set_slope("-INF") + set_cap(0.0) + set_cap(-1.0) + set_cap("NAN") + set_save(2)
    + set_save("INT_MIN") + set_rule(-1) + set_rule("INT_MAX") + set_threads(-1)
    + set_threads("INT_MIN") + set_threads("INT_MAX") + train(F32, 12),
    "slope_cap_conflict": header() + create() + set_cap(6.0) + set_slope(0.1) + set_cap("INF")
    + set_slope(0.1) + set_cap(6.0) + train(F64, 12),
    "allocator_create_fails": header() + create(kind=6) + create(kind=5) + create(kind=5, sub=1)
    + create(kind=7) + create(kind=7, sub=1),
    "allocator_forward_oom": header() + create(kind=3) + forward(F32, 10) + alloc_fail(True)
    + forward(F32, 100) + backward() + forward(F32, 8) + backward() + alloc_fail(False)
    + set_save(1) + train(F64, 300),
    "allocator_huge_n": header() + create(kind=3) + forward(F64, "huge", y=same())
    + forward(F32, "huge") + train(F32, 3),
    "zero_size_keeps_state": header() + create() + forward(F32, 9) + forward(F64, 0)
    + backward() + backward(dtype=F32, n=0),
    "stateless_relu": header() + relu(F32, 100, x=fresh(3), y=fresh(11))
    + relu(F64, 100, y=same()) + relu(F32, 10, y=overlap(2)) + relu(F64, 0, x=null()),
    "stateless_backward": header() + relu_backward(F32, 90) + relu_backward(F64, 33, dx=same(0))
    + relu_backward(F64, 33, dx=same(1)) + relu_backward(F32, 20, dy=overlap(3))
    + relu_backward(F32, 20, dx=overlap(2, other=1)),
    "threads_split_mask_f32": header(tuning=tuning(7, 2)) + create() + set_threads(4)
    + set_save(1) + train(F32, 8192, x=fresh(1), y=fresh(2)),
    "threads_stream_f64": header(tuning=tuning(0, 3)) + create() + set_threads(3)
    + train(F64, 65536, x=fresh(0), y=fresh(4)),
    "threads_default_count": header(tuning=tuning(3, 1)) + create() + set_slope(0.1)
    + train(F32, 5000) + relu(F64, 3000) + relu_backward(F32, 3000),
    "two_contexts": header() + create(0) + create(1, kind=3) + set_save(1, slot=1)
    + forward(F32, 20, slot=0) + forward(F64, 30, slot=1) + backward(slot=0) + backward(slot=1)
    + bytes([DESTROY, 0]) + backward(slot=1),
    "isa_avx2": header(isa=131) + create() + set_save(1) + train(F32, 300) + train(F64, 300),
    "isa_sse2": header(isa=132) + create() + set_cap(6.0) + train(F32, 99) + train(F64, 99),
    "isa_portable": header(isa=128) + create() + set_slope(-2.5) + train(F32, 77)
    + train(F64, 77),
    "isa_scalar": header(isa=129) + create() + train(F32, 10),
    "isa_switch_between_calls": header() + create() + set_save(1) + forward(F32, 200)
    + isa(131) + backward() + isa(128) + backward(),
    "isa_portable_mask": header(isa=128) + create() + set_save(1) + train(F32, 300)
    + train(F64, 300) + set_rule(1) + set_cap(6.0) + train(F32, 130),
    "isa_scalar_mask": header(isa=129) + create() + set_save(1) + set_slope(0.1) + train(F64, 70),
    "isa_sse2_threads_streamed": header(isa=132, tuning=tuning(1, 2)) + create() + set_threads(3)
    + set_save(1) + train(F32, 2000, x=fresh(3), y=fresh(5)) + train(F64, 2000),
    "isa_avx2_streamed_save_x": header(isa=131, tuning=tuning(0, 7)) + create()
    + train(F32, 1000, x=fresh(1), y=fresh(2)) + train(F64, 1000, x=fresh(2), y=fresh(1)),
    "mask_streamed_threads_leaky": header(tuning=tuning(1, 2)) + create() + set_save(1)
    + set_slope(-2.5) + set_threads(2) + train(F64, 1500, x=fresh(1), y=fresh(3)) + set_rule(1)
    + train(F32, 3333, x=fresh(7), y=fresh(9)),
    "stateless_bad_sizes": header() + relu(F32, "overflow") + relu(F64, "huge")
    + relu_backward(F32, "overflow", x=null()) + relu_backward(F64, "huge", dx=same(0))
    + relu(F32, 0, x=null(), y=null()) + relu_backward(F64, 0, x=null(), dy=null(), dx=null()),
    "misc_queries": header() + misc(0) + misc(6) + misc(7) + misc(-1) + misc(2**31 - 1),
    # bfloat16 and float16 (version 1.1)
    "relu_bf16": header() + create() + train(BF16, 17),
    "relu_f16": header() + create() + train(F16, 65),
    "relu_cs231n_half": header() + create() + set_rule(1) + train(BF16, 70) + train(F16, 70),
    "leaky_pytorch_half": header() + create() + set_slope(0.1) + train(BF16, 45)
    + train(F16, 45),
    "leaky_cs231n_half": header() + create() + set_rule(1) + set_slope(-2.5) + train(F16, 45)
    + train(BF16, 45),
    "leaky_dblmax_slope_half": header() + create() + set_slope("DBL_MAX") + train(BF16, 40)
    + train(F16, 40),
    "relu6_pytorch_half": header() + create() + set_cap(6.0) + train(BF16, 100)
    + train(F16, 100),
    "relu6_cs231n_half": header() + create() + set_rule(1) + set_cap(6.0) + train(F16, 100)
    + train(BF16, 100),
    "clip_tenth_half": header() + create() + set_cap(0.1) + train(BF16, 31) + train(F16, 31),
    "clip_denormal_cap_half": header() + create() + set_cap("DENORM") + train(F16, 20)
    + train(BF16, 20),
    "mask_half_misaligned": header() + create() + set_save(1)
    + forward(BF16, 200, x=fresh(3), y=fresh(7)) + backward(dy=fresh(1), dx=fresh(9))
    + forward(F16, 333, x=fresh(1), y=fresh(0)) + backward(dy=fresh(15), dx=fresh(2)),
    "in_place_half": header() + create() + forward(BF16, 130, y=same()) + backward(dx=same())
    + set_save(1) + forward(F16, 77, y=same()) + backward(dx=same()),
    "dtype_mismatch_half": header() + create() + forward(BF16, 10) + backward(dtype=F16, n=10)
    + backward(dtype=F32, n=10) + forward(F16, 10) + backward(dtype=BF16, n=10)
    + backward(dtype=F64, n=10) + forward(F32, 5) + backward(dtype=BF16, n=5) + backward(),
    "size_mismatch_half": header() + create() + forward(F16, 10) + backward(dtype=F16, n=11)
    + backward(dtype=F16, n=0) + backward(),
    "overflow_half": header() + create() + forward(BF16, "overflow") + forward(F16, "overflow")
    + forward(F16, 9) + backward(dtype=F16, n="overflow") + backward(dtype=F16, n="huge"),
    "stateless_half": header() + relu(BF16, 100, x=fresh(3), y=fresh(11))
    + relu(F16, 100, y=same()) + relu(BF16, 10, y=overlap(2)) + relu(F16, 0, x=null())
    + relu_backward(BF16, 90) + relu_backward(F16, 33, dx=same(0))
    + relu_backward(F16, 33, dx=same(1)) + relu_backward(BF16, 20, dy=overlap(3))
    + relu(BF16, "overflow") + relu_backward(F16, "huge", dx=same(0)),
    "threads_split_mask_half": header(tuning=tuning(7, 2)) + create() + set_threads(4)
    + set_save(1) + train(BF16, 8192, x=fresh(1), y=fresh(2))
    + train(F16, 8191, x=fresh(3), y=fresh(0)),
    "threads_stream_half": header(tuning=tuning(0, 3)) + create() + set_threads(3)
    + train(F16, 65536, x=fresh(0), y=fresh(4)) + train(BF16, 65000, x=fresh(1), y=fresh(1)),
    "allocator_forward_oom_half": header() + create(kind=3) + forward(BF16, 10)
    + alloc_fail(True) + forward(BF16, 100) + backward() + alloc_fail(False) + set_save(1)
    + train(F16, 300),
    "isa_avx2_half": header(isa=131) + create() + set_save(1) + train(BF16, 300)
    + set_slope(-2.5) + train(F16, 300),
    "isa_sse2_half": header(isa=132) + create() + set_cap(6.0) + train(BF16, 99)
    + train(F16, 99),
    "isa_portable_half": header(isa=128) + create() + set_slope(0.1) + train(F16, 77)
    + set_save(1) + train(BF16, 77),
    "isa_scalar_half": header(isa=129) + create() + set_rule(1) + train(BF16, 10)
    + train(F16, 10),
}


def main():
    corpus = os.path.join(HERE, "corpus")
    os.makedirs(corpus, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(corpus, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds in {corpus}")


if __name__ == "__main__":
    main()
