-- wrk.lua - request generator and machine-readable summary for tests/bench/run.
--
--   wrk ... -s tests/bench/wrk.lua URL -- getrecord N   GetRecord of a random
--       record among nec-bench-0000001 .. nec-bench-N (oai_dc), every request
--   wrk ... -s tests/bench/wrk.lua URL -- path PATH     the same PATH every time
--
-- done() prints one line "BENCH key=value ..." (latencies in microseconds)
-- that the driver parses; wrk's own summary is printed too.

local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("thread_no", counter)
end

local mode, arg, prefix

function init(args)
    mode = args[1] or "path"
    arg = args[2] or "/oai?verb=Identify"
    -- Each thread its own sequence, different on every run.
    math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919)
    prefix = "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai%3Aelibrary.nec.gov.kh%3Anec-bench-"
    if mode == "path" then
        wrk.path = arg
    end
end

function request()
    if mode == "getrecord" then
        local n = tonumber(arg)
        return wrk.format("GET", prefix .. string.format("%07d", math.random(1, n)))
    end
    return wrk.format("GET", wrk.path)
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
        "mean_us=%.1f errors=%d connect=%d read=%d write=%d status=%d timeout=%d bytes=%d\n",
        summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        latency.mean, e.connect + e.read + e.write + e.status + e.timeout,
        e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
