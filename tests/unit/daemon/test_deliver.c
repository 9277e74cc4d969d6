// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/deliver.c: the retry backoff; and the delivery
 * thread for real, on a fresh database with one regression alert, against
 * receivers that fail: a sendmail command that exits non-zero, a webhook
 * that answers 500, one that never answers (past --delivery-timeout) and
 * one where nothing listens, next to ones that take the message.  Every
 * attempt must be logged with what went wrong, the delivery stay pending
 * and be due again after the backoff; what was taken is delivered once.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "daemon/deliver.h"
#include "daemon/server.h"
#include "daemon/store.h"
#include "lib/log.h"

#define KERNEL "aaaaaaaaaaaa"
#define BASE "bbbbbbbbbbbb"
#define QUIET "cccccccccccc" /* a kernel without an alert */

/* ---- the backoff, pure ------------------------------------------------ */

static void test_backoff(void **state)
{
	(void)state;
	/* the first retry after the base, then doubling */
	assert_int_equal(deliver_backoff_s(30, 0), 30);
	assert_int_equal(deliver_backoff_s(30, 1), 60);
	assert_int_equal(deliver_backoff_s(30, 2), 120);
	assert_int_equal(deliver_backoff_s(30, 6), 1920);
	/* at most an hour, however many attempts (no overflow, no wrap) */
	assert_int_equal(deliver_backoff_s(30, 7), 3600);
	assert_int_equal(deliver_backoff_s(30, 20), 3600);
	assert_int_equal(deliver_backoff_s(30, 64), 3600);
	assert_int_equal(deliver_backoff_s(30, 4000000000u), 3600);
	assert_int_equal(deliver_backoff_s(3600, 0), 3600);
	assert_int_equal(deliver_backoff_s(3600, 30), 3600);
	assert_int_equal(deliver_backoff_s(1, 0), 1);
	assert_int_equal(deliver_backoff_s(1, 11), 2048);
	assert_int_equal(deliver_backoff_s(1, 12), 3600);
}

/* ---- a receiver on loopback ------------------------------------------ */

enum recv_mode { RECV_200, RECV_500, RECV_HANG };

struct receiver {
	int fd;
	int conn;              /* the connection being served, or -1 */
	unsigned port;
	enum recv_mode mode;
	pthread_t thread;
	pthread_mutex_t lock;
	int requests;
	char body[8192];
};

/* Read one request (headers, then Content-Length bytes) into r->body. */
static void read_request(struct receiver *r, int c)
{
	char buf[16384];
	size_t got = 0;
	char *hdr_end, *cl;
	long len = 0;

	for (;;) {
		ssize_t n = read(c, buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			return;
		got += (size_t)n;
		buf[got] = '\0';
		hdr_end = strstr(buf, "\r\n\r\n");
		if (!hdr_end)
			continue;
		cl = strcasestr(buf, "Content-Length:");
		if (cl)
			len = strtol(cl + 15, NULL, 10);
		if ((size_t)(hdr_end + 4 - buf) + (size_t)len <= got || got == sizeof(buf) - 1)
			break;
	}
	pthread_mutex_lock(&r->lock);
	r->requests++;
	snprintf(r->body, sizeof(r->body), "%s", hdr_end + 4);
	pthread_mutex_unlock(&r->lock);
}

static void *receiver_main(void *arg)
{
	struct receiver *r = arg;

	for (;;) {
		int c = accept(r->fd, NULL, NULL);
		const char *ans;

		if (c < 0)
			return NULL; /* closed: the test is over */
		pthread_mutex_lock(&r->lock);
		r->conn = c;
		pthread_mutex_unlock(&r->lock);
		read_request(r, c);
		if (r->mode == RECV_HANG) {
			/* never answer: the connection stays open until the client gives up */
			char b;

			while (read(c, &b, 1) > 0)
				;
		} else {
			ans = r->mode == RECV_200 ?
				      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" :
				      "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
			if (write(c, ans, strlen(ans)) < 0)
				perror("receiver");
		}
		pthread_mutex_lock(&r->lock);
		r->conn = -1;
		pthread_mutex_unlock(&r->lock);
		close(c);
	}
}

static int listen_loopback(unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void receiver_start(struct receiver *r, enum recv_mode mode)
{
	memset(r, 0, sizeof(*r));
	r->mode = mode;
	r->conn = -1;
	r->fd = listen_loopback(&r->port);
	pthread_mutex_init(&r->lock, NULL);
	assert_int_equal(pthread_create(&r->thread, NULL, receiver_main, r), 0);
}

/* Stop it, also in the middle of a request it does not answer; once only. */
static void receiver_stop(struct receiver *r)
{
	if (r->fd < 0)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->conn >= 0)
		shutdown(r->conn, SHUT_RDWR);
	pthread_mutex_unlock(&r->lock);
	shutdown(r->fd, SHUT_RDWR);
	close(r->fd);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->lock);
	r->fd = -1;
}

