/*
 * fcgi_guard.c - checks a FastCGI request's head before libfcgi reads it,
 * and bounds the reads of its body in time (see fcgi_guard.h).
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "server/fcgi_guard.h"

#define REC_HEADER	8
#define REC_BEGIN	1
#define REC_PARAMS	4
#define REC_STDIN	5
#define ROLE_RESPONDER	1
#define NAP_MAX_MS	50

/* ---- the check: a pure function of the bytes */

enum pair_state { PAIR_NAME_LEN, PAIR_VALUE_LEN, PAIR_NAME, PAIR_VALUE };

struct pairs {
	enum pair_state	state;
	unsigned char	len_bytes[4];
	size_t		len_have, len_need;
	size_t		name_left, value_left;
	size_t		offset;		/* stream bytes taken so far */
	size_t		count;
};

/* Takes n stream bytes; NULL when fine so far, else what is wrong. */
static const char *
pairs_take(struct pairs *p, const unsigned char *b, size_t n)
{
	size_t i = 0, step, declared;

	while (i < n) {
		switch (p->state) {
		case PAIR_NAME_LEN:
		case PAIR_VALUE_LEN:
			if (p->len_have == 0) {
				if (p->state == PAIR_NAME_LEN &&
				    ++p->count > FCGI_GUARD_MAX_PAIRS)
					return "too many params";
				p->len_need = (b[i] & 0x80) ? 4 : 1;
			}
			p->len_bytes[p->len_have++] = b[i++];
			p->offset++;
			if (p->len_have < p->len_need)
				break;
			declared = p->len_need == 1 ? p->len_bytes[0] :
			    (size_t)(p->len_bytes[0] & 0x7f) << 24 |
			    (size_t)p->len_bytes[1] << 16 |
			    (size_t)p->len_bytes[2] << 8 | p->len_bytes[3];
			/* Before anything waits for (or allocates) them. */
			if (declared > FCGI_GUARD_MAX_PARAMS_BYTES - p->offset)
				return "param length beyond the cap";
			p->len_have = 0;
			if (p->state == PAIR_NAME_LEN) {
				if (declared == 0)
					return "empty param name";
				p->name_left = declared;
				p->state = PAIR_VALUE_LEN;
			} else {
				p->value_left = declared;
				p->state = PAIR_NAME;
			}
			break;
		case PAIR_NAME:
			/* "A=B" would read as param A to FCGX_GetParam.  The
			 * part of the name in this chunk at once: memchr, not
			 * a trip round the loop per byte. */
			step = n - i < p->name_left ? n - i : p->name_left;
			if (memchr(b + i, '=', step) != NULL ||
			    memchr(b + i, '\0', step) != NULL)
				return "'=' or NUL in a param name";
			i += step;
			p->offset += step;
			if ((p->name_left -= step) == 0)
				p->state = p->value_left > 0 ? PAIR_VALUE :
				    PAIR_NAME_LEN;
			break;
		case PAIR_VALUE:
			step = n - i < p->value_left ? n - i : p->value_left;
			i += step;
			p->offset += step;
			if ((p->value_left -= step) == 0)
				p->state = PAIR_NAME_LEN;
			break;
		}
	}
	return NULL;
}

/*
 * Whether the STDIN records from pos on end (their empty record, padding
 * included) within len bytes: then every read of the body finds its bytes
 * already queued and cannot block.  Anything else there (another record
 * type, a record cut off) says no.
 */
static bool
stdin_ends_within(const unsigned char *buf, size_t len, size_t pos,
    unsigned request_id)
{
	const unsigned char *h;
	size_t content, padding;

	while (len - pos >= REC_HEADER) {
		h = buf + pos;
		if (h[0] != 1 || h[1] != REC_STDIN ||
		    ((unsigned)h[2] << 8 | h[3]) != request_id)
			return false;
		content = (size_t)h[4] << 8 | h[5];
		padding = h[6];
		if (len - pos - REC_HEADER < content + padding)
			return false;
		pos += REC_HEADER + content + padding;
		if (content == 0)
			return true;
	}
	return false;
}

static enum fcgi_guard_verdict
verdict(struct fcgi_guard_result *r, enum fcgi_guard_verdict v,
    const char *reason)
{
	r->verdict = v;
	r->reason = reason;
	return v;
}

