-- SPDX-License-Identifier: MIT
-- Runs every ```lua block of the Markdown files given, as written, with the
-- crelu module this interpreter's package.cpath finds (the caller sets
-- LUA_CPATH, or luarocks path does), and fails on the first error.
--   lua5.4 readme_lua.lua README.md [more.md ...]
-- A block's errors name the Markdown file and its line. A statement
-- "local name = ..." whose comment starts with a table ("-- {{0.0, 2.0}}",
-- words may follow it) is also checked: after the block has run, name must
-- equal that table (element by element; a zero's sign counts), so the
-- results the README shows are the ones the code gives.

local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) == "number" then
    return a == b and (a ~= 0 or 1 / a == 1 / b) or (a ~= a and b ~= b)
  end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do
    if not same(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

local function show(v)
  if type(v) ~= "table" then return tostring(v) end
  local parts = {}
  for i = 1, #v do parts[i] = show(v[i]) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- Each block as {first = line number of its first line, text = ...}.
local function lua_blocks(path)
  local blocks, current, number = {}, nil, 0
  for line in assert(io.open(path)):lines() do
    number = number + 1
    if current then
      if line:match("^```") then
        blocks[#blocks + 1], current = current, nil
      else
        current.lines[#current.lines + 1] = line
      end
    elseif line:match("^```lua%s*$") then
      current = {first = number + 1, lines = {}}
    end
  end
  assert(not current, path .. ": a ```lua block is not closed")
  return blocks
end

local total_blocks, total_checks = 0, 0
for _, path in ipairs(arg) do
  local blocks = lua_blocks(path)
  for _, block in ipairs(blocks) do
    local checks = {}
    for i, line in ipairs(block.lines) do
      local name, value = line:match("^%s*local%s+([%a_][%w_]*).-%-%-%s*(%b{})")
      if name then
        local where = ("%s:%d"):format(path, block.first + i - 1)
        local expected = load("return " .. value, "=" .. where)
        assert(expected, where .. ": the comment " .. value .. " is not a Lua value")
        checks[#checks + 1] = ("__readme_check(%q, %s, %q, %q)"):format(name, name, value, where)
      end
    end
    -- Blank lines first, so that the chunk's line numbers are the file's.
    local text = string.rep("\n", block.first - 1) .. table.concat(block.lines, "\n")
                 .. "\n" .. table.concat(checks, "\n")
    local env = setmetatable({
      __readme_check = function(name, got, value, where)
        local want = load("return " .. value)()
        if not same(got, want) then
          error(("%s: %s is %s, the README says %s"):format(where, name, show(got), value), 0)
        end
      end,
    }, {__index = _G})
    local chunk, err = load(text, "@" .. path, "t", env)
    if not chunk then error(err, 0) end
    local ok, failure = xpcall(chunk, debug.traceback)
    if not ok then
      io.stderr:write(("%s: the ```lua block at line %d failed:\n%s\n")
                      :format(path, block.first - 1, failure))
      os.exit(1)
    end
    total_blocks, total_checks = total_blocks + 1, total_checks + #checks
  end
  if #blocks == 0 then
    io.stderr:write(path .. ": no ```lua block\n")
    os.exit(1)
  end
end
print(("%d Lua block(s) ran, %d shown result(s) checked, with crelu %s from %s")
      :format(total_blocks, total_checks, require("crelu")._VERSION,
              package.searchpath("crelu", package.cpath)))
