/*
 * test_config.c - configuration file, environment overrides, validation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/config.h"
#include "server/master.h"
#include "tap.h"

static char path[64];

static void
write_config(const char *text)
{
	FILE *fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
}

int
main(void)
{
	struct config cfg;
	char err[512];
	int fd;

	strcpy(path, "/tmp/cexup-config-XXXXXX");
	fd = mkstemp(path);
	close(fd);

	config_defaults(&cfg);
	is_str(cfg.pool[POOL_API].listen, "unix:/run/cexup-api/cexup-api.sock",
	    "default listen");
	is_str(cfg.pool[POOL_AUTH].listen,
	    "unix:/run/cexup-api/cexup-api-auth.sock",
	    "default auth_listen: two pools");
	ok(config_pool_on(&cfg, POOL_API) && config_pool_on(&cfg, POOL_AUTH),
	    "both pools on by default");
	is_int(cfg.argon2.memory_kib, 19456, "default argon2 m (OWASP)");
	is_int(cfg.argon2.iterations, 2, "default argon2 t");
	is_int(cfg.argon2.parallelism, 1, "default argon2 p");
	is_int(cfg.body_limit, 65536, "default body limit 64 KiB");
	is_int(cfg.avatar_body_limit, 4194304, "default avatar limit 4 MiB");
	is_int(cfg.session.refresh_reuse_window, 10, "default reuse window 10 s");
	is_int(cfg.access_ttl, 3600, "default access ttl");
	is_str(cfg.timezone, "Asia/Jakarta", "default time zone");
	ok(cfg.api_key_required == API_KEY_CEXUP, "default key scope cexup");

	write_config("# comment\n\n  workers = 3 \n"
	    "database_url = host=/tmp port=5432 dbname=x\n"
	    "listen_mode = 0666\n"
	    "public_base_url = \" https://x \"\n"
	    "api_key_required = all\nlog_level = debug\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == 0, "valid file: %s",
	    err);
	is_int(cfg.pool[POOL_API].workers, 3, "workers from file");
	ok(cfg.pool[POOL_AUTH].workers > 0, "auth_workers 0 becomes the CPU count");
	is_str(cfg.database_url, "host=/tmp port=5432 dbname=x",
	    "value keeps inner '=' and spaces");
	is_int(cfg.listen_mode, 0666, "octal mode");
	is_str(cfg.public_base_url, " https://x ", "quotes keep spaces");
	ok(cfg.api_key_required == API_KEY_ALL, "key scope all");
	ok(cfg.hash_slots > 0, "hash_slots 0 becomes the CPU count");

	setenv("CEXUP_WORKERS", "5", 1);
	ok(config_load(&cfg, path, err, sizeof(err)) == 0 && cfg.pool[POOL_API].workers == 5,
	    "environment overrides the file");
	setenv("CEXUP_WORKERS", "five", 1);
	ok(config_load(&cfg, path, err, sizeof(err)) == -1 &&
	    strstr(err, "workers") != NULL, "bad env value named: %s", err);
	unsetenv("CEXUP_WORKERS");

	write_config("auth_listen =\nworkers = 0\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == 0 &&
	    !config_pool_on(&cfg, POOL_AUTH), "empty auth_listen: one pool");
	ok(cfg.pool[POOL_API].workers >= 4,
	    "one pool keeps four workers per CPU (at least 4)");
	write_config("auth_listen = unix:/run/cexup-api/cexup-api.sock\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == -1 &&
	    strstr(err, "auth_listen") != NULL,
	    "auth pool on the api socket refused: %s", err);
	write_config("auth_listen = nowhere\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == -1 &&
	    strstr(err, "auth_listen") != NULL, "bad auth_listen named: %s",
	    err);

	write_config("wokers = 3\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == -1 &&
	    strstr(err, "unknown key 'wokers'") != NULL,
	    "typo is an error: %s", err);
	write_config("workers\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == -1 &&
	    strstr(err, ":1:") != NULL, "line without '=': %s", err);
	write_config("workers = 100000\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == -1,
	    "out of range: %s", err);
	write_config("argon2_memory_kib = -1\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == -1,
	    "negative memory: %s", err);
	write_config("api_key_required = some\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == -1,
	    "bad key scope: %s", err);
	write_config("listen = nowhere\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == -1,
	    "listen without port: %s", err);
	write_config("lockout_base_seconds = 100\nlockout_max_seconds = 10\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == -1,
	    "max below base: %s", err);
	write_config("lockout_max_seconds = 3600\nlockout_memory_seconds = 600\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == -1,
	    "memory below max: %s", err);
	write_config("lockout_memory_seconds = 1200\n");
	ok(config_load(&cfg, path, err, sizeof(err)) == 0 &&
	    cfg.lockout.memory_seconds == 1200, "lockout memory set");
	ok(config_load(&cfg, "/nonexistent/cexup.conf", err,
	    sizeof(err)) == -1, "missing file: %s", err);

	/* Supervision policy, pure. */
	is_int(master_backoff_ms(0), 0, "no crash, no delay");
	is_int(master_backoff_ms(1), 100, "first early crash 100 ms");
	is_int(master_backoff_ms(2), 200, "second 200 ms");
	is_int(master_backoff_ms(5), 1600, "fifth 1.6 s");
	is_int(master_backoff_ms(40), 30000, "capped at 30 s");

	unlink(path);
	return done_testing();
}
