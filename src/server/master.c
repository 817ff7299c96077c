/*
 * master.c - supervision loop.
 *
 * Signal handlers only write one byte to a self-pipe; the loop polls that
 * pipe and the workers' status pipe and does all the work, so no policy runs
 * in signal context.  States, highest wins: RUNNING < RELOADING < DRAINING.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/routes.h"
#include "app/config.h"
#include "auth/hash_slots.h"
#include "core/log.h"
#include "core/metrics.h"
#include "server/app_setup.h"
#include "server/listen.h"
#include "server/master.h"
#include "server/notify.h"
#include "server/worker.h"

#define MAX_SLOTS		1024
#define EARLY_DEATH_MS		10000	/* a crash sooner than this is "early" */
#define READY_TIMEOUT_MS	15000	/* a new worker not ready by then failed */

struct slot {
	pid_t		pid;		/* 0: free */
	unsigned	generation;
	long long	started_ms;
	int		ready;
	int		term_sent;
};

static struct {
	struct config	*cfg;
	int		 listen_fd;
	int		 from_systemd;
	int		 hash_slots_id;
	struct metrics	*metrics;
	int		 self_pipe[2];
	int		 status_pipe[2];
	struct slot	 slots[MAX_SLOTS];
	unsigned	 generation;
	int		 draining;
	long long	 drain_deadline_ms;
	unsigned	 crash_streak;
	long long	 next_spawn_ms;
	int		 notified_ready;
	int		 fatal_config;
	unsigned long	 respawns;
} m;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long
master_backoff_ms(unsigned streak)
{
	long ms = 100;

	if (streak == 0)
		return 0;
	while (--streak > 0 && ms < 30000)
		ms *= 2;
	return ms > 30000 ? 30000 : ms;
}

static void
on_signal(int signo)
{
	int saved_errno = errno;
	unsigned char c = (unsigned char)signo;

	(void)write(m.self_pipe[1], &c, 1);
	errno = saved_errno;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int
count_live(unsigned generation, int only_unready)
{
	int i, n = 0;

	for (i = 0; i < MAX_SLOTS; i++)
		if (m.slots[i].pid != 0 &&
		    m.slots[i].generation == generation &&
		    !m.slots[i].term_sent &&
		    (!only_unready || !m.slots[i].ready))
			n++;
	return n;
}

static struct slot *
find_old_worker(void)
{
	int i;

	for (i = 0; i < MAX_SLOTS; i++)
		if (m.slots[i].pid != 0 &&
		    m.slots[i].generation != m.generation &&
		    !m.slots[i].term_sent)
			return &m.slots[i];
	return NULL;
}

static void
terminate(struct slot *s)
{
	if (s->pid != 0 && !s->term_sent) {
		kill(s->pid, SIGTERM);
		s->term_sent = 1;
	}
}

static void
spawn_worker(void)
{
	struct slot *s = NULL;
	pid_t pid, master_pid = getpid();
	int i;

	for (i = 0; i < MAX_SLOTS; i++)
		if (m.slots[i].pid == 0) {
			s = &m.slots[i];
			break;
		}
	if (s == NULL) {
		log_warnx("worker table full");
		return;
	}
	switch (pid = fork()) {
	case -1:
		log_warn("fork");
		m.next_spawn_ms = now_ms() + 1000;
		return;
	case 0:
		close(m.self_pipe[0]);
		close(m.self_pipe[1]);
		close(m.status_pipe[0]);
		worker_main(m.cfg, m.listen_fd, m.status_pipe[1],
		    m.hash_slots_id, m.metrics, (int)master_pid);
	default:
		memset(s, 0, sizeof(*s));
		s->pid = pid;
		s->generation = m.generation;
		s->started_ms = now_ms();
		metrics_add(metrics_counter(m.metrics,
		    METRICS_WORKER_STARTS), 1);
		log_debug("worker %ld started (generation %u)", (long)pid,
		    m.generation);
	}
}

/* Reaps every dead child and decides how soon its place is refilled. */
static void
reap_children(void)
{
	struct slot *s;
	pid_t pid;
	int status, i, early, clean;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		s = NULL;
		for (i = 0; i < MAX_SLOTS; i++)
			if (m.slots[i].pid == pid) {
				s = &m.slots[i];
				break;
			}
		if (s == NULL)
			continue;
		clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		early = now_ms() - s->started_ms < EARLY_DEATH_MS;
		if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CONFIG) {
			log_warnx("worker %ld cannot run with this "
			    "configuration; stopping", (long)pid);
			m.fatal_config = 1;
		} else if (WIFSIGNALED(status) && !s->term_sent)
			log_warnx("worker %ld killed by signal %d after %lld ms",
			    (long)pid, WTERMSIG(status),
			    now_ms() - s->started_ms);
		else if (!clean)
			log_warnx("worker %ld exited with status %d",
			    (long)pid, WEXITSTATUS(status));
		if (clean && !s->term_sent)
			metrics_add(metrics_counter(m.metrics,
			    METRICS_WORKER_RECYCLES), 1);
		else if (!clean && !s->term_sent)
			metrics_add(metrics_counter(m.metrics,
			    METRICS_WORKER_CRASHES), 1);
		/* Recycled (max_requests) or drained workers are not crashes. */
		if (clean || s->term_sent)
			;
		else if (early) {
			m.crash_streak++;
			m.next_spawn_ms = now_ms() +
			    master_backoff_ms(m.crash_streak);
			if (m.crash_streak > 1)
				log_warnx("workers are dying early; next spawn "
				    "in %ld ms", master_backoff_ms(
				    m.crash_streak));
		} else
			m.crash_streak = 0;
		if (!s->term_sent && !m.draining)
			m.respawns++;
		memset(s, 0, sizeof(*s));
	}
}

