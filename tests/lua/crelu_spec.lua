-- SPDX-License-Identifier: MIT
-- The Lua binding's suite (busted, Lua 5.4), run against the installed
-- prefix: LUA_CPATH names it, nothing else does.
--
-- Expected values come from the reference (reference.lua), written from
-- SPEC sections 2 and 3, and are compared bit for bit (string.pack), so that
-- signed zeros and NaN payloads count.

local crelu = require "crelu"

-- ---------------------------------------------------------------------------
-- The reference (SPEC sections 2 and 3) and the bit helpers, shared with
-- hostile_spec.lua.
-- ---------------------------------------------------------------------------

local reference = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "reference.lua")
local from_bits, hex_bits = reference.from_bits, reference.hex_bits
local fround, identity = reference.fround, reference.identity
local ref_forward, ref_backward = reference.forward, reference.backward

local POS_ZERO = from_bits("0000000000000000")
local NEG_ZERO = from_bits("8000000000000000")
local QNAN = from_bits("7ff8000000000000")
local NEG_QNAN = from_bits("fff8000000000000")
local QNAN_PAYLOAD = from_bits("7ff8000000000123")
local SNAN = from_bits("7ff0000000000001")        -- signalling; f64 only (f32 stores quiet it)
local NEG_SNAN_PAYLOAD = from_bits("fff00000000abcde")
local MIN_SUBNORMAL = from_bits("0000000000000001")
local NEG_MIN_SUBNORMAL = from_bits("8000000000000001")
local MAX = from_bits("7fefffffffffffff")

local function map(list, fn)
  local out = {}
  for i, v in ipairs(list) do out[i] = fn(v, i) end
  return out
end

