-- POST /api/register with a new email every request (one Argon2id hash and
-- one INSERT each).
local threads = {}

function setup(thread)
	thread:set("thread_no", #threads)
	table.insert(threads, thread)
end

function init(args)
	prefix = string.format("b%d.%d.%d", os.time(), thread_no,
		math.random(1, 1000000))
	counter = 0
end

function request()
	counter = counter + 1
	local body = string.format('{"name":"Bench User","email":"%s.%d@bench.example","password":"benchmark-password"}',
		prefix, counter)
	return wrk.format("POST", "/api/register",
		{ ["Content-Type"] = "application/json" }, body)
end