/* A loopback port where nothing listens (bound, never listened to). */
static unsigned closed_port(int *fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&a, &alen), 0);
	return ntohs(a.sin_port);
}

/* ---- fixture: a database with one alert, a server for the write lock --- */

struct fixture {
	char dir[64], path[128], out[160];
	struct store *st;
	struct server *srv;
	struct deliver *d;
	int64_t host;
	/* stopped before the delivery thread: a receiver that hangs must not hang the test */
	struct receiver recv[2];
};

static const struct route no_routes[] = { { 0 } };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct strbuf err = STRBUF_INIT;
	struct server_config sc;
	int i;
	struct store_alert a;
	uint8_t hash[32] = { 1 };
	sqlite3 *db;
	int64_t id;
	bool created;

	assert_non_null(f);
	for (i = 0; i < 2; i++)
		f->recv[i].fd = -1;
	strcpy(f->dir, "/tmp/fw-test-deliver.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/fw.db", f->dir);
	snprintf(f->out, sizeof(f->out), "%s/mail.out", f->dir);
	if (store_open(&f->st, f->path, &err))
		fail_msg("store_open: %s", err.buf);
	assert_int_equal(store_host_create(f->st, "lab-1", "lab-1.example", hash, &f->host), 0);
	/* kernels come with uploads; here they are enough by themselves */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO kernels (ident, commit_sha, release, first_seen_at) VALUES "
				      "('" KERNEL "', '" KERNEL "', '6.9.0', 1), ('" BASE "', '" BASE "', '6.9.0', 1), "
				      "('" QUIET "', '" QUIET "', '6.9.0', 1)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	memset(&a, 0, sizeof(a));
	snprintf(a.kernel, sizeof(a.kernel), KERNEL);
	snprintf(a.base, sizeof(a.base), BASE);
	snprintf(a.workload, sizeof(a.workload), "fork");
	snprintf(a.layout, sizeof(a.layout), "order-0");
	snprintf(a.metric, sizeof(a.metric), "ns");
	snprintf(a.kind, sizeof(a.kind), "regression");
	snprintf(a.summary, sizeof(a.summary), "fork order-0 +12.0%% (planted by the test)");
	a.delta_pct = 12;
	a.ci_lo_pct = 10;
	a.ci_hi_pct = 14;
	a.p = 0.001;
	assert_int_equal(store_alert_add(f->st, f->host, &a, &id, &created), 0);
	assert_true(created);

	memset(&sc, 0, sizeof(sc));
	sc.listen = "127.0.0.1:0";
	sc.db_path = f->path;
	sc.max_connections = 4;
	sc.max_body = 1 << 20;
	sc.conn_timeout_s = 5;
	sc.conn_per_ip = 4;
	if (server_start(&f->srv, &sc, no_routes, NULL, &err))
		fail_msg("server_start: %s", err.buf);
	strbuf_release(&err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[200];

	receiver_stop(&f->recv[0]);
	receiver_stop(&f->recv[1]);
	deliver_stop(f->d);
	server_stop(f->srv);
	store_close(f->st);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	unlink(f->out);
	snprintf(p, sizeof(p), "%s/admin.token", f->dir);
	unlink(p);
	assert_int_equal(rmdir(f->dir), 0);
	free(f);
	return 0;
}

