-- POST /api/doctor on the scale data (bench/load_scale_data.sql), one kind
-- of request per run, chosen by SEARCH (bench/doctor_search.pl):
--   list      unfiltered pages anywhere in the list
--   long      q of three or more letters (the trigram index), pages 1-3
--   one       q of one letter or digit
--   two       q of two letters
--   filtered  q of one or two letters with a speciality or a hospital
-- Short q: nine in ten requests ask for pages 1-3 (a search box's first
-- keystrokes), one in ten for any page up to 1000 (deep pages, and past
-- the end for the rarer pieces).  CEXUP_KEY: the API key.
local key = os.getenv("CEXUP_KEY")
local search = os.getenv("SEARCH") or "list"
local long = { "siti", "budi", "pratama", "sari", "wijaya", "halim",
	"nugroho", "kusuma", "made", "dewi", "lubis", "santoso", "putu",
	"123", "987", "fitri" }
-- Common to rare in the scale data ('a': 19,610 names, 'v': 500, 'q': 0).
local one = { "a", "i", "n", "r", "1", "t", "s", "e", "y", "w", "k", "b",
	"c", "z", "v", "q", "A", "S" }
local two = { "an", "ma", "ra", "ri", "ti", "sa", "wa", "ng", "de", "ba",
	"dr", "ew", "zk", "ov", "Ri", "AN", "xq" }

local function short_page()
	if math.random(10) == 1 then
		return math.random(1000)
	end
	return math.random(3)
end

local function pick(list)
	return list[math.random(#list)]
end

-- wrk calls request() only from its worker threads: an unknown SEARCH
-- must fail where it is seen, at setup, not as a run of bad requests.
if search ~= "list" and search ~= "long" and search ~= "one" and
    search ~= "two" and search ~= "filtered" then
	error("SEARCH must be list, long, one, two or filtered, not " ..
	    search)
end

function init(args)
	math.randomseed(math.floor(os.clock() * 1e6) + os.time())
end

function request()
	local body
	if search == "list" then
		body = string.format('{"data":10,"page":%d}', math.random(2000))
	elseif search == "long" then
		body = string.format('{"data":10,"page":%d,"q":"%s"}',
		    math.random(3), pick(long))
	elseif search == "one" then
		body = string.format('{"data":10,"page":%d,"q":"%s"}',
		    short_page(), pick(one))
	elseif search == "two" then
		body = string.format('{"data":10,"page":%d,"q":"%s"}',
		    short_page(), pick(two))
	else
		local q = math.random(2) == 1 and pick(one) or pick(two)
		if math.random(2) == 1 then
			body = string.format('{"data":10,"page":%d,"q":"%s",' ..
			    '"speciality":"speciality-%d"}',
			    short_page() % 80 + 1, q, math.random(25))
		else
			body = string.format('{"data":10,"q":"%s",' ..
			    '"hospital":"hospital-%d"}', q, math.random(2000))
		end
	end
	return wrk.format("POST", "/api/doctor", {
		["Content-Type"] = "application/json",
		["x-api-key"] = key }, body)
end
