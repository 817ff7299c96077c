-- POST /api/update/patient with a valid token, changing the name on every
-- request (BENCH_TOKEN, BENCH_KEY, BENCH_USER_ID from the environment).
local token = os.getenv("BENCH_TOKEN")
local key = os.getenv("BENCH_KEY")
local user_id = os.getenv("BENCH_USER_ID")
local counter = 0

function request()
	counter = counter + 1
	local body = string.format('{"user_id":%s,"name":"Bench Patient %d"}',
		user_id, counter)
	return wrk.format("POST", "/api/update/patient", {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. token,
		["x-api-key"] = key,
	}, body)
end
