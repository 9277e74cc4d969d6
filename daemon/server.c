// SPDX-License-Identifier: GPL-2.0
#include "daemon/server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/connwatch.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "daemon/store.h"

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len);

/*
 * Store connections are pooled: a request takes one (opening a new one
 * when none is idle) and gives it back.  Connections come and go with the
 * HTTP connections' threads, so a per-thread store would leak.  At most
 * SERVER_STORES are open: each holds its own SQLite page cache (up to
 * 2 MiB), so a pool that grew with every concurrent connection would grow
 * the daemon with them; a request beyond the limit waits for one.
 */
#define SERVER_STORES 32

struct server {
	struct MHD_Daemon *mhd;
	const struct route *routes, *lazy_routes;
	struct server_config cfg;
	pthread_mutex_t stores_lock;
	struct store *idle[SERVER_STORES]; /* store connections not in use by a request */
	size_t nidle;
	size_t nopen;              /* store connections open, idle or in use */
	pthread_cond_t store_free; /* one went idle, or a slot freed */
	/*
	 * One writer at a time, queued here, not in SQLite's busy sleep; not
	 * taken where the database runs writers side by side (PostgreSQL:
	 * queueing them here would serialise what it overlaps).
	 */
	pthread_mutex_t write_lock;
	bool queue_writes;
	struct connwatch *watch;   /* each request whole within conn_timeout_s; NULL without */
	uint64_t generation;       /* atomic: see req_generation() */
	size_t body_bytes;         /* atomic: bytes of request bodies held (cfg.body_memory) */
	pthread_mutex_t heavy_lock; /* req_heavy_begin(): */
	pthread_cond_t heavy_free;
	unsigned heavy, heavy_max;
	bool shared_generation;    /* the database keeps it (store_generation()) */
	unsigned bumps_owed;       /* atomic: writes committed whose move of it failed */
	char *tls_cert, *tls_key;  /* PEM text */
	unsigned port;
};

/*
 * Per-request state between the calls libmicrohttpd makes for one
 * request, made by on_target() when the request line is in.
 */
struct conn_state {
	char *target;              /* the request target as sent: path and query, percent-encoded */
	uintptr_t target_at;       /* where it lay in libmicrohttpd's buffer, and its length there */
	size_t target_len;
	bool started;              /* the headers have been looked at */
	const struct route *route; /* what answers it, once found */
	bool lazy;
	int nargs;
	struct strbuf args[REQ_MAX_ARGS];
	struct strbuf body;
	size_t max_body;
	size_t reserved;           /* bytes of the server's body_bytes this request holds */
	bool too_large, over_budget;
	struct timespec start;
};

/* Bodies larger than this give their memory back to the system once answered. */
#define SERVER_TRIM_BODY ((size_t)1 << 20)
/* Retry-After of a 503 for want of body memory, seconds */
#define SERVER_RETRY_S 5

