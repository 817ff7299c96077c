/*
 * master.c - supervision loop.
 *
 * Signal handlers only write one byte to a self-pipe; the loop polls that
 * pipe and the workers' status pipe and does all the work, so no policy runs
 * in signal context.  The poll timeout is the next timer (a respawn held
 * back, a worker's ready deadline, the drain deadline), none: wait forever.
 *
 * States, highest wins: RUNNING < RELOADING < DRAINING.  SIGHUP raises
 * RUNNING to RELOADING, and RELOADING falls back to RUNNING only when the
 * last worker of an older generation is gone; SIGTERM/SIGINT raise any state
 * to DRAINING, which is final (a SIGHUP is ignored there).  Every transition
 * is logged.
 *
 * Respawn policy (php-fpm's emergency_restart_threshold and nginx's "exit
 * code 2: never respawn" are the references).  A death is classified by
 * whether the worker had reported WORKER_READY:
 *   - asked to stop (reload, drain) or recycled (exit 0): replaced, no fault;
 *   - ready, then killed or failed (SIGKILL from the OOM killer, a request
 *     that crashed it), or SIGKILLed by someone else while starting (a
 *     start-up failure exits or crashes; it is never a SIGKILL we did not
 *     send): replaced at once;
 *   - failed before ready (key file, schema, argon2 parameters, a crash in
 *     start-up): the next start backs off, 100 ms doubling up to 30 s, one
 *     at a time, until a worker reaches ready again;
 *   - EXIT_CONFIG before any worker was ever ready: the configuration cannot
 *     work at all; the master stops (systemd reports it).  Once workers have
 *     served, a later EXIT_CONFIG (a key file broken under a running node)
 *     only backs off, and the ready workers keep serving.
 * Every start passes one token bucket (capacity and refill rate
 * max(workers, RESPAWN_RATE_MIN) per second): a whole pool can be replaced
 * at once, but workers that die as soon as they are ready cannot make the
 * master a fork bomb, and the pool waits at most one token interval.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#define READY_TIMEOUT_MS	15000	/* a new worker not ready by then failed */
#define RESPAWN_RATE_MIN	4	/* starts per second, at least */
#define FORK_RETRY_MS		1000	/* after fork() itself failed */

enum master_state {
	STATE_RUNNING,
	STATE_RELOADING,
	STATE_DRAINING
};

static const char *const state_names[] = {
	[STATE_RUNNING] = "running",
	[STATE_RELOADING] = "reloading",
	[STATE_DRAINING] = "draining",
};

struct slot {
	pid_t		pid;		/* 0: free */
	unsigned	generation;
	long long	started_ms;
	int		ready;		/* sent WORKER_READY */
	int		term_sent;	/* asked to stop: its exit is no fault */
	int		timed_out;	/* killed for not getting ready */
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
	enum master_state state;
	long long	 drain_deadline_ms;
	unsigned	 crash_streak;	/* failures before ready, in a row */
	long long	 next_spawn_ms;	/* backoff after such a failure */
	long long	 fork_retry_ms;	/* fork() failed: no start before */
	int		 owed;		/* ready workers lost: replace at once */
	long long	 tokens;	/* respawn bucket, in 1/1000 starts */
	long long	 tokens_ms;	/* when last refilled */
	int		 rate_capped;	/* reported; again once the bucket is full */
	long long	 wake_ms;	/* maintain_pool wants a call by then */
	int		 ever_ready;	/* some worker reported ready */
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

/* Only up, except RELOADING -> RUNNING when a reload is complete. */
static void
enter_state(enum master_state to, const char *why)
{
	if (to == m.state)
		return;
	if (to < m.state && !(m.state == STATE_RELOADING &&
	    to == STATE_RUNNING))
		return;
	log_info("state %s -> %s: %s", state_names[m.state], state_names[to],
	    why);
	m.state = to;
}

/* Starts per second the bucket allows, and holds. */
static long long
respawn_rate(void)
{
	return m.cfg->workers > RESPAWN_RATE_MIN ? m.cfg->workers :
	    RESPAWN_RATE_MIN;
}

static void
refill_tokens(long long now)
{
	long long cap = respawn_rate() * 1000;

	/* rate starts per 1000 ms = rate thousandths per ms */
	if (now > m.tokens_ms)
		m.tokens += (now - m.tokens_ms) * respawn_rate();
	if (m.tokens >= cap) {
		m.tokens = cap;
		m.rate_capped = 0;	/* the episode is over */
	}
	m.tokens_ms = now;
}

static void
wake_at(long long at)
{
	if (m.wake_ms == 0 || at < m.wake_ms)
		m.wake_ms = at;
}

/* 1 and one start taken from the bucket, or 0 and m.wake_ms set. */
static int
take_token(long long now)
{
	long long rate = respawn_rate(), at;

	refill_tokens(now);
	if (m.tokens >= 1000) {
		m.tokens -= 1000;
		return 1;
	}
	at = now + (1000 - m.tokens + rate - 1) / rate;
	wake_at(at);
	if (!m.rate_capped) {
		log_warnx("respawn rate cap (%lld starts/s) reached; "
		    "next start in %lld ms", rate, at - now);
		m.rate_capped = 1;
	}
	return 0;
}

static void
describe_status(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d",
		    WEXITSTATUS(status));
	else
		snprintf(buf, size, "wait status %#x", (unsigned)status);
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

/* 0: started; -1: no free slot or fork() failed; m.fork_retry_ms is set. */
static int
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
		m.fork_retry_ms = now_ms() + FORK_RETRY_MS;
		return -1;
	}
	switch (pid = fork()) {
	case -1:
		log_warn("fork");
		m.fork_retry_ms = now_ms() + FORK_RETRY_MS;
		return -1;
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
	return 0;
}

