// SPDX-License-Identifier: GPL-2.0
/*
 * The dashboard routes: pages through the page cache, the static CSS, and
 * the admin's browser session (log in, log out, triage from /alerts);
 * wired into forkwatchd as web_ui (daemon/ui.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/alerts.h"
#include "daemon/app.h"
#include "web/assets.h"
#include "web/cache.h"
#include "web/form.h"
#include "web/html.h"
#include "lib/log.h"
#include "web/page.h"
#include "web/pages.h"
#include "lib/parse.h"
#include "web/session.h"
#include "daemon/store.h"
#include "daemon/ui.h"

#define COOKIE "fw_session"

/*
 * web_ui's state: made by web_start() before the server starts.  Browser
 * sessions are in the store, where every forkwatchd on the database
 * finds them (web/session.h).
 */
struct web {
	struct page_cache *pages;
};

static struct web *web_of(const struct req *rq)
{
	const struct app *app = req_app(rq);

	return app->ui_state;
}

/* Every HTML answer: nothing may load from elsewhere, scripts not at all. */
static void html_headers(struct resp *rs)
{
	resp_header(rs, "Content-Security-Policy",
		    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
		    "frame-ancestors 'none'; base-uri 'none'");
	resp_header(rs, "Referrer-Policy", "same-origin");
	resp_header(rs, "X-Frame-Options", "DENY");
}

/* The cache key: the path and, in a fixed order, the query arguments the page reads. */
static void cached(struct req *rq, struct resp *rs, const char *const *args, route_fn render)
{
	struct strbuf key = STRBUF_INIT;
	const char *v;
	char sep = '?';

	strbuf_addstr(&key, rq->path);
	for (; args && *args; args++, sep = '&') {
		v = req_query(rq, *args);
		strbuf_addf(&key, "%c%s=", sep, *args);
		if (v)
			strbuf_addstr_urlencode(&key, v);
	}
	html_headers(rs);
	page_cache_serve(web_of(rq)->pages, rq, rs, key.buf, render);
	strbuf_release(&key);
}

static void web_overview(struct req *rq, struct resp *rs)
{
	cached(rq, rs, NULL, page_overview);
}

static void web_kernels(struct req *rq, struct resp *rs)
{
	cached(rq, rs, NULL, page_kernels);
}

static void web_kernel(struct req *rq, struct resp *rs)
{
	static const char *const args[] = { "page", NULL };

	cached(rq, rs, args, page_kernel);
}

static void web_compare(struct req *rq, struct resp *rs)
{
	static const char *const args[] = { "host", "base", "head", NULL };

	cached(rq, rs, args, page_compare);
}

static void web_host(struct req *rq, struct resp *rs)
{
	static const char *const args[] = { "last", NULL };

	cached(rq, rs, args, page_host);
}

static void web_run(struct req *rq, struct resp *rs)
{
	cached(rq, rs, NULL, page_run);
}

static void alerts_public(struct req *rq, struct resp *rs)
{
	page_alerts(rq, rs, NULL);
}

/*
 * The browser session of the request's cookie, its CSRF token and who
 * into csrf and who (may be NULL); false without one.  Takes a store
 * connection only when there is a cookie: false, with a 503 in rs, when
 * none can be had (*failed set).  Under the write lock: a look may note
 * the session's use.
 */
static bool session_of(struct req *rq, struct resp *rs, char csrf[SESSION_ID_LEN + 1],
		       char who[STORE_NAME_MAX], bool *failed)
{
	const char *id = req_cookie(rq, COOKIE);
	bool ok;

	*failed = false;
	if (!id)
		return false;
	if (!req_store(rq, rs)) {
		*failed = true;
		return false;
	}
	server_write_begin(rq->srv);
	ok = web_session_get(rq->st, id, csrf, who);
	server_write_end(rq->srv);
	return ok;
}