static void
read_status_pipe(void)
{
	struct worker_status st;
	struct slot *old;
	int i;

	while (read(m.status_pipe[0], &st, sizeof(st)) == (ssize_t)sizeof(st)) {
		for (i = 0; i < MAX_SLOTS; i++) {
			if (m.slots[i].pid != st.pid)
				continue;
			m.slots[i].ready = 1;
			/* Rolling reload: one new ready worker retires one. */
			if (m.slots[i].generation == m.generation &&
			    (old = find_old_worker()) != NULL)
				terminate(old);
		}
	}
}

/* Brings the pool to the configured size; called after every event. */
static void
maintain_pool(void)
{
	int live, unready, i;
	struct slot *old;

	if (m.draining || m.fatal_config)
		return;
	live = count_live(m.generation, 0);
	unready = count_live(m.generation, 1);

	/* A new-generation worker that never gets ready holds up a reload. */
	for (i = 0; i < MAX_SLOTS; i++)
		if (m.slots[i].pid != 0 && !m.slots[i].ready &&
		    !m.slots[i].term_sent &&
		    now_ms() - m.slots[i].started_ms > READY_TIMEOUT_MS) {
			log_warnx("worker %ld not ready after %d ms; killing",
			    (long)m.slots[i].pid, READY_TIMEOUT_MS);
			kill(m.slots[i].pid, SIGKILL);
			m.slots[i].term_sent = 1;
		}

	if (live >= m.cfg->workers) {
		/* Pool shrunk by a reload: retire the surplus old workers. */
		while (unready == 0 && (old = find_old_worker()) != NULL)
			terminate(old);
		if (!m.notified_ready && unready == 0) {
			notify_systemd("READY=1\nSTATUS=serving");
			m.notified_ready = 1;
			log_info("ready: %d workers on %s", live,
			    m.cfg->listen);
		}
		return;
	}
	if (now_ms() < m.next_spawn_ms)
		return;
	/* During a reload replace one at a time: wait for the new one. */
	if (find_old_worker() != NULL && unready > 0)
		return;
	if (find_old_worker() != NULL) {
		spawn_worker();
		return;
	}
	while (count_live(m.generation, 0) < m.cfg->workers) {
		spawn_worker();
		if (m.crash_streak > 0)
			break;		/* one at a time while crashing */
	}
}

static void
reload(void)
{
	static struct config fresh;
	char err[512];

	notify_systemd("RELOADING=1");
	if (config_load(&fresh, m.cfg->path[0] ? m.cfg->path : NULL, err,
	    sizeof(err)) == -1 || app_preflight(&fresh, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration",
		    err);
		notify_systemd("READY=1");
		return;
	}
	if (strcmp(fresh.listen, m.cfg->listen) != 0)
		log_warnx("reload: listen cannot change without a restart; "
		    "keeping %s", m.cfg->listen);
	strcpy(fresh.listen, m.cfg->listen);
	fresh.hash_slots = m.cfg->hash_slots;
	/*
	 * Old workers keep their copy (taken at fork); new ones are forked
	 * from the fresh configuration.
	 */
	*m.cfg = fresh;
	log_set_level(m.cfg->log_level);
	m.generation++;
	m.crash_streak = 0;
	m.next_spawn_ms = 0;
	log_info("reloading: replacing workers with generation %u",
	    m.generation);
	notify_systemd("READY=1");
}

