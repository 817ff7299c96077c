/*
 * main.c - the command line: serve, migrate, keygen, hash-password,
 * check-config, apikey, import-users, mailer, version.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/routes.h"
#include "app/config.h"
#include "auth/password.h"
#include "auth/token.h"
#include "cli/apikey.h"
#include "cli/import_users.h"
#include "core/base64.h"
#include "core/log.h"
#include "server/app_setup.h"
#include "server/mailer.h"
#include "server/master.h"
#include "server/migrate.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/usr/local/etc"
#endif
#define DEFAULT_CONFIG	SYSCONFDIR "/cexup-api.conf"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: cexup-api [-c config] command [args]\n"
	    "\n"
	    "commands:\n"
	    "  serve             run the master and its FastCGI workers\n"
	    "  migrate           apply pending sql/NNN_*.sql migrations\n"
	    "  check-config      validate the configuration and print it\n"
	    "  keygen KID        print a new signing key line for jwt_keys_file\n"
	    "  hash-password     read a password on stdin, print its hash\n"
	    "  apikey create NAME | list | revoke ID\n"
	    "                    manage the API keys of client apps\n"
	    "  import-users FILE import users with their bcrypt/Argon2 hashes\n"
	    "                    (JSON lines, or CSV with a header line)\n"
	    "  mailer            send the mail outbox over SMTP (runs until\n"
	    "                    SIGTERM; any number may run at once)\n"
	    "  routes            list every route (methods and path)\n"
	    "  version           print the version\n"
	    "\n"
	    "The configuration file defaults to %s when it exists;\n"
	    "CEXUP_<KEY> environment variables override it.\n",
	    DEFAULT_CONFIG);
}

static void
load_config(struct config *cfg, const char *path, int explicit_path)
{
	char err[512];

	/* The default file is optional; an explicitly named one is not. */
	if (!explicit_path && access(path, F_OK) != 0)
		path = NULL;
	if (config_load(cfg, path, err, sizeof(err)) == -1)
		log_fatalx("configuration: %s", err);
	log_set_level(cfg->log_level);
}

/* Fails fast on what would make every worker exit (EX_CONFIG). */
static void
preflight(const struct config *cfg)
{
	char err[512];

	if (app_preflight(cfg, err, sizeof(err)) == -1)
		log_fatalx("%s", err);
}

/* Every route the router knows: "METHODS PATTERN", one per line. */
static int
cmd_routes(void)
{
	char allow[64];
	size_t i;

	for (i = 0; i < api_routes_count; i++) {
		router_allow_header(api_routes[i].methods, allow, sizeof(allow));
		printf("%s %s\n", allow, api_routes[i].pattern);
	}
	return 0;
}

static int
cmd_keygen(int argc, char **argv)
{
	unsigned char secret[32];
	char encoded[BASE64URL_ENCODED_SIZE(32)];
	const char *kid = argc > 1 ? argv[1] : NULL;

	if (kid == NULL || strlen(kid) > TOKEN_KID_MAX ||
	    strpbrk(kid, " \t\r\n#") != NULL) {
		fprintf(stderr, "usage: cexup-api keygen KID (1..%d characters, "
		    "no spaces)\n", TOKEN_KID_MAX);
		return 2;
	}
	if (RAND_bytes(secret, sizeof(secret)) != 1)
		log_fatalx("RAND_bytes failed");
	base64url_encode(secret, sizeof(secret), encoded);
	printf("%s %s\n", kid, encoded);
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(encoded, sizeof(encoded));
	return 0;
}

static int
cmd_hash_password(const struct config *cfg)
{
	char pw[PASSWORD_MAX_LEN + 2], hash[PASSWORD_HASH_MAX];
	size_t len;

	if (fgets(pw, sizeof(pw), stdin) == NULL) {
		fprintf(stderr, "hash-password: no password on stdin\n");
		return 1;
	}
	len = strcspn(pw, "\r\n");
	pw[len] = '\0';
	if (len < PASSWORD_MIN_LEN || len > PASSWORD_MAX_LEN) {
		fprintf(stderr, "hash-password: 8..1024 bytes expected\n");
		OPENSSL_cleanse(pw, sizeof(pw));
		return 1;
	}
	if (password_hash(&cfg->argon2, pw, len, hash) == -1)
		log_fatalx("argon2 failed");
	OPENSSL_cleanse(pw, sizeof(pw));
	printf("%s\n", hash);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	const char *config_path = DEFAULT_CONFIG, *cmd;
	int ch, explicit_path = 0;

	log_init("cexup-api", LOG_INFO);
	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			explicit_path = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	cmd = argv[0];

	if (strcmp(cmd, "version") == 0) {
		printf("cexup-api %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(cmd, "routes") == 0)
		return cmd_routes();

	load_config(&cfg, config_path, explicit_path);
	if (strcmp(cmd, "serve") == 0) {
		preflight(&cfg);
		return master_run(&cfg);
	}
	if (strcmp(cmd, "migrate") == 0)
		return migrate_run(cfg.database_url, cfg.sql_dir, stdout) == 0 ?
		    0 : 1;
	if (strcmp(cmd, "check-config") == 0) {
		preflight(&cfg);
		config_dump(&cfg, stdout);
		return 0;
	}
	if (strcmp(cmd, "mailer") == 0)
		return mailer_run(&cfg);
	if (strcmp(cmd, "hash-password") == 0)
		return cmd_hash_password(&cfg);
	if (strcmp(cmd, "apikey") == 0)
		return cli_apikey(&cfg, argc, argv);
	if (strcmp(cmd, "import-users") == 0)
		return cli_import_users(&cfg, argc, argv);
	fprintf(stderr, "cexup-api: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
