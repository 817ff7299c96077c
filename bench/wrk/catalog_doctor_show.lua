-- POST /api/doctor/show for random doctors of the scale data.
local key = os.getenv("CEXUP_KEY")

function init(args)
	math.randomseed(math.floor(os.clock() * 1e6) + os.time())
end

function request()
	return wrk.format("POST", "/api/doctor/show", {
		["Content-Type"] = "application/json",
		["x-api-key"] = key },
	    string.format('{"slug":"doctor-%d"}', math.random(20000)))
end
