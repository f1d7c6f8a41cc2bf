-- wrk script for POST /v1/screen at a constant rate: rotates real advance-data bodies (one JSON
-- per line of BODIES_FILE) and sends the bearer token from TOKEN.
--
-- Pacing: the connections share one schedule, a slot every 1000 / RATE ms. When a connection
-- has its answer, delay() gives it the next free slot and wrk waits until then, so the rate
-- stays at RATE whatever the latency, as long as some connection is idle when a slot comes
-- (use many more connections than RATE × latency). A slot that no connection was free for is
-- sent late; LAG counts those (the closed-loop part wrk's own latencies cannot show), so a run
-- with late sends understates the tail. Run with one thread (-t1): the schedule is per thread.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } redlane_timespec;
  int clock_gettime(int clock_id, redlane_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("redlane_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
  return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end

local bodies, i = {}, 0
local interval_ms = 1000 / tonumber(os.getenv("RATE") or "100")
local next_slot = nil
-- read back by done() through thread:get()
sent_late, lag_max_ms, lag_sum_ms = 0, 0, 0

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  for line in io.lines(os.getenv("BODIES_FILE")) do bodies[#bodies + 1] = line end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

function request()
  i = i % #bodies + 1
  return wrk.format(nil, "/v1/screen", nil, bodies[i])
end

function delay()
  local now = now_ms()
  if next_slot == nil then next_slot = now end
  local slot = next_slot
  next_slot = next_slot + interval_ms
  local wait = slot - now
  if wait < 0 then
    local lag = -wait
    lag_sum_ms = lag_sum_ms + lag
    if lag > lag_max_ms then lag_max_ms = lag end
    if lag > 10 then sent_late = sent_late + 1 end
    return 0
  end
  return math.floor(wait)
end

function done(summary, latency, requests)
  local late, lag_max = 0, 0
  for _, thread in ipairs(threads) do
    late = late + (thread:get("sent_late") or 0)
    lag_max = math.max(lag_max, thread:get("lag_max_ms") or 0)
  end
  io.write(string.format(
    "JSON {\"requests\": %d, \"errors_status\": %d, \"errors_connect\": %d, \"errors_read\": %d,"
      .. " \"errors_write\": %d, \"errors_timeout\": %d, \"duration_s\": %.2f, \"p50_ms\": %.2f,"
      .. " \"p90_ms\": %.2f, \"p95_ms\": %.2f, \"p99_ms\": %.2f, \"p999_ms\": %.2f,"
      .. " \"max_ms\": %.2f, \"mean_ms\": %.2f, \"sent_late_over_10ms\": %d,"
      .. " \"schedule_lag_max_ms\": %.1f}\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000,
    latency.mean / 1000, late, lag_max))
end
