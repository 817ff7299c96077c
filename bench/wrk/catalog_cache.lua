-- POST /api/doctor for bench/catalog_cache.pl.  Two key sets:
--   the warm set: unfiltered pages 1..200 and pages 1..8 of each of the
--     25 specialities (400 keys, about 1 MB of answers per worker, inside
--     the default catalog_cache_bytes), pre-warmed before measuring;
--   the miss set: deeper pages (201..2000, or 9..80 by speciality) with a
--     page size of 6..15 (36,000 keys): a worker seldom sees one twice
--     before the LRU drops it.
-- CACHE_MISS: percentage of requests drawn from the miss set (0 = all
-- warm, 100 = all misses).  CEXUP_KEY: the API key.  BENCH_PATH: where
-- to send them (default /api/doctor; the FastCGI floor takes the same
-- requests).
local key = os.getenv("CEXUP_KEY")
local path = os.getenv("BENCH_PATH") or "/api/doctor"
local miss = tonumber(os.getenv("CACHE_MISS") or "0")

function init(args)
	math.randomseed(math.floor(os.clock() * 1e6) + os.time())
end

local function warm_body()
	if math.random(100) <= 50 then
		return string.format('{"data":10,"page":%d}', math.random(200))
	end
	return string.format('{"data":10,"page":%d,' ..
	    '"speciality":"speciality-%d"}', math.random(8), math.random(25))
end

local function miss_body()
	if math.random(100) <= 50 then
		return string.format('{"data":%d,"page":%d}',
		    math.random(6, 15), math.random(201, 2000))
	end
	return string.format('{"data":%d,"page":%d,' ..
	    '"speciality":"speciality-%d"}', math.random(6, 15),
	    math.random(9, 80), math.random(25))
end

function request()
	local body
	if miss > 0 and math.random(100) <= miss then
		body = miss_body()
	else
		body = warm_body()
	end
	return wrk.format("POST", path, {
		["Content-Type"] = "application/json",
		["x-api-key"] = key }, body)
end