const char *req_header(const struct req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *req_query(const struct req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_cookie(const struct req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name);
}

void resp_header(struct resp *rs, const char *name, const char *fmt, ...)
{
	size_t start = rs->headers.len, i, j;
	va_list ap;

	strbuf_addf(&rs->headers, "%s: ", name);
	va_start(ap, fmt);
	strbuf_vaddf(&rs->headers, fmt, ap);
	va_end(ap);
	/* a header line never carries a line break of its own */
	for (i = j = start; i < rs->headers.len; i++)
		if (rs->headers.buf[i] != '\r' && rs->headers.buf[i] != '\n')
			rs->headers.buf[j++] = rs->headers.buf[i];
	strbuf_setlen(&rs->headers, j);
	strbuf_addch(&rs->headers, '\n');
}

void resp_error(struct resp *rs, int status, const char *field, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	struct jw jw;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	rs->status = status;
	rs->content_type = "application/json";
	strbuf_reset(&rs->body);
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	jw_obj_begin(&jw, "error");
	jw_i64(&jw, "status", status);
	jw_str(&jw, "message", msg.buf);
	if (field)
		jw_str(&jw, "field", field);
	jw_obj_end(&jw);
	jw_obj_end(&jw);
	strbuf_addch(&rs->body, '\n');
	strbuf_release(&msg);
}

/*
 * Whether the client has failed AUTH_FAIL_LIMIT times in the window,
 * counted in the database: every forkwatchd on it refuses alike.  A store
 * that cannot tell lets the request on to its token check, which needs
 * the store too.
 */
static bool auth_blocked(struct req *rq)
{
	unsigned n = 0;
	char key[64];

	if (!rq->st)
		return false;
	auth_client_key(rq->client, key, sizeof(key));
	if (store_auth_failures(rq->st, key, AUTH_FAIL_WINDOW_S, &n)) {
		log_error("failed-token count of %s: %s", rq->client, store_errmsg(rq->st));
		return false;
	}
	return n >= AUTH_FAIL_LIMIT;
}

bool req_auth_blocked(struct req *rq, struct resp *rs)
{
	if (!req_store(rq, rs))
		return true;
	if (!auth_blocked(rq))
		return false;
	resp_error(rs, 429, NULL, "too many failed token attempts from %s: try again later", rq->client);
	return true;
}

void req_auth_failed(struct req *rq)
{
	char key[64];

	log_warn("failed token from %s for %s %s", rq->client, rq->method, rq->path);
	if (!rq->st)
		return;
	auth_client_key(rq->client, key, sizeof(key));
	server_write_begin(rq->srv);
	if (store_auth_fail(rq->st, key, AUTH_FAIL_WINDOW_S))
		log_error("cannot count the failed token of %s: %s", rq->client, store_errmsg(rq->st));
	server_write_end(rq->srv);
}

int req_check_admin_token(struct req *rq, const char *tok)
{
	uint8_t h[AUTH_HASH_LEN];

	if (auth_blocked(rq))
		return -EAGAIN;
	auth_token_hash(tok, h);
	if (!auth_hash_equal(h, rq->srv->cfg.admin_hash)) {
		req_auth_failed(rq);
		return -EACCES;
	}
	return 0;
}

bool req_tls(const struct req *rq)
{
	return rq->srv->cfg.tls_cert != NULL;
}

bool req_require_admin(struct req *rq, struct resp *rs)
{
	const char *tok;

	if (req_auth_blocked(rq, rs))
		return false;
	tok = auth_bearer(req_header(rq, "Authorization"));
	if (!tok) {
		resp_error(rs, 401, NULL, "this needs the admin token as 'Authorization: Bearer <token>'");
		return false;
	}
	switch (req_check_admin_token(rq, tok)) {
	case 0:
		return true;
	case -EAGAIN:
		return !req_auth_blocked(rq, rs); /* fills the 429 */
	default:
		resp_error(rs, 403, NULL, "not the admin token");
		return false;
	}
}

static struct store *store_get(struct server *srv, struct strbuf *err)
{
	struct store *st = NULL;

	pthread_mutex_lock(&srv->stores_lock);
	while (!srv->nidle && srv->nopen >= SERVER_STORES)
		pthread_cond_wait(&srv->store_free, &srv->stores_lock);
	if (srv->nidle)
		st = srv->idle[--srv->nidle];
	else
		srv->nopen++; /* one more, opened below without the lock */
	pthread_mutex_unlock(&srv->stores_lock);
	if (!st && store_open(&st, srv->cfg.db_path, err)) {
		pthread_mutex_lock(&srv->stores_lock);
		srv->nopen--;
		pthread_cond_signal(&srv->store_free);
		pthread_mutex_unlock(&srv->stores_lock);
		return NULL;
	}
	return st;
}

static void store_put(struct server *srv, struct store *st)
{
	pthread_mutex_lock(&srv->stores_lock);
	srv->idle[srv->nidle++] = st; /* at most SERVER_STORES are open */
	pthread_cond_signal(&srv->store_free);
	pthread_mutex_unlock(&srv->stores_lock);
}

void server_write_begin(struct server *srv)
{
	if (srv->queue_writes)
		pthread_mutex_lock(&srv->write_lock);
}

void server_write_end(struct server *srv)
{
	if (srv->queue_writes)
		pthread_mutex_unlock(&srv->write_lock);
}

/*
 * After the write committed and before it is answered: a reader told of
 * the write, by this daemon or another, finds the generation moved.  A
 * database that takes the write but not the move (gone in between) owes
 * it: req_generation() moves it before it reads it, and until then this
 * daemon serves no page from memory (the others may, until it does).
 */
void server_data_changed(struct server *srv, struct store *st)
{
	__atomic_add_fetch(&srv->generation, 1, __ATOMIC_RELEASE);
	if (srv->shared_generation && store_generation_bump(st)) {
		log_error("cannot move the shared data generation: %s", store_errmsg(st));
		__atomic_add_fetch(&srv->bumps_owed, 1, __ATOMIC_RELEASE);
	}
}

int req_generation(struct req *rq, uint64_t *gen)
{
	struct server *srv = rq->srv;
	struct strbuf err = STRBUF_INIT;
	struct store *st = rq->st;
	unsigned owed;
	int ret = 0;

	if (!srv->shared_generation) {
		*gen = __atomic_load_n(&srv->generation, __ATOMIC_ACQUIRE);
		return 0;
	}
	/* borrowed for one query: a page served from memory holds no connection */
	if (!st && !(st = store_get(srv, &err))) {
		log_error("%s", err.buf);
		strbuf_release(&err);
		return -EIO;
	}
	owed = __atomic_load_n(&srv->bumps_owed, __ATOMIC_ACQUIRE);
	if (owed) {
		ret = store_generation_bump(st);
		if (ret)
			log_error("cannot move the shared data generation: %s", store_errmsg(st));
		else
			__atomic_sub_fetch(&srv->bumps_owed, owed, __ATOMIC_RELEASE);
	}
	if (!ret) {
		ret = store_generation(st, gen);
		if (ret)
			log_error("cannot read the shared data generation: %s", store_errmsg(st));
	}
	if (st != rq->st)
		store_put(srv, st);
	return ret;
}

void req_write_begin(struct req *rq)
{
	server_write_begin(rq->srv);
	rq->changes = store_total_changes(rq->st);
}

/* Only a write that changed a row moves the generation: a re-sent upload keeps every cached page. */
void req_write_end(struct req *rq)
{
	if (store_total_changes(rq->st) != rq->changes)
		server_data_changed(rq->srv, rq->st);
	server_write_end(rq->srv);
}

void *req_app(const struct req *rq)
{
	return rq->srv->cfg.app;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * Percent-decode len bytes of s onto out; -EINVAL for a NUL byte.  An
 * escape that is not two hex digits stays as it is, as libmicrohttpd
 * leaves it.
 */
static int pct_decode(struct strbuf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			c = hexval(s[i + 1]) << 4 | hexval(s[i + 2]);
			i += 2;
		}
		if (!c)
			return -EINVAL;
		strbuf_addch(out, (char)c);
	}
	return 0;
}

