-- SPDX-License-Identifier: MIT
-- Hostile input to the Lua binding (issue 11): impossible sizes, holes,
-- tables that contain themselves, metatables that mutate, __gc finalizers
-- and coroutines in mid-call, wrong outs, odd elements. Each case runs in a
-- child lua5.4 under `timeout`, so that a hang, an abort or a crash fails
-- that case (with its output) instead of the suite. Each must end in a
-- catchable error with a clear message, or in a result equal bit for bit to
-- the reference (reference.lua); and after it the child's context must
-- still compute right.
--
-- The child prints one line per outcome: "OK <bits> <bits> ..." (the
-- float64 bits of each result element, rows flattened) or "ERR <message>",
-- then "ALIVE <bits> ..." from the closing check.

local reference = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "reference.lua")
local half = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "half_reference.lua")
local fround, identity = reference.fround, reference.identity

local LUA = os.getenv("CRELU_TEST_LUA") or "lua5.4"
local TIMEOUT_SECONDS = 20
-- For the out-of-memory cases (ulimit -v): lua5.4 with the module takes
-- about 5 MiB of address space, plus the 64 MiB array that must fit.
local MEMORY_LIMIT_KB = 96 * 1024

-- ---------------------------------------------------------------------------
-- The child
-- ---------------------------------------------------------------------------

