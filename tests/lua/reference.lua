-- SPDX-License-Identifier: MIT
-- The reference the Lua suites compare with, from SPEC sections 2 and 3:
-- plain, leaky and clipped ReLU forward and backward, and the bit helpers
-- they use. Loaded with dofile by the spec files beside it.

-- ---------------------------------------------------------------------------
-- Bits and float32 rounding.
-- ---------------------------------------------------------------------------

local function from_bits(hex)
  return (string.unpack("<d", string.pack("<i8", math.tointeger(tonumber(hex, 16)))))
end

-- The bits of v as a float64 or float32, as hex, for messages.
local function hex_bits(v, dtype)
  if dtype == "f32" then
    return string.format("%08x", (string.unpack("<I4", string.pack("<f", v))))
  end
  return string.format("%016x", (string.unpack("<i8", string.pack("<d", v))))
end

-- Round to the nearest float32 (the C cast, through string.pack).
local function fround(v)
  return (string.unpack("<f", string.pack("<f", v)))
end

local function identity(v) return v end

local POS_ZERO = from_bits("0000000000000000")

-- ---------------------------------------------------------------------------
-- The reference, from SPEC section 2. `round` is identity for float64 and
-- fround for float32, where the slope and the cap are rounded to float too
-- (a float32 product of two floats is exact in a double, then rounded once).
-- ---------------------------------------------------------------------------

local function variant_params(options, round)
  local slope = round(options.negative_slope or 0.0)
  local cap = round(options.max_value or math.huge)
  if slope ~= 0 then return "leaky", slope, cap end
  if cap ~= math.huge then return "clipped", slope, cap end
  return "plain", slope, cap
end

local function ref_forward(x, options, round)
  local variant, slope, cap = variant_params(options, round)
  if variant == "leaky" then
    if x > 0 then return x end
    return round(x * slope)
  elseif variant == "clipped" then
    if x ~= x then return x end       -- NaN passes through, payload kept
    if x < 0 then return POS_ZERO end
    if x > cap then return cap end
    return x                          -- includes -0.0
  end
  if x < 0 then return POS_ZERO end
  return x                            -- NaN and -0.0 pass through
end

local function ref_backward(x, dy, options, round)
  local variant, slope, cap = variant_params(options, round)
  local pytorch = (options.grad or "pytorch") == "pytorch"
  if variant == "leaky" then
    local factor
    if pytorch then
      if x > 0 then factor = 1.0 else factor = slope end
    else
      if x >= 0 then factor = 1.0 else factor = slope end
    end
    return round(dy * factor)
  elseif variant == "clipped" then
    if pytorch then
      if 0 < x and x < cap then return dy end
      return POS_ZERO
    end
    if 0 <= x and x <= cap then return round(dy * 1.0) end
    return round(dy * 0.0)
  end
  if pytorch then
    if x <= 0 then return POS_ZERO end
    return dy                         -- NaN x passes dy
  end
  if x >= 0 then return round(dy * 1.0) end
  return round(dy * 0.0)
end

return {
  from_bits = from_bits,
  hex_bits = hex_bits,
  fround = fround,
  identity = identity,
  forward = ref_forward,
  backward = ref_backward,
}
