-- wrk script for POST /v1/screen: rotates real advance-data bodies (one JSON per line of
-- BODIES_FILE), sends the bearer token from TOKEN, and paces each connection with DELAY_MS so
-- the total rate is about connections × 1000 / (DELAY_MS + latency).
local bodies, i = {}, 0
local delay_ms = tonumber(os.getenv("DELAY_MS") or "20")

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
  return delay_ms
end

function done(summary, latency, requests)
  io.write(string.format(
    "JSON {\"requests\": %d, \"errors_status\": %d, \"errors_connect\": %d, \"errors_timeout\": %d, \"duration_s\": %.2f, \"p50_ms\": %.2f, \"p95_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f}\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
