-- POST /api/login with one account's correct password (BENCH_EMAIL,
-- BENCH_PASSWORD): every request costs one Argon2id verification.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}',
	os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
