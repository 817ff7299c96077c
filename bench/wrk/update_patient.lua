-- POST /api/update/patient with a valid token, changing the name on every
-- request (BENCH_TOKEN, BENCH_KEY, BENCH_USER_ID from the environment), or,
-- with BENCH_SAME=1, sending the stored name again (a save that changes
-- nothing).
local token = os.getenv("BENCH_TOKEN")
local key = os.getenv("BENCH_KEY")
local user_id = os.getenv("BENCH_USER_ID")
local same = os.getenv("BENCH_SAME") == "1"
local counter = 0

function request()
	if not same then
		counter = counter + 1
	end
	local body = string.format('{"user_id":%s,"name":"Bench Patient %d"}',
		user_id, counter)
	return wrk.format("POST", "/api/update/patient", {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. token,
		["x-api-key"] = key,
	}, body)
end
