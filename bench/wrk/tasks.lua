-- wrk script of bench/run.sh: one request shape for Tasker and for the Hangfire peer host, so both get the same bytes.
--
--   wrk ... URL -s tasks.lua -- KIND SEED WANT_STATUS WANT_TEXT [CLIENT] [AUTH] [LIMIT]
--
-- KIND       sum2: POST {"type":"sum2","params":{"first":F,"second":S}} with operands never sent before (a per-run SEED,
--            the thread's number and a counter), so no result cache can answer; shell: POST a shell task `true`;
--            batch: POST /tasks/batch with 100 such sum2 requests in one JSON array (the result counts 100 tasks per answer);
--            get: GET the URL as it is (the HTTP floor).
-- SEED       a whole number, different for every wrk run against the same server.
-- WANT_*     a response counts as done when its status is WANT_STATUS and its body holds every "&"-separated part of
--            WANT_TEXT ("-": any body).
-- CLIENT     the task's client ("-": none, as a signed-in user sends it).
-- AUTH       the Authorization header's value ("-": none).
-- LIMIT      stop each thread after this many answers and say so on stderr ("wrk-limit-reached"), for the caller to
--            end wrk with SIGINT (wrk itself runs for its --duration); 0: no limit.
-- done() prints one line: "wrk-result {json}", read by run.sh.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local kind, want_status, want_text, limit
local batch_size = 100
local first_base, counter = 0, 0
done_count, bad_count = 0, 0

function init(args)
  kind = args[1]
  want_status = tonumber(args[3])
  want_text = {}
  if args[4] ~= "-" then
    for part in string.gmatch(args[4], "[^&]+") do
      table.insert(want_text, part)
    end
  end
  limit = tonumber(args[7] or "0")
  -- Below 2^53, so every operand is exact in LuaJIT's doubles and in Tasker's decimals.
  first_base = tonumber(args[2]) * 1e11 + thread_number * 1e9
  wrk.headers["Content-Type"] = "application/json"
  if args[6] and args[6] ~= "-" then
    wrk.headers["Authorization"] = args[6]
  end
  local client = (args[5] and args[5] ~= "-") and string.format(',"client":"%s"', args[5]) or ""
  if kind == "get" then
    wrk.method = "GET"
  else
    wrk.method = "POST"
    if kind == "shell" then
      wrk.body = '{"type":"shell","params":{"command":"true"}' .. client .. '}'
    end
  end
  sum2_tail = '}' .. client .. '}'
  -- A global, so that done() (in the main state, where init's locals are not) reads it from a thread.
  items_per_request = kind == "batch" and batch_size or 1
end

local function sum2_body()
  counter = counter + 1
  return string.format('{"type":"sum2","params":{"first":%.0f,"second":%d', first_base + counter, counter % 9973) .. sum2_tail
end

function request()
  if kind == "sum2" then
    return wrk.format(nil, nil, nil, sum2_body())
  end
  if kind == "batch" then
    local items = {}
    for i = 1, batch_size do
      items[i] = sum2_body()
    end
    return wrk.format(nil, nil, nil, "[" .. table.concat(items, ",") .. "]")
  end
  return wrk.format()
end

local function wanted(status, body)
  if status ~= want_status then
    return false
  end
  for _, part in ipairs(want_text) do
    if not string.find(body, part, 1, true) then
      return false
    end
  end
  return true
end

function response(status, headers, body)
  if wanted(status, body) then
    done_count = done_count + 1
  else
    bad_count = bad_count + 1
    if bad_count <= 3 then
      io.stderr:write(string.format("wrk: unexpected answer %d: %s\n", status, string.sub(body or "", 1, 300)))
    end
  end
  if limit > 0 and done_count + bad_count == limit then
    io.stderr:write("wrk-limit-reached\n")
    io.stderr:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("done_count")
    bad = bad + thread:get("bad_count")
  end
  local e = summary.errors
  io.write(string.format(
    'wrk-result {"requests":%d,"duration_s":%.6f,"done":%d,"bad":%d,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"socket_errors":%d,"timeouts":%d,"items":%d}\n',
    summary.requests, summary.duration / 1e6, ok, bad, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect + e.read + e.write, e.timeout, threads[1]:get("items_per_request") or 1))
end
