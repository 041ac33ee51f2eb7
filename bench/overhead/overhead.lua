-- Time per forward call through the Lua binding on 1,024 float32 elements:
-- the zero-copy path into a preallocated out, the path that returns a new
-- array, and (for comparison) a plain table, which goes through float64.
-- Prints "lua<TAB><what><TAB><median ns per call>" per measurement; it only
-- reports, it asserts nothing.
--
-- Lua has no monotonic wall clock; os.clock() (process CPU time, microsecond
-- resolution here) is used, which for a single-threaded loop that neither
-- sleeps nor waits is the same thing.
--
--   LUA_CPATH='PREFIX/lib/lua/5.4/?.so' lua5.4 bench/overhead/overhead.lua
local crelu = require "crelu"

local ELEMENTS = 1024
local REPEATS = 21
local MIN_LOOP_SECONDS = 0.010
local FIRST_TRY_CALLS = 1000

-- The seconds `calls` calls of fn take.
local function time_loop(fn, calls)
  local start = os.clock()
  for _ = 1, calls do fn() end
  return os.clock() - start
end

-- Enough calls for a loop to last MIN_LOOP_SECONDS (about 20,000 for the
-- zero-copy path).
local function calibrate(fn)
  local calls = FIRST_TRY_CALLS
  while time_loop(fn, calls) < MIN_LOOP_SECONDS do
    calls = calls * 2
  end
  return calls
end

local function median(values)
  table.sort(values)
  return values[(#values + 1) // 2]
end

local function measure(what, fn)
  collectgarbage("collect")
  local calls = calibrate(fn) -- also the warm-up
  local per_call = {}
  for i = 1, REPEATS do
    per_call[i] = time_loop(fn, calls) / calls * 1e9
  end
  io.write(string.format("lua\t%s\t%.1f\n", what, median(per_call)))
end

local values = {}
math.randomseed(1)
for i = 1, ELEMENTS do values[i] = math.random() * 2.0 - 1.0 end

local relu = crelu.ReLU{}
local x = crelu.array(values, "f32")
local out = crelu.array(ELEMENTS, "f32")

measure("ReLU:forward(x, out) f32 zero-copy", function() relu:forward(x, out) end)
measure("ReLU:forward(x) f32 new array", function() relu:forward(x) end)
measure("ReLU:forward(t) table (f64) new table", function() relu:forward(values) end)
relu:close()