static void
start_drain(void)
{
	int i;

	if (m.draining)
		return;
	m.draining = 1;
	m.drain_deadline_ms = now_ms() + (long long)m.cfg->drain_timeout * 1000;
	notify_systemd("STOPPING=1");
	log_info("draining workers (up to %d s)", m.cfg->drain_timeout);
	for (i = 0; i < MAX_SLOTS; i++)
		terminate(&m.slots[i]);
}

static int
any_worker(void)
{
	int i;

	for (i = 0; i < MAX_SLOTS; i++)
		if (m.slots[i].pid != 0)
			return 1;
	return 0;
}

static int
make_pipe(int p[2])
{
	int i, flags;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		flags = fcntl(p[i], F_GETFL);
		fcntl(p[i], F_SETFL, flags | O_NONBLOCK);
	}
	return 0;
}

int
master_run(struct config *cfg)
{
	struct pollfd pfd[2];
	char err[512];
	unsigned char sig;
	int i, exit_status = 0;

	memset(&m, 0, sizeof(m));
	m.cfg = cfg;
	m.generation = 1;
	log_set_role("master");

	if (make_pipe(m.self_pipe) == -1 || make_pipe(m.status_pipe) == -1)
		log_fatal("pipe");
	/* Workers write to the status pipe; it must survive their exec-less
	 * fork but not leak into anything they might exec. */
	install_signals();

	m.listen_fd = listen_open(cfg->listen, cfg->listen_mode,
	    cfg->listen_backlog, &m.from_systemd, err, sizeof(err));
	if (m.listen_fd == -1)
		log_fatalx("%s", err);
	if (api_routes_count > METRICS_MAX_ROUTES)
		log_fatalx("%zu routes: raise METRICS_MAX_ROUTES",
		    api_routes_count);
	if (cfg->workers <= 2 * cfg->hash_slots)
		log_warnx("workers (%d) <= 2 x hash_slots (%d): a login flood "
		    "can occupy every worker", cfg->workers, cfg->hash_slots);
	if ((m.metrics = metrics_create()) == NULL)
		log_fatal("cannot map the metrics");
	if ((m.hash_slots_id = hash_slots_create(cfg->hash_slots)) == -1)
		log_fatal("cannot create the hash slot semaphore");
	log_info("listening on %s%s, %d workers, %d hash slots", cfg->listen,
	    m.from_systemd ? " (socket activation)" : "", cfg->workers,
	    cfg->hash_slots);

	maintain_pool();
	pfd[0].fd = m.self_pipe[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = m.status_pipe[0];
	pfd[1].events = POLLIN;

	for (;;) {
		if (poll(pfd, 2, 200) == -1 && errno != EINTR)
			log_fatal("poll");
		while (read(m.self_pipe[0], &sig, 1) == 1) {
			switch (sig) {
			case SIGCHLD:
				reap_children();
				break;
			case SIGHUP:
				if (!m.draining)
					reload();
				break;
			case SIGTERM:
			case SIGINT:
				start_drain();
				break;
			}
		}
		reap_children();
		read_status_pipe();
		if (m.fatal_config && !m.draining) {
			exit_status = 1;
			start_drain();
		}
		if (m.draining) {
			if (!any_worker())
				break;
			if (now_ms() >= m.drain_deadline_ms) {
				log_warnx("drain timeout: killing the "
				    "remaining workers");
				for (i = 0; i < MAX_SLOTS; i++)
					if (m.slots[i].pid != 0)
						kill(m.slots[i].pid, SIGKILL);
				while (any_worker()) {
					usleep(10000);
					reap_children();
				}
				break;
			}
			continue;
		}
		maintain_pool();
	}
	hash_slots_destroy(m.hash_slots_id);
	listen_cleanup(cfg->listen, m.from_systemd);
	close(m.listen_fd);
	log_info("stopped");
	return exit_status;
}
