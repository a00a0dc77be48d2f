-- wrk script: POST /api/v1/orders with the JSON body in BENCH_BODY, rotating
-- over the buyers' access tokens (BENCH_BUYERS: one a line) with a fresh
-- Idempotency-Key per request (BENCH_RUN, thread id, counter).
-- Prints "status <code> <count>" lines and "sample <code> <body>" for non-2xx.
local threads, next_id = {}, 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local tokens, body, run, n = {}, nil, nil, 0
statuses, sample = {}, nil -- globals: done() reads them with thread:get

function init(args)
  for line in io.lines(os.getenv("BENCH_BUYERS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  body = os.getenv("BENCH_BODY")
  run = os.getenv("BENCH_RUN") or "run"
end

function request()
  n = n + 1
  local token = tokens[(n * 7 + id) % #tokens + 1]
  return wrk.format("POST", "/api/v1/orders", {
    ["X-Tenant"] = "bench",
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = string.format("%s-%d-%d", run, id, n),
  }, body)
end

function response(status, headers, resp)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 300 and sample == nil then sample = status .. " " .. resp:sub(1, 300) end
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
    local smp = t:get("sample")
    if smp then io.write("sample ", (smp:gsub("\n", " ")), "\n") end
  end
  for k, v in pairs(total) do io.write(string.format("status %d %d\n", k, v)) end
end
