-- The load generator of `make bench` (tests/bench_rush.py): one wrk thread, one LuaJIT state.
--
--   wrk -t1 -c32 -d<limit> --timeout 30s -s tests/bench_rush.lua http://127.0.0.1:PORT -- MODE FILE
--
-- FILE holds one request a line: path <TAB> API token ("" for none) <TAB> JSON body. Every request is
-- built once, in init(), so the generator spends almost nothing per request.
--   MODE "floor": the first line is sent again and again until wrk's duration ends.
--   MODE "rush":  each line is sent exactly once (each a different unit and lot). A connection that finds
--                 nothing left to send waits (delay) instead of sending; after the last answer the thread
--                 writes "answered" to stderr and stops, and the harness stops wrk (SIGINT), which calls done().
-- done() prints one line, "BENCH-RESULT" and JSON: what wrk measured (duration, latency percentiles in
-- microseconds, socket errors) and the status codes this script counted (every non-2xx is an error).

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   mode = args[1]
   requests = {}
   for line in io.lines(args[2]) do
      local path, token, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
      if token ~= "" then
         headers["Authorization"] = "Token " .. token
      end
      requests[#requests + 1] = wrk.format("POST", path, headers, body)
   end
   total = #requests
   reserved, sent, answered = 0, 0, 0
   statuses = {}
   refusals = {} -- the first answers that were not 2xx, for the report
end

-- Called before each request (and after each reconnection: gunicorn's sync workers close every
-- connection). A request is reserved here, so that no connection sends once everything is sent.
function delay()
   if mode == "floor" then
      return 0
   end
   if reserved < total then
      reserved = reserved + 1
      return 0
   end
   return 3600000
end

function request()
   -- wrk calls request() once right after init(), before any delay(), to check what it returns:
   -- that call sends nothing and must not use up a filing.
   if mode == "floor" or reserved == 0 then
      sent = sent + (reserved > 0 and 1 or 0)
      return requests[1]
   end
   -- After a socket error wrk sends again without asking delay(); past the end the last request goes
   -- again and is refused (a duplicate filing), so the lost one shows as an error, not as a silent gap.
   sent = sent + 1
   return requests[math.min(sent, total)]
end

function response(status, headers, body)
   answered = answered + 1
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
   if (status < 200 or status > 299) and #refusals < 3 then
      refusals[#refusals + 1] = key .. " " .. body:sub(1, 300)
   end
   if mode == "rush" and answered == total then
      io.stderr:write("answered\n")
      io.stderr:flush()
      wrk.thread:stop()
   end
end

local function json_string(text)
   return '"' .. text:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, _)
   local sent_total, answered_total, counts, samples = 0, 0, {}, {}
   for _, thread in ipairs(threads) do
      for _, text in ipairs(thread:get("refusals")) do
         samples[#samples + 1] = json_string(text)
      end
      sent_total = sent_total + thread:get("sent")
      answered_total = answered_total + thread:get("answered")
      for code, n in pairs(thread:get("statuses")) do
         counts[code] = (counts[code] or 0) + n
      end
   end
   local codes = {}
   for code, n in pairs(counts) do
      codes[#codes + 1] = string.format('"%s": %d', code, n)
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH-RESULT {"duration_us": %d, "requests": %d, "sent": %d, "answered": %d, ' ..
      '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.0f, "max_us": %d, ' ..
      '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "statuses": {%s}, ' ..
      '"refusals": [%s]}\n',
      summary.duration, summary.requests, sent_total, answered_total,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
      e.connect, e.read, e.write, e.timeout, table.concat(codes, ", "), table.concat(samples, ", ")))
end