/* Reaps every dead child and decides how soon its place is refilled. */
static void
reap_children(void)
{
	struct slot *s;
	char how[96];
	long long age;
	pid_t pid;
	int status, i, clean, current;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		s = NULL;
		for (i = 0; i < MAX_SLOTS; i++)
			if (m.slots[i].pid == pid) {
				s = &m.slots[i];
				break;
			}
		if (s == NULL)
			continue;
		age = now_ms() - s->started_ms;
		clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		current = s->generation == m.generation;
		describe_status(status, how, sizeof(how));
		if (s->term_sent) {
			/* Retired by a reload or a drain: not a fault. */
			if (!clean)
				log_info("worker %ld (stopping) %s", (long)pid,
				    how);
		} else if (clean) {
			/* Recycled after max_requests. */
			metrics_add(metrics_counter(m.metrics,
			    METRICS_WORKER_RECYCLES), 1);
			log_debug("worker %ld recycled after %lld ms",
			    (long)pid, age);
			if (current)
				m.owed++;
		} else if (s->ready || (WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL && !s->timed_out)) {
			/*
			 * Lost while serving, or SIGKILLed from outside (the
			 * OOM killer, an operator) while starting: a start-up
			 * failure exits or crashes, it is never a SIGKILL we
			 * did not send.
			 */
			metrics_add(metrics_counter(m.metrics,
			    METRICS_WORKER_CRASHES), 1);
			log_warnx("worker %ld %s after %lld ms %s; replacing it "
			    "at once", (long)pid, how, age, s->ready ?
			    "while serving" : "before ready, from outside");
			if (current)
				m.owed++;
		} else if (WIFEXITED(status) &&
		    WEXITSTATUS(status) == EXIT_CONFIG && !m.ever_ready) {
			log_warnx("worker %ld cannot run with this "
			    "configuration; stopping", (long)pid);
			m.fatal_config = 1;
		} else {
			metrics_add(metrics_counter(m.metrics,
			    METRICS_WORKER_CRASHES), 1);
			m.crash_streak++;
			m.next_spawn_ms = now_ms() +
			    master_backoff_ms(m.crash_streak);
			log_warnx("worker %ld %s after %lld ms, failed before "
			    "ready%s (%u in a row); next start in %ld ms",
			    (long)pid, s->timed_out ? "timed out" : how, age,
			    WIFEXITED(status) && WEXITSTATUS(status) ==
			    EXIT_CONFIG ? " (configuration)" : "",
			    m.crash_streak, master_backoff_ms(m.crash_streak));
		}
		if (!s->term_sent && m.state != STATE_DRAINING)
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
			m.ever_ready = 1;
			if (m.slots[i].generation != m.generation)
				continue;
			/* This configuration starts: the backoff is over. */
			if (m.crash_streak > 0)
				log_info("worker %ld ready after %u failed "
				    "starts", (long)st.pid, m.crash_streak);
			m.crash_streak = 0;
			m.next_spawn_ms = 0;
			/* Rolling reload: one new ready worker retires one. */
			if ((old = find_old_worker()) != NULL)
				terminate(old);
		}
	}
}

/* RELOADING ends when no worker of an older generation is left. */
static void
settle_reload(void)
{
	int i;

	if (m.state != STATE_RELOADING)
		return;
	for (i = 0; i < MAX_SLOTS; i++)
		if (m.slots[i].pid != 0 &&
		    m.slots[i].generation != m.generation)
			return;
	enter_state(STATE_RUNNING, "every worker runs the new configuration");
}

