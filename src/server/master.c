/*
 * master.c - supervision loop of the worker pools.
 *
 * Each pool (app/config.h: api, and auth when auth_listen is set) has its
 * own listening socket, size and max_requests; everything below is done
 * pool by pool: a pool's backoff, its owed replacements and its rolling
 * reload never touch another pool's workers.
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
#include "core/util.h"
#include "server/app_setup.h"
#include "server/listen.h"
#include "server/master.h"
#include "server/notify.h"
#include "server/worker.h"

#define MAX_SLOTS		METRICS_MAX_WORKERS
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
	int		pool;		/* enum pool_id */
	unsigned	generation;
	long long	started_ms;
	int		ready;		/* sent WORKER_READY */
	int		term_sent;	/* asked to stop: its exit is no fault */
	int		timed_out;	/* killed for not getting ready */
	int		overran;	/* killed past request_timeout */
};

struct pool {
	int		 on;
	int		 fd;
	int		 from_systemd;
	char		 listen[PATH_MAX];	/* as opened (reload keeps it) */
	unsigned	 crash_streak;	/* failures before ready, in a row */
	long long	 next_spawn_ms;	/* backoff after such a failure */
	int		 owed;		/* ready workers lost: replace at once */
	int		 notified_ready;
};

static struct {
	struct config	*cfg;
	struct pool	 pools[POOL_MAX];
	int		 hash_slots_id;
	struct metrics	*metrics;
	int		 self_pipe[2];
	int		 status_pipe[2];
	struct slot	 slots[MAX_SLOTS];
	unsigned	 generation;
	enum master_state state;
	long long	 drain_deadline_ms;
	long long	 fork_retry_ms;	/* fork() failed: no start before */
	long long	 tokens;	/* respawn bucket, in 1/1000 starts */
	long long	 tokens_ms;	/* when last refilled */
	int		 rate_capped;	/* reported; again once the bucket is full */
	long long	 wake_ms;	/* maintain_pools wants a call by then */
	int		 ever_ready;	/* some worker reported ready */
	int		 notified_ready;
	int		 fatal_config;
	unsigned long	 respawns;
} m;

#define now_ms()	monotonic_ms()

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

static int
total_workers(void)
{
	int p, n = 0;

	for (p = 0; p < POOL_MAX; p++)
		if (m.pools[p].on)
			n += m.cfg->pool[p].workers;
	return n;
}

