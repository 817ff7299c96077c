-- POST /api/doctor on the scale data (bench/load_scale_data.sql): random
-- pages and filters.  Half the requests are unfiltered pages anywhere in
-- the list (deep offsets included), the rest filter by speciality (random
-- page), hospital or a name fragment.  CEXUP_KEY: the API key.
local key = os.getenv("CEXUP_KEY")
local fragments = { "siti", "budi", "pratama", "sari", "wijaya", "halim",
	"nugroho", "kusuma", "made", "dewi", "lubis", "santoso", "putu",
	"123", "987", "fitri" }

function init(args)
	math.randomseed(math.floor(os.clock() * 1e6) + os.time())
end

function request()
	local r = math.random(100)
	local body
	if r <= 50 then
		body = string.format('{"data":10,"page":%d}', math.random(2000))
	elseif r <= 70 then
		body = string.format('{"data":10,"page":%d,' ..
		    '"speciality":"speciality-%d"}', math.random(80),
		    math.random(25))
	elseif r <= 85 then
		body = string.format('{"data":10,"hospital":"hospital-%d"}',
		    math.random(2000))
	else
		body = string.format('{"data":10,"page":%d,"q":"%s"}',
		    math.random(3), fragments[math.random(#fragments)])
	end
	return wrk.format("POST", "/api/doctor", {
		["Content-Type"] = "application/json",
		["x-api-key"] = key }, body)
end
