-- wrk script for soak.sh: counts responses by status, so that deliberate 503s (a full queue says
-- "try again") can be told apart from anything else. SOAK_METHOD and SOAK_BODY set the request.
wrk.method = os.getenv("SOAK_METHOD") or "GET"
local body = os.getenv("SOAK_BODY")
if body and body ~= "" then
    wrk.body = body
    wrk.headers["Content-Type"] = "application/json"
end

ok, refused, other = 0, 0, 0

function response(status, headers, body)
    if status >= 200 and status < 300 then
        ok = ok + 1
    elseif status == 503 then
        refused = refused + 1
    else
        other = other + 1
    end
end

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function done(summary, latency, requests)
    local a, b, c = 0, 0, 0
    for _, thread in ipairs(threads) do
        a = a + thread:get("ok")
        b = b + thread:get("refused")
        c = c + thread:get("other")
    end
    local e = summary.errors
    io.write(string.format("responses ok=%d refused_503=%d other=%d socket_errors=%d p99_ms=%.1f\n",
        a, b, c, e.connect + e.read + e.write + e.timeout, latency:percentile(99) / 1000))
end