/*
 * The path as sent, not as libmicrohttpd decodes it: a name holding '/'
 * (a release such as "6.9/x", sent as "%2F") is one segment, and a "%00"
 * cannot cut a name short.
 */
int server_route_match(const char *pattern, const char *path, struct strbuf *bufs, int *nargs)
{
	const char *p = pattern, *q = path;

	*nargs = 0;
	while (*p && *q) {
		if (p[0] == '{' && p[1] == '}') {
			size_t len = strcspn(q, "/");

			if (!len || *nargs == REQ_MAX_ARGS)
				return 0;
			strbuf_reset(&bufs[*nargs]);
			if (pct_decode(&bufs[*nargs], q, len) || !bufs[*nargs].len)
				return 0;
			(*nargs)++;
			p += 2;
			q += len;
			continue;
		}
		if (*p != *q)
			return 0;
		p++;
		q++;
	}
	return !*p && !*q;
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *line, *next, *colon;
	size_t len;

	if (rs->shared) {
		/* libmicrohttpd only reads the buffer: the cast keeps its API's type */
		r = MHD_create_response_from_buffer_with_free_callback_cls(
			rs->shared_len, (void *)rs->shared, rs->shared_release, rs->shared_cls);
		if (!r) {
			if (rs->shared_release)
				rs->shared_release(rs->shared_cls);
			return MHD_NO;
		}
		rs->shared = NULL;
	} else {
		char *body = strbuf_detach(&rs->body, &len);

		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!r) {
			free(body);
			return MHD_NO;
		}
	}
	MHD_add_response_header(r, "Content-Type", rs->content_type ? rs->content_type :
				"application/json");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", rs->cache_control ? rs->cache_control : "no-store");
	for (line = rs->headers.buf; *line; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		MHD_add_response_header(r, line, colon + 2);
	}
	ret = MHD_queue_response(conn, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void resp_release(struct resp *rs)
{
	if (rs->shared && rs->shared_release)
		rs->shared_release(rs->shared_cls);
	rs->shared = NULL;
	strbuf_release(&rs->body);
	strbuf_release(&rs->headers);
}

static void client_addr(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, len, "unknown");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)len);
}

bool req_store(struct req *rq, struct resp *rs)
{
	struct strbuf err = STRBUF_INIT;

	if (rq->st)
		return true;
	rq->st = store_get(rq->srv, &err);
	if (!rq->st) {
		log_error("database: %s", err.buf);
		resp_error(rs, 503, NULL, "database unavailable");
	}
	strbuf_release(&err);
	return rq->st != NULL;
}

