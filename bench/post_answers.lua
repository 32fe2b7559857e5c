-- wrk script: POST complete answers with a fresh client UUID each time.
-- BENCH_PATH, BENCH_BODY (urlencoded answers + CSRF token) and BENCH_COOKIE come from the
-- environment; bench/submit.py sets them after fetching the form once.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  wrk.method = "POST"
  wrk.path = os.getenv("BENCH_PATH")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
end

local function hex(n)
  local out = {}
  for i = 1, n do out[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(out)
end

function request()
  counter = counter + 1
  -- thread id and a counter make every UUID unique; the rest is random
  local uuid = string.format("%08x-%s-4%s-a%s-%04x%s", counter, hex(4), hex(3), hex(3), id, hex(8))
  return wrk.format(nil, nil, nil, os.getenv("BENCH_BODY") .. "&client_uuid=" .. uuid)
end