enum fcgi_guard_verdict
fcgi_guard_check(const unsigned char *buf, size_t len,
    struct fcgi_guard_result *r)
{
	struct pairs p;
	const unsigned char *h;
	size_t pos = 0, content, padding, avail, records = 0;
	unsigned request_id = 0;
	const char *bad;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	for (;;) {
		if (len - pos < REC_HEADER)
			return verdict(r, FCGI_GUARD_INCOMPLETE, NULL);
		h = buf + pos;
		content = (size_t)h[4] << 8 | h[5];
		padding = h[6];
		if (h[0] != 1)
			return verdict(r, FCGI_GUARD_INVALID,
			    "not FastCGI version 1");
		if (pos == 0) {
			if (h[1] != REC_BEGIN)
				return verdict(r, FCGI_GUARD_INVALID,
				    "first record is not BEGIN_REQUEST");
			request_id = (unsigned)h[2] << 8 | h[3];
			if (request_id == 0)
				return verdict(r, FCGI_GUARD_INVALID,
				    "BEGIN_REQUEST for request id 0");
			if (content != 8)
				return verdict(r, FCGI_GUARD_INVALID,
				    "BEGIN_REQUEST body is not 8 bytes");
			if (len - pos < REC_HEADER + 8 + padding)
				return verdict(r, FCGI_GUARD_INCOMPLETE, NULL);
			if (((unsigned)h[8] << 8 | h[9]) != ROLE_RESPONDER)
				return verdict(r, FCGI_GUARD_INVALID,
				    "role is not RESPONDER");
			pos += REC_HEADER + 8 + padding;
			continue;
		}
		if (h[1] != REC_PARAMS)
			return verdict(r, FCGI_GUARD_INVALID,
			    "record other than PARAMS before the params end");
		if (((unsigned)h[2] << 8 | h[3]) != request_id)
			return verdict(r, FCGI_GUARD_INVALID,
			    "PARAMS for another request id");
		if (++records > FCGI_GUARD_MAX_PARAMS_RECORDS)
			return verdict(r, FCGI_GUARD_INVALID,
			    "too many PARAMS records");
		if (content > FCGI_GUARD_MAX_PARAMS_BYTES - r->params_bytes)
			return verdict(r, FCGI_GUARD_INVALID,
			    "params larger than the cap");
		r->params_bytes += content;
		pos += REC_HEADER;
		avail = len - pos < content ? len - pos : content;
		bad = pairs_take(&p, buf + pos, avail);
		r->pairs = p.count;
		if (bad != NULL)
			return verdict(r, FCGI_GUARD_INVALID, bad);
		if (avail < content || len - pos - content < padding)
			return verdict(r, FCGI_GUARD_INCOMPLETE, NULL);
		pos += content + padding;
		if (content == 0) {
			if (p.state != PAIR_NAME_LEN || p.len_have != 0)
				return verdict(r, FCGI_GUARD_INVALID,
				    "param cut off by the end of the params");
			r->length = pos;
			r->input_complete = stdin_ends_within(buf, len, pos,
			    request_id);
			return verdict(r, FCGI_GUARD_COMPLETE, NULL);
		}
	}
}

/* ---- the worker's side */

static const char		peer_left[] = "closed by the peer";
static unsigned char		head[FCGI_GUARD_MAX_HEAD];
static struct timespec		deadline;
static volatile sig_atomic_t	input_fd = -1;
static bool			input_complete;	/* all of STDIN was peeked */
static bool			timer_armed;

/* Ends the input: a blocked read returns 0, and so does any later one. */
static void
on_deadline(int signo)
{
	int saved_errno = errno;

	(void)signo;
	if (input_fd >= 0)
		(void)shutdown(input_fd, SHUT_RD);
	errno = saved_errno;
}

/* No SA_RESTART: the read the timer interrupts returns EINTR at once. */
static void
install_timer_handler(void)
{
	static int installed;
	struct sigaction sa;

	if (installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_deadline;
	sigaction(SIGALRM, &sa, NULL);
	installed = 1;
}

/* Milliseconds left before the deadline, rounded up; 0 when past. */
static long
ms_left(void)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(deadline.tv_sec - now.tv_sec) * 1000 +
	    (deadline.tv_nsec - now.tv_nsec + 999999) / 1000000;
	return ms > 0 ? ms : 0;
}