void req_store_put(struct req *rq)
{
	if (rq->st)
		store_put(rq->srv, rq->st);
	rq->st = NULL;
}

void req_heavy_begin(struct req *rq)
{
	struct server *srv = rq->srv;

	pthread_mutex_lock(&srv->heavy_lock);
	while (srv->heavy >= srv->heavy_max)
		pthread_cond_wait(&srv->heavy_free, &srv->heavy_lock);
	srv->heavy++;
	pthread_mutex_unlock(&srv->heavy_lock);
}

void req_heavy_end(struct req *rq)
{
	struct server *srv = rq->srv;

	pthread_mutex_lock(&srv->heavy_lock);
	srv->heavy--;
	pthread_cond_signal(&srv->heavy_free);
	pthread_mutex_unlock(&srv->heavy_lock);
}

/* Take n bytes of the body memory; false when they would go past the bound. */
static bool body_reserve(struct server *srv, struct conn_state *cs, size_t n)
{
	size_t cur = __atomic_load_n(&srv->body_bytes, __ATOMIC_RELAXED);

	do {
		if (srv->cfg.body_memory && (n > srv->cfg.body_memory || cur > srv->cfg.body_memory - n))
			return false;
	} while (!__atomic_compare_exchange_n(&srv->body_bytes, &cur, cur + n, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	cs->reserved += n;
	return true;
}

static void body_unreserve(struct server *srv, struct conn_state *cs)
{
	__atomic_sub_fetch(&srv->body_bytes, cs->reserved, __ATOMIC_RELAXED);
	cs->reserved = 0;
}

/* The paths whose refusals are JSON: the API's, and /healthz. */
static bool json_path(const char *path)
{
	return !strncmp(path, "/api/", 5) || !strcmp(path, "/healthz");
}

/* A refusal of the server's own: JSON, or a page outside the API (cfg.html_error). */
static void refuse(struct server *srv, const char *path, struct resp *rs, int status, const char *fmt,
		   ...) __attribute__((format(printf, 5, 6)));
static void refuse(struct server *srv, const char *path, struct resp *rs, int status, const char *fmt,
		   ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (srv->cfg.html_error && !json_path(path)) {
		strbuf_reset(&rs->body);
		srv->cfg.html_error(rs, status, msg.buf);
	} else {
		resp_error(rs, status, NULL, "%s", msg.buf);
	}
	strbuf_release(&msg);
}

/* A request this server will not read further: answered, then the connection closes. */
static void refuse_close(struct resp *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse_close(struct resp *rs, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	resp_error(rs, 400, NULL, "%s", msg.buf);
	resp_header(rs, "Connection", "close");
	strbuf_release(&msg);
}

/*
 * libmicrohttpd tells the request target as it was sent, before it cuts
 * off the query and decodes it: routes match that (see
 * server_route_match()), and where it lay in the request line shows a
 * NUL byte there (request_line_nul()).  What it returns is the request's
 * state for on_request() (NULL when out of memory: on_request() refuses).
 */
static void *on_target(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct conn_state *cs = calloc(1, sizeof(*cs));
	int i;

	(void)cls;
	(void)conn;
	if (!cs)
		return NULL;
	cs->target = strdup(uri ? uri : "");
	cs->target_at = (uintptr_t)uri;
	cs->target_len = uri ? strlen(uri) : 0;
	strbuf_init(&cs->body, 0);
	for (i = 0; i < REQ_MAX_ARGS; i++)
		strbuf_init(&cs->args[i], 0);
	return cs;
}

/*
 * Whether the request line held a NUL byte.  libmicrohttpd 0.9.75 reads
 * the line by its length but hands out its parts as C strings, so a NUL
 * cuts the method or the target short unseen ("GET /healthz\0junk" is
 * taken as "GET /healthz").  In its buffer the line is "METHOD\0 *TARGET\0
 * VERSION": each part must end where the next one's place says.
 */
static bool request_line_nul(const char *method, const char *version, const struct conn_state *cs)
{
	uintptr_t m = (uintptr_t)method, end = m + strlen(method) + 1;

	if (!cs->target_at || cs->target_at < end || cs->target_at - m > 4096)
		return false; /* not the layout above: nothing to tell */
	for (; end < cs->target_at; end++)
		if (*(const char *)end != ' ')
			return true; /* the method went on after a NUL */
	if (*version && (uintptr_t)version > cs->target_at &&
	    (uintptr_t)version != cs->target_at + cs->target_len + 1)
		return true; /* the target did */
	return false;
}

struct framing {
	unsigned content_length, transfer_encoding;
	bool length_bad, encoding_bad;
	uint64_t length;
};

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct framing *f = cls;

	(void)kind;
	if (!strcasecmp(key, "Content-Length")) {
		f->content_length++;
		if (!value || !*value || strspn(value, "0123456789") != strlen(value) ||
		    strlen(value) > 19)
			f->length_bad = true;
		else
			f->length = strtoull(value, NULL, 10);
	} else if (!strcasecmp(key, "Transfer-Encoding")) {
		f->transfer_encoding++;
		if (!value || strcasecmp(value, "chunked"))
			f->encoding_bad = true;
	}
	return MHD_YES;
}

/*
 * What a proxy in front could frame otherwise than this server: refused
 * before the request goes anywhere (libmicrohttpd 0.9.75 takes the first
 * of two Content-Length headers and reads the rest of the bytes as the
 * next request).  0, or 400 filled in rs.
 */
static int check_framing(struct MHD_Connection *conn, const char *method, const char *version,
			 const struct conn_state *cs, struct framing *f, struct resp *rs)
{
	const unsigned char *t;

	memset(f, 0, sizeof(*f));
	if (!cs->target) {
		resp_error(rs, 500, NULL, "out of memory");
		resp_header(rs, "Connection", "close");
		return -ENOMEM;
	}
	if (request_line_nul(method, version, cs)) {
		refuse_close(rs, "a NUL byte in the request line");
		return -EINVAL;
	}
	for (t = (const unsigned char *)cs->target; *t; t++)
		if (*t < 0x20 || *t == 0x7f) {
			refuse_close(rs, "a control character in the request target");
			return -EINVAL;
		}
	/* every name ends at a NUL byte: a "%00" would cut it short in a path or a query */
	for (t = (const unsigned char *)cs->target; (t = (const unsigned char *)strchr((const char *)t, '%'));
	     t++)
		if (t[1] == '0' && t[2] == '0') {
			refuse_close(rs, "'%%00' in the request target: no name holds a NUL byte");
			return -EINVAL;
		}
	MHD_get_connection_values(conn, MHD_HEADER_KIND, framing_header, f);
	if (f->content_length > 1)
		refuse_close(rs, "%u Content-Length headers: send one", f->content_length);
	else if (f->transfer_encoding > 1)
		refuse_close(rs, "%u Transfer-Encoding headers: send one", f->transfer_encoding);
	else if (f->content_length && f->transfer_encoding)
		refuse_close(rs, "both Content-Length and Transfer-Encoding: send one");
	else if (f->length_bad)
		refuse_close(rs, "Content-Length is not a decimal number of bytes");
	else if (f->encoding_bad)
		refuse_close(rs, "Transfer-Encoding other than chunked");
	else
		return 0;
	return -EINVAL;
}

static void req_init(struct req *rq, struct server *srv, struct MHD_Connection *conn,
		     const char *method, struct conn_state *cs, char *addr, size_t addr_len)
{
	int i;

	client_addr(conn, addr, addr_len);
	memset(rq, 0, sizeof(*rq));
	rq->srv = srv;
	rq->conn = conn;
	rq->method = method;
	rq->path = cs->target;
	rq->client = addr;
	rq->body = cs->body.buf;
	rq->body_len = cs->body.len;
	rq->nargs = cs->nargs;
	for (i = 0; i < cs->nargs; i++)
		rq->args[i] = cs->args[i].buf;
}

/*
 * Find the route of the request (its path is cs->target up to the
 * query, cut there); 0, or 404/405 in rs.  HEAD is answered as GET
 * (libmicrohttpd sends the headers only).
 */
static int find_route(struct server *srv, const char *method, struct conn_state *cs,
		      struct resp *rs)
{
	const char *want = !strcmp(method, "HEAD") ? "GET" : method;
	char *query = strchr(cs->target, '?');
	struct strbuf allow = STRBUF_INIT;
	int i, t;

	if (query)
		*query = '\0';
	for (t = 0; t < 2; t++) {
		const struct route *r = t ? srv->lazy_routes : srv->routes;

		for (i = 0; r && r[i].method; i++) {
			if (!server_route_match(r[i].pattern, cs->target, cs->args, &cs->nargs))
				continue;
			if (strcmp(r[i].method, want)) {
				strbuf_addf(&allow, "%s%s%s", allow.len ? ", " : "", r[i].method,
					    strcmp(r[i].method, "GET") ? "" : ", HEAD");
				continue;
			}
			cs->route = &r[i];
			cs->lazy = t || (r[i].flags & ROUTE_LAZY);
			cs->max_body = r[i].max_body == ROUTE_BODY_LARGE ? srv->cfg.max_body :
				       r[i].max_body ? r[i].max_body : SERVER_SMALL_BODY;
			/*
			 * a route's own limit above the small one (calibration
			 * profiles: 256 KiB) never lifts the operator's --max-body
			 */
			if (cs->max_body > SERVER_SMALL_BODY && cs->max_body > srv->cfg.max_body)
				cs->max_body = srv->cfg.max_body > SERVER_SMALL_BODY ? srv->cfg.max_body :
										     SERVER_SMALL_BODY;
			strbuf_release(&allow);
			return 0;
		}
	}
	cs->nargs = 0;
	if (allow.len) {
		refuse(srv, cs->target, rs, 405, "method %s not allowed on %s", method, cs->target);
		resp_header(rs, "Allow", "%s", allow.buf);
	} else {
		refuse(srv, cs->target, rs, 404, "no such route: %s", cs->target);
	}
	strbuf_release(&allow);
	return -ENOENT;
}

/*
 * The request's headers are in and none of its body is read: refuse now
 * what will be refused anyway (rs filled, true), so that no byte of it is
 * held: broken framing, no route, the route's gate (a token), a declared
 * body past the route's limit, the body memory.
 */
static bool answer_early(struct server *srv, struct MHD_Connection *conn, const char *method,
			 const char *version, struct conn_state *cs, struct resp *rs)
{
	struct framing f;
	struct req rq;
	char addr[64];
	bool ok;

	if (check_framing(conn, method, version, cs, &f, rs) || find_route(srv, method, cs, rs))
		return true;
	if (cs->route->gate) {
		req_init(&rq, srv, conn, method, cs, addr, sizeof(addr));
		ok = cs->route->gate(&rq, rs);
		req_store_put(&rq);
		if (!ok)
			return true;
	}
	if (f.content_length && f.length > cs->max_body) {
		refuse(srv, cs->target, rs, 413, "request body larger than the limit of %zu bytes",
		       cs->max_body);
		return true;
	}
	if (f.content_length && f.length && !body_reserve(srv, cs, (size_t)f.length)) {
		refuse(srv, cs->target, rs, 503, "the server holds as many request bodies as it may "
		       "(%zu bytes): retry later", srv->cfg.body_memory);
		resp_header(rs, "Retry-After", "%d", SERVER_RETRY_S);
		return true;
	}
	if (f.content_length && f.length)
		strbuf_grow(&cs->body, (size_t)f.length); /* no doubling past what comes */
	return false;
}

static void dispatch(struct server *srv, struct MHD_Connection *conn, const char *method,
		     struct conn_state *cs, struct resp *rs)
{
	struct req rq;
	char addr[64];

	req_init(&rq, srv, conn, method, cs, addr, sizeof(addr));
	if (cs->too_large) {
		refuse(srv, cs->target, rs, 413, "request body larger than the limit of %zu bytes",
		       cs->max_body);
		return;
	}
	if (cs->over_budget) {
		refuse(srv, cs->target, rs, 503, "the server holds as many request bodies as it may "
		       "(%zu bytes): retry later", srv->cfg.body_memory);
		resp_header(rs, "Retry-After", "%d", SERVER_RETRY_S);
		return;
	}
	if (!cs->lazy && !req_store(&rq, rs))
		return;
	cs->route->fn(&rq, rs);
	req_store_put(&rq);
}

/* The connection's place in the watch (its socket context), or NULL. */
static struct connwatch_conn *watch_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void watch_await(struct server *srv, struct MHD_Connection *conn)
{
	if (srv->watch)
		connwatch_await(srv->watch, watch_of(conn));
}

static void watch_busy(struct server *srv, struct MHD_Connection *conn)
{
	if (srv->watch)
		connwatch_busy(srv->watch, watch_of(conn));
}

static void watch_cut(const char *addr, unsigned timeout_s)
{
	log_info("closed a connection from %s: no whole request within %u s", addr, timeout_s);
}

/* Connections join the watch when they open and leave it before their socket is closed. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct server *srv = cls;
	const union MHD_ConnectionInfo *ci;
	char addr[64];

	if (!srv->watch)
		return;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		connwatch_leave(srv->watch, *socket_context);
		*socket_context = NULL;
		return;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	client_addr(conn, addr, sizeof(addr));
	*socket_context = ci ? connwatch_join(srv->watch, ci->connect_fd, addr) : NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct conn_state *cs = *con_cls;
	struct resp rs = RESP_INIT;
	struct timespec end;
	enum MHD_Result ret;
	double ms;

	(void)url; /* decoded, cut at a NUL: routes read cs->target */
	if (!cs)
		return MHD_NO; /* on_target() ran out of memory */
	if (!cs->started) {
		cs->started = true;
		clock_gettime(CLOCK_MONOTONIC, &cs->start);
		/* the headers are in: the body has the whole timeout from now */
		watch_await(srv, conn);
		if (!answer_early(srv, conn, method, version, cs, &rs)) {
			resp_release(&rs); /* what a gate that let it in wrote: the handler answers */
			return MHD_YES;
		}
		/* answered before the body: libmicrohttpd drops it and closes the connection */
		log_debug("%s %s %d before the body", method, cs->target, rs.status);
		ret = send_resp(conn, &rs);
		resp_release(&rs);
		return ret;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (cs->too_large || cs->over_budget)
			return MHD_YES; /* keep reading, drop it, answer at the end */
		if (cs->body.len + n > cs->max_body) {
			cs->too_large = true;
		} else if (cs->body.len + n > cs->reserved && !body_reserve(srv, cs, cs->body.len + n - cs->reserved)) {
			cs->over_budget = true; /* a chunked body past the bound */
		} else {
			strbuf_add(&cs->body, upload_data, n);
			return MHD_YES;
		}
		strbuf_release(&cs->body);
		body_unreserve(srv, cs);
		return MHD_YES;
	}
	watch_busy(srv, conn);
	dispatch(srv, conn, method, cs, &rs);
	clock_gettime(CLOCK_MONOTONIC, &end);
	ms = (double)(end.tv_sec - cs->start.tv_sec) * 1e3 +
	     (double)(end.tv_nsec - cs->start.tv_nsec) / 1e6;
	log_debug("%s %s %d %zu bytes in, %zu out, %.1f ms", method, cs->target, rs.status, cs->body.len,
		  rs.shared ? rs.shared_len : rs.body.len, ms);
	ret = send_resp(conn, &rs);
	resp_release(&rs);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct conn_state *cs = *con_cls;
	bool trim;
	int i;

	(void)toe;
	watch_await(srv, conn); /* the next request on this connection */
	if (!cs)
		return;
	trim = cs->body.alloc >= SERVER_TRIM_BODY;
	strbuf_release(&cs->body);
	body_unreserve(srv, cs);
	for (i = 0; i < REQ_MAX_ARGS; i++)
		strbuf_release(&cs->args[i]);
	free(cs->target);
	free(cs);
	*con_cls = NULL;
	/*
	 * A large body (and the parse of it) leaves free memory in the heap of
	 * this thread's arena that malloc keeps: give it back, so that the
	 * daemon's size after a spike is its size before it.
	 */
	if (trim)
		malloc_trim(0);
}

/* libmicrohttpd's own error messages, through our log */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	(void)cls;
	strbuf_vaddf(&sb, fmt, ap);
	strbuf_rtrim(&sb);
	log_warn("http: %s", sb.buf);
	strbuf_release(&sb);
}