local PRELUDE = [==[
io.stdout:setvbuf("no")
local crelu = require "crelu"
local R = crelu.ReLU{}

local function bits(v)
  return string.format("%016x", (string.unpack("<i8", string.pack("<d", v))))
end

local function from_bits(hex)
  return (string.unpack("<d", string.pack("<i8", math.tointeger(tonumber(hex, 16)))))
end

-- Prints the outcome of pcall(...): the result's elements as bits, rows
-- flattened (a crelu.array is indexed like a table), or the error.
local function report(ok, result)
  if not ok then
    print("ERR " .. tostring(result):gsub("\n", " "))
    return
  end
  local out = {}
  local function add(v)
    if type(v) == "table" then
      for i = 1, #v do add(v[i]) end
    elseif type(v) == "userdata" then
      for i = 1, #v do out[#out + 1] = bits(v[i]) end
    else
      out[#out + 1] = bits(v)
    end
  end
  add(result)
  print(#out > 0 and "OK " .. table.concat(out, " ") or "OK")
end

-- A table whose #t is 2^top with only top + 1 entries: a constructor with
-- explicit keys puts them all in the hash part, where # searches by
-- doubling (t[1], t[2], t[4], ... are present).
local function fake_length(top)
  local parts = {"return {[1] = -1.0, [2] = 2.0"}
  for e = 2, top do parts[#parts + 1] = string.format(", [%d] = 1.0", 1 << e) end
  parts[#parts + 1] = "}"
  return load(table.concat(parts))()
end

-- In generational mode a minor collection (and the finalizers of what died
-- young) runs once allocations outgrow 1% of the heap: a call that
-- allocates a big result or scratch buffer right after `n` objects with
-- `mt` were dropped runs their __gc inside itself (as stress_spec.lua does).
local function drop_finalizers(mt, n)
  collectgarbage("step", 0)
  for _ = 1, n or 10 do setmetatable({}, mt) end
end
]==]

-- The closing check: the context R (or a new one, if the case closed R)
-- still computes forward and backward right.
local EPILOGUE = [==[
collectgarbage("incremental")
if tostring(R):find("(closed)", 1, true) then R = crelu.ReLU{} end
local y = R({-1.5, 2.5})
local dx = R:backward({3.0, 4.0})
print("ALIVE " .. bits(y[1]) .. " " .. bits(y[2]) .. " " .. bits(dx[1]) .. " " .. bits(dx[2]))
]==]

local function bits(v)
  return string.format("%016x", (string.unpack("<i8", string.pack("<d", v))))
end

-- Runs `code` in a child; returns its output and how it ended.
local function run_child(code, memory_limit_kb)
  local path = os.tmpname()
  local file = assert(io.open(path, "w"))
  file:write(PRELUDE, "\n", code, "\n", EPILOGUE)
  file:close()
  local command = string.format("timeout -k 5 %d %s %s 2>&1", TIMEOUT_SECONDS, LUA, path)
  if memory_limit_kb then
    command = string.format("ulimit -v %d && %s", memory_limit_kb, command)
  end
  local pipe = assert(io.popen(command))
  local output = pipe:read("a")
  local _, how, status = pipe:close()
  os.remove(path)
  return output, how, status
end

-- ---------------------------------------------------------------------------
-- What the parent expects, line by line
-- ---------------------------------------------------------------------------

local function err(text) return {err = text} end

-- The reference forward (or backward, given d) of the float64 values x.
local function fwd(x, round)
  local want = {}
  for i, v in ipairs(x) do want[i] = reference.forward(v, {}, round or identity) end
  return {ok = want}
end

local function bwd(x, d, round)
  local want = {}
  for i, v in ipairs(x) do want[i] = reference.backward(v, d[i], {}, round or identity) end
  return {ok = want}
end

local function ok_values(values) return {ok = values} end

local function bits_line(values)
  local out = {}
  for i, v in ipairs(values) do out[i] = bits(v) end
  return table.concat(out, " ")
end

-- Does `line` ("OK ..." or "ERR ...") match the expectation `want`?
local function matches(line, want)
  if want.err then
    return line:sub(1, 4) == "ERR " and line:find(want.err, 1, true) ~= nil
  end
  return line == ("OK " .. bits_line(want.ok)):gsub(" $", "")
end

local ALIVE = "ALIVE " .. bits_line({0.0, 2.5, 0.0, 4.0})

-- Runs the case and checks its output. `expect` lists the outcome lines in
-- order; `rounds` instead accepts any number of lines, each matching one
-- of its entries, and needs at least `rounds.min` matching the first
-- (the outcome that shows the finalizer really ran inside the call).
local function check_case(case)
  -- ASan's shadow memory needs terabytes of address space.
  if case.memory_limit_kb and (os.getenv("LD_PRELOAD") or ""):find("asan", 1, true) then
    pending("ulimit -v cannot run under ASan (LD_PRELOAD names it)")
    return
  end
  local output, how, status = run_child(case.code, case.memory_limit_kb)
  local context = string.format("the child ended by %s %s; its output:\n%s", how, status, output)
  assert.are.equal("exit", how, context)
  assert.are.equal(0, status, context) -- 124: timed out; 134: abort; 139: SIGSEGV
  local lines = {}
  for line in output:gmatch("[^\n]+") do
    if line:match("^OK") or line:match("^ERR ") then lines[#lines + 1] = line end
  end
  assert.is_truthy(output:find(ALIVE, 1, true), "the context did not work afterwards; " .. context)
  if case.expect then
    assert.are.equal(#case.expect, #lines, context)
    for i, want in ipairs(case.expect) do
      assert.is_true(matches(lines[i], want),
                     string.format("outcome %d: %s\nwanted %s", i, lines[i],
                                   want.err and ("an error with: " .. want.err)
                                            or ("OK " .. bits_line(want.ok))))
    end
  else
    assert.is_true(#lines > 0, context)
    local first = 0
    for i, line in ipairs(lines) do
      local any = false
      for j, want in ipairs(case.rounds) do
        if matches(line, want) then
          any = true
          if j == 1 then first = first + 1 end
          break
        end
      end
      assert.is_true(any, string.format("outcome %d: %s; %s", i, line, context))
    end
    assert.is_true(first >= case.rounds.min,
                   string.format("%d outcomes of the first kind, want >= %d: the race was not "
                                 .. "forced; %s", first, case.rounds.min, context))
  end
end

-- ---------------------------------------------------------------------------
-- The cases
-- ---------------------------------------------------------------------------

local X = {-1.5, 2.5, -0.0, 0.0, 3.0}
local D = {1.0, -2.0, 3.0, 4.0, -5.0}
local QNAN_PAYLOAD = reference.from_bits("7ff8000000000123")
local NEG_QNAN = reference.from_bits("fff8000000000000")
local SPECIAL = {0 / 0, QNAN_PAYLOAD, NEG_QNAN, math.huge, -math.huge, -0.0, 0.0,
                 reference.from_bits("0000000000000001"), -reference.from_bits("7fefffffffffffff")}
local WIDE = {2 ^ 53 + 0.0, math.maxinteger + 0.0, math.mininteger + 0.0, (2 ^ 53 + 1) + 0.0,
              -(2 ^ 60 + 3) + 0.0}
local ROW = {}
for i = 1, 4096 do ROW[i] = i - 2048.5 end
local SHARED_ROWS = {}
for r = 1, 1000 do
  for c = 1, 3 do SHARED_ROWS[(r - 1) * 3 + c] = ({-1.0, 0.5, 2.0})[c] end
end
local LONG_ROW = {}
for i = 1, 1 << 13 do LONG_ROW[i] = (i % 7) - 3.5 end

local CASES = {
  -- Sizes at and past every limit.
  {name = "crelu.array(math.maxinteger), f64 and f32: refused before allocating",
   code = [[report(pcall(crelu.array, math.maxinteger))
            report(pcall(crelu.array, math.maxinteger, "f32"))]],
   expect = {err("do not fit in memory"), err("do not fit in memory")}},
  {name = "crelu.array(n) where n * 8 and n * 4 wrap size_t (2^61 f64, 2^62 f32)",
   code = [[report(pcall(crelu.array, 1 << 61, "f64"))
            report(pcall(crelu.array, 1 << 62, "f32"))]],
   expect = {err("do not fit in memory"), err("do not fit in memory")}},
  {name = "crelu.array(n) of more than PTRDIFF_MAX bytes (2^60 f64, 2^61 f32)",
   code = [[report(pcall(crelu.array, 1 << 60, "f64"))
            report(pcall(crelu.array, 1 << 61, "f32"))]],
   expect = {err("do not fit in memory"), err("do not fit in memory")}},
  {name = "crelu.array(n) with n negative, fractional, NaN, inf, 2^70, a string",
   code = [[for _, n in ipairs({-1, math.mininteger, 2.5, 0 / 0, math.huge, 2.0 ^ 70}) do
              report(pcall(crelu.array, n))
            end
            report(pcall(crelu.array, "3"))
            report(pcall(crelu.array, -0.0))]],
   expect = {err("length must be a non-negative integer, got -1"),
             err("length must be a non-negative integer, got -9223372036854775808"),
             err("length must be a non-negative integer, got 2.5"),
             err("length must be a non-negative integer, got"),
             err("length must be a non-negative integer, got inf"),
             err("length must be a non-negative integer, got 1.1805916207174e+21"),
             err("expected a length or a flat table of numbers, got string"),
             ok_values({})}},
  {name = "crelu.array(2^28) f64, and a forward with no room for its result, under ulimit -v",
   memory_limit_kb = MEMORY_LIMIT_KB,
   code = [[report(pcall(crelu.array, 1 << 28))
            local x = crelu.array(1 << 24, "f32") -- 64 MiB: fits
            report(pcall(R.forward, R, x)) -- another 64 MiB for y: does not
            x = nil
            collectgarbage("collect")]],
   expect = {err("not enough memory"), err("not enough memory")}},
  {name = "under ulimit -v, libcrelu's own allocation fails (save = \"x\"); a mask fits",
   memory_limit_kb = MEMORY_LIMIT_KB,
   code = [[local n = 10 << 20 -- 40 MiB of f32: x and out fit, a saved copy of x does not
            local x = crelu.array(n, "f32")
            for i = 1, n, 4096 do x[i] = (i % 7) - 1.5 end
            local out = crelu.array(n, "f32")
            report(pcall(R.forward, R, x, out))
            report(pcall(R.backward, R, x, out))
            local M = crelu.ReLU{save = "mask"}
            report(pcall(function() M:forward(x, out) return {out[1], out[4097], out[8193]} end))
            report(pcall(function() M:backward(x, out) return {out[1], out[4097], out[8193]} end))
            x, out = nil, nil
            collectgarbage("collect")]],
   expect = {err("crelu.ReLU:forward: out of memory (x: an f32 array of 10485760 elements)"),
             err("backward called before any successful forward"),
             fwd({-0.5, 0.5, 1.5}, fround), bwd({-0.5, 0.5, 1.5}, {-0.5, 0.5, 1.5}, fround)}},
  {name = "a table whose #t is 2^40 (8 TiB of scratch) under ulimit -v",
   memory_limit_kb = MEMORY_LIMIT_KB,
   code = [[report(pcall(crelu.relu, fake_length(40)))
            report(pcall(R.forward, R, fake_length(40)))]],
   expect = {err("not enough memory"), err("not enough memory")}},
  {name = "a table whose #t is 2^61 or 2^62: the scratch size would wrap to 0",
   code = [[report(pcall(crelu.relu, fake_length(61)))
            report(pcall(R.forward, R, fake_length(62)))
            report(pcall(crelu.relu, fake_length(60)))]],
   expect = {err("a table of length 2305843009213693952 (#t) is more than"),
             err("a table of length 4611686018427387904 (#t) is more than"),
             err("a table of length 1152921504606846976 (#t) is more than")}},
  {name = "rows whose #row is 2^62 or 2^60: rows * #row * 8 would wrap",
   code = [[local row = fake_length(62)
            report(pcall(crelu.relu, {row, row}))
            local row60 = fake_length(60)
            report(pcall(R.forward, R, {row60, row60, row60, row60}))]],
   expect = {err("2 rows of length 4611686018427387904 (#row) are more than"),
             err("4 rows of length 1152921504606846976 (#row) are more than")}},
  {name = "crelu.array(t) of a table whose #t is 2^61",
   code = [[report(pcall(crelu.array, fake_length(61)))
            report(pcall(crelu.array, fake_length(61), "f32"))]],
   expect = {err("crelu.array: a table of length 2305843009213693952 (#t) is more than"),
             err("crelu.array: a table of length 2305843009213693952 (#t) is more than")}},

  -- Sparse tables and holes.
  {name = "{[1] = -1, [3] = 3}: #t is 1, element 3 is not dropped",
   code = [[report(pcall(crelu.relu, {[1] = -1.0, [3] = 3.0}))
            report(pcall(crelu.array, {[1] = -1.0, [3] = 3.0}))]],
   expect = {err("element [3] is set but the table's length (#t) is 1"),
             err("element [3] is set but the table's length (#t) is 1")}},
  {name = "a list with a hole made by appending past its end",
   code = [[local t = {-1.0, 2.0, 3.0}
            t[5] = -5.0
            report(pcall(R.forward, R, t))
            local u = {}
            for i = 1, 100 do u[i] = i - 50.5 end
            u[50] = nil
            report(pcall(crelu.relu, u))]],
   expect = {err("element [5] is set but the table's length (#t) is 3"),
             err("crelu.relu: element [")}},
  {name = "holes inside #t and a trailing nil",
   code = [[report(pcall(crelu.relu, {1.0, nil, 3.0}))
            report(pcall(crelu.array, {1.0, nil, 3.0}, "f32"))
            report(pcall(crelu.relu, {-1.0, 2.0, nil}))]],
   expect = {err("element [2]: expected a number, got nil"),
             err("element [2]: expected a number, got nil"),
             fwd({-1.0, 2.0})}},
  {name = "rows with a row past a hole, and a row with an element past its length",
   code = [[report(pcall(crelu.relu, {{1.0, 2.0}, {3.0, 4.0}, [4] = {5.0, 6.0}}))
            report(pcall(R.forward, R, {{1.0, -2.0, [4] = 9.0}, {3.0, 4.0}}))]],
   expect = {err("element [4] is set but the table's length (#t) is 2"),
             err("element [1][4] is set but the row's length (#row) is 2")}},
  -- Issue 12: a table must be exactly the sequence 1..n; any other key is an
  -- error that names it, wherever Lua stores it (array or hash part).
  {name = "{[3] = 3, [1] = 1}: t[#t] in the hash part, element 3 is not dropped",
   code = [[report(pcall(crelu.relu, {[3] = 3.0, [1] = 1.0}))
            report(pcall(crelu.array, {[3] = 3.0, [1] = 1.0}))
            report(pcall(R.forward, R, {{-1.0}, {[3] = 3.0, [1] = 1.0}}))]],
   expect = {err("element [3] is set but the table's length (#t) is 1"),
             err("element [3] is set but the table's length (#t) is 1"),
             err("element [2][3] is set but the row's length (#row) is 1")}},
  {name = "{[2] = 2, [1] = 1, [4] = 4} built out of order",
   code = [[local t = {}
            t[2] = 2.0; t[1] = 1.0; t[4] = 4.0
            report(pcall(crelu.relu, t))
            report(pcall(crelu.array, t))
            report(pcall(crelu.relu, {{1.0, 2.0, 3.0, 4.0}, t}))]],
   -- #t is 4 or 2 depending on where Lua stored the keys: either way the
   -- message names element 3 (a hole) or element 4 (past #t).
   rounds = {min = 0, err("crelu.relu: element [3]"), err("crelu.relu: element [4]"),
             err("crelu.array: element [3]"), err("crelu.array: element [4]"),
             err("crelu.relu: element [2][3]"), err("crelu.relu: element [2][4]"),
             err("crelu.relu: ragged rows")}},
  {name = "a string key: {1, 2, a = 3}, in a table and in a row",
   code = [[report(pcall(crelu.relu, {1.0, 2.0, a = 3.0}))
            report(pcall(crelu.array, {1.0, 2.0, a = 3.0}))
            report(pcall(R.forward, R, {{1.0, 2.0}, {1.0, 2.0, a = 3.0}}))
            report(pcall(R.forward, R, {{1.0, 2.0}, {1.0, 2.0}, a = {1.0, 2.0}}))]],
   expect = {err('crelu.relu: key "a" is not an element 1..#t (2)'),
             err('crelu.array: key "a" is not an element 1..#t (2)'),
             err('crelu.ReLU:forward: row 2: key "a" is not an element 1..#row (2)'),
             err('crelu.ReLU:forward: key "a" is not an element 1..#t (2)')}},
  {name = "a fractional key: {1, 2, [1.5] = 3}, in a table and in a row",
   code = [[report(pcall(crelu.relu, {1.0, 2.0, [1.5] = 3.0}))
            report(pcall(R.forward, R, {{1.0, 2.0, [1.5] = 3.0}, {1.0, 2.0}}))
            report(pcall(R.forward, R, {{1.0, 2.0}, [1.5] = {1.0, 2.0}}))]],
   expect = {err("crelu.relu: key 1.5 is not an element 1..#t (2)"),
             err("crelu.ReLU:forward: row 1: key 1.5 is not an element 1..#row (2)"),
             err("crelu.ReLU:forward: key 1.5 is not an element 1..#t (1)")}},
  {name = "keys 0, -1 and a numeric string are not elements either",
   code = [[report(pcall(crelu.relu, {-1.5, 2.5, [0] = 7.0}))
            report(pcall(crelu.relu, {-1.5, 2.5, [-1] = 8.0}))
            report(pcall(crelu.relu, {-1.5, nil, 3.0, ["2"] = 2.0}))]],
   expect = {err("crelu.relu: key 0 is not an element 1..#t (2)"),
             err("crelu.relu: key -1 is not an element 1..#t (2)"),
             err("crelu.relu: element [2]: expected a number, got nil")}},
  -- The issue's own example: {a = 1} has #t = 0, and its key must not make
  -- it an empty list. And backward's d is read by the same rule.
  {name = "{a = 1}: a table with no element but a key is not empty; backward's d",
   code = [[report(pcall(crelu.relu, {a = 1.0}))
            report(pcall(crelu.array, {a = 1.0}, "f32"))
            report(pcall(R.forward, R, {{}, {a = 1.0}}))
            report(pcall(R.forward, R, {-1.0, 2.0}))
            report(pcall(R.backward, R, {3.0, 4.0, a = 5.0}))
            report(pcall(R.backward, R, {[1] = 3.0, [3] = 5.0}))
            report(pcall(R.backward, R, {{3.0, 4.0}, [1.5] = {5.0, 6.0}}))
            report(pcall(R.backward, R, {3.0, 4.0}))]],
   expect = {err('crelu.relu: key "a" is not an element 1..#t (0)'),
             err('crelu.array: key "a" is not an element 1..#t (0)'),
             err('crelu.ReLU:forward: row 2: key "a" is not an element 1..#row (0)'),
             fwd({-1.0, 2.0}),
             err('crelu.ReLU:backward: key "a" is not an element 1..#t (2)'),
             err("crelu.ReLU:backward: element [3] is set but the table's length (#t) is 1"),
             err("crelu.ReLU:backward: key 1.5 is not an element 1..#t (1)"),
             bwd({-1.0, 2.0}, {3.0, 4.0})}},

  -- Recursive and nested tables.
  {name = "a table that contains itself, as element 1 and as element 2",
   code = [[local t = {}
            t[1] = t
            report(pcall(crelu.relu, t))
            local u = {1.0}
            u[2] = u
            report(pcall(R.forward, R, u))
            report(pcall(crelu.array, t))]],
   expect = {err("element [1][1]: expected a number, got table"),
             err("element [2]: expected a number, got table"),
             err("expected a flat table of numbers, got a table of rows")}},
  {name = "a row that contains the outer table, and rows three deep",
   code = [[local a = {{1.0}}
            a[1][1] = a
            report(pcall(crelu.relu, a))
            local b = {{-1.0, 2.0}, {3.0, 4.0}}
            b[2][2] = b
            report(pcall(R.forward, R, b))
            report(pcall(crelu.relu, {{{1.0}}}))]],
   expect = {err("element [1][1]: expected a number, got table"),
             err("element [2][2]: expected a number, got table"),
             err("element [1][1]: expected a number, got table")}},
  {name = "1000 rows that are one shared row table, forward and backward",
   code = [[local row, drow = {-1.0, 0.5, 2.0}, {1.0, 2.0, 3.0}
            local x, d = {}, {}
            for r = 1, 1000 do x[r], d[r] = row, drow end
            report(pcall(R.forward, R, x))
            report(pcall(R.backward, R, d))]],
   expect = (function()
     local d = {}
     for i = 1, 3000 do d[i] = ({1.0, 2.0, 3.0})[(i - 1) % 3 + 1] end
     return {fwd(SHARED_ROWS), bwd(SHARED_ROWS, d)}
   end)()},

  -- Metatables: tables are read raw, so none of these run.
  {name = "__index, __len and __newindex that mutate, error or yield are not run",
   code = [[local mt = {
              __len = function() error("__len ran") end,
              __index = function(t, k) rawset(t, k, 1.0); coroutine.yield() end,
              __newindex = function() error("__newindex ran") end,
            }
            local x = setmetatable({-1.5, 2.5, -0.0, 0.0, 3.0}, mt)
            report(pcall(R.forward, R, x))
            report(pcall(R.backward, R, setmetatable({1.0, -2.0, 3.0, 4.0, -5.0}, mt)))
            local proxy = setmetatable({}, {__len = function() return 1e18 end,
                                            __index = function() return 1.0 end})
            report(pcall(crelu.relu, proxy))
            report(pcall(crelu.array, proxy))]],
   expect = {fwd(X), bwd(X, D), ok_values({}), ok_values({})}},

  -- __gc finalizers in mid-call.
  {name = "__gc in mid-call replaces a row of the input with a number",
   code = [[local victim
            local mt = {__gc = function() if victim then victim[2] = 12345 end end}
            local row = {}
            for i = 1, 4096 do row[i] = i - 2048.5 end
            collectgarbage("generational", 1, 100)
            for _ = 1, 20 do
              local t = {row, row, row}
              drop_finalizers(mt)
              victim = t
              local ok, y = pcall(crelu.relu, t)
              victim = nil
              report(ok, ok and {y[1][1], y[2][4096], y[3][7], #y, #y[3]} or y)
            end]],
   -- A finalizer that ran before the call gives the row error instead.
   rounds = {err("the table changed during the call"),
             ok_values({0.0, ROW[4096], 0.0, 3, 4096}),
             err("row 2: expected a table of numbers (as row 1 is), got number"), min = 5}},
  {name = "__gc in mid-call appends to the input (its length moves)",
   code = [[local victim
            local mt = {__gc = function() if victim then victim[#victim + 1] = -1.0 end end}
            local x = {}
            for i = 1, 1 << 13 do x[i] = (i % 7) - 3.5 end
            collectgarbage("generational", 1, 100)
            for _ = 1, 20 do
              local t = table.move(x, 1, #x, 1, {})
              drop_finalizers(mt)
              victim = t
              local ok, y = pcall(R.forward, R, t)
              victim = nil
              report(ok, ok and {y[1], y[8192], #y} or y)
            end]],
   -- A finalizer that ran before the call gives the longer table's result.
   rounds = {err("the table changed during the call"),
             ok_values({0.0, reference.forward(LONG_ROW[8192], {}, identity), 8192}),
             ok_values({0.0, reference.forward(LONG_ROW[8192], {}, identity), 8193}), min = 5}},
  {name = "__gc in mid-call closes the object and runs a full collection",
   code = [[local current
            local mt = {__gc = function()
              if current then current:close(); collectgarbage("collect") end
            end}
            local x = crelu.array(1 << 13)
            for i = 1, #x do x[i] = (i % 7) - 3.5 end
            collectgarbage("generational", 1, 100)
            for _ = 1, 20 do
              local r = crelu.ReLU{}
              drop_finalizers(mt)
              current = r
              local ok, y = pcall(r.forward, r, x)
              current = nil
              report(ok, ok and {y[1], y[2], y[3]} or y)
            end]],
   rounds = {err("this crelu.ReLU was closed during the call"),
             fwd({(1 % 7) - 3.5, (2 % 7) - 3.5, (3 % 7) - 3.5}), min = 5}},
  {name = "__gc in mid-forward calls backward and forward on the same object",
   code = [[local in_forward, nested = false, 0
            local other = crelu.array({5.0, -6.0})
            local mt = {__gc = function()
              if in_forward then
                nested = nested + 1
                pcall(R.backward, R, other)
                R:forward(other)
              end
            end}
            local x = crelu.array(1 << 13)
            local d = crelu.array(1 << 13)
            for i = 1, #x do x[i] = (i % 7) - 1.5; d[i] = (i % 5) - 2.0 end
            R:forward(x)
            collectgarbage("generational", 1, 100)
            for _ = 1, 20 do
              drop_finalizers(mt)
              in_forward = true
              local ok, y = pcall(R.forward, R, x)
              in_forward = false
              report(ok, ok and {y[1], y[2], y[3]} or y)
              local ok2, dx = pcall(R.backward, R, d)
              report(ok2, ok2 and {dx[1], dx[2], dx[3]} or dx)
            end
            collectgarbage("incremental")
            -- The count, as an outcome line that `rounds` requires once.
            print(nested >= 5 and "ERR nested calls ran" or "ERR only " .. nested .. " nested")]],
   rounds = {err("nested calls ran"), fwd({-0.5, 0.5, 1.5}),
             bwd({-0.5, 0.5, 1.5}, {-1.0, 0.0, 1.0}), min = 1}},

  -- Coroutines.
  {name = "a yield from a metamethod in mid-call is an error; a yielding __gc is not felt",
   code = [[local key = setmetatable({}, {__tostring = function() coroutine.yield() end})
            local co = coroutine.wrap(function()
              report(pcall(function() return crelu.array(3)[key] end))
              return "done"
            end)
            print("ERR " .. tostring(co()))
            local mt = {__gc = function() coroutine.yield() end}
            local x = crelu.array(1 << 13)
            for i = 1, #x do x[i] = (i % 7) - 3.5 end
            collectgarbage("generational", 1, 100)
            local co2 = coroutine.wrap(function()
              for _ = 1, 5 do
                drop_finalizers(mt)
                local ok, y = pcall(R.forward, R, x)
                report(ok, ok and {y[1], y[2], y[3]} or y)
              end
              return "done"
            end)
            print("ERR " .. tostring(co2()))]],
   expect = (function()
     local want = {err("attempt to yield across a C-call boundary"), err("done")}
     for _ = 1, 5 do want[#want + 1] = fwd({-2.5, -1.5, -0.5}) end
     want[#want + 1] = err("done")
     return want
   end)()},

  -- Wrong outs.
  {name = "out of the wrong dtype, length or type, and out with a table input",
   code = [[local x = crelu.array({-1.0, 2.0, 3.0})
            report(pcall(R.forward, R, x, crelu.array(3, "f32")))
            report(pcall(R.forward, R, x, crelu.array(2)))
            report(pcall(R.forward, R, x, crelu.array(4)))
            report(pcall(crelu.relu, x, {0.0, 0.0, 0.0}))
            report(pcall(crelu.relu, {-1.0}, crelu.array(1)))
            R:forward(x)
            report(pcall(R.backward, R, x, crelu.array(0)))]],
   expect = {err("out is an f32 array but x is f64; they must match"),
             err("out has 2 elements but x has 3; they must match"),
             err("out has 4 elements but x has 3; they must match"),
             err("out must be a crelu.array (f64, 3 elements, like x), got table"),
             err("out is only for crelu.array input"),
             err("out has 0 elements but d has 3; they must match")}},

  -- Elements.
  {name = "strings, booleans and tables as elements, in tables, rows and arrays",
   code = [[report(pcall(crelu.relu, {1.0, "2", 3.0}))
            report(pcall(R.forward, R, {true}))
            report(pcall(crelu.relu, {{1.0}, {false}}))
            report(pcall(crelu.array, {1.0, 2.0, print}))
            local a = crelu.array(2)
            report(pcall(function() a[1] = "1" end))
            report(pcall(function() a[2] = nil end))]],
   expect = {err("element [2]: expected a number, got string"),
             err("element [1]: expected a number, got boolean"),
             err("element [2][1]: expected a number, got boolean"),
             err("element [3]: expected a number, got function"),
             err("element 1 must be set to a number, got string"),
             err("element 2 must be set to a number, got nil")}},
  {name = "NaN (with payloads), infinities, signed zeros, subnormals: tables and arrays",
   code = string.format([[local x = {%s}
            report(pcall(R.forward, R, x))
            report(pcall(R.forward, R, crelu.array(x)))
            report(pcall(R.forward, R, crelu.array(x, "f32")))]],
            (function()
              local parts = {}
              for i, v in ipairs(SPECIAL) do
                parts[i] = string.format('from_bits("%s")', bits(v))
              end
              return table.concat(parts, ", ")
            end)()),
   expect = (function()
     local x32 = {}
     for i, v in ipairs(SPECIAL) do x32[i] = fround(v) end
     local want32 = fwd(x32, fround)
     return {fwd(SPECIAL), fwd(SPECIAL), want32}
   end)()},
  {name = "integers past 2^53, math.maxinteger and math.mininteger",
   code = [[local x = {1 << 53, math.maxinteger, math.mininteger, (1 << 53) + 1, -((1 << 60) + 3)}
            report(pcall(R.forward, R, x))
            report(pcall(R.forward, R, crelu.array(x, "f32")))
            local a = crelu.array(1)
            a[1] = math.maxinteger
            report(true, a)]],
   expect = (function()
     local x32 = {}
     for i, v in ipairs(WIDE) do x32[i] = fround(v) end
     return {fwd(WIDE), fwd(x32, fround), ok_values({math.maxinteger + 0.0})}
   end)()},
  -- Set: reading an integer index out of range gives nil (crelu_spec.lua).
  {name = "array indices at and past every limit",
   code = [[local a = crelu.array(3)
            for _, i in ipairs({0, 4, math.maxinteger, math.mininteger, 2.0 ^ 63, 1.5, 0 / 0}) do
              report(pcall(function() a[i] = 1.0 end))
            end
            report(pcall(function() crelu.array(0)[1] = 1.0 end))]],
   expect = {err("index 0 out of range 1..3"), err("index 4 out of range 1..3"),
             err("index 9223372036854775807 out of range 1..3"),
             err("index -9223372036854775808 out of range 1..3"),
             err("index must be an integer, got number 9.2233720368548e+18"),
             err("index must be an integer, got number 1.5"),
             err("index must be an integer, got number"),
             err("index 1 out of range (the array is empty)")}},

  -- An empty backward (C: backward n = 0 is checked like any other count).
  {name = "an empty backward after a non-empty forward is a size mismatch, in every form",
   code = [[R:forward({1.0, 2.0, 3.0})
            report(pcall(R.backward, R, {}))
            report(pcall(R.backward, R, crelu.array(0)))
            R:forward(crelu.array(3, "f32"))
            report(pcall(R.backward, R, crelu.array(0, "f32")))
            report(pcall(R.backward, R, crelu.array(0, "f32"), crelu.array(0, "f32")))
            local fresh = crelu.ReLU{}
            report(pcall(fresh.backward, fresh, {}))
            fresh:forward({})
            report(pcall(fresh.backward, fresh, {}))
            report(pcall(fresh.backward, fresh, {{}}))]],
   expect = {err("backward element count differs from the last forward (d: a table of 0 numbers"),
             err("backward element count differs from the last forward (d: an f64 array of 0"),
             err("backward element count differs from the last forward (d: an f32 array of 0"),
             err("backward element count differs from the last forward (d: an f32 array of 0"),
             err("backward called before any successful forward"),
             ok_values({}), ok_values({})}},

  -- bfloat16 and float16 (issue 14).
  {name = "16-bit arrays: bit patterns past every limit, integer values, mixed dtypes",
   code = [[local h = crelu.array(2, "f16")
            for _, v in ipairs({0x10000, -1, math.maxinteger, math.mininteger, 2.0 ^ 63,
                                0 / 0, math.huge}) do
              report(pcall(h.set_bits, h, 1, v))
            end
            h[1] = math.maxinteger
            h[2] = math.mininteger
            report(true, h)
            local b = crelu.array({-1.0, 2.0, 0 / 0}, "bf16")
            report(pcall(R.forward, R, b, crelu.array(3, "f16")))
            report(pcall(R.forward, R, b))
            report(pcall(R.backward, R, crelu.array(3, "f16")))
            report(pcall(crelu.relu_backward, b, crelu.array(3, "f16")))
            report(pcall(crelu.relu_backward, b, b, crelu.array(3)))
            report(pcall(crelu.array, 1 << 62, "bf16"))]],
   expect = {err("65536 is not a bit pattern of f16 (0..65535)"),
             err("-1 is not a bit pattern of f16"),
             err("9223372036854775807 is not a bit pattern of f16"),
             err("-9223372036854775808 is not a bit pattern of f16"),
             err("the bit pattern must be an integer, got 9.2233720368548e+18"),
             err("the bit pattern must be an integer, got "),
             err("the bit pattern must be an integer, got inf"),
             ok_values({math.huge, -math.huge}),
             err("out is an f16 array but x is bf16; they must match"),
             ok_values({half.widen(0x0000, "bf16"), half.widen(0x4000, "bf16"),
                        half.widen(0xffff, "bf16")}),
             err("backward dtype differs from the last forward (d: an f16 array of 3 elements)"),
             err("d is an f16 array but x is bf16; they must match"),
             err("out is an f64 array but d is bf16; they must match"),
             err("elements of bf16 do not fit in memory")}},

  -- Objects: closed, options.
  {name = "a closed object, closed twice, <close> on the error path, hostile options",
   code = [[local r = crelu.ReLU{}
            r:close(); r:close()
            report(pcall(r.forward, r, {1.0}))
            local ok, e = pcall(function()
              local s <close> = crelu.ReLU{}
              r = s
              s:forward({1.0})
              s:backward({1.0, 2.0})
            end)
            report(ok, e)
            report(pcall(r.forward, r, {1.0}))
            local options = setmetatable({}, {__index = function() error("ran") end})
            report(pcall(function() return crelu.ReLU(options)({-1.0}) end))
            report(pcall(crelu.ReLU, {save = "mask", [1] = 2}))
            report(pcall(crelu.ReLU, {negative_slope = 0 / 0}))]],
   expect = {err("crelu.ReLU:forward: this crelu.ReLU is closed"),
             err("backward element count differs from the last forward"),
             err("crelu.ReLU:forward: this crelu.ReLU is closed"),
             fwd({-1.0}),
             err("options go by name"),
             err("(it must be finite)")}},
}

describe("hostile input, each case in a child process with a timeout", function()
  it("has at least 20 cases", function()
    assert.is_true(#CASES >= 20, #CASES .. " cases")
  end)
  for _, case in ipairs(CASES) do
    it(case.name, function() check_case(case) end)
  end
end)
