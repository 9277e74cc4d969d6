// SPDX-License-Identifier: GPL-2.0
#include "collectors/upload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collectors/ident.h"
#include "lib/jread.h"

/* docs/http-api.md: "Clients retry 408, 429 and 5xx with backoff and give up on other 4xx". */
static const struct {
	long lo, hi;
	enum upload_action action;
} status_actions[] = {
	{ 200, 299, UPLOAD_DONE },
	{ 408, 408, UPLOAD_RETRY },
	{ 429, 429, UPLOAD_RETRY },
	{ 500, 599, UPLOAD_RETRY },
	/*
	 * These say that the token or the server URL is wrong, not the
	 * document: rejecting would move every spooled result aside because
	 * of one typo.  Stop, keep everything, let a person fix the set-up.
	 */
	{ 401, 401, UPLOAD_STOP },
	{ 403, 403, UPLOAD_STOP },
	{ 404, 405, UPLOAD_STOP },
	{ 400, 499, UPLOAD_REJECT },
};

enum upload_action upload_classify(long status)
{
	size_t i;

	for (i = 0; i < sizeof(status_actions) / sizeof(status_actions[0]); i++)
		if (status >= status_actions[i].lo && status <= status_actions[i].hi)
			return status_actions[i].action;
	return UPLOAD_STOP; /* 1xx, 3xx (redirects are not followed), nonsense */
}

void upload_backoff_reset(struct upload_backoff *b)
{
	b->step_ms = UPLOAD_BACKOFF_FIRST_MS;
}

unsigned upload_backoff_next(struct upload_backoff *b, unsigned rnd)
{
	unsigned step = b->step_ms ? b->step_ms : UPLOAD_BACKOFF_FIRST_MS;
	unsigned wait = step / 2 + rnd % (step / 2 + 1);

	b->step_ms = step >= UPLOAD_BACKOFF_MAX_MS / 2 ? UPLOAD_BACKOFF_MAX_MS : 2 * step;
	return wait;
}

void upload_kernel_ident(const char *commit, const char *release, struct strbuf *out)
{
	char c[IDENT_SHA_MAX];
	bool dirty;

	/* the same rule as the server's doc_kernel_ident(), over what bench puts in kernel.commit */
	if (commit && *commit) {
		strbuf_addstr(out, commit);
		return;
	}
	ident_parse_release(release, c, &dirty);
	if (c[0])
		strbuf_addstr(out, c);
	else
		strbuf_addf(out, "release:%s", release);
}

int upload_token_parse(const char *text, struct strbuf *name, struct strbuf *token)
{
	struct strbuf bare = STRBUF_INIT;
	const char *line = text, *end;
	int keyed = 0, lines = 0;

	while (*line) {
		size_t len;

		end = strchr(line, '\n');
		len = end ? (size_t)(end - line) : strlen(line);
		if (len && line[len - 1] == '\r')
			len--;
		if (len >= 5 && !strncmp(line, "name=", 5)) {
			strbuf_reset(name);
			strbuf_add(name, line + 5, len - 5);
			keyed = 1;
		} else if (len >= 6 && !strncmp(line, "token=", 6)) {
			strbuf_reset(token);
			strbuf_add(token, line + 6, len - 6);
			keyed = 1;
		} else if (len && line[0] != '#' && strspn(line, " \t") < len) {
			strbuf_reset(&bare);
			strbuf_add(&bare, line, len);
			lines++;
		}
		line = end ? end + 1 : line + len;
		if (!end)
			break;
	}
	if (!keyed && lines == 1)
		strbuf_add(token, bare.buf, bare.len);
	strbuf_release(&bare);
	/* trim the token: an editor's stray space must not become part of the header */
	while (token->len && strchr(" \t", token->buf[token->len - 1]))
		token->buf[--token->len] = '\0';
	if (token->len) {
		size_t lead = strspn(token->buf, " \t");

		memmove(token->buf, token->buf + lead, token->len - lead + 1);
		token->len -= lead;
	}
	return token->len ? 0 : -EINVAL;
}

