/*
 * routes.h - the table of every route the server knows.
 */
#ifndef CEXUP_ROUTES_H
#define CEXUP_ROUTES_H

#include <stddef.h>

#include "http/router.h"

extern const struct route	api_routes[];
extern const size_t		api_routes_count;

#endif
