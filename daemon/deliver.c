// SPDX-License-Identifier: GPL-2.0
#include "daemon/deliver.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "daemon/alerts.h"
#include "daemon/compare.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "daemon/server.h"
#include "daemon/store.h"

#define DELIVER_BATCH 16
#define DELIVER_MAX_BACKOFF 3600

struct deliver {
	struct deliver_config cfg;
	struct server *srv;
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, kicked;
	int held;                /* the delivery lease, as last seen: -1 not yet asked */
};

/*
 * Whether this daemon delivers: of several forkwatchd on one database,
 * the one holding the delivery lease.  The others ask again every second
 * and take over once its holder is gone (its connection closed, also by
 * a kill): what it had sent but not yet recorded is sent again then, so
 * a receiver hears of an alert at least once, and once unless a daemon
 * dies in the middle of an attempt.
 */
static bool lease(struct deliver *d)
{
	bool held;

	if (store_lease_try(d->st, STORE_LEASE_DELIVERY, &held)) {
		log_error("deliveries: %s", store_errmsg(d->st));
		held = false;
	}
	if ((int)held != d->held) {
		if (held)
			log_info("delivering the alerts of this database%s", d->held == 0 ? ": took over" : "");
		else
			log_info("another forkwatchd delivers the alerts of this database: standing by");
		d->held = held;
	}
	return held;
}

/* Call f(d, target) for each comma-separated item of list. */
static int each_item(const char *list, int (*f)(void *, const char *), void *ctx)
{
	struct strbuf item = STRBUF_INIT;
	const char *p = list;
	int ret = 0;

	while (p && *p && !ret) {
		size_t n = strcspn(p, ",");

		strbuf_reset(&item);
		strbuf_add(&item, p, n);
		strbuf_rtrim(&item);
		if (item.len)
			ret = f(ctx, item.buf + strspn(item.buf, " "));
		p += n;
		if (*p == ',')
			p++;
	}
	strbuf_release(&item);
	return ret;
}

struct enqueue_ctx {
	struct store *st;
	int64_t host_id;
	const char *kernel, *channel;
};

static int enqueue_one(void *ctx, const char *target)
{
	struct enqueue_ctx *e = ctx;

	return store_delivery_add(e->st, e->host_id, e->kernel, e->channel, target);
}