void upload_token_format(struct strbuf *out, const char *name, const char *token)
{
	strbuf_addstr(out, "# forkwatch host token (keep it secret); written by 'forkwatch register'\n");
	if (name && *name)
		strbuf_addf(out, "name=%s\n", name);
	strbuf_addf(out, "token=%s\n", token);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void upload_ctx_init(struct upload_ctx *u, struct http_client *http, const char *server,
		     unsigned retry_for_s, volatile sig_atomic_t *stop)
{
	struct timespec ts;

	memset(u, 0, sizeof(*u));
	u->http = http;
	u->server = server;
	u->retry_for_s = retry_for_s;
	u->stop = stop;
	upload_backoff_reset(&u->backoff);
	clock_gettime(CLOCK_REALTIME, &ts);
	u->rnd = (unsigned)ts.tv_nsec ^ ((unsigned)getpid() << 16);
}

static void ulog(struct upload_ctx *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ulog(struct upload_ctx *u, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!u->log)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	u->log(u->log_ctx, sb.buf);
	strbuf_release(&sb);
}

/* Sleep ms, in short slices so that a stop request ends it soon; -EINTR then. */
static int wait_ms(struct upload_ctx *u, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		uint64_t now = now_ms();
		struct timespec ts;
		unsigned slice;

		if (u->stop && *u->stop)
			return -EINTR;
		if (now >= end)
			return 0;
		slice = end - now > 200 ? 200 : (unsigned)(end - now);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)slice * 1000000L;
		nanosleep(&ts, NULL);
	}
}

/* Whether an error answer names a field of what was sent (docs/http-api.md). */
static bool answer_names_field(const char *body, size_t len)
{
	struct strbuf jerr = STRBUF_INIT;
	struct jread_node *root = NULL;
	bool named = false;

	if (!jread_parse(&root, body, len, &jerr)) {
		named = jread_str(jread_get(jread_get(root, "error"), "field")) != NULL;
		jread_free(root);
	}
	strbuf_release(&jerr);
	return named;
}

void upload_error_message(const char *body, size_t len, struct strbuf *out)
{
	struct strbuf jerr = STRBUF_INIT;
	struct jread_node *root = NULL;
	const struct jread_node *e;
	const char *msg, *field;
	size_t i;

	if (!jread_parse(&root, body, len, &jerr)) {
		e = jread_get(root, "error");
		msg = jread_str(jread_get(e, "message"));
		field = jread_str(jread_get(e, "field"));
		if (msg) {
			strbuf_addstr(out, msg);
			if (field)
				strbuf_addf(out, " (field '%s')", field);
			goto out;
		}
	}
	if (!len) {
		strbuf_addstr(out, "empty answer");
		goto out;
	}
	/* not the API's error shape (a proxy's page?): its start, on one line */
	for (i = 0; i < len && i < 300 && !(body[i] == '\n' && i + 1 == len); i++)
		strbuf_addch(out, (unsigned char)body[i] < 0x20 ? ' ' : body[i]);
	if (len > 300)
		strbuf_addstr(out, "...");
out:
	jread_free(root);
	strbuf_release(&jerr);
}

int upload_request(struct upload_ctx *u, const char *what, const char *method, const char *path,
		   const char *body, size_t len, long *status, struct strbuf *resp,
		   struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	size_t before = resp->len;
	int ret;

	for (;;) {
		uint64_t now, spent;
		unsigned wait;

		strbuf_reset(&why);
		resp->len = before;
		resp->buf[before] = '\0';
		ret = http_request(u->http, method, path, body, len, status, resp, &why);
		if (!ret) {
			if (upload_classify(*status) != UPLOAD_RETRY) {
				u->fail_since_ms = 0;
				upload_backoff_reset(&u->backoff);
				goto out;
			}
			strbuf_reset(&why);
			strbuf_addf(&why, "server answered %ld: ", *status);
			upload_error_message(resp->buf + before, resp->len - before, &why);
		} else if (ret == -EINTR) {
			strbuf_addf(err, "%s: interrupted", what);
			goto out;
		} else if (ret == -EINVAL || ret == -ENOMEM || ret == -ENOTSUP) {
			strbuf_addf(err, "%s: %s", what, why.buf);
			goto out;
		}
		now = now_ms();
		if (!u->fail_since_ms)
			u->fail_since_ms = now;
		spent = now - u->fail_since_ms;
		if (u->retry_for_s && spent >= (uint64_t)u->retry_for_s * 1000) {
			strbuf_addf(err, "%s: %s (still failing after %us)", what, why.buf,
				    (unsigned)(spent / 1000));
			ret = -ETIMEDOUT;
			goto out;
		}
		u->rnd = u->rnd * 1103515245u + 12345u;
		wait = upload_backoff_next(&u->backoff, u->rnd >> 8);
		if (u->retry_for_s && spent + wait > (uint64_t)u->retry_for_s * 1000)
			wait = (unsigned)((uint64_t)u->retry_for_s * 1000 - spent);
		ulog(u, "%s: %s: retrying in %.1fs", what, why.buf, wait / 1000.0);
		ret = wait_ms(u, wait);
		if (ret) {
			strbuf_addf(err, "%s: interrupted", what);
			goto out;
		}
	}
out:
	if (ret) {
		resp->len = before;
		resp->buf[before] = '\0';
	}
	strbuf_release(&why);
	return ret;
}