static void start(struct fixture *f, const char *webhooks, const char *sendmail, unsigned retry_s,
		  unsigned timeout_s)
{
	struct deliver_config cfg;
	struct strbuf err = STRBUF_INIT;

	memset(&cfg, 0, sizeof(cfg));
	cfg.webhooks = webhooks;
	cfg.sendmail = sendmail;
	cfg.mail_to = sendmail ? "dev@example.org" : NULL;
	cfg.public_url = "http://fw.example:8080";
	cfg.db_path = f->path;
	cfg.retry_base_s = retry_s;
	cfg.timeout_s = timeout_s;
	compare_config_defaults(&cfg.cmp);
	if (deliver_start(&f->d, &cfg, &err))
		fail_msg("deliver_start: %s", err.buf);
	assert_non_null(f->d);
	deliver_attach(f->d, f->srv);
	strbuf_release(&err);
}

/* Queue the kernel's group as an upload does: under the write lock. */
static void enqueue(struct fixture *f, const char *kernel)
{
	server_write_begin(f->srv);
	assert_int_equal(deliver_enqueue(f->d, f->st, f->host, kernel), 0);
	server_write_end(f->srv);
}

#define MAX_SEEN 16

struct seen {
	int n;
	struct store_delivery_attempt a[MAX_SEEN];
};