int deliver_enqueue(struct deliver *d, struct store *st, int64_t host_id, const char *kernel)
{
	struct enqueue_ctx e = { st, host_id, kernel, "webhook" };
	int ret;

	if (!d)
		return 0;
	ret = each_item(d->cfg.webhooks, enqueue_one, &e);
	if (!ret && d->cfg.sendmail) {
		e.channel = "mail";
		ret = each_item(d->cfg.mail_to, enqueue_one, &e);
	}
	pthread_mutex_lock(&d->lock);
	d->kicked = true;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* ---- the message ------------------------------------------------------ */

struct group {
	struct jw *jw;           /* JSON: each alert */
	struct strbuf *text;     /* text: each summary */
	int n;
};

static int group_alert(void *ctx, const struct store_alert *a)
{
	struct group *g = ctx;

	g->n++;
	if (g->jw)
		alerts_json(a, g->jw, NULL);
	if (g->text)
		strbuf_addf(g->text, "- alert %lld (%s): %s\n", (long long)a->id, a->state, a->summary);
	return 0;
}

static void links(struct strbuf *out, const struct deliver_config *cfg, const char *host,
		  const char *kernel, const char *base)
{
	strbuf_addf(out, "%s/compare.txt?", cfg->public_url);
	compare_query(out, host, kernel, base);
}

/* The webhook body or the mail; -ENOENT when the group has no alert (left). */
static int build(struct deliver *d, const struct store_delivery *dl, bool mail, struct strbuf *out)
{
	struct compare_config cfg;
	struct compare_result res;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct group g = { NULL, NULL, 0 };
	const struct store_alert_filter filter = { "regression", NULL, dl->host, dl->kernel };
	struct jw jw;
	bool have_cmp;
	int ret;

	cfg = d->cfg.cmp;
	have_cmp = !compare_build(d->st, dl->host, NULL, dl->kernel, &cfg, &res, &err);
	links(&url, &d->cfg, dl->host, dl->kernel, have_cmp ? res.base : NULL);
	if (mail) {
		struct strbuf body = STRBUF_INIT;

		g.text = &body;
		ret = store_alert_list(d->st, &filter, 1000, group_alert, &g);
		if (!ret && g.n) {
			strbuf_addf(out, "To: %s\nSubject: [forkwatch] %d regression%s: %s on %s\n"
					 "Content-Type: text/plain; charset=utf-8\n\n",
				    dl->target, g.n, g.n > 1 ? "s" : "", dl->kernel, dl->host);
			strbuf_add(out, body.buf, body.len);
			strbuf_addch(out, '\n');
			if (have_cmp)
				compare_text(&res, out);
			strbuf_addf(out, "The comparison: %s\n", url.buf);
		}
		strbuf_release(&body);
	} else {
		jw_init(&jw, out);
		g.jw = &jw;
		jw_obj_begin(&jw, NULL);
		jw_str(&jw, "host", dl->host);
		jw_str(&jw, "kernel", dl->kernel);
		jw_arr_begin(&jw, "alerts");
		ret = store_alert_list(d->st, &filter, 1000, group_alert, &g);
		jw_arr_end(&jw);
		if (have_cmp) {
			compare_json(&res, &jw, "comparison");
		}
		jw_str(&jw, "compare_txt", url.buf);
		jw_obj_end(&jw);
	}
	if (have_cmp)
		compare_result_release(&res);
	strbuf_release(&url);
	strbuf_release(&err);
	if (ret)
		return ret;
	return g.n ? 0 : -ENOENT;
}

/* ---- sending ---------------------------------------------------------- */

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

static bool post_webhook(const char *url, const struct strbuf *body, unsigned timeout_s,
			 struct strbuf *detail)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	CURL *c = curl_easy_init();
	long status = 0;
	CURLcode rc;

	if (!c) {
		curl_slist_free_all(h);
		strbuf_addstr(detail, "cannot initialise libcurl");
		return false;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->buf);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "forkwatchd/" FORKWATCH_VERSION);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		strbuf_addf(detail, "%s", curl_easy_strerror(rc));
		return false;
	}
	strbuf_addf(detail, "HTTP %ld", status);
	return status >= 200 && status < 300;
}