static void web_alerts(struct req *rq, struct resp *rs)
{
	static const char *const args[] = { "host", "state", "kind", NULL };
	char csrf[SESSION_ID_LEN + 1];
	bool failed;

	/* an admin's page carries their CSRF token: never cached, never shared */
	if (session_of(rq, rs, csrf, NULL, &failed)) {
		html_headers(rs);
		page_alerts(rq, rs, csrf);
		return;
	}
	if (!failed)
		cached(rq, rs, args, alerts_public);
}

static void web_static(struct req *rq, struct resp *rs)
{
	const struct asset *a;

	for (a = assets; a->name; a++)
		if (!strcmp(a->name, rq->args[0]))
			break;
	if (!a->name) {
		page_error(rs, 404, "no such file: %s", rq->args[0]);
		return;
	}
	rs->content_type = a->type;
	/* compiled in: the same for as long as this daemon runs */
	rs->shared = a->data;
	rs->shared_len = a->len;
	rs->cache_control = "max-age=3600";
}

/* ---- the admin's browser session -------------------------------------- */

/*
 * A form that changes something must come from one of our own pages:
 * besides the SameSite=Strict cookie and the CSRF token, an Origin (or
 * Referer) header naming another site is refused.
 */
static bool same_origin(struct req *rq)
{
	const char *host = req_header(rq, "Host"), *o = req_header(rq, "Origin");
	const char *ref = req_header(rq, "Referer");
	const char *v = o && strcmp(o, "null") ? o : ref;
	const char *p;
	size_t n;

	if (!v)
		return true; /* old clients send neither; the token still has to match */
	if (!host)
		return false;
	p = !strncmp(v, "http://", 7) ? v + 7 : !strncmp(v, "https://", 8) ? v + 8 : NULL;
	if (!p)
		return false;
	n = strlen(host);
	return !strncmp(p, host, n) && (p[n] == '\0' || p[n] == '/');
}

/*
 * A redirect target of our own: a path on this server, nothing else.
 * Browsers drop tabs and line breaks from a Location and read '\\' as
 * '/', so "/\t/evil.example" would leave the site: any control character
 * or backslash is refused, as is "//".
 */