/*
 * Brings the pool to the configured size; called after every event.  When
 * it holds a start back it sets m.wake_ms, the poll deadline.
 */
static void
maintain_pool(void)
{
	long long now = now_ms();
	int live, unready, i;
	struct slot *old;

	m.wake_ms = 0;
	if (m.state == STATE_DRAINING || m.fatal_config)
		return;
	live = count_live(m.generation, 0);
	unready = count_live(m.generation, 1);

	/* A worker that never gets ready holds up a reload. */
	for (i = 0; i < MAX_SLOTS; i++) {
		if (m.slots[i].pid == 0 || m.slots[i].ready ||
		    m.slots[i].term_sent || m.slots[i].timed_out)
			continue;
		if (now - m.slots[i].started_ms > READY_TIMEOUT_MS) {
			log_warnx("worker %ld not ready after %d ms; killing",
			    (long)m.slots[i].pid, READY_TIMEOUT_MS);
			kill(m.slots[i].pid, SIGKILL);
			m.slots[i].timed_out = 1;
		} else
			wake_at(m.slots[i].started_ms + READY_TIMEOUT_MS + 1);
	}

	if (live >= m.cfg->workers) {
		m.owed = 0;
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
	if (m.owed > m.cfg->workers - live)
		m.owed = m.cfg->workers - live;
	if (now < m.fork_retry_ms) {
		wake_at(m.fork_retry_ms);
		return;
	}
	/*
	 * During a reload replace one at a time: wait for the new one.  Old
	 * workers still serve, so nothing is owed at once.
	 */
	if (find_old_worker() != NULL) {
		if (unready > 0)
			return;
		if (now < m.next_spawn_ms)
			wake_at(m.next_spawn_ms);
		else if (take_token(now) && spawn_worker() == -1)
			wake_at(m.fork_retry_ms);
		return;
	}
	while (count_live(m.generation, 0) < m.cfg->workers) {
		/*
		 * Lost ready workers are replaced at once.  Other places
		 * wait out the backoff while starts fail, and then one probe
		 * at a time.
		 */
		if (m.owed == 0 && m.crash_streak > 0) {
			if (now < m.next_spawn_ms) {
				wake_at(m.next_spawn_ms);
				break;
			}
			if (count_live(m.generation, 1) > 0)
				break;	/* a probe is starting */
		}
		if (!take_token(now))
			break;
		if (spawn_worker() == -1) {
			wake_at(m.fork_retry_ms);
			break;
		}
		if (m.owed > 0)
			m.owed--;
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
	m.owed = 0;
	if (m.state == STATE_RELOADING)
		log_info("reloading again before the last reload completed");
	enter_state(STATE_RELOADING, "SIGHUP");
	log_info("reloading: replacing workers with generation %u",
	    m.generation);
	notify_systemd("READY=1");
}

static void
start_drain(const char *why)
{
	int i;

	if (m.state == STATE_DRAINING)
		return;
	enter_state(STATE_DRAINING, why);
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

/* Milliseconds until the next timer for poll(); -1: none. */
static int
poll_timeout(void)
{
	long long at, left;

	at = m.state == STATE_DRAINING ? m.drain_deadline_ms : m.wake_ms;
	if (at == 0)
		return -1;
	left = at - now_ms();
	if (left < 1)
		return 1;	/* due: round the loop once more */
	return left > INT_MAX ? INT_MAX : (int)left;
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
	m.state = STATE_RUNNING;
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

	m.tokens_ms = now_ms();
	m.tokens = respawn_rate() * 1000;
	maintain_pool();
	pfd[0].fd = m.self_pipe[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = m.status_pipe[0];
	pfd[1].events = POLLIN;

	for (;;) {
		if (poll(pfd, 2, poll_timeout()) == -1 && errno != EINTR)
			log_fatal("poll");
		while (read(m.self_pipe[0], &sig, 1) == 1) {
			switch (sig) {
			case SIGCHLD:
				break;	/* reaped below */
			case SIGHUP:
				if (m.state != STATE_DRAINING)
					reload();
				break;
			case SIGTERM:
				start_drain("SIGTERM");
				break;
			case SIGINT:
				start_drain("SIGINT");
				break;
			}
		}
		/*
		 * Status first: a worker that reported ready and was killed
		 * at once died while serving, not before ready.
		 */
		read_status_pipe();
		reap_children();
		settle_reload();
		if (m.fatal_config && m.state != STATE_DRAINING) {
			exit_status = 1;
			start_drain("a worker cannot run with this "
			    "configuration");
		}
		if (m.state == STATE_DRAINING) {
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
