/*
 * dispatch.h - the order of checks every request goes through
 * (docs/API.md §9): route (404) -> method (405) -> API key (401) -> size (413)
 * -> content type (415) -> body (400) -> the handler.
 *
 * The body is pulled through a callback only once the request has passed
 * the checks that do not need it, so an oversized body is refused unread.
 */
#ifndef CEXUP_DISPATCH_H
#define CEXUP_DISPATCH_H

#include <stddef.h>

struct request;
struct response;
struct route;

struct body_source {
	/* CONTENT_LENGTH, or -1 when it was not a valid number. */
	long	  content_length;
	/* Reads exactly len bytes into buf; returns 0, or -1 if short. */
	int	(*read)(void *ctx, char *buf, size_t len);
	void	 *ctx;
};

void	dispatch(struct request *, struct response *,
	    const struct route *table, size_t n, const struct body_source *);

/* 400 "Request body must be a valid JSON object." for a received kind. */
void	respond_not_object(struct response *, const char *received);

#endif