-- Lists the elements whose bits differ; {} when all agree.
local function bit_mismatches(got, want, dtype)
  local bad = {}
  if #got ~= #want then
    return {string.format("length %d, want %d", #got, #want)}
  end
  for i = 1, #want do
    if hex_bits(got[i], dtype) ~= hex_bits(want[i], dtype) then
      bad[#bad + 1] = string.format("[%d] got %s want %s", i, hex_bits(got[i], dtype),
                                    hex_bits(want[i], dtype))
    end
  end
  return bad
end

local function assert_bits(got, want, dtype)
  assert.are.same({}, bit_mismatches(got, want, dtype or "f64"))
end

-- ---------------------------------------------------------------------------
-- Test data: every special value, both kinks for each cap (and their
-- float32 roundings), then pseudo-random values; long enough for the
-- kernels' vector bodies and tails.
-- ---------------------------------------------------------------------------

local SPECIAL_X = {
  POS_ZERO, NEG_ZERO, 1.0, -1.0, 0.5, -2.5, 6.0, 6.0 + 2 ^ -50, 6.0 - 2 ^ -50, 7.0, -7.0,
  0.1, fround(0.1), 0.1 + 2 ^ -40, math.huge, -math.huge, QNAN, NEG_QNAN, QNAN_PAYLOAD, SNAN,
  NEG_SNAN_PAYLOAD, MIN_SUBNORMAL, NEG_MIN_SUBNORMAL, MAX, -MAX, 1e-300, -1e-300, 3.0,
}
local SPECIAL_D = {
  1.0, -1.0, QNAN_PAYLOAD, SNAN, math.huge, -math.huge, NEG_ZERO, POS_ZERO, -0.75, 2.5,
  NEG_SNAN_PAYLOAD, MIN_SUBNORMAL,
}

local function make_data(length, seed)
  math.randomseed(seed)
  local x, d = {}, {}
  for i = 1, length do
    x[i] = SPECIAL_X[i] or (math.random() * 16.0 - 8.0)
    d[i] = SPECIAL_D[(i - 1) % (#SPECIAL_D * 2) + 1] or (math.random() * 4.0 - 2.0)
  end
  return x, d
end

local X, D = make_data(67, 1234)

local VARIANTS = {
  {name = "plain", options = {}},
  {name = "leaky 0.01", options = {negative_slope = 0.01}},
  {name = "leaky -0.5", options = {negative_slope = -0.5}},
  {name = "clipped 6", options = {max_value = 6.0}},
  {name = "clipped 0.1", options = {max_value = 0.1}},
  {name = "max_value math.huge (no cap)", options = {max_value = math.huge}},
  {name = "negative_slope -0.0 (plain)", options = {negative_slope = NEG_ZERO}},
}

local function with(base, extra)
  local merged = {}
  for k, v in pairs(base) do merged[k] = v end
  for k, v in pairs(extra) do merged[k] = v end
  return merged
end

local function nested(flat, rows, cols)
  local t = {}
  for r = 1, rows do
    t[r] = {}
    for c = 1, cols do t[r][c] = flat[(r - 1) * cols + c] end
  end
  return t
end

local function flatten(t)
  local flat = {}
  for _, row in ipairs(t) do
    for _, v in ipairs(row) do flat[#flat + 1] = v end
  end
  return flat
end

local function poisoned(length, dtype)
  local a = crelu.array(length, dtype)
  for i = 1, length do a[i] = QNAN_PAYLOAD end
  return a
end

local function all_nan(a)
  for i = 1, #a do
    if a[i] == a[i] then return false end
  end
  return true
end

-- ---------------------------------------------------------------------------

describe("the module", function()
  it("is loaded from the installed prefix named first in LUA_CPATH", function()
    local cpath = os.getenv("LUA_CPATH")
    assert.is_string(cpath)
    local first = cpath:match("^([^;]+)")
    assert.are.equal(first:gsub("%?", "crelu"), package.searchpath("crelu", package.cpath))
  end)

  it("reports the library's version", function()
    assert.is_truthy(crelu.version:match("^%d+%.%d+%.%d+$"))
  end)

  it("has _VERSION, the version of libcrelu/include/crelu.h it was built from", function()
    local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
    local header = assert(io.open(here .. "/../../libcrelu/include/crelu.h")):read("a")
    local function number(part)
      return assert(header:match("#define CRELU_VERSION_" .. part .. " (%d+)"))
    end
    local want = number("MAJOR") .. "." .. number("MINOR") .. "." .. number("PATCH")
    assert.are.equal(want, crelu._VERSION)
    assert.are.equal(crelu.version, crelu._VERSION) -- this build's own library
  end)

  it("reports the instruction set the kernels run on", function()
    local known = {avx512 = true, avx2 = true, sse2 = true, neon = true, portable = true,
                   scalar = true}
    assert.is_true(known[crelu.isa] == true, tostring(crelu.isa))
  end)

  it("sets no globals", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    package.loaded.crelu = nil
    local again = require "crelu"
    package.loaded.crelu = crelu
    assert.is_function(again.ReLU)
    for k in pairs(_G) do assert.is_true(before[k], "new global " .. tostring(k)) end
  end)
end)

describe("crelu.ReLU matches the reference bit for bit", function()
  local kinds = {
    {name = "flat table", dtype = "f64", round = identity,
     make = function(values) return values end,
     read = function(result) return result end},
    {name = "f64 array", dtype = "f64", round = identity,
     make = function(values) return crelu.array(values, "f64") end,
     read = function(result) return result:totable() end},
    {name = "f32 array", dtype = "f32", round = fround,
     make = function(values) return crelu.array(values, "f32") end,
     read = function(result) return result:totable() end},
  }
  for _, kind in ipairs(kinds) do
    for _, save in ipairs({"x", "mask"}) do
      for _, grad in ipairs({"pytorch", "cs231n"}) do
        for _, variant in ipairs(VARIANTS) do
          local options = with(variant.options, {save = save, grad = grad})
          it(string.format("%s, %s, save=%s, grad=%s", kind.name, variant.name, save, grad),
            function()
              -- The values as stored (rounded for f32) are the reference's input.
              local x_in, d_in = kind.make(X), kind.make(D)
              local x_values = kind.read(x_in)
              local d_values = kind.read(d_in)
              local r = crelu.ReLU(options)
              local y = r(x_in)
              assert_bits(kind.read(y), map(x_values, function(x)
                return ref_forward(x, options, kind.round)
              end), kind.dtype)
              local want_dx = map(x_values, function(x, i)
                return ref_backward(x, d_values[i], options, kind.round)
              end)
              assert_bits(kind.read(r:backward(d_in)), want_dx, kind.dtype)
              -- Backward may be repeated until the next forward.
              assert_bits(kind.read(r:backward(d_in)), want_dx, kind.dtype)
              r:close()
            end)
        end
      end
    end
  end

  it("at every length from 0 to 40 and at 257, f32 and f64", function()
    local x, d = make_data(257, 99)
    local options = {save = "mask", grad = "cs231n", negative_slope = 0.25}
    local lengths = {257}
    for length = 0, 40 do lengths[#lengths + 1] = length end
    for _, dtype in ipairs({"f32", "f64"}) do
      local round = dtype == "f32" and fround or identity
      for _, length in ipairs(lengths) do
        local xs, ds = table.move(x, 1, length, 1, {}), table.move(d, 1, length, 1, {})
        local xa, da = crelu.array(xs, dtype), crelu.array(ds, dtype)
        local r = crelu.ReLU(options)
        local xv, dv = xa:totable(), da:totable()
        assert_bits(r:forward(xa):totable(), map(xv, function(v)
          return ref_forward(v, options, round)
        end), dtype)
        assert_bits(r:backward(da):totable(), map(xv, function(v, i)
          return ref_backward(v, dv[i], options, round)
        end), dtype)
      end
    end
  end)

  it("keeps -0.0, NaN payloads and signalling NaNs in a plain forward (f64)", function()
    local y = crelu.ReLU{}({NEG_ZERO, QNAN_PAYLOAD, SNAN, NEG_SNAN_PAYLOAD, -1.0})
    assert.are.equal("8000000000000000", hex_bits(y[1]))
    assert.are.equal("7ff8000000000123", hex_bits(y[2]))
    assert.are.equal("7ff0000000000001", hex_bits(y[3]))
    assert.are.equal("fff00000000abcde", hex_bits(y[4]))
    assert.are.equal("0000000000000000", hex_bits(y[5]))
  end)

  it("differs between the grad rules only where SPEC says (x = +-0, NaN x)", function()
    local x = {POS_ZERO, NEG_ZERO, QNAN, 1.0, -1.0}
    local d = {-2.0, -2.0, -2.0, -2.0, -2.0}
    local torch_rule, cs231n_rule = crelu.ReLU{grad = "pytorch"}, crelu.ReLU{grad = "cs231n"}
    torch_rule(x)
    cs231n_rule(x)
    local dt, dc = torch_rule:backward(d), cs231n_rule:backward(d)
    -- PyTorch selects: blocked elements are +0, a NaN x passes dy.
    assert_bits(dt, {POS_ZERO, POS_ZERO, -2.0, -2.0, POS_ZERO})
    -- cs231n multiplies by (x >= 0): the kinks pass dy, NaN x and x < 0 give -2 * 0 = -0.
    assert_bits(dc, {-2.0, -2.0, NEG_ZERO, -2.0, NEG_ZERO})
  end)

  it("gives both save modes the same dx, and uses the options of the last forward", function()
    local by_x, by_mask = crelu.ReLU{save = "x"}, crelu.ReLU{save = "mask"}
    by_x(X)
    by_mask(X)
    assert_bits(by_mask:backward(D), by_x:backward(D))
  end)
end)

describe("tables", function()
  local r
  before_each(function() r = crelu.ReLU{grad = "cs231n"} end)
  after_each(function() r:close() end)

  it("nested 3x7 rows come back as new nested 3x7 rows; the input is untouched", function()
    local x_flat = table.move(X, 1, 21, 1, {})
    local x = nested(x_flat, 3, 7)
    local y = r(x)
    assert.is_false(rawequal(x, y))
    assert.are.equal(3, #y)
    for row = 1, 3 do assert.are.equal(7, #y[row]) end
    assert_bits(flatten(y), map(x_flat, function(v) return ref_forward(v, {}, identity) end))
    assert_bits(flatten(x), x_flat)
  end)

  it("a flat table comes back as a new flat table", function()
    local y = r:forward({-1.5, 2.5, NEG_ZERO})
    assert_bits(y, {POS_ZERO, 2.5, NEG_ZERO})
    assert.is_number(y[1])
  end)

  it("backward returns the shape of d, not of x", function()
    r(nested({-1.0, 2.0, 3.0, -4.0, 5.0, 6.0}, 2, 3))
    local flat = r:backward({1.0, 1.0, 1.0, 1.0, 1.0, 1.0})
    assert_bits(flat, {POS_ZERO, 1.0, 1.0, POS_ZERO, 1.0, 1.0})
    local rows = r:backward(nested({-1.0, -1.0, -1.0, -1.0, -1.0, -1.0}, 3, 2))
    assert.are.equal(3, #rows)
    assert_bits(flatten(rows), {NEG_ZERO, -1.0, -1.0, NEG_ZERO, -1.0, -1.0})
  end)

  it("empty tables and empty rows are fine", function()
    assert.are.same({}, r({}))
    assert.are.same({}, r:backward({}))
    assert.are.same({{}, {}}, r({{}, {}}))
  end)

  it("integers go in, floats come out (tables go through float64)", function()
    local y = r({-3, 4})
    assert.are.equal("float", math.type(y[2]))
    assert_bits(y, {POS_ZERO, 4.0})
  end)

  it("are read raw: a metatable on the input is not consulted", function()
    local x = setmetatable({1.0, -1.0}, {__index = function() error("consulted") end,
                                         __len = function() error("consulted") end})
    assert_bits(r(x), {1.0, POS_ZERO})
  end)
end)

describe("crelu.array", function()
  it("is float64 and zero-filled by default", function()
    local a = crelu.array(3)
    assert.are.equal("f64", a.dtype)
    assert.are.equal(3, #a)
    assert_bits(a:totable(), {POS_ZERO, POS_ZERO, POS_ZERO})
  end)

  it("f32 rounds what it stores, f64 keeps every bit", function()
    local a32, a64 = crelu.array({0.1, 1e300, SNAN}, "f32"), crelu.array({0.1, 1e300, SNAN}, "f64")
    assert.are.equal("f32", a32.dtype)
    assert.are.equal(fround(0.1), a32[1])
    assert.are.equal(math.huge, a32[2])
    assert.are.equal(0.1, a64[1])
    assert.are.equal("7ff0000000000001", hex_bits(a64[3]))
    a32[1] = 1 / 3
    assert.are.equal(fround(1 / 3), a32[1])
  end)

  it("has 1-based get and set, #, totable, and a tostring with its data address", function()
    local a = crelu.array({1.0, 2.0, 3.0}, "f32")
    a[3] = -7.5
    assert.are.equal(-7.5, a[3])
    assert.are.equal(3, #a)
    local t = a:totable()
    assert.are.same({1.0, 2.0, -7.5}, t)
    t[1] = 99.0
    assert.are.equal(1.0, a[1])
    assert.is_truthy(tostring(a):match("^crelu%.array%(f32, 3%): 0x%x+$"))
    assert.is_nil(a.no_such_field)
  end)

  it("keeps its elements at a 64-byte boundary, whatever its length and dtype", function()
    -- The C kernels' 64-byte vectors are about a fifth slower when they
    -- straddle cache lines; Lua's own userdata are only 16-byte aligned.
    -- Arrays of every length 0..8 in turn, so that the userdata blocks land
    -- at every 16-byte offset; the address is the one tostring shows.
    for _, dtype in ipairs({"f32", "f64", "bf16", "f16"}) do
      for length = 0, 8 do
        for _, a in ipairs({crelu.array(length, dtype), crelu.array(crelu.array(length):totable(), dtype)}) do
          local address = tonumber(tostring(a):match("0x(%x+)$"), 16)
          assert.are.equal(0, address % 64, tostring(a))
        end
      end
    end
  end)

  it("forward and backward on an array return a new array of its dtype", function()
    for _, dtype in ipairs({"f32", "f64"}) do
      local r = crelu.ReLU{}
      local x = crelu.array({-1.0, 2.0}, dtype)
      local y = r:forward(x)
      assert.is_false(rawequal(x, y))
      assert.are.equal(dtype, y.dtype)
      assert.are.same({0.0, 2.0}, y:totable())
      assert.are.same({-1.0, 2.0}, x:totable())
      local dx = r:backward(crelu.array({5.0, 6.0}, dtype))
      assert.are.equal(dtype, dx.dtype)
      assert.are.same({0.0, 6.0}, dx:totable())
    end
  end)
end)

describe("zero copy", function()
  it("forward(x, out) writes into out's own memory and returns out itself", function()
    local r = crelu.ReLU{}
    local x = crelu.array(X, "f32")
    local out = poisoned(#x, "f32")
    local address = tostring(out):match("0x%x+")
    local returned = r:forward(x, out)
    assert.is_true(rawequal(out, returned))
    assert.are.equal(address, tostring(returned):match("0x%x+"))
    assert_bits(out:totable(), map(x:totable(), function(v)
      return ref_forward(v, {}, fround)
    end), "f32")
  end)

  it("backward(d, out) writes into out, and forward(x, x) works in place", function()
    local r = crelu.ReLU{grad = "cs231n"}
    local x = crelu.array(X, "f64")
    local x_before = x:totable()
    assert.is_true(rawequal(x, r:forward(x, x)))
    assert_bits(x:totable(), map(x_before, function(v) return ref_forward(v, {}, identity) end))
    local d = crelu.array(D, "f64")
    local out = poisoned(#d, "f64")
    assert.is_true(rawequal(out, r:backward(d, out)))
    assert_bits(out:totable(), map(x_before, function(v, i)
      return ref_backward(v, D[i], {grad = "cs231n"}, identity)
    end))
  end)

  it("allocates nothing on the Lua heap with a preallocated out; the other paths do",
    function()
      local r = crelu.ReLU{}
      local x, d = crelu.array(1024, "f32"), crelu.array(1024, "f32")
      local y, dx = crelu.array(1024, "f32"), crelu.array(1024, "f32")
      local function heap_growth(fn)
        collectgarbage("collect")
        collectgarbage("stop")
        local before = collectgarbage("count")
        for _ = 1, 200 do fn() end
        local growth = collectgarbage("count") - before
        collectgarbage("restart")
        return growth
      end
      assert.are.equal(0, heap_growth(function()
        r:forward(x, y)
        r:backward(d, dx)
      end))
      -- Each new result is a 4 KiB array.
      assert.is_true(heap_growth(function() r:forward(x) end) >= 200 * 4)
    end)
end)

describe("crelu.relu (stateless)", function()
  it("is plain ReLU on tables and arrays, with or without out", function()
    local flat = crelu.relu(X)
    assert_bits(flat, map(X, function(v) return ref_forward(v, {}, identity) end))
    local x32 = crelu.array(X, "f32")
    local out = poisoned(#x32, "f32")
    assert.is_true(rawequal(out, crelu.relu(x32, out)))
    local want = map(x32:totable(), function(v) return ref_forward(v, {}, fround) end)
    assert_bits(out:totable(), want, "f32")
    assert_bits(crelu.relu(x32):totable(), want, "f32")
    assert.are.same({{0.0, 1.0}}, crelu.relu({{-1.0, 1.0}}))
  end)

  it("relu_backward is PyTorch's ReLU backward on tables and arrays, with or without out", function()
    local want64 = map(X, function(v, i) return ref_backward(v, D[i], {}, identity) end)
    assert_bits(crelu.relu_backward(X, D), want64)
    assert_bits(flatten(crelu.relu_backward(nested(X, 1, #X), nested(D, 1, #D))), want64)
    local x64, d64 = crelu.array(X), crelu.array(D)
    assert_bits(crelu.relu_backward(x64, d64):totable(), want64)
    local x32, d32 = crelu.array(X, "f32"), crelu.array(D, "f32")
    local want32 = map(x32:totable(), function(v, i) return ref_backward(v, d32[i], {}, fround) end)
    local out = poisoned(#x32, "f32")
    assert.is_true(rawequal(out, crelu.relu_backward(x32, d32, out)))
    assert_bits(out:totable(), want32, "f32")
    crelu.relu_backward(x32, d32, d32) -- in place on d
    assert_bits(d32:totable(), want32, "f32")
    crelu.relu_backward(x64, d64, x64) -- in place on x
    assert_bits(x64:totable(), want64)
  end)
end)

describe("lifetime", function()
  it("close is idempotent, and the garbage collector after close is harmless", function()
    local r = crelu.ReLU{}
    r:close()
    r:close()
    assert.is_truthy(tostring(r):find("(closed)", 1, true))
    r = nil
    collectgarbage("collect")
    collectgarbage("collect")
  end)

  it("objects left to the garbage collector are freed without trouble", function()
    for _ = 1, 500 do
      local r = crelu.ReLU{save = "mask"}
      r({1.0, -1.0})
    end
    collectgarbage("collect")
    collectgarbage("collect")
  end)

  it("local r <close> closes at the end of its scope, also on an error", function()
    local kept
    do
      local r <close> = crelu.ReLU{}
      kept = r
      assert_bits(r({-1.0, 1.0}), {POS_ZERO, 1.0})
    end
    assert.is_truthy(tostring(kept):find("(closed)", 1, true))
    local ok = pcall(function()
      local r <close> = crelu.ReLU{}
      kept = r
      error("leaving early")
    end)
    assert.is_false(ok)
    assert.is_truthy(tostring(kept):find("(closed)", 1, true))
  end)

  it("tostring shows the options", function()
    local r = crelu.ReLU{save = "mask", grad = "cs231n", max_value = 6}
    local text = tostring(r)
    assert.is_truthy(text:find('save = "mask"', 1, true))
    assert.is_truthy(text:find('grad = "cs231n"', 1, true))
    assert.is_truthy(text:find("max_value = 6", 1, true))
    assert.is_falsy(text:find("closed", 1, true))
  end)
end)

-- ---------------------------------------------------------------------------
-- Bad input: each row does one wrong thing. It must raise a Lua error whose
-- message contains every fragment (plain text, not a pattern); afterwards the
-- object still computes correctly, and no fixture array has been written.
-- ---------------------------------------------------------------------------

describe("bad input", function()
  local INVALID = "invalid argument (NULL pointer, bad option value, or partially overlapping buffers)"
  local SAMPLE = {-2.0, -0.5, NEG_ZERO, 0.5, 3.0}

  -- r has had a forward on the f64 array f.x64 (5 elements) unless `setup` says otherwise.
  local rows = {
    {"forward on a closed object", function(r) r:forward({1.0}) end,
     {"crelu.ReLU:forward", "closed"}, setup = function(r) r:close() end, closed = true},
    {"backward on a closed object", function(r) r:backward({1.0}) end,
     {"crelu.ReLU:backward", "closed"}, setup = function(r) r:close() end, closed = true},
    {"backward before any forward", function(r) r:backward({1.0}) end,
     {"crelu.ReLU:backward", "backward called before any successful forward"},
     setup = function() end},
    {"backward with another length", function(r, f) r:backward(f.d64_6) end,
     {"crelu.ReLU:backward", "element count differs from the last forward", "6 elements"}},
    {"backward with another dtype (f32 after f64)", function(r, f) r:backward(f.x32) end,
     {"crelu.ReLU:backward", "dtype differs from the last forward", "f32"}},
    {"backward with a table after an f32 forward", function(r) r:backward(SAMPLE) end,
     {"crelu.ReLU:backward", "dtype differs from the last forward", "computed as f64"},
     setup = function(r, f) r:forward(f.x32) end},
    {"a string in a flat table", function(r) r:forward({1.0, "2", 3.0}) end,
     {"crelu.ReLU:forward", "element [2]: expected a number, got string"}},
    {"a boolean in a row", function(r) r:forward({{1.0, 2.0, 3.0}, {1.0, 2.0, true}}) end,
     {"crelu.ReLU:forward", "element [2][3]: expected a number, got boolean"}},
    {"ragged rows", function(r) r:forward({{1.0, 2.0, 3.0}, {1.0, 2.0}}) end,
     {"crelu.ReLU:forward", "ragged rows: row 2 has 2 elements, row 1 has 3"}},
    {"a number among rows", function(r) r:backward({{1.0}, 2.0}) end,
     {"crelu.ReLU:backward", "row 2: expected a table", "got number"}},
    {"three levels of nesting", function(r) r:forward({{{1.0}}}) end,
     {"crelu.ReLU:forward", "element [1][1]: expected a number, got table"}},
    {"x is a string", function(r) r:forward("1 2 3") end,
     {"crelu.ReLU:forward", "x must be a table of numbers or a crelu.array, got string"}},
    {"d is missing", function(r) r:backward() end,
     {"crelu.ReLU:backward", "d must be a table of numbers or a crelu.array, got no value"}},
    {"out of the other dtype", function(r, f) r:forward(f.x64, f.out32) end,
     {"crelu.ReLU:forward", "out is an f32 array but x is f64"}},
    {"out of another length", function(r, f) r:forward(f.x64, f.out64_6) end,
     {"crelu.ReLU:forward", "out has 6 elements but x has 5"}},
    {"out is a table for an array x", function(r, f) r:forward(f.x64, {}) end,
     {"crelu.ReLU:forward", "out must be a crelu.array", "got table"}},
    {"out with a table x", function(r, f) r:forward(SAMPLE, f.out64_5) end,
     {"crelu.ReLU:forward", "out is only for crelu.array input"}},
    {"a method called with a dot", function(r, f) r.forward(f.x64) end,
     {"crelu.ReLU:forward", "self must be a crelu.ReLU, got crelu.array", "r:forward"}},
    {"calling with out of another dtype", function(r, f) r(f.x32, f.out64_5) end,
     {"crelu.ReLU:forward", "out is an f64 array but x is f32"}},
    {"an unknown option", function() crelu.ReLU{slope = 0.1} end,
     {"crelu.ReLU", "unknown option 'slope'"}},
    {"a bad save value", function() crelu.ReLU{save = "bits"} end,
     {"crelu.ReLU", "option 'save' must be \"x\" or \"mask\", got \"bits\""}},
    {"a grad of the wrong type", function() crelu.ReLU{grad = 1} end,
     {"crelu.ReLU", "option 'grad' must be \"pytorch\" or \"cs231n\", got number"}},
    {"a negative_slope string", function() crelu.ReLU{negative_slope = "0.1"} end,
     {"crelu.ReLU", "option 'negative_slope' must be a number, got string"}},
    {"a NaN negative_slope", function() crelu.ReLU{negative_slope = QNAN} end,
     {"crelu.ReLU", "negative_slope = ", "must be finite", INVALID}},
    {"an infinite negative_slope", function() crelu.ReLU{negative_slope = -math.huge} end,
     {"crelu.ReLU", "negative_slope = -inf", INVALID}},
    {"max_value 0", function() crelu.ReLU{max_value = 0} end,
     {"crelu.ReLU", "max_value = 0", INVALID}},
    {"a slope and a cap", function() crelu.ReLU{negative_slope = 0.1, max_value = 6} end,
     {"crelu.ReLU", "cannot be combined", INVALID}},
    {"options that are not a table", function() crelu.ReLU("mask") end,
     {"crelu.ReLU", "options must be a table", "got string"}},
    {"an option by position", function() crelu.ReLU{"mask"} end,
     {"crelu.ReLU", "options go by name", "got a number key"}},
    {"array index 0, set", function(_, f) f.out64_5[0] = 1.0 end,
     {"crelu.array", "index 0 out of range 1..5"}},
    {"array index past the end, set", function(_, f) f.out64_5[6] = 1.0 end,
     {"crelu.array", "index 6 out of range 1..5"}},
    {"array index 1.5", function(_, f) return f.x64[1.5] end,
     {"crelu.array", "index must be an integer", "1.5"}},
    {"array element set to a string", function(_, f) f.out32[1] = "1" end,
     {"crelu.array", "element 1 must be set to a number, got string"}},
    {"array field set", function(_, f) f.out32.dtype = "f64" end,
     {"crelu.array", "cannot set field 'dtype'"}},
    {"array of an unknown dtype", function() crelu.array(3, "f8") end,
     {"crelu.array", "dtype must be \"f32\", \"f64\", \"bf16\" or \"f16\", got \"f8\""}},
    {"array of a negative length", function() crelu.array(-1) end,
     {"crelu.array", "length must be a non-negative integer, got -1"}},
    {"array of a fractional length", function() crelu.array(2.5) end,
     {"crelu.array", "length must be a non-negative integer, got 2.5"}},
    {"array of an impossible length", function() crelu.array(math.maxinteger, "f64") end,
     {"crelu.array", "do not fit in memory"}},
    {"array from rows", function() crelu.array({{1.0}}) end,
     {"crelu.array", "expected a flat table of numbers, got a table of rows"}},
    {"array from a table with a string", function() crelu.array({1.0, "x"}, "f32") end,
     {"crelu.array", "element [2]: expected a number, got string"}},
    {"relu of a boolean", function() crelu.relu(true) end,
     {"crelu.relu", "x must be a table of numbers or a crelu.array, got boolean"}},
    {"relu with out of another length", function(_, f) crelu.relu(f.x64, f.out64_6) end,
     {"crelu.relu", "out has 6 elements but x has 5"}},
  }

  local function fixtures()
    return {
      x64 = crelu.array(SAMPLE, "f64"),
      x32 = crelu.array(SAMPLE, "f32"),
      d64_6 = crelu.array({1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, "f64"),
      out32 = poisoned(5, "f32"),
      out64_5 = poisoned(5, "f64"),
      out64_6 = poisoned(6, "f64"),
    }
  end

  it("has at least 15 rows", function()
    assert.is_true(#rows >= 15)
  end)

  for _, row in ipairs(rows) do
    local description, bad, fragments = row[1], row[2], row[3]
    it(description, function()
      local f = fixtures()
      local r = crelu.ReLU{grad = "cs231n"}
      if row.setup then row.setup(r, f) else r:forward(f.x64) end

      local ok, message = pcall(bad, r, f)
      assert.is_false(ok, "no error was raised")
      assert.is_string(message)
      for _, fragment in ipairs(fragments) do
        assert.is_truthy(message:find(fragment, 1, true),
          string.format("%q lacks %q", message, fragment))
      end

      -- Nothing was written: outputs keep their poison, inputs their values.
      assert.is_true(all_nan(f.out32) and all_nan(f.out64_5) and all_nan(f.out64_6))
      assert_bits(f.x64:totable(), SAMPLE)

      if row.closed then
        -- Closed stays closed, with the same clear error, and closing again is fine.
        local again_ok, again = pcall(bad, r, f)
        assert.is_false(again_ok)
        assert.is_truthy(again:find("closed", 1, true))
        r:close()
        return
      end
      -- The object still works: a full forward/backward pair on fresh input.
      local options = {grad = "cs231n"}
      assert_bits(r:forward(SAMPLE), map(SAMPLE, function(v)
        return ref_forward(v, options, identity)
      end))
      local d = {1.0, -1.0, 2.0, -2.0, 3.0}
      assert_bits(r:backward(d), map(SAMPLE, function(v, i)
        return ref_backward(v, d[i], options, identity)
      end))
      r:close()
    end)
  end
end)

-- ---------------------------------------------------------------------------
-- The fast paths: tables are read with one lua_rawgeti per element and the
-- values popped 64 at a time, so long tables, row lengths past 64 and bad
-- elements on either side of a batch boundary each get a case; type checks
-- compare metatables held as upvalues, so look-alikes and a reloaded module
-- do too.
-- ---------------------------------------------------------------------------

describe("fast paths", function()
  local BOUNDARIES = {1, 63, 64, 65, 128, 129, 1000}

  -- 1000 values: the special ones, integers and random ones, in a fixed order.
  local function long_values()
    local x = make_data(1000, 4321)
    for i = 70, 1000, 97 do x[i] = i % 2 == 0 and -i or i end -- integers past batch 1
    return x
  end

  it("a flat table of 1000 numbers matches the reference bit for bit", function()
    local x = long_values()
    local options = {negative_slope = 0.125}
    local r = crelu.ReLU(options)
    local y = r:forward(x)
    assert.are.equal(1000, #y)
    assert_bits(y, map(x, function(v) return ref_forward(v, options, identity) end))
    assert.are.equal("float", math.type(y[70]))
    assert_bits(crelu.relu(x), map(x, function(v) return ref_forward(v, {}, identity) end))
    r:close()
  end)

  it("rows of 130 numbers match the reference bit for bit", function()
    local flat = table.move(long_values(), 1, 3 * 130, 1, {})
    local y = crelu.relu(nested(flat, 3, 130))
    assert.are.equal(3, #y)
    assert_bits(flatten(y), map(flat, function(v) return ref_forward(v, {}, identity) end))
  end)

  it("crelu.array of a long table keeps every element", function()
    local x = long_values()
    assert_bits(crelu.array(x, "f64"):totable(), x)
  end)

  -- A table whose # is `length` with `value_source` at `position` (before the
  -- last): a constructor sizes the array part to its items, so # counts a
  -- nil inside too.
  local function with_bad(length, position, value_source)
    local items = {}
    for i = 1, length do items[i] = i == position and value_source or tostring(i * 0.5) end
    local t = assert(load("return {" .. table.concat(items, ", ") .. "}"))()
    assert.are.equal(length, #t)
    return t
  end

  for _, bad in ipairs({{"nil", "nil"}, {"'7'", "string"}, {"true", "boolean"}, {"{}", "table"}}) do
    local source, type_name = bad[1], bad[2]
    it(string.format("a %s at element 1, 63, 64, 65, 128, 129 or 1000 raises, naming it",
                     type_name), function()
      local r = crelu.ReLU{}
      for _, position in ipairs(BOUNDARIES) do
        if not (type_name == "table" and position == 1) then -- a table first means rows
          local t = with_bad(1001, position, source)
          local ok, message = pcall(r.forward, r, t)
          assert.is_false(ok)
          local want = string.format("crelu.ReLU:forward: element [%d]: expected a number, got %s",
                                     position, type_name)
          assert.is_truthy(message:find(want, 1, true), message)
          ok, message = pcall(crelu.relu, t)
          assert.is_false(ok)
          assert.is_truthy(message:find(string.format("element [%d]", position), 1, true), message)
        end
      end
      -- The object still works after all those errors.
      assert_bits(r:forward({-1.0, 2.0}), {POS_ZERO, 2.0})
      r:close()
    end)
  end

  it("a bad element in a row past 64 names its row and column", function()
    local flat = table.move(long_values(), 1, 3 * 130, 1, {})
    for _, spot in ipairs({{1, 64}, {2, 65}, {3, 129}, {3, 130}}) do
      local rows = nested(flat, 3, 130)
      rows[spot[1]][spot[2]] = "x"
      local ok, message = pcall(crelu.relu, rows)
      assert.is_false(ok)
      local want = string.format("crelu.relu: element [%d][%d]: expected a number, got string",
                                 spot[1], spot[2])
      assert.is_truthy(message:find(want, 1, true), message)
    end
  end)

  it("a table wearing a binding's metatable is not taken for its userdata", function()
    local r = crelu.ReLU{}
    local x = crelu.array({-1.0, 1.0})
    local fake_array = setmetatable({}, getmetatable(x))
    local fake_relu = setmetatable({}, getmetatable(r))
    local ok, message = pcall(r.forward, r, x, fake_array)
    assert.is_false(ok)
    assert.is_truthy(message:find("out must be a crelu.array", 1, true), message)
    ok, message = pcall(r.forward, fake_relu, x)
    assert.is_false(ok)
    assert.is_truthy(message:find("self must be a crelu.ReLU", 1, true), message)
    ok, message = pcall(crelu.relu, x, fake_array)
    assert.is_false(ok)
    assert.is_truthy(message:find("out must be a crelu.array", 1, true), message)
    ok, message = pcall(function() return #fake_array end)
    assert.is_false(ok)
    assert.is_truthy(message:find("self must be a crelu.array", 1, true), message)
    r:close()
  end)

  it("objects of a reloaded module and of the first one work together", function()
    package.loaded.crelu = nil
    local again = require "crelu"
    package.loaded.crelu = crelu
    assert.is_false(rawequal(again.relu, crelu.relu))
    local x_old, out_new = crelu.array({-1.0, 3.0}, "f32"), again.array(2, "f32")
    assert.is_true(rawequal(out_new, again.relu(x_old, out_new)))
    assert.are.same({0.0, 3.0}, out_new:totable())
    local r_new = again.ReLU{}
    local out_old = crelu.array(2, "f32")
    assert.is_true(rawequal(out_old, r_new:forward(out_new, out_old)))
    assert.is_true(rawequal(out_old, r_new:backward(x_old, out_old)))
    assert.are.same({0.0, 3.0}, out_old:totable())
    r_new:close()
  end)
end)

-- ipairs and pairs over a crelu.array stop at its end, as over a table:
-- reading an integer index outside 1..#a gives nil (writing one is an
-- error, above), and __pairs yields 1..#a in order.
describe("crelu.array iteration", function()
  for _, dtype in ipairs({"f32", "f64"}) do
    it("ipairs and pairs visit 1..#a in order and stop, " .. dtype, function()
      local a = crelu.array({-1.5, 2.5, 0.0, 4.0}, dtype)
      for _, iterate in ipairs({ipairs, pairs}) do
        local keys, values = {}, {}
        for i, v in iterate(a) do keys[#keys + 1] = i; values[#values + 1] = v end
        assert.are.same({1, 2, 3, 4}, keys)
        assert.are.same({-1.5, 2.5, 0.0, 4.0}, values)
      end
    end)
  end

  it("an empty array iterates zero times", function()
    for _ in ipairs(crelu.array(0)) do error("ipairs visited an element") end
    for _ in pairs(crelu.array(0)) do error("pairs visited an element") end
  end)

  it("reading an integer index out of range gives nil, a fractional one is an error", function()
    local a = crelu.array(3)
    for _, i in ipairs({0, -1, 4, math.maxinteger, math.mininteger}) do
      assert.is_nil(a[i], "a[" .. i .. "]")
    end
    assert.is_nil(crelu.array(0)[1])
    assert.has_error(function() return a[1.5] end)
    assert.has_error(function() a[4] = 1.0 end)
  end)
end)
