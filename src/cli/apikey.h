/*
 * apikey.h - `cexup-api apikey create NAME | list | revoke ID`: the API keys
 * of the white-label client apps (docs/API.md §3).
 */
#ifndef CEXUP_CLI_APIKEY_H
#define CEXUP_CLI_APIKEY_H

struct config;

/* argv[0] is "apikey".  Returns the exit status. */
int	cli_apikey(const struct config *, int argc, char **argv);

#endif
