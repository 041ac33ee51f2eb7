-- SPDX-License-Identifier: MIT
-- bfloat16 and float16 in the Lua binding (issue 14), busted, Lua 5.4:
-- crelu.array(n, "bf16" | "f16") element reads, writes and bit patterns,
-- and every entry point on them, bit for bit against half_reference.lua
-- (written apart from the binding's C), and bad input.

local crelu = require "crelu"

local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local half = dofile(here .. "half_reference.lua")
local widen, narrow = half.widen, half.narrow
local double_bits, from_double_bits = half.double_bits, half.from_double_bits

local DTYPES = {"bf16", "f16"}
local ALL = 1 << 16

local function fround(v)
  return (string.unpack("<f", string.pack("<f", v)))
end

-- An array holding the patterns of `list`.
local function array_of_bits(list, dtype)
  local a = crelu.array(#list, dtype)
  for i, b in ipairs(list) do a:set_bits(i, b) end
  return a
end

-- Every pattern once, shuffled (so each vector body and tail sees all kinds).
local function all_patterns(seed)
  math.randomseed(seed)
  local list = {}
  for b = 0, ALL - 1 do list[b + 1] = b end
  for i = #list, 2, -1 do
    local j = math.random(i)
    list[i], list[j] = list[j], list[i]
  end
  return list
end

local function random_patterns(n, seed)
  math.randomseed(seed)
  local list = {}
  for i = 1, n do list[i] = math.random(0, ALL - 1) end
  return list
end

-- Compares a's patterns with `want` (a list of patterns); lists the first
-- differences with their inputs, {} when all agree.
local function mismatches(a, want, inputs)
  local bad = {}
  assert.are.equal(#want, #a)
  for i = 1, #want do
    local got = a:bits(i)
    if got ~= want[i] and #bad < 8 then
      bad[#bad + 1] = string.format("[%d] %s: got %04x want %04x", i,
        inputs and inputs(i) or "", got, want[i])
    end
  end
  return bad
end

local function poisoned(n, dtype)
  local a = crelu.array(n, dtype)
  for i = 1, n do a:set_bits(i, 0x7e5a) end -- a NaN no result has
  return a
end

-- ---------------------------------------------------------------------------
-- Elements: reads widen exactly, writes narrow once from the double.
-- ---------------------------------------------------------------------------

describe("bf16 and f16 arrays", function()
  for _, dtype in ipairs(DTYPES) do
    it(dtype .. ": dtype, length, zeros, tostring", function()
      local a = crelu.array(3, dtype)
      assert.are.equal(dtype, a.dtype)
      assert.are.equal(3, #a)
      for i = 1, 3 do
        assert.are.equal(0, a:bits(i))
        assert.are.equal(0, double_bits(a[i])) -- +0.0
      end
      assert.is_truthy(tostring(a):find("crelu.array(" .. dtype .. ", 3)", 1, true))
    end)

    it(dtype .. ": each of the 65,536 patterns reads as its exact value", function()
      local a = crelu.array(ALL, dtype)
      for b = 0, ALL - 1 do a:set_bits(b + 1, b) end
      local bad = {}
      for b = 0, ALL - 1 do
        local got, want = a[b + 1], widen(b, dtype)
        if double_bits(got) ~= double_bits(want) or a:bits(b + 1) ~= b then
          bad[#bad + 1] = string.format("%04x: got %016x want %016x", b, double_bits(got),
                                        double_bits(want))
          if #bad == 8 then break end
        end
      end
      assert.are.same({}, bad)
      -- totable and pairs give the same values.
      local t = a:totable()
      for _, i in ipairs({1, 0x3c01, 0x7c02, 0xfe00, ALL}) do
        assert.are.equal(double_bits(a[i]), double_bits(t[i]))
      end
    end)

    it(dtype .. ": a[i] = a[i] keeps every pattern, signalling NaNs included", function()
      local a = crelu.array(ALL, dtype)
      for b = 0, ALL - 1 do a:set_bits(b + 1, b) end
      for i = 1, ALL do a[i] = a[i] end
      local want = {}
      for b = 0, ALL - 1 do want[b + 1] = b end
      assert.are.same({}, mismatches(a, want))
    end)
  end

  -- Doubles chosen to hit each narrowing rule in one format or the other:
  -- ties both ways, just off ties, the overflow threshold, the subnormal
  -- range and below it, double subnormals, NaN payloads.
  local function interesting()
    local v = {
      0.0, -0.0, 1.0, -1.0, 0.1, -0.1, 1 / 3, math.pi, 1e-300, -1e-300,
      from_double_bits(1), from_double_bits(math.mininteger | 1),  -- double subnormals
      math.huge, -math.huge, 1e300, -1e300,
      65504.0, 65519.0, 65519.99999999999, 65520.0, -65520.0, 65536.0, 1e5,
      3.3895313892515355e38, 3.3961775292304194e38, 3.4e38, 3.5e38, 2 ^ 128,
    }
    for _, e in ipairs({0, -1, 10, -14, -15, -24, -25, -26, -126, -127, -133, -134, -135}) do
      for _, k in ipairs({1, 1.5, 2.5, 3, 0.75}) do
        for _, m in ipairs({1, -1}) do v[#v + 1] = m * k * 2.0 ^ e end
      end
    end
    -- Ties of each format at 1, 2^-14 and 2^-24 (f16), 1 and 2^-133 (bf16),
    -- and the doubles next to them.
    for _, tie in ipairs({1 + 2 ^ -11, 1 + 3 * 2 ^ -11, 2 ^ -14 + 2 ^ -25, 2 ^ -25, 3 * 2 ^ -25,
                          1 + 2 ^ -8, 1 + 3 * 2 ^ -8, 2 ^ -134, 3 * 2 ^ -134,
                          2 ^ -126 + 2 ^ -134}) do
      for _, d in ipairs({0, 2 ^ -40, -2 ^ -40, 2 ^ -52 * tie, -2 ^ -53 * tie}) do
        v[#v + 1] = tie + d
        v[#v + 1] = -(tie + d)
      end
    end
    -- NaNs: quiet, signalling, negative, payload only in the low bits
    -- (which neither format can hold: still a NaN).
    for _, bits in ipairs({0x7ff8000000000000, 0x7ff0000000000001, 0x7ff4000000000000,
                           0x7ffc0a0000000000, 0x7ff0004000000000, math.mininteger | 0x7ff8000000000123,
                           math.mininteger | 0x7ff0000000000001, 0x7fffffffffffffff}) do
      v[#v + 1] = from_double_bits(bits)
    end
    -- Random doubles across both formats' ranges.
    math.randomseed(14)
    for _ = 1, 4000 do
      local x = (math.random() + 0.5) * 2.0 ^ math.random(-140, 130)
      v[#v + 1] = math.random(2) == 1 and x or -x
    end
    return v
  end

  for _, dtype in ipairs(DTYPES) do
    it(dtype .. ": a[i] = v and crelu.array(t) narrow each double once, to nearest even", function()
      local values = interesting()
      local a = crelu.array(#values, dtype)
      for i, v in ipairs(values) do a[i] = v end
      local from_table = crelu.array(values, dtype)
      local want = {}
      for i, v in ipairs(values) do want[i] = narrow(v, dtype) end
      local function input(i) return string.format("%.17g (%016x)", values[i], double_bits(values[i])) end
      assert.are.same({}, mismatches(a, want, input))
      assert.are.same({}, mismatches(from_table, want, input))
    end)
  end

  -- The values that would round twice through float: each is above (or
  -- below) a 16-bit tie by less than half a float ulp, so float rounds it
  -- onto the tie, which then rounds to even, the wrong way.
  local DOUBLE_ROUNDING = {
    {"f16", 1 + 2 ^ -11 + 2 ^ -40, 0x3c01},
    {"f16", 1 + 3 * 2 ^ -11 - 2 ^ -40, 0x3c01},
    {"f16", -(2 ^ -25 + 2 ^ -60), 0x8001},       -- half the smallest subnormal, and a bit
    {"f16", 65520 - 2 ^ -20, 0x7bff},            -- below the overflow threshold
    {"bf16", 1 + 2 ^ -8 + 2 ^ -40, 0x3f81},
    {"bf16", 1 + 3 * 2 ^ -8 - 2 ^ -40, 0x3f81},
    {"bf16", 2 ^ -134 + 2 ^ -170, 0x0001},
  }
  for _, case in ipairs(DOUBLE_ROUNDING) do
    local dtype, v, want = case[1], case[2], case[3]
    it(string.format("%s: %.17g narrows to %04x, not through float", dtype, v, want), function()
      -- The case is real: through float it would give another pattern.
      assert.are_not.equal(want, narrow(fround(v), dtype))
      assert.are.equal(want, narrow(v, dtype))
      local a = crelu.array(1, dtype)
      a[1] = v
      assert.are.equal(want, a:bits(1))
      assert.are.equal(want, crelu.array({v}, dtype):bits(1))
    end)
  end

  it("f16: 65520 and up are inf, 65519.99... is the largest finite, -0 keeps its sign", function()
    local a = crelu.array({65520, 65519.99, -65520, 1e9, -0.0, 2 ^ -26}, "f16")
    assert.are.same({0x7c00, 0x7bff, 0xfc00, 0x7c00, 0x8000, 0x0000},
                    {a:bits(1), a:bits(2), a:bits(3), a:bits(4), a:bits(5), a:bits(6)})
  end)

  it("NaNs written: sign and top payload bits, the lowest bit if those are zero", function()
    local quiet = from_double_bits(0x7ff8000000000000)
    local low = from_double_bits(math.mininteger | 0x7ff0000000000001)
    local snan = from_double_bits(0x7ff4000000000000)
    local h = crelu.array({quiet, low, snan}, "f16")
    local b = crelu.array({quiet, low, snan}, "bf16")
    assert.are.same({0x7e00, 0xfc01, 0x7d00}, {h:bits(1), h:bits(2), h:bits(3)})
    assert.are.same({0x7fc0, 0xff81, 0x7fa0}, {b:bits(1), b:bits(2), b:bits(3)})
  end)

  it("bits and set_bits work on f32 and f64 arrays too", function()
    local a = crelu.array({1.0, -2.0}, "f32")
    assert.are.equal(0x3f800000, a:bits(1))
    a:set_bits(2, 0x7fa00001) -- a signalling NaN, stored as is
    assert.are.equal(0x7fa00001, a:bits(2))
    local d = crelu.array({1.0, -2.0}, "f64")
    assert.are.equal(0x3ff0000000000000, d:bits(1))
    assert.are.equal(math.mininteger | 0x4000000000000000, d:bits(2))
    d:set_bits(1, 0x7ff0000000000001)
    assert.are.equal(0x7ff0000000000001, double_bits(d[1]))
  end)
end)

-- ---------------------------------------------------------------------------
-- The entry points, bit for bit.
-- ---------------------------------------------------------------------------

local VARIANTS = {
  {name = "relu", options = {}},
  {name = "leaky 0.01", options = {negative_slope = 0.01}},   -- not a float: rounded first
  {name = "leaky -3", options = {negative_slope = -3}},
  {name = "clipped 6", options = {max_value = 6}},
  {name = "clipped 0.1", options = {max_value = 0.1}},        -- a cap no 16-bit value is
}

local function merge(options, extra)
  local out = {}
  for k, v in pairs(options) do out[k] = v end
  for k, v in pairs(extra) do out[k] = v end
  return out
end

describe("bf16 and f16 forward, all 65,536 patterns of x", function()
  -- The data are made in each test, not kept by the describe block: held
  -- until the end of the run, they would make the heap big enough to move
  -- the garbage collector's timing under stress_spec.lua's feet.
  local function data(dtype)
    local xs = all_patterns(1)
    local function input(i) return string.format("x %04x", xs[i]) end
    return xs, array_of_bits(xs, dtype), input
  end

  for _, dtype in ipairs(DTYPES) do
    it(dtype .. ": crelu.relu, new and given out, in place", function()
      local xs, x, input = data(dtype)
      local want = {}
      for i, b in ipairs(xs) do want[i] = half.forward(b, dtype, {}) end
      assert.are.same({}, mismatches(crelu.relu(x), want, input))
      local out = poisoned(#xs, dtype)
      assert.are.equal(out, crelu.relu(x, out))
      assert.are.same({}, mismatches(out, want, input))
      local y = array_of_bits(xs, dtype)
      crelu.relu(y, y)
      assert.are.same({}, mismatches(y, want, input))
    end)

    for _, variant in ipairs(VARIANTS) do
      it(dtype .. ": crelu.ReLU forward, " .. variant.name, function()
        local xs, x, input = data(dtype)
        local want = {}
        for i, b in ipairs(xs) do want[i] = half.forward(b, dtype, variant.options) end
        local r = crelu.ReLU(variant.options)
        assert.are.same({}, mismatches(r:forward(x), want, input))
        local out = poisoned(#xs, dtype)
        assert.are.equal(out, r(x, out))
        assert.are.same({}, mismatches(out, want, input))
        local y = array_of_bits(xs, dtype)
        r:forward(y, y)
        assert.are.same({}, mismatches(y, want, input))
        r:close()
      end)
    end
  end
end)

describe("bf16 and f16 backward, every variant x rule x save mode", function()
  local function data(dtype)
    local xs = all_patterns(2)
    local dys = random_patterns(#xs, 3)
    -- Special dy first (zeros, ones, infinities, NaNs of both formats,
    -- subnormals), then infinite dy at more random x (cs231n's dy * 0).
    for i, b in ipairs({0x0000, 0x8000, 0x3c00, 0xbc00, 0x7c00, 0xfc00, 0x7e00, 0x7d01, 0xfe01,
                        0x7f80, 0xff80, 0x7fc0, 0x7f81, 0x0001, 0x8001}) do
      dys[i] = b
      dys[i + 16] = 0x7c00 -- inf dy, at random x
      dys[i + 32] = 0xff80
    end
    local function input(i) return string.format("x %04x dy %04x", xs[i], dys[i]) end
    return xs, dys, array_of_bits(xs, dtype), array_of_bits(dys, dtype), input
  end

  for _, dtype in ipairs(DTYPES) do
    for _, variant in ipairs(VARIANTS) do
      for _, grad in ipairs({"pytorch", "cs231n"}) do
        for _, save in ipairs({"x", "mask"}) do
          local options = merge(variant.options, {grad = grad, save = save})
          it(string.format("%s: %s, grad %s, save %s", dtype, variant.name, grad, save), function()
            local xs, dys, x, dy, input = data(dtype)
            local want = {}
            for i = 1, #xs do want[i] = half.backward(xs[i], dys[i], dtype, options) end
            local r = crelu.ReLU(options)
            r:forward(x)
            assert.are.same({}, mismatches(r:backward(dy), want, input))
            local out = poisoned(#xs, dtype)
            assert.are.equal(out, r:backward(dy, out))
            assert.are.same({}, mismatches(out, want, input))
            local d = array_of_bits(dys, dtype)
            r:backward(d, d)
            assert.are.same({}, mismatches(d, want, input))
            r:close()
          end)
        end
      end
    end

    it(dtype .. ": crelu.relu_backward (PyTorch's rule), new, out, in place on d and on x", function()
      local xs, dys, x, dy, input = data(dtype)
      local want = {}
      for i = 1, #xs do want[i] = half.backward(xs[i], dys[i], dtype, {}) end
      assert.are.same({}, mismatches(crelu.relu_backward(x, dy), want, input))
      local out = poisoned(#xs, dtype)
      assert.are.equal(out, crelu.relu_backward(x, dy, out))
      assert.are.same({}, mismatches(out, want, input))
      local d = array_of_bits(dys, dtype)
      crelu.relu_backward(x, d, d)
      assert.are.same({}, mismatches(d, want, input))
      local x2 = array_of_bits(xs, dtype)
      crelu.relu_backward(x2, dy, x2)
      assert.are.same({}, mismatches(x2, want, input))
    end)

    it(dtype .. ": every length 0..70 (vector bodies and tails), forward then backward", function()
      local options = {negative_slope = 0.125, grad = "cs231n", save = "mask"}
      local r = crelu.ReLU(options)
      for n = 0, 70 do
        local xl, dl = random_patterns(n, 100 + n), random_patterns(n, 200 + n)
        local fw, bw = {}, {}
        for i = 1, n do
          fw[i] = half.forward(xl[i], dtype, options)
          bw[i] = half.backward(xl[i], dl[i], dtype, options)
        end
        assert.are.same({}, mismatches(r:forward(array_of_bits(xl, dtype)), fw))
        assert.are.same({}, mismatches(r:backward(array_of_bits(dl, dtype)), bw))
      end
      r:close()
    end)
  end
end)

-- ---------------------------------------------------------------------------
-- Bad input: each row does one wrong thing. It must raise a Lua error whose
-- message contains every fragment (plain text); afterwards no fixture has
-- been written and the object still computes right in bf16 and f16.
-- ---------------------------------------------------------------------------

describe("bf16 and f16 bad input", function()
  local XS = {0xbf80, 0x0000, 0x3f00, 0x4040, 0xffff}           -- patterns, read as bf16 or f16
  local rows = {
    {"an unknown dtype string", function() crelu.array(3, "float16") end,
     {"crelu.array", "dtype must be \"f32\", \"f64\", \"bf16\" or \"f16\", got \"float16\""}},
    {"a dtype in capitals", function() crelu.array({1.0}, "BF16") end,
     {"crelu.array", "got \"BF16\""}},
    {"a dtype that is not a string", function() crelu.array(3, 16) end,
     {"crelu.array", "dtype must be", "got number"}},
    {"forward with out of the other 16-bit dtype", function(r, f) r:forward(f.bf, f.out_f16) end,
     {"crelu.ReLU:forward", "out is an f16 array but x is bf16; they must match"}},
    {"relu with a bf16 out for an f32 x", function(_, f) crelu.relu(f.x32, f.out_bf16) end,
     {"crelu.relu", "out is a bf16 array but x is f32; they must match"}},
    {"backward with out of another dtype", function(r, f) r:backward(f.bf, f.out_f16) end,
     {"crelu.ReLU:backward", "out is an f16 array but d is bf16"},
     setup = function(r, f) r:forward(f.bf) end},
    {"backward in f16 after a bf16 forward", function(r, f) r:backward(f.h) end,
     {"crelu.ReLU:backward", "backward dtype differs from the last forward",
      "d: an f16 array of 5 elements"},
     setup = function(r, f) r:forward(f.bf) end},
    {"backward in bf16 after an f32 forward", function(r, f) r:backward(f.bf) end,
     {"crelu.ReLU:backward", "backward dtype differs from the last forward", "a bf16 array"},
     setup = function(r, f) r:forward(f.x32) end},
    {"backward with a table after an f16 forward", function(r) r:backward({1, 2, 3, 4, 5}) end,
     {"crelu.ReLU:backward", "dtype differs from the last forward", "computed as f64"},
     setup = function(r, f) r:forward(f.h) end},
    {"backward with another length", function(r, f) r:backward(f.h6) end,
     {"crelu.ReLU:backward", "element count differs from the last forward", "6 elements"},
     setup = function(r, f) r:forward(f.h) end},
    {"out of another length", function(r, f) r:forward(f.h, f.out_f16_6) end,
     {"crelu.ReLU:forward", "out has 6 elements but x has 5"}},
    {"relu_backward on mixed dtypes", function(_, f) crelu.relu_backward(f.bf, f.h) end,
     {"crelu.relu_backward", "d is an f16 array but x is bf16; they must match"}},
    {"relu_backward on mixed lengths", function(_, f) crelu.relu_backward(f.h, f.h6) end,
     {"crelu.relu_backward", "d has 6 elements but x has 5"}},
    {"relu_backward with out of another dtype", function(_, f)
       crelu.relu_backward(f.h, f.h, f.out_bf16) end,
     {"crelu.relu_backward", "out is a bf16 array but d is f16"}},
    {"relu_backward on an array and a table", function(_, f)
       crelu.relu_backward(f.h, {1, 2, 3, 4, 5}) end,
     {"crelu.relu_backward", "two crelu.arrays or two tables", "got crelu.array and table"}},
    {"relu_backward on tables of two shapes", function() crelu.relu_backward({1, 2}, {{1, 2}}) end,
     {"crelu.relu_backward", "same shape", "x: 2 elements, d: 1 row of 2"}},
    {"relu_backward with out for tables", function(_, f)
       crelu.relu_backward({1}, {1}, f.out_bf16) end,
     {"crelu.relu_backward", "out is only for crelu.array input"}},
    {"set_bits past 0xffff", function(_, f) f.out_bf16:set_bits(1, 0x10000) end,
     {"crelu.array:set_bits", "65536 is not a bit pattern of bf16 (0..65535)"}},
    {"set_bits negative", function(_, f) f.out_f16:set_bits(1, -1) end,
     {"crelu.array:set_bits", "-1 is not a bit pattern of f16"}},
    {"set_bits fractional", function(_, f) f.out_f16:set_bits(1, 1.5) end,
     {"crelu.array:set_bits", "must be an integer, got 1.5"}},
    {"set_bits a string", function(_, f) f.out_f16:set_bits(1, "1") end,
     {"crelu.array:set_bits", "must be an integer, got string"}},
    {"set_bits out of range", function(_, f) f.out_f16:set_bits(6, 1) end,
     {"crelu.array", "index 6 out of range 1..5"}},
    {"bits of index 0", function(_, f) f.out_f16:bits(0) end,
     {"crelu.array", "index 0 out of range 1..5"}},
    {"bits called with a dot", function(_, f) f.out_f16.bits(1) end,
     {"crelu.array:bits", "self must be a crelu.array, got number"}},
    {"an f16 element set to a string", function(_, f) f.out_f16[1] = "1" end,
     {"crelu.array", "element 1 must be set to a number, got string"}},
    {"an impossible f16 length", function() crelu.array(math.maxinteger, "f16") end,
     {"crelu.array", "elements of f16 do not fit in memory"}},
  }

  local function fixtures()
    local f = {
      bf = array_of_bits(XS, "bf16"),
      h = array_of_bits(XS, "f16"),
      h6 = crelu.array(6, "f16"),
      x32 = crelu.array({-1, 0, 0.5, 3, 0 / 0}, "f32"),
      out_bf16 = poisoned(5, "bf16"),
      out_f16 = poisoned(5, "f16"),
      out_f16_6 = poisoned(6, "f16"),
    }
    return f
  end

  local function untouched(f)
    for _, a in ipairs({f.out_bf16, f.out_f16, f.out_f16_6}) do
      for i = 1, #a do
        if a:bits(i) ~= 0x7e5a then return false end
      end
    end
    for i = 1, #XS do
      if f.bf:bits(i) ~= XS[i] or f.h:bits(i) ~= XS[i] then return false end
    end
    return true
  end

  for _, row in ipairs(rows) do
    local description, bad, fragments = row[1], row[2], row[3]
    it(description, function()
      local f = fixtures()
      local options = {grad = "cs231n", negative_slope = 0.5}
      local r = crelu.ReLU(options)
      if row.setup then row.setup(r, f) end

      local ok, message = pcall(bad, r, f)
      assert.is_false(ok, "no error was raised")
      assert.is_string(message)
      for _, fragment in ipairs(fragments) do
        assert.is_truthy(message:find(fragment, 1, true),
          string.format("%q lacks %q", message, fragment))
      end
      assert.is_true(untouched(f), "a fixture was written")

      -- The object still works, in both 16-bit dtypes.
      for _, dtype in ipairs(DTYPES) do
        local d = {0x3c00, 0xbc00, 0x4000, 0x7c00, 0x3800}
        local fw, bw = {}, {}
        for i = 1, #XS do
          fw[i] = half.forward(XS[i], dtype, options)
          bw[i] = half.backward(XS[i], d[i], dtype, options)
        end
        assert.are.same({}, mismatches(r:forward(array_of_bits(XS, dtype)), fw))
        assert.are.same({}, mismatches(r:backward(array_of_bits(d, dtype)), bw))
      end
      r:close()
    end)
  end
end)
