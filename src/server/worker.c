/*
 * worker.c - accept loop of one prefork worker.
 *
 * An idle worker sleeps in accept() on the shared, blocking listening
 * socket: the kernel hands each new connection to one sleeper (with poll()
 * every idle worker woke for every connection; with epoll and
 * EPOLLEXCLUSIVE on a non-blocking socket a third of the wake-ups still
 * found nothing to accept).  The socket's receive timeout (listen.h) makes
 * a signal interrupt that accept() at once, so a SIGTERM reaches an idle
 * worker without waiting for the next request.  Between requests on a
 * connection nginx keeps open, the worker polls that connection together
 * with a wake-up pipe instead.  A request in progress always completes
 * before the worker exits.
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app/app.h"
#include "app/config.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/log.h"
#include "core/metrics.h"
#include "server/app_setup.h"
#include "server/fcgi_guard.h"
#include "server/fcgi_io.h"
#include "server/master.h"
#include "server/worker.h"

static volatile sig_atomic_t	stop_requested;
static int			wake_pipe[2] = { -1, -1 };

static void
on_stop(int signo)
{
	int saved_errno = errno;
	char c = 1;

	(void)signo;
	stop_requested = 1;
	/* Not FCGX_ShutdownPending(): it makes libfcgi fail every later
	 * read, so the request being read (or just accepted by fcgi_guard)
	 * would be lost instead of completed. */
	(void)write(wake_pipe[1], &c, 1);
	errno = saved_errno;
}

/*
 * Our handlers go in before FCGX_Init(), which only installs its own where
 * the disposition is still the default.  SA_RESTART keeps a request that is
 * being read or written from failing with EINTR; poll() and the idle
 * accept() (the listener has a receive timeout) are interrupted regardless.
 */
static void
install_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
}

static void
tell_master(int status_fd, int state)
{
	struct worker_status st = { .pid = (int)getpid(), .state = state };

	if (write(status_fd, &st, sizeof(st)) != (ssize_t)sizeof(st))
		log_warn("status pipe");
}

/*
 * Waits for the next request on a connection nginx keeps open
 * (fastcgi_keep_conn; libfcgi then leaves ipcFd open after the request),
 * or for the wake-up pipe.  1: the connection has something (a request,
 * or its end); 0: woken for anything else; -1: the wait itself failed, and
 * the worker should leave (the master starts another).
 */
static int
wait_on_kept(int kept_fd)
{
	struct pollfd pfd[2];

	pfd[0].fd = kept_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = wake_pipe[0];
	pfd[1].events = POLLIN;
	if (poll(pfd, 2, -1) == -1) {
		if (errno == EINTR)
			return 0;
		log_warn("poll");
		return -1;
	}
	return pfd[0].revents != 0;
}

/*
 * Takes a connection for the next request into fcgi->ipcFd: the kept one
 * when it has a request, else a new one.  1: there is one; 0: nothing
 * (a timeout, a signal, a peer that left); -1: the worker should leave.
 */
static int
next_connection(FCGX_Request *fcgi, int listen_fd)
{
	int fd;

	if (fcgi->ipcFd >= 0)
		return wait_on_kept(fcgi->ipcFd);
	if ((fd = fcgi_guard_take(listen_fd)) >= 0) {
		fcgi->ipcFd = fd;
		return 1;
	}
	switch (-fd) {
	case EAGAIN:
	case EINTR:
	case ECONNABORTED:
		return 0;
	default:
		/* Out of descriptors or memory: let them come back first. */
		log_warnx("accept: %s", strerror(-fd));
		(void)poll(NULL, 0, 100);
		return 0;
	}
}

void
worker_main(const struct worker_args *args)
{
	const struct config *cfg = args->cfg;
	int listen_fd = args->listen_fd;
	struct metrics_worker *board;
	struct app app;
	FCGX_Request fcgi;
	char err[512];
	long served = 0, limit;
	int rc;

	log_set_role(args->pool == POOL_AUTH ? "worker auth" : "worker api");
	/*
	 * ps, top and the tests tell the pools apart (15 bytes at most).
	 * Hashing is the one CPU-bound work: at a lower priority it yields
	 * a core to the catalog and to nginx at once, and still takes every
	 * idle cycle (php-fpm's process.priority).
	 */
	if (args->pool == POOL_AUTH) {
		(void)prctl(PR_SET_NAME, "cexup-api-auth");
		if (cfg->auth_nice > 0 && setpriority(PRIO_PROCESS, 0,
		    cfg->auth_nice) == -1)
			log_warn("setpriority %d", cfg->auth_nice);
	}
	install_signals();
	board = metrics_worker(args->metrics, args->place);
	metrics_worker_claim(board, args->pool);
	/* Die with the master: orphaned workers would hold the socket. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 ||
	    getppid() != args->master_pid)
		_exit(1);
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		log_fatal("pipe");

	if (app_init(&app, cfg, args->pool, args->place, args->hash_slots_id,
	    args->metrics, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		_exit(EXIT_CONFIG);
	}
	if (FCGX_Init() != 0)
		log_fatalx("FCGX_Init failed");
	if (FCGX_InitRequest(&fcgi, listen_fd, 0) != 0)
		log_fatalx("FCGX_InitRequest failed");
	tell_master(args->status_fd, WORKER_READY);
	close(args->status_fd);

	/* Jitter so that workers started together do not recycle together. */
	limit = cfg->pool[args->pool].max_requests;
	if (limit > 0)
		limit += (long)((unsigned long)getpid() % (unsigned long)
		    (limit / 10 + 1));

	while (!stop_requested) {
		metrics_worker_stage(board, METRICS_STAGE_IDLE);
		if ((rc = next_connection(&fcgi, listen_fd)) == -1)
			break;
		if (rc == 0)
			continue;
		/*
		 * A connection taken is served even when told to stop: the
		 * kernel gave it to this worker alone, and dropping it would
		 * be a 502 during a reload.
		 */
		metrics_worker_begin(board, NULL);
		metrics_worker_stage(board, METRICS_STAGE_READING);
		if (fcgi_guard_accept(&fcgi) < 0)
			continue;	/* the peer left or sent garbage */
		fcgi_handle(&app, &fcgi);
		fcgi_finish(&fcgi);
		db_request_done(app.db);
		arena_reset(app.arena);
		if (limit > 0 && ++served >= limit) {
			log_debug("recycling after %ld requests", served);
			break;
		}
	}
	FCGX_Finish_r(&fcgi);
	app_free(&app);
	_exit(0);
}
