-- SPDX-License-Identifier: MIT
-- The Lua binding under the garbage collector (busted, Lua 5.4, against the
-- installed prefix like crelu_spec.lua): objects and arrays collected in
-- mid-loop, arrays outliving the objects that wrote them, __gc finalizers
-- and to-be-closed variables closing objects, one even while its own call
-- is running. Every result is checked bit for bit against the reference.

local crelu = require "crelu"

-- ---------------------------------------------------------------------------
-- The reference (SPEC section 2) for the variants used here: plain ReLU
-- under both rules and leaky ReLU. `round` is fround for f32 data.
-- ---------------------------------------------------------------------------

local function fround(v) return (string.unpack("<f", string.pack("<f", v))) end
local function identity(v) return v end
local ROUND = {f32 = fround, f64 = identity}
local PACK = {f32 = "<f", f64 = "<d"}

local function ref_forward(x, options, round)
  local a = round(options.negative_slope or 0.0)
  if a ~= 0 then
    if x > 0 then return x end
    return round(x * a)
  end
  if x < 0 then return 0.0 end
  return x -- NaN and -0.0 pass through
end

local function ref_backward(x, dy, options, round)
  local a = round(options.negative_slope or 0.0)
  local cs231n = options.grad == "cs231n"
  if a ~= 0 then
    if x > 0 or (cs231n and x >= 0) then return round(dy * 1.0) end
    return round(dy * a)
  end
  if cs231n then return round(dy * (x >= 0 and 1.0 or 0.0)) end
  if x <= 0 then return 0.0 end
  return dy -- NaN x passes dy
end

-- The first element of `got` (an array or a table of `dtype` values) whose
-- bits differ from want(i), as a message; nil if none.
local function first_mismatch(got, dtype, want)
  local format = PACK[dtype]
  for i = 1, #got do
    if string.pack(format, got[i]) ~= string.pack(format, want(i)) then
      return string.format("element %d: got %q, want %q", i, got[i], want(i))
    end
  end
  return nil
end

