-- POST /api/login (BENCH_ROUTE=login: one account's correct password,
-- BENCH_EMAIL, BENCH_PASSWORD) or /api/register (BENCH_ROUTE=register: a
-- new email every request), counting every response by status: wrk itself
-- only tells 2xx/3xx from the rest, and a 503 storm must be told apart from
-- other failures.  done() prints one "status NNN COUNT" line per status.
local threads = {}
local route = os.getenv("BENCH_ROUTE") or "login"

function setup(thread)
	thread:set("thread_no", #threads)
	table.insert(threads, thread)
end

function init(args)
	statuses = {}
	-- Unique across threads, runs and machines sharing a database.
	prefix = string.format("load%d.%d.%d", os.time(), thread_no,
		math.random(1, 1000000))
	counter = 0
	login_body = string.format('{"email":"%s","password":"%s"}',
		os.getenv("BENCH_EMAIL") or "", os.getenv("BENCH_PASSWORD") or "")
end

function request()
	if route == "register" then
		counter = counter + 1
		return wrk.format("POST", "/api/register",
			{ ["Content-Type"] = "application/json" },
			string.format('{"name":"Bench User","email":"%s.%d@bench.example","password":"benchmark-password"}',
				prefix, counter))
	end
	return wrk.format("POST", "/api/login",
		{ ["Content-Type"] = "application/json" }, login_body)
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
	local total = {}
	for _, t in ipairs(threads) do
		for status, n in pairs(t:get("statuses") or {}) do
			total[status] = (total[status] or 0) + n
		end
	end
	for status, n in pairs(total) do
		io.write(string.format("status %d %d\n", status, n))
	end
end