/* Starts per second the bucket allows, and holds: all pools share it. */
static long long
respawn_rate(void)
{
	return total_workers() > RESPAWN_RATE_MIN ? total_workers() :
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
count_live(int pool, unsigned generation, int only_unready)
{
	int i, n = 0;

	for (i = 0; i < MAX_SLOTS; i++)
		if (m.slots[i].pid != 0 && m.slots[i].pool == pool &&
		    m.slots[i].generation == generation &&
		    !m.slots[i].term_sent &&
		    (!only_unready || !m.slots[i].ready))
			n++;
	return n;
}

static struct slot *
find_old_worker(int pool)
{
	int i;

	for (i = 0; i < MAX_SLOTS; i++)
		if (m.slots[i].pid != 0 && m.slots[i].pool == pool &&
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
spawn_worker(int pool)
{
	struct worker_args args;
	struct slot *s = NULL;
	pid_t pid, master_pid = getpid();
	int i, p;

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
		/* A worker holds its own pool's socket only. */
		for (p = 0; p < POOL_MAX; p++)
			if (m.pools[p].on && p != pool)
				close(m.pools[p].fd);
		memset(&args, 0, sizeof(args));
		args.cfg = m.cfg;
		args.pool = pool;
		args.place = (int)(s - m.slots);
		args.listen_fd = m.pools[pool].fd;
		args.status_fd = m.status_pipe[1];
		args.hash_slots_id = m.hash_slots_id;
		args.metrics = m.metrics;
		args.master_pid = (int)master_pid;
		worker_main(&args);
	default:
		memset(s, 0, sizeof(*s));
		s->pid = pid;
		s->pool = pool;
		s->generation = m.generation;
		s->started_ms = now_ms();
		metrics_add(metrics_counter(m.metrics, pool,
		    METRICS_WORKER_STARTS), 1);
		log_debug("%s worker %ld started (generation %u)",
		    config_pool_name(pool), (long)pid, m.generation);
	}
	return 0;
}

/* A scoreboard place's route, for a log line. */
static const char *
route_name(int route)
{
	return route >= 0 && (size_t)route < api_routes_count ?
	    api_routes[route].pattern : "(not matched yet)";
}

/*
 * What a worker that died was doing, from its scoreboard place, and the
 * place freed for the next worker.  A request cut off is named (route and
 * request id) so that the crash can be tied to nginx's access log.
 */
static void
release_place(struct slot *s, const char *how)
{
	struct metrics_worker *place = metrics_worker(m.metrics,
	    (int)(s - m.slots));
	struct metrics_worker seen;

	if (place == NULL)
		return;
	metrics_worker_read(place, &seen);
	if (seen.pid == s->pid && seen.stage >= METRICS_STAGE_READING)
		log_warnx("%s worker %ld %s during a request: route %s, "
		    "request id %s, after %lld ms", config_pool_name(s->pool),
		    (long)s->pid, how, route_name(seen.route),
		    seen.request_id[0] ? seen.request_id : "-",
		    now_ms() - seen.request_start_ms);
	memset(place, 0, sizeof(*place));
}

/* Reaps every dead child and decides how soon its place is refilled. */
static void
reap_children(void)
{
	struct slot *s;
	char how[96];
	long long age;
	struct pool *pool;
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
		pool = &m.pools[s->pool];
		age = now_ms() - s->started_ms;
		clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		current = s->generation == m.generation;
		describe_status(status, how, sizeof(how));
		release_place(s, how);
		if (s->term_sent) {
			/* Retired by a reload or a drain: not a fault. */
			if (!clean)
				log_info("worker %ld (stopping) %s", (long)pid,
				    how);
		} else if (clean) {
			/* Recycled after max_requests. */
			metrics_add(metrics_counter(m.metrics, s->pool,
			    METRICS_WORKER_RECYCLES), 1);
			log_debug("worker %ld recycled after %lld ms",
			    (long)pid, age);
			if (current)
				pool->owed++;
		} else if (s->overran) {
			/* Killed by us past request_timeout: counted then. */
			if (current)
				pool->owed++;
		} else if (s->ready || (WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL && !s->timed_out)) {
			/*
			 * Lost while serving, or SIGKILLed from outside (the
			 * OOM killer, an operator) while starting: a start-up
			 * failure exits or crashes, it is never a SIGKILL we
			 * did not send.
			 */
			metrics_add(metrics_counter(m.metrics, s->pool,
			    METRICS_WORKER_CRASHES), 1);
			log_warnx("%s worker %ld %s after %lld ms %s; replacing "
			    "it at once", config_pool_name(s->pool), (long)pid,
			    how, age, s->ready ? "while serving" :
			    "before ready, from outside");
			if (current)
				pool->owed++;
		} else if (WIFEXITED(status) &&
		    WEXITSTATUS(status) == EXIT_CONFIG && !m.ever_ready) {
			log_warnx("worker %ld cannot run with this "
			    "configuration; stopping", (long)pid);
			m.fatal_config = 1;
		} else {
			metrics_add(metrics_counter(m.metrics, s->pool,
			    METRICS_WORKER_CRASHES), 1);
			pool->crash_streak++;
			pool->next_spawn_ms = now_ms() +
			    master_backoff_ms(pool->crash_streak);
			log_warnx("%s worker %ld %s after %lld ms, failed before "
			    "ready%s (%u in a row); next start in %ld ms",
			    config_pool_name(s->pool), (long)pid,
			    s->timed_out ? "timed out" : how, age,
			    WIFEXITED(status) && WEXITSTATUS(status) ==
			    EXIT_CONFIG ? " (configuration)" : "",
			    pool->crash_streak,
			    master_backoff_ms(pool->crash_streak));
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
	struct pool *pool;
	int i;

	while (read(m.status_pipe[0], &st, sizeof(st)) == (ssize_t)sizeof(st)) {
		for (i = 0; i < MAX_SLOTS; i++) {
			if (m.slots[i].pid != st.pid)
				continue;
			m.slots[i].ready = 1;
			m.ever_ready = 1;
			if (m.slots[i].generation != m.generation)
				continue;
			pool = &m.pools[m.slots[i].pool];
			/* This configuration starts: the backoff is over. */
			if (pool->crash_streak > 0)
				log_info("%s worker %ld ready after %u failed "
				    "starts", config_pool_name(m.slots[i].pool),
				    (long)st.pid, pool->crash_streak);
			pool->crash_streak = 0;
			pool->next_spawn_ms = 0;
			/* Rolling reload: one new ready worker retires one. */
			if ((old = find_old_worker(m.slots[i].pool)) != NULL)
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
 * A worker that never gets ready holds up a reload; one that runs a request
 * past request_timeout holds a client (nginx gives up at its own timeout,
 * the worker would go on): both are killed.  Sets m.wake_ms for the next
 * deadline.
 */
static void
enforce_deadlines(long long now)
{
	struct metrics_worker *place, seen;
	long long limit = (long long)m.cfg->request_timeout * 1000;
	struct slot *s;
	int i;

	/*
	 * A request starts without telling the master: look at the
	 * scoreboard four times a second (a kill comes at most 250 ms late;
	 * a scan of the places costs microseconds).
	 */
	if (limit > 0)
		wake_at(now + 250);
	for (i = 0; i < MAX_SLOTS; i++) {
		s = &m.slots[i];
		if (s->pid == 0 || s->timed_out || s->overran)
			continue;
		if (!s->ready && !s->term_sent) {
			if (now - s->started_ms > READY_TIMEOUT_MS) {
				log_warnx("worker %ld not ready after %d ms; "
				    "killing", (long)s->pid, READY_TIMEOUT_MS);
				kill(s->pid, SIGKILL);
				s->timed_out = 1;
			} else
				wake_at(s->started_ms + READY_TIMEOUT_MS + 1);
			continue;
		}
		if (limit == 0 || !s->ready ||
		    (place = metrics_worker(m.metrics, i)) == NULL)
			continue;
		metrics_worker_read(place, &seen);
		if (seen.pid != s->pid || seen.stage < METRICS_STAGE_READING ||
		    seen.request_start_ms == 0)
			continue;
		if (now - seen.request_start_ms <= limit) {
			wake_at(seen.request_start_ms + limit + 1);
			continue;
		}
		log_warnx("%s worker %ld: request id %s (route %s) has run "
		    "%lld ms, past request_timeout (%d s); killing it",
		    config_pool_name(s->pool), (long)s->pid,
		    seen.request_id[0] ? seen.request_id : "-",
		    route_name(seen.route),
		    now - seen.request_start_ms, m.cfg->request_timeout);
		metrics_add(metrics_counter(m.metrics, s->pool,
		    METRICS_WORKER_TIMEOUTS), 1);
		kill(s->pid, SIGKILL);
		s->overran = 1;
	}
}

/* Brings one pool to its configured size. */
static void
maintain_one(int id, long long now)
{
	struct pool *pool = &m.pools[id];
	int size = m.cfg->pool[id].workers;
	int live = count_live(id, m.generation, 0);
	int unready = count_live(id, m.generation, 1);
	struct slot *old;

	if (live >= size) {
		pool->owed = 0;
		/* Pool shrunk by a reload: retire the surplus old workers. */
		while (unready == 0 && (old = find_old_worker(id)) != NULL)
			terminate(old);
		return;
	}
	if (pool->owed > size - live)
		pool->owed = size - live;
	if (now < m.fork_retry_ms) {
		wake_at(m.fork_retry_ms);
		return;
	}
	/*
	 * During a reload replace one at a time: wait for the new one.  Old
	 * workers still serve, so nothing is owed at once.
	 */
	if (find_old_worker(id) != NULL) {
		if (unready > 0)
			return;
		if (now < pool->next_spawn_ms)
			wake_at(pool->next_spawn_ms);
		else if (take_token(now) && spawn_worker(id) == -1)
			wake_at(m.fork_retry_ms);
		return;
	}
	while (count_live(id, m.generation, 0) < size) {
		/*
		 * Lost ready workers are replaced at once.  Other places
		 * wait out the backoff while starts fail, and then one probe
		 * at a time.
		 */
		if (pool->owed == 0 && pool->crash_streak > 0) {
			if (now < pool->next_spawn_ms) {
				wake_at(pool->next_spawn_ms);
				break;
			}
			if (count_live(id, m.generation, 1) > 0)
				break;	/* a probe is starting */
		}
		if (!take_token(now))
			break;
		if (spawn_worker(id) == -1) {
			wake_at(m.fork_retry_ms);
			break;
		}
		if (pool->owed > 0)
			pool->owed--;
	}
}

/*
 * Brings every pool to its configured size; called after every event.
 * When it holds a start back it sets m.wake_ms, the poll deadline.
 */
static void
maintain_pools(void)
{
	long long now = now_ms();
	int id, full = 1;

	m.wake_ms = 0;
	if (m.state == STATE_DRAINING || m.fatal_config)
		return;
	enforce_deadlines(now);
	for (id = 0; id < POOL_MAX; id++) {
		if (!m.pools[id].on)
			continue;
		maintain_one(id, now);
		if (count_live(id, m.generation, 0) < m.cfg->pool[id].workers ||
		    count_live(id, m.generation, 1) > 0)
			full = 0;
		else if (!m.pools[id].notified_ready) {
			m.pools[id].notified_ready = 1;
			log_info("%s pool ready: %d workers on %s",
			    config_pool_name(id), m.cfg->pool[id].workers,
			    m.pools[id].listen);
		}
	}
	if (full && !m.notified_ready) {
		notify_systemd("READY=1\nSTATUS=serving");
		m.notified_ready = 1;
	}
}

static void
reload(void)
{
	static struct config fresh;
	char err[512];
	int id;

	notify_systemd("RELOADING=1");
	if (config_load(&fresh, m.cfg->path[0] ? m.cfg->path : NULL, err,
	    sizeof(err)) == -1 || app_preflight(&fresh, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration",
		    err);
		notify_systemd("READY=1");
		return;
	}
	/* Sockets (and so the set of pools) are opened once, at start. */
	for (id = 0; id < POOL_MAX; id++) {
		if (strcmp(fresh.pool[id].listen, m.cfg->pool[id].listen) != 0)
			log_warnx("reload: %s cannot change without a "
			    "restart; keeping '%s'", id == POOL_AUTH ?
			    "auth_listen" : "listen", m.cfg->pool[id].listen);
		strcpy(fresh.pool[id].listen, m.cfg->pool[id].listen);
	}
	fresh.hash_slots = m.cfg->hash_slots;
	/*
	 * Old workers keep their copy (taken at fork); new ones are forked
	 * from the fresh configuration.
	 */
	*m.cfg = fresh;
	log_set_level(m.cfg->log_level);
	m.generation++;
	for (id = 0; id < POOL_MAX; id++) {
		m.pools[id].crash_streak = 0;
		m.pools[id].next_spawn_ms = 0;
		m.pools[id].owed = 0;
	}
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
	int i, id, exit_status = 0;

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

	for (id = 0; id < POOL_MAX; id++) {
		struct pool *pool = &m.pools[id];

		if (!config_pool_on(cfg, id))
			continue;
		pool->fd = listen_open(config_pool_name(id),
		    cfg->pool[id].listen, cfg->listen_mode,
		    cfg->listen_backlog, &pool->from_systemd, err,
		    sizeof(err));
		if (pool->fd == -1)
			log_fatalx("%s pool: %s", config_pool_name(id), err);
		pool->on = 1;
		strlcpy_safe(pool->listen, cfg->pool[id].listen,
		    sizeof(pool->listen));
		log_info("%s pool: %d workers on %s%s", config_pool_name(id),
		    cfg->pool[id].workers, pool->listen, pool->from_systemd ?
		    " (socket activation)" : "");
	}
	listen_forget_systemd();
	if (api_routes_count > METRICS_MAX_ROUTES)
		log_fatalx("%zu routes: raise METRICS_MAX_ROUTES",
		    api_routes_count);
	if (total_workers() > MAX_SLOTS / 2)
		log_fatalx("%d workers: at most %d (with room for a reload)",
		    total_workers(), MAX_SLOTS / 2);
	/* With one pool the hash slots are what keeps workers for others. */
	if (!m.pools[POOL_AUTH].on &&
	    cfg->pool[POOL_API].workers <= 2 * cfg->hash_slots)
		log_warnx("workers (%d) <= 2 x hash_slots (%d): a login flood "
		    "can occupy every worker", cfg->pool[POOL_API].workers,
		    cfg->hash_slots);
	if ((m.metrics = metrics_create()) == NULL)
		log_fatal("cannot map the metrics");
	if ((m.hash_slots_id = hash_slots_create(cfg->hash_slots)) == -1)
		log_fatal("cannot create the hash slot semaphore");
	log_info("%d hash slots", cfg->hash_slots);

	m.tokens_ms = now_ms();
	m.tokens = respawn_rate() * 1000;
	maintain_pools();
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
		maintain_pools();
	}
	hash_slots_destroy(m.hash_slots_id);
	for (id = 0; id < POOL_MAX; id++)
		if (m.pools[id].on) {
			listen_cleanup(m.pools[id].listen,
			    m.pools[id].from_systemd);
			close(m.pools[id].fd);
		}
	log_info("stopped");
	return exit_status;
}
