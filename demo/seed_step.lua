-- SPDX-License-Identifier: MIT
-- The seed's step through the Lua binding, for the cross-language demo:
-- reads x and d_loss (two lines of 21 numbers, the seed's 3x7 draws) from
-- stdin and prints the forward and backward results of the seed's NumPy
-- class (grad "cs231n") and of torch.nn.ReLU (grad "pytorch"), one line each,
-- every value printed so that it parses back to the same double.
--
--   LUA_CPATH='PREFIX/lib/lua/5.4/?.so' lua5.4 demo/seed_step.lua < input
local crelu = require "crelu"

local ROWS, COLS = 3, 7

-- One input line as 3x7 nested rows, like the seed's np.random.random((3, 7)).
local function read_matrix(name)
  local line = io.read("l")
  if line == nil then
    error(string.format("expected a line of %d numbers for %s, got end of input", ROWS * COLS, name))
  end
  local values = {}
  for token in line:gmatch("%S+") do
    local value = tonumber(token)
    if value == nil then
      error(string.format("%s: %q is not a number", name, token))
    end
    values[#values + 1] = value + 0.0
  end
  if #values ~= ROWS * COLS then
    error(string.format("%s: expected %d numbers, got %d", name, ROWS * COLS, #values))
  end
  local matrix = {}
  for r = 1, ROWS do
    matrix[r] = table.move(values, (r - 1) * COLS + 1, r * COLS, 1, {})
  end
  return matrix
end

local function print_matrix(label, matrix)
  local words = {label}
  for _, row in ipairs(matrix) do
    for _, value in ipairs(row) do
      words[#words + 1] = string.format("%.17g", value)
    end
  end
  io.write(table.concat(words, " "), "\n")
end

local function main()
  local x = read_matrix("x")
  local d_loss = read_matrix("d_loss")

  local relu_numpy <close> = crelu.ReLU{grad = "cs231n"}
  local relu_tensor <close> = crelu.ReLU{grad = "pytorch"}
  local out_numpy = relu_numpy(x)
  local out_tensor = relu_tensor(x)
  local dx_numpy = relu_numpy:backward(d_loss)
  local dx_tensor = relu_tensor:backward(d_loss)

  print_matrix("numpy_out", out_numpy)
  print_matrix("tensor_out", out_tensor)
  print_matrix("dx_numpy", dx_numpy)
  print_matrix("dx_tensor", dx_tensor)
end

local ok, message = pcall(main)
if not ok then
  io.stderr:write("seed_step.lua: ", tostring(message), "\n")
  os.exit(1)
end
