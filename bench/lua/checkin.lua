-- wrk script for check-in: POST /api/v1/checkin with the staff token
-- (BENCH_STAFF), a different QR token (BENCH_TOKENS: one a line) on every
-- request. Thread i of T (BENCH_THREADS) takes tokens START+i, START+i+T, ...
-- of the range [BENCH_START, BENCH_END) (default: the whole file), so no token
-- is scanned twice; past the end it wraps (those scans answer 409
-- already_used, reported as non-2xx). Prints "status <code> <count>",
-- "sample <code> <body>" for the first non-2xx of each thread, and
-- "wrapped <n>".
local threads, next_id = {}, 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local tokens, staff, nthreads, start, stop, n = {}, nil, 1, 0, 0, 0
statuses, sample, wrapped = {}, nil, 0 -- globals: done() reads them with thread:get

function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  staff = "Bearer " .. os.getenv("BENCH_STAFF")
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
  start = tonumber(os.getenv("BENCH_START") or "0")
  stop = math.min(tonumber(os.getenv("BENCH_END") or "0") or 0, #tokens)
  if stop <= start then stop = #tokens end
end

function request()
  local k = n * nthreads + id
  n = n + 1
  if k >= stop - start then wrapped = wrapped + 1 end
  local token = tokens[start + k % (stop - start) + 1]
  return wrk.format("POST", "/api/v1/checkin", {
    ["X-Tenant"] = "bench",
    ["Content-Type"] = "application/json",
    ["Authorization"] = staff,
  }, string.format('{"token":"%s","gate":"G%d"}', token, (n % 8) + 1))
end

function response(status, headers, resp)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 300 and sample == nil then sample = status .. " " .. resp:sub(1, 300) end
end

function done(summary, latency, requests)
  local total, w = {}, 0
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
    local smp = t:get("sample")
    if smp then io.write("sample ", (smp:gsub("\n", " ")), "\n") end
    w = w + t:get("wrapped")
  end
  for k, v in pairs(total) do io.write(string.format("status %d %d\n", k, v)) end
  io.write(string.format("wrapped %d\n", w))
end