-- x is a crelu.array; y and dx are arrays or tables of its dtype.
local function check_forward(y, x, options)
  local round = ROUND[x.dtype]
  assert.are.equal(#x, #y)
  assert.is_nil(first_mismatch(y, x.dtype, function(i) return ref_forward(x[i], options, round) end))
end

local function check_backward(dx, x, dy, options)
  local round = ROUND[x.dtype]
  assert.are.equal(#x, #dx)
  assert.is_nil(first_mismatch(dx, x.dtype,
                               function(i) return ref_backward(x[i], dy[i], options, round) end))
end

-- ---------------------------------------------------------------------------
-- Data: pseudo-random values around the kink, with zeros of both signs,
-- infinities and a NaN spread over them.
-- ---------------------------------------------------------------------------

local SPECIALS = {0.0, -0.0, math.huge, -math.huge, 0.0 / 0.0, 1.0, -1.0}

local function random_array(length, dtype)
  local a = crelu.array(length, dtype)
  for i = 1, length do
    a[i] = (i % 17 == 0) and SPECIALS[i // 17 % #SPECIALS + 1] or (math.random() * 8.0 - 4.0)
  end
  return a
end

local OPTIONS = {
  {},
  {save = "mask", grad = "cs231n"},
  {negative_slope = 0.01},
  {negative_slope = -0.5, grad = "cs231n", save = "mask"},
}

local function restore_gc()
  collectgarbage("incremental", 200, 100) -- Lua 5.4's defaults
  collectgarbage("restart")
  collectgarbage("collect")
end

describe("under the garbage collector", function()
  after_each(restore_gc)

  it("objects dropped and collected in mid-loop; one object's out feeds another", function()
    math.randomseed(42)
    local previous_y, previous_x, previous_options
    local kept = {} -- results whose objects are long gone
    for round = 1, 200 do
      local dtype = round % 2 == 0 and "f32" or "f64"
      local length = (round % 10 == 0) and 1031 or (round % 37 + 1)
      local options = OPTIONS[round % #OPTIONS + 1]
      local r = crelu.ReLU(options)
      local x = random_array(length, dtype)
      local y = r:forward(x)
      check_forward(y, x, options)
      local dy = random_array(length, dtype)
      local dx = crelu.array(length, dtype)
      assert.are.equal(dx, r:backward(dy, dx))
      check_backward(dx, x, dy, options)

      -- The previous round's object is garbage by now; its result array is
      -- the input of a new object, written into this round's out array.
      if previous_y then
        local r2 = crelu.ReLU(options)
        local out = crelu.array(#previous_y, previous_y.dtype)
        r2:forward(previous_y, out)
        check_forward(out, previous_y, options)
        check_forward(previous_y, previous_x, previous_options) -- unchanged
      end
      if round % 25 == 0 then
        kept[#kept + 1] = {y = y, x = x, options = options}
      end
      previous_y, previous_x, previous_options = y, x, options
      if round % 3 == 0 then r:close() end -- the rest are left to __gc
      collectgarbage("step", 64) -- finalizers of earlier rounds run in here
      if round % 50 == 0 then collectgarbage("collect") end
    end
    collectgarbage("collect")
    collectgarbage("collect")
    for _, k in ipairs(kept) do check_forward(k.y, k.x, k.options) end
  end)

  it("__gc of an object leaves the arrays it wrote and read intact", function()
    local seen = setmetatable({}, {__mode = "v"}) -- does not keep r alive
    -- In a function of its own, so that no stack slot still holds r.
    local function compute()
      local r = crelu.ReLU{save = "mask"}
      seen.r = r
      local x = random_array(1000, "f32")
      local dy = random_array(1000, "f32")
      local y = r(x)
      return {x = x, y = y, dy = dy, dx = r:backward(dy)}
    end
    local arrays = compute()
    collectgarbage("collect")
    collectgarbage("collect")
    assert.is_nil(seen.r, "the object was not collected")
    check_forward(arrays.y, arrays.x, {})
    check_backward(arrays.dx, arrays.x, arrays.dy, {})
    -- And a new object computes the same from them.
    local r = crelu.ReLU{}
    check_forward(r(arrays.x), arrays.x, {})
    check_backward(r:backward(arrays.dy), arrays.x, arrays.dy, {})
  end)

  it("a __gc that closes an object during that object's own call", function()
    -- In generational mode a minor collection finalizes what died young,
    -- and runs when allocations outgrow a credit of 1% of the heap. Each
    -- round starts one (so the credit is fresh), leaves a few objects with
    -- a __gc that closes whichever ReLU is in a call, then calls forward on
    -- an array whose result is too big for the credit: the next minor
    -- collection, and those finalizers, run inside the call, where the
    -- binding allocates the result before calling C. Such a call must raise
    -- "closed", never hand C the freed context; a call that returns must be
    -- right. Results are checked afterwards, with the collector back to normal.
    local results = {}
    local current, closed_in_call = nil, false
    local closer = {__gc = function()
      if current then
        closed_in_call = true
        current:close()
      end
    end}
    local inputs = {f32 = random_array(1 << 13, "f32"), f64 = random_array(1 << 13, "f64")}
    collectgarbage("generational", 1, 100)
    for round = 1, 60 do
      local dtype = round % 2 == 0 and "f32" or "f64"
      local options = OPTIONS[round % #OPTIONS + 1]
      local r = crelu.ReLU(options)
      local x = inputs[dtype]
      -- Every third round a table, which the binding copies into a scratch
      -- buffer (allocated in the call too) and computes in f64.
      local arg = (round % 3 == 0 and dtype == "f64") and x:totable() or x
      collectgarbage("step", 0)
      for _ = 1, 10 do setmetatable({}, closer) end
      current, closed_in_call = r, false
      local ok, y = pcall(r.forward, r, arg)
      current = nil
      results[round] = {closed = closed_in_call, ok = ok, y = y, x = x, options = options}
    end
    restore_gc()
    local closed = 0
    for _, k in ipairs(results) do
      if k.closed then
        closed = closed + 1
        assert.is_false(k.ok)
        assert.matches("closed during the call", k.y, 1, true)
      else
        assert.is_true(k.ok, k.y)
        check_forward(k.y, k.x, k.options)
      end
    end
    assert.is_true(closed >= 30, closed .. " of 60 calls saw the close: the race is not forced")
  end)

  it("to-be-closed objects in a loop; their arrays outlive them", function()
    local results = {}
    for round = 1, 200 do
      local dtype = round % 2 == 0 and "f32" or "f64"
      local options = OPTIONS[round % #OPTIONS + 1]
      local x = random_array(33, dtype)
      local escaped
      do
        local r <close> = crelu.ReLU(options)
        escaped = r
        results[round] = {y = r(x), x = x, options = options}
      end
      assert.is_truthy(tostring(escaped):find("(closed)", 1, true))
      -- An error inside the scope closes it as well.
      local ok = pcall(function()
        local r <close> = crelu.ReLU(options)
        escaped = r
        r:backward(x) -- before any forward: an error
      end)
      assert.is_false(ok)
      assert.is_truthy(tostring(escaped):find("(closed)", 1, true))
      if round % 20 == 0 then collectgarbage("collect") end
    end
    collectgarbage("collect")
    for _, k in ipairs(results) do check_forward(k.y, k.x, k.options) end
  end)
end)
