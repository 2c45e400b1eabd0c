-- wrk script for run-api: one route per run, chosen by BENCH_ROUTE; the token comes from BENCH_TOKEN (never argv).
--   create   POST /database/create, a fresh name per request, on the registered host BENCH_HOST
--   status   GET  /middleware/seed-<n>/status
--   state    PUT  /middleware/seed-<n>/running and /stopped in turn
--   list     GET  /middleware?limit=100
--   changed  GET  /middleware/status/changed/<today>
-- done() prints one RESULT line that run-api reads.
local route = os.getenv("BENCH_ROUTE")
local token = os.getenv("BENCH_TOKEN")
local seeds = tonumber(os.getenv("BENCH_SEEDS") or "1000")
local host = os.getenv("BENCH_HOST") or "127.0.0.231"
local run = os.getenv("BENCH_RUN") or "r"
local api = "/apis/v1alpha1/"
local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + tid)
end

local function create()
  counter = counter + 1
  local name = "c-" .. run .. "-" .. tid .. "-" .. counter
  local body = '{"name":"' .. name .. '","host":[{"ip":"' .. host .. '","agent_port":3335}],'
      .. '"app":{"repo_url":"http://127.0.0.1:8000/pg/","install":"install.sh","start":"start.sh","stop":"stop.sh",'
      .. '"check":"check.sh","uninstall":"uninstall.sh","metadata":{"PG_PORT":"25432"}}}'
  return wrk.format("POST", api .. "database/create", headers, body)
end

function request()
  if route == "create" then
    return create()
  end
  local seed = "seed-" .. math.random(1, seeds)
  if route == "status" then
    return wrk.format("GET", api .. "middleware/" .. seed .. "/status", headers)
  elseif route == "state" then
    counter = counter + 1
    local target = (counter % 2 == 0) and "running" or "stopped"
    return wrk.format("PUT", api .. "middleware/" .. seed .. "/" .. target, headers, "")
  elseif route == "list" then
    return wrk.format("GET", api .. "middleware?limit=100", headers)
  elseif route == "changed" then
    return wrk.format("GET", api .. "middleware/status/changed/" .. os.date("%Y%m%d"), headers)
  end
  error("BENCH_ROUTE must be create, status, state, list or changed")
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.status,
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
