-- SPDX-License-Identifier: MIT
-- The bfloat16 and float16 reference the Lua suites compare with, written
-- apart from the binding's C (bindings/lua/half.c): it widens and narrows
-- by arithmetic on values (powers of two, floor), where the binding shifts
-- bits. The ReLU rule is crelu.h's: the float32 row (reference.lua with
-- float32 rounding, emulated with string.pack("f"), which rounds a double
-- to float to nearest even) on x widened exactly, narrowed once, with the
-- 16-bit NaN rules; the selects (ReLU and clipped PyTorch-rule backward)
-- keep dy's bits. Loaded with dofile by the spec files beside it.

local reference = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "reference.lua")

-- exponent bits, mantissa bits
local FORMATS = {bf16 = {8, 7}, f16 = {5, 10}}

local function format(dtype)
  local f = assert(FORMATS[dtype], "dtype must be bf16 or f16")
  local exponent_bits, mantissa_bits = f[1], f[2]
  local bias = 2 ^ (exponent_bits - 1) - 1
  return {
    m = mantissa_bits,
    bias = bias,
    emin = 1 - bias,            -- the smallest normal's exponent
    emax = bias,                -- the largest finite's exponent
    max_field = (1 << exponent_bits) - 1,
  }
end

local function double_bits(v)
  return (string.unpack("<i8", string.pack("<d", v)))
end

local function from_double_bits(bits)
  return (string.unpack("<d", string.pack("<i8", bits)))
end

local function is_negative(v)
  return v < 0 or (v == 0 and 1 / v < 0) or (v ~= v and double_bits(v) < 0)
end

-- The exact value of the 16-bit pattern `bits`: a NaN keeps its sign and
-- its payload at the top of the double's (the quiet bit on the quiet bit).
local function widen(bits, dtype)
  local f = format(dtype)
  local negative = bits >> 15 == 1
  local field = (bits >> f.m) & f.max_field
  local mantissa = bits & ((1 << f.m) - 1)
  if field == f.max_field then
    if mantissa == 0 then
      return negative and -math.huge or math.huge
    end
    local nan = (0x7ff << 52) | (mantissa << (52 - f.m))
    if negative then nan = nan | math.mininteger end
    return from_double_bits(nan)
  end
  local value
  if field == 0 then
    value = mantissa * 2.0 ^ (f.emin - f.m)
  else
    value = (2 ^ f.m + mantissa) * 2.0 ^ (field - f.bias - f.m)
  end
  return negative and -value or value
end

-- The pattern of the NaN v: its sign and the top payload bits that fit, or
-- the lowest bit if those are all zero (what crelu.array stores; NumPy's
-- float16 rule).
local function narrow_nan(v, dtype)
  local f = format(dtype)
  local payload = (double_bits(v) >> (52 - f.m)) & ((1 << f.m) - 1)
  if payload == 0 then payload = 1 end
  return (is_negative(v) and 0x8000 or 0) | (f.max_field << f.m) | payload
end

-- The double v rounded once to the 16-bit format, to nearest even,
-- overflow to infinity, subnormals kept: by scaling to the quantum (a
-- power of two) at v's magnitude and rounding the quotient to an integer.
local function narrow(v, dtype)
  if v ~= v then return narrow_nan(v, dtype) end
  local f = format(dtype)
  local sign = is_negative(v) and 0x8000 or 0
  local infinity = sign | (f.max_field << f.m)
  local a = math.abs(v)
  if a >= 2.0 ^ (f.emax + 1) then return infinity end
  if a == 0 then return sign end
  -- 2^e <= a < 2^(e + 1), but e no lower than emin (the subnormals share
  -- the smallest normal's quantum).
  local e = math.floor(math.log(a, 2))
  while 2.0 ^ e > a do e = e - 1 end
  while 2.0 ^ (e + 1) <= a do e = e + 1 end
  if e < f.emin then e = f.emin end
  local scaled = a / 2.0 ^ (e - f.m)  -- exact: a power of two
  local n = math.floor(scaled)
  local fraction = scaled - n         -- exact: scaled < 2^(m + 1)
  if fraction > 0.5 or (fraction == 0.5 and n % 2 == 1) then n = n + 1 end
  n = math.tointeger(n)
  if n == 1 << (f.m + 1) then         -- rounded up into the next binade
    e, n = e + 1, 1 << f.m
  end
  if n < 1 << f.m then                -- subnormal (or zero)
    return sign | n
  end
  local field = math.tointeger(e + f.bias)
  if field >= f.max_field then return infinity end
  return sign | (field << f.m) | (n - (1 << f.m))
end

-- A library result (a float32 value held in a double) narrowed: as
-- narrow, but every bfloat16 NaN is 0xffff (PyTorch 1.13's vectorized
-- narrowing, crelu.h's table).
local function narrow_result(v, dtype)
  if v ~= v and dtype == "bf16" then return 0xffff end
  return narrow(v, dtype)
end

local function variant(options)
  local slope = reference.fround(options.negative_slope or 0.0)
  local cap = reference.fround(options.max_value or math.huge)
  if slope ~= 0 then return "leaky", cap end
  if cap ~= math.huge then return "clipped", cap end
  return "plain", cap
end

-- The expected y pattern for the x pattern `xb`.
local function forward(xb, dtype, options)
  local y = reference.forward(widen(xb, dtype), options, reference.fround)
  return narrow_result(y, dtype)
end

-- The expected dx pattern for the x pattern `xb` and dy pattern `dyb`.
local function backward(xb, dyb, dtype, options)
  local kind, cap = variant(options)
  local x = widen(xb, dtype)
  if (options.grad or "pytorch") == "pytorch" and kind ~= "leaky" then
    -- Selects: dy's bits, NaN included, or +0.
    if kind == "plain" then
      return (x <= 0) and 0 or dyb
    end
    return (0 < x and x < cap) and dyb or 0
  end
  local dx = reference.backward(x, widen(dyb, dtype), options, reference.fround)
  return narrow_result(dx, dtype)
end

return {
  widen = widen,
  narrow = narrow,
  narrow_result = narrow_result,
  forward = forward,
  backward = backward,
  double_bits = double_bits,
  from_double_bits = from_double_bits,
}
