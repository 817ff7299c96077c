-- POST /api/doctor/get-time-list: a random practice of the scale data on a
-- random day of the next four weeks (UTC date + 1..28 is never before
-- today in Asia/Jakarta), with or without the appointment filter.
local key = os.getenv("CEXUP_KEY")
local filters = { "", ',"appointment":"offline"', ',"appointment":"online"' }

function init(args)
	math.randomseed(math.floor(os.clock() * 1e6) + os.time())
end

function request()
	local day = os.date("!%Y-%m-%d", os.time() + 86400 * math.random(28))
	return wrk.format("POST", "/api/doctor/get-time-list", {
		["Content-Type"] = "application/json",
		["x-api-key"] = key },
	    string.format('{"doctor_has_hospital_id":%d,"date":"%s"%s}',
	    math.random(40000), day, filters[math.random(#filters)]))
end