static bool run_sendmail(const char *cmd, const struct strbuf *msg, struct strbuf *detail)
{
	FILE *p = popen(cmd, "w");
	int status;

	if (!p) {
		strbuf_addf(detail, "cannot run '%s': %s", cmd, strerror(errno));
		return false;
	}
	fwrite(msg->buf, 1, msg->len, p);
	status = pclose(p);
	if (status == -1) {
		strbuf_addf(detail, "'%s': %s", cmd, strerror(errno));
		return false;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		strbuf_addf(detail, "'%s' exited with status %d", cmd,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return false;
	}
	strbuf_addstr(detail, "handed to sendmail");
	return true;
}

struct due {
	int n;
	struct store_delivery d[DELIVER_BATCH];
};

static int collect_due(void *ctx, const struct store_delivery *dl)
{
	struct due *due = ctx;

	if (due->n < DELIVER_BATCH)
		due->d[due->n++] = *dl;
	return 0;
}

unsigned deliver_backoff_s(unsigned retry_base_s, unsigned attempts)
{
	uint64_t s = (uint64_t)retry_base_s << (attempts < 20 ? attempts : 20);

	return s < DELIVER_MAX_BACKOFF ? (unsigned)s : DELIVER_MAX_BACKOFF;
}

static void attempt(struct deliver *d, const struct store_delivery *dl)
{
	struct strbuf msg = STRBUF_INIT, detail = STRBUF_INIT;
	bool mail = !strcmp(dl->channel, "mail"), ok;
	int64_t next;
	int ret = build(d, dl, mail, &msg);

	if (ret == -ENOENT) {
		ok = true; /* every alert of the group is gone: nothing to say */
		strbuf_addstr(&detail, "no alert left to deliver");
	} else if (ret) {
		ok = false;
		strbuf_addf(&detail, "cannot build the message: %s", store_errmsg(d->st));
	} else if (mail) {
		ok = run_sendmail(d->cfg.sendmail, &msg, &detail);
	} else {
		ok = post_webhook(dl->target, &msg, d->cfg.timeout_s, &detail);
	}
	next = (int64_t)time(NULL) + deliver_backoff_s(d->cfg.retry_base_s, dl->attempts);
	if (ok)
		log_info("delivered %s on %s to %s %s: %s", dl->kernel, dl->host, dl->channel, dl->target,
			 detail.buf);
	else
		log_warn("delivery of %s on %s to %s %s failed (attempt %u): %s; retrying", dl->kernel,
			 dl->host, dl->channel, dl->target, dl->attempts + 1, detail.buf);
	server_write_begin(d->srv);
	if (store_delivery_result(d->st, dl->id, ok, detail.buf, next))
		log_error("delivery %lld: cannot record the attempt: %s", (long long)dl->id,
			  store_errmsg(d->st));
	server_write_end(d->srv);
	strbuf_release(&msg);
	strbuf_release(&detail);
}

static bool stopping(struct deliver *d)
{
	bool stop;

	pthread_mutex_lock(&d->lock);
	stop = d->stop;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

static void *worker(void *arg)
{
	struct deliver *d = arg;

	for (;;) {
		struct due due = { 0 };
		struct timespec until;
		int i;

		pthread_mutex_lock(&d->lock);
		if (!d->stop && !d->kicked) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&d->wake, &d->lock, &until);
		}
		d->kicked = false;
		if (d->stop) {
			pthread_mutex_unlock(&d->lock);
			break;
		}
		if (!d->srv) {
			pthread_mutex_unlock(&d->lock);
			continue;
		}
		pthread_mutex_unlock(&d->lock);
		if (!lease(d))
			continue;
		if (store_delivery_due(d->st, (int64_t)time(NULL), DELIVER_BATCH, collect_due, &due))
			log_error("deliveries: %s", store_errmsg(d->st));
		/* a stop waits for the attempt in progress, not for the batch: each may take the timeout */
		for (i = 0; i < due.n && !stopping(d); i++)
			attempt(d, &due.d[i]);
	}
	return NULL;
}

void deliver_attach(struct deliver *d, struct server *srv)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->srv = srv;
	d->kicked = true;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
}

int deliver_start(struct deliver **out, const struct deliver_config *cfg, struct strbuf *err)
{
	struct deliver *d;
	int ret;

	*out = NULL;
	if (!cfg->webhooks && !cfg->sendmail)
		return 0;
	if (cfg->sendmail && !cfg->mail_to) {
		strbuf_addstr(err, "--sendmail needs --mail-to");
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	d->held = -1;
	if (!d->cfg.retry_base_s)
		d->cfg.retry_base_s = 30;
	if (!d->cfg.timeout_s)
		d->cfg.timeout_s = 10;
	ret = store_open(&d->st, cfg->db_path, err);
	if (ret) {
		free(d);
		return ret;
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->wake, NULL);
	ret = -pthread_create(&d->thread, NULL, worker, d);
	if (ret) {
		strbuf_addf(err, "cannot start the delivery thread: %s", strerror(-ret));
		store_close(d->st);
		free(d);
		return ret;
	}
	*out = d;
	return 0;
}

void deliver_stop(struct deliver *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	pthread_cond_destroy(&d->wake);
	pthread_mutex_destroy(&d->lock);
	store_close(d->st);
	free(d);
}