int server_check_listen(const char *listen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	return parse_listen(listen, &ss, &len);
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	unsigned long port;
	char *end;

	if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof(host))
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port > 65535)
		return -EINVAL;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		host[strlen(host) - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*s4);
	}
	return 0;
}

int server_start(struct server **out, const struct server_config *cfg, const struct route *routes,
		 const struct route *lazy_routes, struct strbuf *err)
{
	struct server *srv;
	struct sockaddr_storage ss;
	socklen_t sslen;
	/*
	 * A thread per connection: a keep-alive client that uploads keeps its
	 * thread busy parsing, and in a fixed pool several such clients can
	 * end up on one thread while the others idle.
	 */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG |
			 MHD_USE_ITC; /* MHD_quiesce_daemon needs it */
	const union MHD_DaemonInfo *di;
	struct strbuf sb = STRBUF_INIT;
	long ncpu;
	struct store *st;
	uint64_t gen;
	size_t i;

	*out = NULL;
	if (parse_listen(cfg->listen, &ss, &sslen)) {
		strbuf_addf(err, "--listen '%s': expected ADDRESS:PORT such as 127.0.0.1:8080 or [::1]:8080",
			    cfg->listen);
		return -EINVAL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->cfg = *cfg;
	srv->routes = routes;
	srv->lazy_routes = lazy_routes;
	pthread_mutex_init(&srv->stores_lock, NULL);
	pthread_cond_init(&srv->store_free, NULL);
	pthread_mutex_init(&srv->write_lock, NULL);
	pthread_mutex_init(&srv->heavy_lock, NULL);
	pthread_cond_init(&srv->heavy_free, NULL);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	srv->heavy_max = ncpu > 1 ? (unsigned)ncpu : 1;
	/*
	 * Buffers of a megabyte or more (request bodies, parse trees) come
	 * from mmap and go back to the system when freed, however large the
	 * ones before were (glibc would raise the threshold after each and
	 * keep the next ones in its heap).
	 */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	/*
	 * and the heap below that is not trimmed after every free of a
	 * request's buffers (a fixed mmap threshold leaves the trim
	 * threshold at 128 kB: madvise on most frees, a tenth of an upload's
	 * CPU)
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	/* the first connection: is the generation the database's (several daemons on it)? */
	st = store_get(srv, err);
	if (!st)
		goto fail;
	srv->shared_generation = store_generation(st, &gen) == 0;
	srv->queue_writes = !store_writes_overlap(st);
	store_put(srv, st);
	if (cfg->conn_timeout_s && !(srv->watch = connwatch_new(cfg->conn_timeout_s, watch_cut)))
		goto fail;
	if (!!cfg->tls_cert != !!cfg->tls_key) {
		strbuf_addstr(err, "TLS needs both a certificate and a key (tls_cert, tls_key)");
		goto fail;
	}
	if (cfg->tls_cert) {
		if (strbuf_read_file(&sb, cfg->tls_cert, 1 << 20)) {
			strbuf_addf(err, "cannot read certificate '%s'", cfg->tls_cert);
			goto fail;
		}
		srv->tls_cert = strbuf_detach(&sb, NULL);
		if (strbuf_read_file(&sb, cfg->tls_key, 1 << 20)) {
			strbuf_addf(err, "cannot read key '%s'", cfg->tls_key);
			goto fail;
		}
		srv->tls_key = strbuf_detach(&sb, NULL);
		flags |= MHD_USE_TLS;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv, /* first: it applies to the options after it */
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->conn_timeout_s,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->conn_per_ip,
		MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_URI_LOG_CALLBACK, on_target, srv,
		srv->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, srv->tls_cert,
		MHD_OPTION_HTTPS_MEM_KEY, srv->tls_key,
		MHD_OPTION_END);
	if (!srv->mhd) {
		strbuf_addf(err, "cannot listen on %s (in use, not a local address, or a bad TLS "
			    "certificate/key)", cfg->listen);
		goto fail;
	}
	di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : 0;
	*out = srv;
	return 0;
fail:
	strbuf_release(&sb);
	connwatch_free(srv->watch);
	for (i = 0; i < srv->nidle; i++)
		store_close(srv->idle[i]);
	free(srv->tls_cert);
	free(srv->tls_key);
	pthread_mutex_destroy(&srv->write_lock);
	pthread_cond_destroy(&srv->heavy_free);
	pthread_mutex_destroy(&srv->heavy_lock);
	pthread_cond_destroy(&srv->store_free);
	pthread_mutex_destroy(&srv->stores_lock);
	free(srv);
	return -EIO;
}

unsigned server_port(const struct server *srv)
{
	return srv->port;
}

void server_stop(struct server *srv)
{
	size_t i;

	if (!srv)
		return;
	/*
	 * Stop accepting, then let the connections that are still sending or
	 * being answered finish (an upload mid-body included), at most for the
	 * connection timeout; then stop the threads.
	 */
	MHD_quiesce_daemon(srv->mhd);
	for (i = 0; i < 10u * srv->cfg.conn_timeout_s; i++) {
		const union MHD_DaemonInfo *di =
			MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

		if (!di || di->num_connections == 0)
			break;
		usleep(100000);
	}
	MHD_stop_daemon(srv->mhd);
	connwatch_free(srv->watch); /* after the last connection left */
	for (i = 0; i < srv->nidle; i++)
		store_close(srv->idle[i]);
	pthread_mutex_destroy(&srv->write_lock);
	pthread_cond_destroy(&srv->heavy_free);
	pthread_mutex_destroy(&srv->heavy_lock);
	pthread_cond_destroy(&srv->store_free);
	pthread_mutex_destroy(&srv->stores_lock);
	free(srv->tls_cert);
	free(srv->tls_key);
	free(srv);
}
