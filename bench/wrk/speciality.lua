-- GET /api/speciality: the cheapest catalog request (one small indexed
-- query), so the cost of the path nginx -> worker -> PostgreSQL dominates.
-- CEXUP_KEY: the API key.
wrk.method = "GET"
wrk.headers["x-api-key"] = os.getenv("CEXUP_KEY")