static const char *local_path(const char *next, const char *fallback)
{
	const unsigned char *p;

	if (!next || next[0] != '/' || next[1] == '/')
		return fallback;
	for (p = (const unsigned char *)next; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return fallback;
	return next;
}

static void see_other(struct resp *rs, const char *where)
{
	rs->status = 303;
	rs->content_type = "text/plain; charset=utf-8";
	strbuf_reset(&rs->body);
	resp_header(rs, "Location", "%s", where);
	strbuf_addf(&rs->body, "see %s\n", where);
}

static void login_form(struct resp *rs, int status, const char *next, const char *msg)
{
	struct strbuf *sb = &rs->body;

	rs->status = status;
	page_begin(rs, "log in", NULL);
	strbuf_addstr(sb, "<h1>Log in</h1>");
	if (msg) {
		strbuf_addstr(sb, "<p class=\"error\">");
		html_txt(sb, msg);
		strbuf_addstr(sb, "</p>");
	}
	strbuf_addstr(sb, "<p class=\"hint\">The admin token (admin.token beside the database) lets "
			  "this browser triage alerts until it closes or logs out. The token is not kept "
			  "in the browser.</p><form class=\"login\" method=\"post\" action=\"/login\">"
			  "<input type=\"hidden\" name=\"next\" value=\"");
	html_attr(sb, local_path(next, "/alerts"));
	strbuf_addstr(sb, "\"><label>your name (recorded with each triage) <input name=\"who\" "
			  "required maxlength=\"128\" autocomplete=\"username\"></label><label>admin token "
			  "<input name=\"token\" type=\"password\" required autocomplete=\"current-password\">"
			  "</label><button>log in</button></form>");
	page_end(sb);
}

static void web_login_get(struct req *rq, struct resp *rs)
{
	html_headers(rs);
	login_form(rs, 200, req_query(rq, "next"), NULL);
}

static void web_login_post(struct req *rq, struct resp *rs)
{
	struct strbuf tok = STRBUF_INIT, who = STRBUF_INIT, next = STRBUF_INIT;
	char id[SESSION_ID_LEN + 1], csrf[SESSION_ID_LEN + 1];
	int ret;

	html_headers(rs);
	if (!same_origin(rq)) {
		page_error(rs, 403, "this form must be sent from this server's own page");
		goto out;
	}
	/* the failed attempts are counted in the database, and the session kept there */
	if (!req_store(rq, rs))
		goto out;
	form_get(rq->body, rq->body_len, "next", &next);
	if (form_get(rq->body, rq->body_len, "token", &tok) || !tok.len ||
	    form_get(rq->body, rq->body_len, "who", &who) || !parse_name_ok(who.buf, STORE_NAME_MAX - 1)) {
		login_form(rs, 400, next.buf, "expected your name (1 to 128 characters) and the admin token");
		goto out;
	}
	ret = req_check_admin_token(rq, tok.buf);
	if (ret == -EAGAIN) {
		login_form(rs, 429, next.buf, "too many failed attempts from this address: try again later");
		goto out;
	}
	if (ret) {
		login_form(rs, 403, next.buf, "not the admin token");
		goto out;
	}
	server_write_begin(rq->srv);
	ret = web_session_create(rq->st, who.buf, id, csrf);
	server_write_end(rq->srv);
	if (ret) {
		page_store_error(rq, rs, ret, "session");
		goto out;
	}
	log_info("web session started for '%s' from %s", who.buf, rq->client);
	see_other(rs, local_path(next.buf, "/alerts"));
	resp_header(rs, "Set-Cookie", COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", id,
		    req_tls(rq) ? "; Secure" : "");
out:
	/* the token leaves no copy behind in this process's heap */
	memset(tok.buf, 0, tok.len);
	strbuf_release(&tok);
	strbuf_release(&who);
	strbuf_release(&next);
}

/*
 * Before the body of a form that changes something: from our own page,
 * with a live session (its CSRF token is in the body: form_session()).
 */
static bool web_gate_session(struct req *rq, struct resp *rs)
{
	bool failed;

	html_headers(rs);
	if (!same_origin(rq)) {
		page_error(rs, 403, "this form must be sent from this server's own page");
		return false;
	}
	if (!session_of(rq, rs, NULL, NULL, &failed)) {
		if (failed) /* no store connection: the 503 is in rs */
			return false;
		page_error(rs, 403, "not logged in (or the session ended): log in at /login");
		return false;
	}
	return true;
}

static void web_error_page(struct resp *rs, int status, const char *message)
{
	html_headers(rs);
	page_error(rs, status, "%s", message);
}

/* The session of a form that changes something, with its CSRF token checked; else a 403 page. */
static bool form_session(struct req *rq, struct resp *rs, char who[STORE_NAME_MAX])
{
	char csrf[SESSION_ID_LEN + 1];
	struct strbuf token = STRBUF_INIT;
	bool ok, failed;

	if (!same_origin(rq)) {
		page_error(rs, 403, "this form must be sent from this server's own page");
		return false;
	}
	if (!session_of(rq, rs, csrf, who, &failed)) {
		if (!failed)
			page_error(rs, 403, "not logged in (or the session ended): log in at /login");
		return false;
	}
	ok = !form_get(rq->body, rq->body_len, "csrf", &token) && web_session_csrf_equal(csrf, token.buf);
	strbuf_release(&token);
	if (!ok)
		page_error(rs, 403, "the form's CSRF token does not match this session: reload the page");
	return ok;
}

static void web_logout(struct req *rq, struct resp *rs)
{
	char who[STORE_NAME_MAX];

	html_headers(rs);
	if (!form_session(rq, rs, who))
		return;
	server_write_begin(rq->srv);
	web_session_end(rq->st, req_cookie(rq, COOKIE));
	server_write_end(rq->srv);
	see_other(rs, "/alerts");
	resp_header(rs, "Set-Cookie", COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

static void web_triage(struct req *rq, struct resp *rs)
{
	struct strbuf state = STRBUF_INIT, back = STRBUF_INIT, to = STRBUF_INIT;
	char who[STORE_NAME_MAX];
	uint64_t id;
	int ret;

	html_headers(rs);
	if (parse_uint(rq->args[0], 1, INT64_MAX, &id)) {
		page_error(rs, 400, "alert '%s': expected a positive integer", rq->args[0]);
		return;
	}
	if (!form_session(rq, rs, who))
		return;
	if (form_get(rq->body, rq->body_len, "state", &state) ||
	    !alerts_one_of(state.buf, alerts_states)) {
		page_error(rs, 400, "state '%s': expected new, acknowledged, invalid or fixed", state.buf);
		goto out;
	}
	if (!req_store(rq, rs))
		goto out;
	req_write_begin(rq);
	ret = store_alert_triage(rq->st, id, state.buf, who);
	req_write_end(rq);
	if (ret) {
		page_store_error(rq, rs, ret, "alert");
		goto out;
	}
	log_info("alert %llu %s by %s (web)", (unsigned long long)id, state.buf, who);
	form_get(rq->body, rq->body_len, "back", &back);
	strbuf_addstr(&to, "/alerts");
	/* back is our own query string: only its characters pass */
	if (back.buf[0] == '?' && strspn(back.buf, "?&=%+-._~abcdefghijklmnopqrstuvwxyz"
						"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == back.len)
		strbuf_addstr(&to, back.buf);
	strbuf_addf(&to, "#alert-%llu", (unsigned long long)id);
	see_other(rs, to.buf);
out:
	strbuf_release(&state);
	strbuf_release(&back);
	strbuf_release(&to);
}

static const struct route web_routes[] = {
	{ "GET", "/", web_overview, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/kernels", web_kernels, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/kernels/{}", web_kernel, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/compare", web_compare, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/hosts/{}", web_host, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/runs/{}", web_run, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/alerts", web_alerts, NULL, ROUTE_BODY_SMALL, 0 },
	{ "POST", "/alerts/{}", web_triage, web_gate_session, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/login", web_login_get, NULL, ROUTE_BODY_SMALL, 0 },
	{ "POST", "/login", web_login_post, NULL, ROUTE_BODY_SMALL, 0 },
	{ "POST", "/logout", web_logout, web_gate_session, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/static/{}", web_static, NULL, ROUTE_BODY_SMALL, 0 },
	{ NULL, NULL, NULL, NULL, 0, 0 },
};

static void web_stop(void *state)
{
	struct web *web = state;

	if (!web)
		return;
	page_cache_free(web->pages);
	free(web);
}

static int web_start(void **state, const struct ui_config *cfg)
{
	struct web *web = calloc(1, sizeof(*web));

	*state = NULL;
	if (!web || page_cache_new(&web->pages, cfg->page_cache_bytes)) {
		web_stop(web);
		return -ENOMEM;
	}
	*state = web;
	return 0;
}

static void web_health(void *state, struct jw *jw)
{
	struct web *web = state;
	struct page_cache_stats ps;

	page_cache_stats(web->pages, &ps);
	jw_obj_begin(jw, "page_cache");
	jw_u64(jw, "pages", ps.pages);
	jw_u64(jw, "bytes", ps.bytes);
	jw_u64(jw, "limit_bytes", ps.limit);
	jw_u64(jw, "hits", ps.hits);
	jw_u64(jw, "renders", ps.renders);
	jw_u64(jw, "waits", ps.waits);
	jw_u64(jw, "evictions", ps.evictions);
	jw_obj_end(jw);
}

const struct ui web_ui = { web_routes, web_start, web_stop, web_health, web_error_page };