static void
set_deadline(void)
{
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += FCGI_GUARD_DEADLINE_MS / 1000;
	deadline.tv_nsec += (long)(FCGI_GUARD_DEADLINE_MS % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
}

/*
 * Peeks until the head is complete or invalid, or the deadline passes.
 * Data that is queued keeps poll() readable, so while the head is
 * incomplete the wait for more is a short nap (1 ms, doubling up to 50 ms)
 * that only the peer's hang-up cuts short; nginx sends the head at once,
 * so the first peek nearly always settles it.
 */
static void
wait_for_head(int fd, struct fcgi_guard_result *r, size_t *seen)
{
	struct pollfd pfd;
	ssize_t n;
	long left;
	int nap = 1;

	*seen = 0;
	for (;;) {
		n = recv(fd, head, sizeof(head), MSG_PEEK | MSG_DONTWAIT);
		if (n == 0) {
			verdict(r, FCGI_GUARD_INVALID, peer_left);
			return;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			verdict(r, FCGI_GUARD_INVALID, "receive error");
			return;
		}
		if (n > 0 && (size_t)n != *seen) {
			*seen = (size_t)n;
			if (fcgi_guard_check(head, *seen, r) !=
			    FCGI_GUARD_INCOMPLETE)
				return;
			nap = 1;
		}
		if ((left = ms_left()) == 0) {
			verdict(r, FCGI_GUARD_INVALID, "deadline passed");
			return;
		}
		pfd.fd = fd;
		pfd.revents = 0;
		if (n > 0) {
			pfd.events = POLLRDHUP;
			if (left > nap)
				left = nap;
			if (nap < NAP_MAX_MS)
				nap *= 2;
		} else
			pfd.events = POLLIN | POLLRDHUP;
		if (poll(&pfd, 1, (int)left) > 0 && n > 0 &&
		    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			verdict(r, FCGI_GUARD_INVALID,
			    "closed by the peer before the params ended");
			return;
		}
	}
}

/* Whether fd is a TCP socket (else a unix one), asked once per listener. */
static bool
listener_is_tcp(int listen_fd)
{
	static int known_fd = -1;
	static bool tcp;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (known_fd != listen_fd) {
		tcp = getsockname(listen_fd, (struct sockaddr *)&ss, &len) == 0
		    && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
		known_fd = listen_fd;
	}
	return tcp;
}

int
fcgi_guard_take(int listen_fd)
{
	static const struct timeval no_timeout;
	int fd, one = 1;

	if ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return -errno;
	if (listener_is_tcp(listen_fd)) {
		/* As libfcgi's accept does: responses go out at once. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		/*
		 * A TCP socket inherits the listener's receive timeout
		 * (listen.c), which would end a body read after a second;
		 * the request's deadline is ours to keep.  Unix sockets
		 * inherit nothing.
		 */
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &no_timeout,
		    sizeof(no_timeout));
	}
	return fd;
}

int
fcgi_guard_accept(FCGX_Request *fcgi)
{
	struct fcgi_guard_result r;
	size_t seen;
	int fd = fcgi->ipcFd, saved_listen, rc;

	install_timer_handler();
	input_fd = -1;
	input_complete = false;
	set_deadline();
	wait_for_head(fd, &r, &seen);
	if (r.verdict != FCGI_GUARD_COMPLETE) {
		/*
		 * No byte at all is nginx closing a kept connection, or a
		 * port probe.  Otherwise sizes only: the bytes are the peer's.
		 */
		if (r.reason == peer_left && seen == 0)
			log_debug("FastCGI connection closed by the peer "
			    "before a request");
		else
			log_warnx("FastCGI connection closed: %s (%zu bytes "
			    "received, %zu bytes of params declared, %zu "
			    "params)", r.reason, seen, r.params_bytes,
			    r.pairs);
		close(fd);
		fcgi->ipcFd = -1;
		fcgi->keepConnection = 0;
		return -ECONNABORTED;
	}
	/*
	 * FCGX_Accept_r first finishes the previous request, which closes
	 * ipcFd unless that request kept the connection; with ipcFd open it
	 * reads from it instead of accepting.  Should libfcgi still refuse
	 * the request, its retry accept()s on listen_sock: -1 makes that fail
	 * instead of taking a connection nobody checked.
	 */
	fcgi->keepConnection = 1;
	saved_listen = fcgi->listen_sock;
	fcgi->listen_sock = -1;
	rc = FCGX_Accept_r(fcgi);
	fcgi->listen_sock = saved_listen;
	if (rc < 0) {
		log_warnx("FastCGI connection closed: libfcgi refused a "
		    "checked request (%zu bytes of params)", r.params_bytes);
		if (fcgi->ipcFd >= 0)
			close(fcgi->ipcFd);
		fcgi->ipcFd = -1;
		fcgi->keepConnection = 0;
		return -ECONNABORTED;
	}
	input_fd = fcgi->ipcFd;
	input_complete = r.input_complete;
	return 0;
}

/*
 * The timer is armed only when a body read could block (the body was not
 * all queued when the head was checked: for nginx, a body larger than the
 * peek), and disarmed only when armed: two system calls fewer per read.
 */
void
fcgi_guard_input_begin(void)
{
	struct itimerval t;
	long left;

	if (input_fd < 0 || input_complete || timer_armed)
		return;
	if ((left = ms_left()) == 0) {
		(void)shutdown(input_fd, SHUT_RD);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.it_value.tv_sec = left / 1000;
	t.it_value.tv_usec = (left % 1000) * 1000;
	setitimer(ITIMER_REAL, &t, NULL);
	timer_armed = true;
}

void
fcgi_guard_input_end(void)
{
	struct itimerval t;

	if (!timer_armed)
		return;
	memset(&t, 0, sizeof(t));
	setitimer(ITIMER_REAL, &t, NULL);
	timer_armed = false;
}