static int seen_cb(void *ctx, const struct store_delivery_attempt *a)
{
	struct seen *s = ctx;

	if (a->tried && s->n < MAX_SEEN)
		s->a[s->n++] = *a;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait (at most limit_s) until the kernel's delivery log holds n attempts. */
static void wait_attempts(struct fixture *f, const char *kernel, int n, double limit_s, struct seen *s)
{
	double t0 = now_s();
	const struct timespec tick = { 0, 20 * 1000 * 1000 };

	for (;;) {
		memset(s, 0, sizeof(*s));
		assert_int_equal(store_delivery_log(f->st, "lab-1", kernel, seen_cb, s), 0);
		if (s->n >= n)
			return;
		if (now_s() - t0 > limit_s)
			fail_msg("%d attempt(s) logged after %.0f s, expected %d", s->n, limit_s, n);
		nanosleep(&tick, NULL);
	}
}

/* Whether the delivery is due (pending, next_at <= at). */
static int due_cb(void *ctx, const struct store_delivery *d)
{
	(*(int *)ctx)++;
	(void)d;
	return 0;
}

static int due_at(struct fixture *f, int64_t at)
{
	int n = 0;

	assert_int_equal(store_delivery_due(f->st, at, 16, due_cb, &n), 0);
	return n;
}

/* ---- the tests --------------------------------------------------------- */

static void test_sendmail_fails(void **state)
{
	struct fixture *f = *state;
	struct seen s;

	start(f, NULL, "cat >/dev/null; exit 3", 60, 0);
	enqueue(f, KERNEL);
	wait_attempts(f, KERNEL, 1, 10, &s);
	assert_string_equal(s.a[0].channel, "mail");
	assert_string_equal(s.a[0].target, "dev@example.org");
	assert_false(s.a[0].ok);
	if (!strstr(s.a[0].detail, "exited with status 3"))
		fail_msg("detail '%s' does not say how sendmail failed", s.a[0].detail);
	assert_string_equal(s.a[0].state, "pending");
	assert_int_equal(s.a[0].attempts, 1);
	/* not given up, not retried at once: due again after the first backoff */
	assert_int_equal(due_at(f, s.a[0].at + 58), 0);
	assert_int_equal(due_at(f, s.a[0].at + 61), 1);
}

/* A retry follows the backoff: after 1 s, then after 2 s more. */
static void test_sendmail_retried_with_backoff(void **state)
{
	struct fixture *f = *state;
	struct seen s;

	start(f, NULL, "cat >/dev/null; exit 75", 1, 0);
	enqueue(f, KERNEL);
	wait_attempts(f, KERNEL, 2, 10, &s);
	assert_false(s.a[0].ok);
	assert_false(s.a[1].ok);
	assert_int_equal(s.a[1].attempts, 2);
	/* the worker looks once a second: 1 s after the first, 2 s at most */
	if (s.a[1].at - s.a[0].at < 1 || s.a[1].at - s.a[0].at > 3)
		fail_msg("second attempt %lld s after the first, expected 1 to 2",
			 (long long)(s.a[1].at - s.a[0].at));
	/* the next one doubles */
	assert_int_equal(due_at(f, s.a[1].at + 1), 0);
	assert_int_equal(due_at(f, s.a[1].at + 3), 1);
}

static void test_sendmail_delivers(void **state)
{
	struct fixture *f = *state;
	struct strbuf cmd = STRBUF_INIT, mail = STRBUF_INIT;
	struct seen s;

	strbuf_addf(&cmd, "cat >%s", f->out);
	start(f, NULL, cmd.buf, 60, 0);
	enqueue(f, KERNEL);
	wait_attempts(f, KERNEL, 1, 10, &s);
	assert_true(s.a[0].ok);
	assert_string_equal(s.a[0].state, "delivered");
	assert_int_equal(strbuf_read_file(&mail, f->out, 1 << 20), 0);
	if (!strstr(mail.buf, "To: dev@example.org\n") ||
	    !strstr(mail.buf, "Subject: [forkwatch] 1 regression: " KERNEL " on lab-1\n") ||
	    !strstr(mail.buf, "planted by the test") ||
	    !strstr(mail.buf, "http://fw.example:8080/compare.txt?"))
		fail_msg("the mail lacks its headers, the alert or the link:\n%s", mail.buf);
	/* delivered: not due again */
	assert_int_equal(due_at(f, s.a[0].at + 100000), 0);
	strbuf_release(&cmd);
	strbuf_release(&mail);
}

static void test_webhook_500(void **state)
{
	struct fixture *f = *state;
	struct strbuf url = STRBUF_INIT;
	struct receiver *r = &f->recv[0];
	struct seen s;

	receiver_start(r, RECV_500);
	strbuf_addf(&url, "http://127.0.0.1:%u/hook", r->port);
	start(f, url.buf, NULL, 60, 5);
	enqueue(f, KERNEL);
	wait_attempts(f, KERNEL, 1, 10, &s);
	assert_false(s.a[0].ok);
	assert_string_equal(s.a[0].channel, "webhook");
	assert_string_equal(s.a[0].detail, "HTTP 500");
	assert_string_equal(s.a[0].state, "pending");
	pthread_mutex_lock(&r->lock);
	assert_int_equal(r->requests, 1);
	if (!strstr(r->body, "\"host\":\"lab-1\"") || !strstr(r->body, "planted by the test"))
		fail_msg("the webhook body lacks the host or the alert: %s", r->body);
	pthread_mutex_unlock(&r->lock);
	assert_int_equal(due_at(f, s.a[0].at + 61), 1);
	strbuf_release(&url);
}

/* A receiver that never answers: given up after the timeout, logged, pending. */
static void test_webhook_hangs(void **state)
{
	struct fixture *f = *state;
	struct strbuf url = STRBUF_INIT;
	struct receiver *r = &f->recv[0];
	struct seen s;
	double t0, took;

	receiver_start(r, RECV_HANG);
	strbuf_addf(&url, "http://127.0.0.1:%u/hook", r->port);
	start(f, url.buf, NULL, 60, 1);
	t0 = now_s();
	enqueue(f, KERNEL);
	wait_attempts(f, KERNEL, 1, 10, &s);
	took = now_s() - t0;
	assert_false(s.a[0].ok);
	if (!strstr(s.a[0].detail, "Timeout") && !strstr(s.a[0].detail, "timed out"))
		fail_msg("detail '%s' does not say it timed out", s.a[0].detail);
	if (took < 0.9 || took > 5)
		fail_msg("the hanging webhook was given up after %.1f s, expected the 1 s timeout", took);
	assert_string_equal(s.a[0].state, "pending");
	strbuf_release(&url);
}

static void test_webhook_refused(void **state)
{
	struct fixture *f = *state;
	struct strbuf url = STRBUF_INIT;
	struct seen s;
	int fd;

	strbuf_addf(&url, "http://127.0.0.1:%u/hook", closed_port(&fd));
	start(f, url.buf, NULL, 60, 5);
	enqueue(f, KERNEL);
	wait_attempts(f, KERNEL, 1, 10, &s);
	assert_false(s.a[0].ok);
	assert_string_equal(s.a[0].state, "pending");
	if (!strstr(s.a[0].detail, "connect"))
		fail_msg("detail '%s' does not say the connection failed", s.a[0].detail);
	close(fd);
	strbuf_release(&url);
}

/* Two webhooks and a mail: one receiver failing does not hold back the others. */
static void test_each_receiver_apart(void **state)
{
	struct fixture *f = *state;
	struct strbuf urls = STRBUF_INIT, cmd = STRBUF_INIT;
	struct receiver *ok = &f->recv[0], *bad = &f->recv[1];
	struct seen s;
	int i, delivered = 0, failed = 0;

	receiver_start(ok, RECV_200);
	receiver_start(bad, RECV_500);
	strbuf_addf(&urls, "http://127.0.0.1:%u/a, http://127.0.0.1:%u/b", bad->port, ok->port);
	strbuf_addf(&cmd, "cat >%s", f->out);
	start(f, urls.buf, cmd.buf, 60, 5);
	enqueue(f, KERNEL);
	wait_attempts(f, KERNEL, 3, 10, &s);
	for (i = 0; i < s.n; i++) {
		delivered += s.a[i].ok && !strcmp(s.a[i].state, "delivered");
		failed += !s.a[i].ok && !strcmp(s.a[i].state, "pending");
	}
	assert_int_equal(delivered, 2);
	assert_int_equal(failed, 1);
	strbuf_release(&urls);
	strbuf_release(&cmd);
}

/*
 * Stopping while receivers hang: the attempt in progress finishes (at its
 * timeout), the others of the batch wait for the next start.
 */
static void test_stop_while_hanging(void **state)
{
	struct fixture *f = *state;
	struct receiver *r = &f->recv[0];
	struct strbuf urls = STRBUF_INIT;
	const struct timespec moment = { 0, 300 * 1000 * 1000 };
	double t0, took;
	struct seen s;
	int i;

	receiver_start(r, RECV_HANG);
	for (i = 0; i < 4; i++)
		strbuf_addf(&urls, "%shttp://127.0.0.1:%u/%d", i ? "," : "", r->port, i);
	start(f, urls.buf, NULL, 60, 2);
	enqueue(f, KERNEL);
	nanosleep(&moment, NULL);
	t0 = now_s();
	deliver_stop(f->d);
	f->d = NULL;
	took = now_s() - t0;
	if (took > 4.5)
		fail_msg("stopping took %.1f s: it waited for more than the attempt in progress (2 s)", took);
	wait_attempts(f, KERNEL, 1, 1, &s);
	assert_int_equal(s.n, 1);
	assert_false(s.a[0].ok);
	strbuf_release(&urls);
}

/* A group whose alerts are gone has nothing to say: delivered, not retried forever. */
static void test_no_alert_left(void **state)
{
	struct fixture *f = *state;
	struct seen s;

	start(f, NULL, "cat >/dev/null; exit 3", 60, 0);
	enqueue(f, QUIET);
	wait_attempts(f, QUIET, 1, 10, &s);
	assert_true(s.a[0].ok);
	assert_string_equal(s.a[0].state, "delivered");
	assert_string_equal(s.a[0].detail, "no alert left to deliver");
}

static void test_config(void **state)
{
	struct fixture *f = *state;
	struct deliver_config cfg;
	struct strbuf err = STRBUF_INIT;
	struct deliver *d = (struct deliver *)&cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.db_path = f->path;
	/* no receiver: no thread, nothing to do */
	assert_int_equal(deliver_start(&d, &cfg, &err), 0);
	assert_null(d);
	assert_int_equal(deliver_enqueue(NULL, f->st, f->host, KERNEL), 0);
	/* mail needs addresses */
	cfg.sendmail = "/usr/sbin/sendmail -t -i";
	assert_int_equal(deliver_start(&d, &cfg, &err), -EINVAL);
	assert_null(d);
	assert_non_null(strstr(err.buf, "--mail-to"));
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test_setup_teardown(test_sendmail_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sendmail_retried_with_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sendmail_delivers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_webhook_500, setup, teardown),
		cmocka_unit_test_setup_teardown(test_webhook_hangs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_webhook_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_receiver_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_while_hanging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_alert_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};

	log_init("test_deliver", LOG_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
