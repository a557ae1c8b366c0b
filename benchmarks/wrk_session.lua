-- wrk script for benchmarks/bench_web.py: sends the session cookie of a real login
-- (RK_COOKIE="name=value", empty for the bare endpoint), counts every response whose status
-- is not exactly RK_EXPECT (default 200), and prints one JSON line the benchmark parses.

local cookie = os.getenv("RK_COOKIE") or ""
local expect = tonumber(os.getenv("RK_EXPECT") or "200")
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   wrong = 0
   first_wrong = 0
   if cookie ~= "" then
      wrk.headers["Cookie"] = cookie
   end
end

function response(status, headers, body)
   if status ~= expect then
      wrong = wrong + 1
      if first_wrong == 0 then
         first_wrong = status
      end
   end
end

function done(summary, latency, requests)
   local wrong_total, first = 0, 0
   for _, thread in ipairs(threads) do
      wrong_total = wrong_total + thread:get("wrong")
      local seen = thread:get("first_wrong")
      if first == 0 and seen ~= 0 then
         first = seen
      end
   end
   local errors = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "wrong_status": %d, "first_wrong_status": %d, '
      .. '"socket_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
      summary.requests, summary.duration, wrong_total, first,
      errors.connect + errors.read + errors.write + errors.timeout,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