static unsigned count_entries(struct spool *sp)
{
	struct spool_list l;
	unsigned n;

	if (spool_list(sp, &l))
		return 0;
	n = (unsigned)l.n;
	spool_list_release(&l);
	return n;
}

/* Say what the server made of a delivered entry: its run id and URL from run_ref. */
static void log_delivery(struct upload_ctx *u, const char *name, long status, const struct strbuf *resp)
{
	struct strbuf jerr = STRBUF_INIT;
	struct jread_node *root = NULL;
	const struct jread_node *run;
	const char *url = NULL;
	double id = 0;

	if (!jread_parse(&root, resp->buf, resp->len, &jerr)) {
		run = jread_get(root, "run");
		url = jread_str(jread_get(run, "url"));
		jread_num(jread_get(run, "id"), &id);
	}
	ulog(u, "delivered %s: run %.0f%s%s%s", name, id, status == 201 ? "" : " (already on the server)",
	     url ? " " : "", url ? url : "");
	jread_free(root);
	strbuf_release(&jerr);
}

int upload_flush(struct upload_ctx *u, struct spool *sp, struct upload_flush_stats *st,
		 struct strbuf *err)
{
	struct strbuf doc = STRBUF_INIT, resp = STRBUF_INIT, what = STRBUF_INIT, why = STRBUF_INIT;
	enum upload_action action;
	struct spool_list list = { NULL, 0 };
	size_t i;
	int ret;

	memset(st, 0, sizeof(*st));
	for (;;) {
		ret = spool_list(sp, &list);
		if (ret) {
			strbuf_addf(err, "cannot list spool directory '%s': %s", spool_dir(sp), strerror(-ret));
			goto out;
		}
		if (!list.n)
			break;
		for (i = 0; i < list.n; i++) {
			const char *name = list.names[i];
			long status;

			strbuf_reset(&doc);
			strbuf_reset(&resp);
			strbuf_reset(&what);
			strbuf_reset(&why);
			ret = spool_read(sp, name, &doc);
			if (ret == -ENOENT)
				continue; /* delivered by another process meanwhile */
			if (ret) {
				strbuf_addf(err, "cannot read '%s/%s': %s", spool_dir(sp), name, strerror(-ret));
				goto out;
			}
			strbuf_addf(&what, "upload of %s to '%s'", name, u->server);
			ret = upload_request(u, what.buf, "POST", "/api/v1/runs", doc.buf, doc.len,
					     &status, &resp, err);
			if (ret)
				goto out;
			action = upload_classify(status);
			/*
			 * A 403 that names a field of the document (host.hostname of
			 * another machine) is about this document, not the token.
			 */
			if (action == UPLOAD_STOP && status == 403 && answer_names_field(resp.buf, resp.len))
				action = UPLOAD_REJECT;
			switch (action) {
			case UPLOAD_DONE:
				ret = spool_remove(sp, name);
				if (ret) {
					strbuf_addf(err, "delivered, but cannot remove '%s/%s': %s",
						    spool_dir(sp), name, strerror(-ret));
					goto out;
				}
				st->delivered++;
				log_delivery(u, name, status, &resp);
				break;
			case UPLOAD_REJECT:
				strbuf_addf(&why, "HTTP %ld: ", status);
				upload_error_message(resp.buf, resp.len, &why);
				ret = spool_reject(sp, name, why.buf, err);
				if (ret)
					goto out;
				st->rejected++;
				ulog(u, "server refused %s for good (%s): moved to '%s/rejected'", name, why.buf,
				     spool_dir(sp));
				break;
			case UPLOAD_STOP:
			case UPLOAD_RETRY: /* upload_request() does not return these */
				upload_error_message(resp.buf, resp.len, &why);
				strbuf_addf(err, "%s: server answered %ld: %s: check --server and the token file",
					    what.buf, status, why.buf);
				ret = -EACCES;
				goto out;
			}
		}
		spool_list_release(&list);
	}
out:
	spool_list_release(&list);
	st->remaining = count_entries(sp);
	strbuf_release(&why);
	strbuf_release(&what);
	strbuf_release(&resp);
	strbuf_release(&doc);
	return ret;
}
