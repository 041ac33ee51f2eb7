-- SPDX-License-Identifier: MIT
-- Time per call through the Lua binding: the zero-copy path into a
-- preallocated out (context and stateless), the paths that return a new
-- array, and plain tables of a million numbers against the plain Lua loop
-- that a Lua programmer would write instead. It only reports, it asserts
-- nothing; bench/binding_overhead.py compares the lines with the C ones
-- (bench/overhead/overhead.c) measured in the same run.
--
-- One line per measurement, tab-separated (the contract of bench/overhead/*):
--   lua<TAB><key><TAB><description><TAB><median ns per call>
--
-- Each timed loop calls the binding directly (no closure around each call),
-- as a user's loop would, with its operands in locals.
--
-- Lua has no monotonic wall clock; os.clock() (process CPU time, microsecond
-- resolution here) is used, which for a single-threaded loop that neither
-- sleeps nor waits is the same thing. The calls at n <= 1024 run on the
-- calling thread. A million-element table call might be split across the
-- library's threads, whose CPU time os.clock() adds: that would overstate
-- the binding's time, never understate it (and the kernel is a few percent
-- of that call; the conversions are the rest).
--
--   LUA_CPATH='PREFIX/lib/lua/5.4/?.so' lua5.4 bench/overhead/overhead.lua
local crelu = require "crelu"

local REPEATS = 21
local TABLE_REPEATS = 21
local MIN_LOOP_SECONDS = 0.010
-- Warm-up before the timed loops: at least this many loops and seconds.
-- The first few million-element calls of a process take up to 5x longer
-- (the heap and the collector's pace are still growing), for the binding
-- and the plain loop alike.
local WARMUP_LOOPS = 8
local WARMUP_SECONDS = 0.3

-- The seconds that loop(calls) takes.
local function time_loop(loop, calls)
  local start = os.clock()
  loop(calls)
  return os.clock() - start
end

-- Enough calls for a loop to last MIN_LOOP_SECONDS (about 100,000 for the
-- zero-copy path, 1 for a million-element table).
local function calibrate(loop)
  local calls = 1
  while time_loop(loop, calls) < MIN_LOOP_SECONDS do
    calls = calls * 2
  end
  return calls
end

local function median(values)
  table.sort(values)
  return values[(#values + 1) // 2]
end

-- loop(calls) makes `calls` calls of what `key` names.
local function measure(key, description, loop, repeats)
  collectgarbage("collect")
  local calls = calibrate(loop)
  local loops, spent = 0, 0.0
  while loops < WARMUP_LOOPS or spent < WARMUP_SECONDS do
    spent = spent + time_loop(loop, calls)
    loops = loops + 1
  end
  local per_call = {}
  for i = 1, repeats or REPEATS do
    per_call[i] = time_loop(loop, calls) / calls * 1e9
  end
  io.write(string.format("lua\t%s\t%s\t%.1f\n", key, description, median(per_call)))
  io.flush()
end

local function random_table(length)
  local t = {}
  for i = 1, length do t[i] = math.random() * 2.0 - 1.0 end
  return t
end

math.randomseed(1)
local relu = crelu.ReLU{}

-- Plain tables: the binding's conversion against the loop it replaces,
-- measured first, in a fresh heap. The plain loop grows its result table by
-- doubling (realloc), and how much that costs depends on the state of
-- malloc's heap: after other work in the same process it ran 3x slower here
-- (70-100 ms instead of 23 ms for a million numbers; a single earlier
-- 1,024-element table left as garbage was enough), while the binding's
-- one-shot allocations did not change. The fresh heap is the loop's best
-- case, so the comparison is the strict one.
local function plain_loop(t)
  local out = {}
  for i = 1, #t do local v = t[i] out[i] = v > 0 and v or 0.0 end
  return out
end

for _, size in ipairs({{1000000, "1e6"}, {1024, "1024"}}) do
  local n, name = size[1], size[2]
  local t = random_table(n)
  local repeats = n > 100000 and TABLE_REPEATS or REPEATS
  measure("lua.forward_table." .. name,
          string.format("r:forward(t) -> new table, flat table of %d numbers", n),
          function(calls)
            local r, t_ = relu, t
            for _ = 1, calls do r:forward(t_) end
          end, repeats)
  measure("lua.loop." .. name,
          string.format("plain Lua loop building the result table, %d numbers", n),
          function(calls)
            local loop, t_ = plain_loop, t
            for _ = 1, calls do loop(t_) end
          end, repeats)
end

for _, n in ipairs({16, 1024}) do
  local values = random_table(n)
  local x = crelu.array(values, "f32")
  local out = crelu.array(n, "f32")
  local d = crelu.array(random_table(n), "f32")
  local dx = crelu.array(n, "f32")
  local what = string.format("crelu.array f32, n = %d", n)

  measure("lua.forward_out." .. n, "r:forward(x, out), " .. what, function(calls)
    local r, x_, out_ = relu, x, out
    for _ = 1, calls do r:forward(x_, out_) end
  end)
  measure("lua.relu_out." .. n, "crelu.relu(x, out) stateless, " .. what, function(calls)
    local m, x_, out_ = crelu, x, out
    for _ = 1, calls do m.relu(x_, out_) end
  end)
  relu:forward(x, out)
  measure("lua.backward_out." .. n, "r:backward(d, dx), " .. what, function(calls)
    local r, d_, dx_ = relu, d, dx
    for _ = 1, calls do r:backward(d_, dx_) end
  end)
  measure("lua.forward." .. n, "r:forward(x) new array, " .. what, function(calls)
    local r, x_ = relu, x
    for _ = 1, calls do r:forward(x_) end
  end)
  measure("lua.relu." .. n, "crelu.relu(x) new array, " .. what, function(calls)
    local m, x_ = crelu, x
    for _ = 1, calls do m.relu(x_) end
  end)
end

relu:close()
