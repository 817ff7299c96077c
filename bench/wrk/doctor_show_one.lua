-- POST /api/doctor/show of one doctor (BENCH_DOCTOR, a slug): a
-- non-idempotent method, which nginx does not retry on another connection.
-- CEXUP_KEY: the API key.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-api-key"] = os.getenv("CEXUP_KEY")
wrk.body = string.format('{"slug":"%s"}', os.getenv("BENCH_DOCTOR"))
