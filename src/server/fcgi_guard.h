/*
 * fcgi_guard.h - FastCGI input that cannot hurt a worker.
 *
 * libfcgi trusts its peer: it allocates whatever length a PARAMS pair
 * declares (and aborts when malloc fails), and reads without a deadline, so
 * a few half-sent connections hold every worker.  The guard stands in front
 * of it.  The worker accepts the connection itself; the guard peeks
 * (without consuming) until the BEGIN_REQUEST record and the whole PARAMS
 * stream are in the socket buffer, checks every record header and every
 * name-value length against the caps below, and only then lets
 * FCGX_Accept_r parse what was checked.  A body (STDIN) larger than what
 * was peeked may still be on its way: its reads then run under a timer
 * that ends the input at the request's deadline.  A body already queued
 * whole (every GET, most JSON posts) needs no timer.
 */
#ifndef CEXUP_FCGI_GUARD_H
#define CEXUP_FCGI_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include <fcgiapp.h>

/*
 * Whole request (params and body), from the moment the worker takes the
 * connection, or sees the first byte of the next request on a kept one.
 * nginx buffers the client's body and sends a request at once, in
 * milliseconds over a local socket; 10 s still carries a 4 MiB avatar over
 * a slow (4 Mbit/s) link to a remote `listen` port.
 */
#define FCGI_GUARD_DEADLINE_MS		10000
/*
 * PARAMS content, name-value encoding included: what libfcgi will
 * allocate.  nginx puts all params in one record of at most 65535 bytes,
 * so this is nginx's own ceiling.
 */
#define FCGI_GUARD_MAX_PARAMS_BYTES	65536
/* fastcgi_params sets about 20; the rest are the client's headers. */
#define FCGI_GUARD_MAX_PAIRS		256
/* PARAMS records, the empty one that ends the stream included (nginx: 2). */
#define FCGI_GUARD_MAX_PARAMS_RECORDS	16
/* The most bytes a valid head can take: BEGIN_REQUEST and PARAMS records. */
#define FCGI_GUARD_MAX_HEAD	(8 + 8 + 255 + \
	FCGI_GUARD_MAX_PARAMS_RECORDS * (8 + 255) + FCGI_GUARD_MAX_PARAMS_BYTES)

enum fcgi_guard_verdict {
	FCGI_GUARD_INCOMPLETE,	/* valid so far; more bytes are needed */
	FCGI_GUARD_COMPLETE,	/* a valid head of `length` bytes */
	FCGI_GUARD_INVALID	/* no continuation can make it valid */
};

struct fcgi_guard_result {
	enum fcgi_guard_verdict	 verdict;
	size_t			 length;	/* COMPLETE: bytes of the head */
	size_t			 params_bytes;	/* PARAMS content declared */
	size_t			 pairs;		/* name-value pairs started */
	bool			 input_complete; /* STDIN ends within len too */
	const char		*reason;	/* INVALID: why (no data) */
};

/*
 * Judges the first len bytes a connection sent for a request: a
 * BEGIN_REQUEST record (version 1, RESPONDER role, request id not 0), then
 * PARAMS records of that request up to the empty one, whose name-value
 * pairs have complete lengths, non-empty names without '=' or NUL, and stay
 * within the caps.  Reads no byte at or past buf + len.
 */
enum fcgi_guard_verdict	fcgi_guard_check(const unsigned char *buf, size_t len,
	    struct fcgi_guard_result *);

/*
 * Takes the next connection from listen_fd: a blocking accept4() that
 * returns the new fd, or -errno (-EAGAIN when the listener's receive
 * timeout passed with nothing to take, -EINTR for a signal; see listen.h).
 * A TCP connection gets TCP_NODELAY and loses the inherited timeout.
 */
int	fcgi_guard_take(int listen_fd);

/*
 * In place of FCGX_Accept_r, on the connection in fcgi->ipcFd (taken by
 * fcgi_guard_take or kept from the previous request): waits for a valid
 * head until the deadline, then runs FCGX_Accept_r on it.  A connection
 * that sends an invalid or late head is closed and logged in one line;
 * the result is then -ECONNABORTED.  Otherwise that of FCGX_Accept_r.
 */
int	fcgi_guard_accept(FCGX_Request *);

/*
 * Around every read of the request's body: from begin to end a timer ends
 * the connection's input (shutdown for reading) at the deadline, so a
 * blocked read returns and libfcgi fails the stream.  Nothing else (no
 * database work, no response write) runs under it.
 */
void	fcgi_guard_input_begin(void);
void	fcgi_guard_input_end(void);

#endif
