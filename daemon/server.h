/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_SERVER_H
#define FW_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/auth.h"
#include "lib/strbuf.h"

/*
 * The HTTP layer of forkwatchd over libmicrohttpd: a thread pool, request
 * bodies collected up to a limit, routes matched from a table, one store
 * connection per worker thread, responses built in strbufs.  Handlers
 * (api.c) see a struct req and fill a struct resp; they never touch
 * libmicrohttpd.
 */
struct store;
struct server;

#define REQ_MAX_ARGS 4

struct req {
	struct server *srv;
	struct store *st;          /* a store connection for this request (lazy routes: req_store()) */
	const char *method;        /* as sent: "HEAD" is answered by the GET route */
	const char *path;          /* as sent, still percent-encoded, without the query */
	const char *args[REQ_MAX_ARGS]; /* percent-decoded {} segments of the route ('/' included) */
	int nargs;
	const char *body;          /* NUL-terminated; may contain NULs before len */
	size_t body_len;
	const char *client;        /* the peer's address, for rate limits and logs */
	void *conn;                /* opaque */
	int64_t changes;           /* rows changed by st when req_write_begin() ran */
};

struct resp {
	int status;
	const char *content_type;  /* default application/json */
	struct strbuf body;
	struct strbuf headers;     /* more header lines, "Name: value\n" each: resp_header() */
	/*
	 * Instead of body: bytes shared with others (a cached page), sent
	 * without a copy; shared_release(shared_cls) runs once they are sent.
	 */
	const void *shared;
	size_t shared_len;
	void (*shared_release)(void *cls);
	void *shared_cls;
	const char *cache_control; /* a literal; default "no-store" */
};

#define RESP_INIT { 200, NULL, STRBUF_INIT, STRBUF_INIT, NULL, 0, NULL, NULL, NULL }

typedef void (*route_fn)(struct req *rq, struct resp *rs);
/* A check before the body is read: true lets the request go on, false answers it (rs filled). */
typedef bool (*route_gate)(struct req *rq, struct resp *rs);

/* route.max_body: */
#define ROUTE_BODY_SMALL ((size_t)0)  /* 64 KiB (SERVER_SMALL_BODY) */
#define ROUTE_BODY_LARGE SIZE_MAX     /* the server's max_body (--max-body) */
#define SERVER_SMALL_BODY ((size_t)65536)

/* route.flags: */
#define ROUTE_LAZY 1u /* in the eager table: called without a store connection (req_store() takes one) */

struct route {
	const char *method;
	const char *pattern;       /* "/api/v1/hosts/{}": {} matches one path segment */
	route_fn fn;
	/*
	 * Run as soon as the request's headers are in, before any of its body
	 * is read (NULL: none): a refusal (a missing or wrong token, a host
	 * past its upload rate) is answered at once, and the body is not
	 * read, so that nobody can make the server hold bytes it will refuse.
	 * A gate that needs the store takes a connection with req_store();
	 * it goes back to the pool before the body is read.  args are set.
	 */
	route_gate gate;
	size_t max_body;           /* ROUTE_BODY_SMALL or ROUTE_BODY_LARGE */
	unsigned flags;
};

struct server_config {
	const char *listen;        /* "127.0.0.1:8080" or "[::1]:8080" */
	const char *db_path;
	unsigned max_connections;  /* served at once, a thread each */
	size_t max_body;
	const char *tls_cert, *tls_key; /* PEM files; both or neither */
	unsigned conn_timeout_s;   /* idle or stalled connections are closed after this */
	unsigned conn_per_ip;      /* connections one address may hold at once */
	uint8_t admin_hash[AUTH_HASH_LEN];
	/*
	 * Request bodies held in memory at once, over all connections (0: no
	 * bound): a body that would go past it is refused with 503 and
	 * Retry-After, before it is read when its Content-Length says so.
	 */
	size_t body_memory;
	/*
	 * How the server's own refusals (no such route, a body too large,
	 * ...) of paths outside /api/ and /healthz are answered: an HTML
	 * page (message is plain text).  NULL: the JSON error shape.
	 */
	void (*html_error)(struct resp *rs, int status, const char *message);
	void *app;                 /* the program's own context, for handlers: req_app() */
};

/*
 * Start serving routes and lazy_routes (each ended by a NULL method;
 * lazy_routes may be NULL).  A handler of routes is called with a store
 * connection in rq->st (unless its route is ROUTE_LAZY); one of
 * lazy_routes with none, and takes one with req_store() when it needs the
 * database (a page served from memory does not, and so never waits for a
 * connection).  Returns 0 or a negative errno with err set (address in
 * use, bad certificate, ...).
 *
 * Before any route sees a request, the server refuses with 400 and
 * closes the connection: a request line holding a NUL byte, a target
 * holding a control character or "%00", two Content-Length or two
 * Transfer-Encoding headers, both together, a Content-Length that is not
 * a decimal number, a Transfer-Encoding other than chunked.
 */
int server_start(struct server **out, const struct server_config *cfg, const struct route *routes,
		 const struct route *lazy_routes, struct strbuf *err);
/*
 * Stop accepting connections, let requests in flight finish, close every
 * store connection and free the server.
 */
void server_stop(struct server *srv);
/*
 * Match path (as sent: percent-encoded) against a route pattern; {}
 * segments are percent-decoded into bufs[0..REQ_MAX_ARGS) (strbufs the
 * caller owns): "%2F" gives a '/' inside its argument.  Returns 1 on a
 * match (*nargs segments, each non-empty), 0 when the route does not fit
 * or an argument would decode to a NUL byte.
 */
int server_route_match(const char *pattern, const char *path, struct strbuf *bufs, int *nargs);
/* 0 when listen is a well-formed ADDRESS:PORT, else -EINVAL. */
int server_check_listen(const char *listen);
/* The port actually bound (useful with port 0). */
unsigned server_port(const struct server *srv);

/* A request header, or NULL. */
const char *req_header(const struct req *rq, const char *name);
/*
 * Give rq a store connection (rq->st) unless it has one; false, with rs
 * filled (503), when the database cannot be opened.  It goes back to the
 * pool after the handler.
 */
bool req_store(struct req *rq, struct resp *rs);
/* Give rq's store connection back to the pool now (before long work that needs none). */
void req_store_put(struct req *rq);
/*
 * Bracket work that costs CPU and memory in proportion to a request body
 * (parsing an upload): at most as many at once as the machine has CPUs,
 * the others wait, so that the memory of parsing is bounded however many
 * uploads arrive together.
 */
void req_heavy_begin(struct req *rq);
void req_heavy_end(struct req *rq);
/* A query argument, or NULL. */
const char *req_query(const struct req *rq, const char *name);
/* A cookie, or NULL. */
const char *req_cookie(const struct req *rq, const char *name);

/* Add a response header; name and value must not hold CR or LF (they are dropped). */
void resp_header(struct resp *rs, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The data generation: a number that moves with every write of a request
 * that changed a row (req_write_end; writes outside requests, such as the
 * delivery log, are on no page).  What was rendered from the store at
 * one generation is still true while the generation is unchanged.  On a
 * database several forkwatchd share (store_generation()) it is the
 * database's, moved by the writes of each and read from the database,
 * through rq's connection or one borrowed for the moment; else this
 * daemon's own count.  A move that failed after its write committed is
 * made here first.  -EIO when the database cannot say, or the move is
 * still owed (nothing rendered then may be kept).
 */
int req_generation(struct req *rq, uint64_t *gen);

/*
 * Token checks against the admin hash and the failed-token limiter, which
 * counts in the database: they take a store connection (req_store());
 * false = resp already filled.
 */
bool req_require_admin(struct req *rq, struct resp *rs);
/*
 * Bracket a write transaction: writers queue on a mutex that wakes them
 * at once instead of sleeping in SQLite's busy handler; on a database
 * that runs writers side by side (store_writes_overlap()) they do not
 * queue.  Either way the end moves the data generation when the write
 * changed a row.
 */
void req_write_begin(struct req *rq);
void req_write_end(struct req *rq);

/* The same write lock for work outside requests (a delivery thread). */
void server_write_begin(struct server *srv);
void server_write_end(struct server *srv);
/*
 * A write outside requests, on st, changed what pages show (the retention
 * thread dropped samples): move the data generation.  Call under the
 * write lock, after the write committed.
 */
void server_data_changed(struct server *srv, struct store *st);

/* cfg->app of the server this request arrived at. */
void *req_app(const struct req *rq);

/*
 * Check tok against the admin token (the web login): 0 when it is, -EACCES
 * when not (counted as a failed attempt), -EAGAIN when this client is
 * refused for too many failed attempts.  Call with a store connection
 * (req_store()): without one nothing is counted.
 */
int req_check_admin_token(struct req *rq, const char *tok);
/* Whether the server speaks HTTPS (cookies are then marked Secure). */
bool req_tls(const struct req *rq);

/* Count a failed token attempt from this client. */
void req_auth_failed(struct req *rq);
/* Whether this client is refused for too many failed attempts (resp filled with 429). */
bool req_auth_blocked(struct req *rq, struct resp *rs);

/* Fill rs with the JSON error shape of docs/http-api.md; field may be NULL. */
void resp_error(struct resp *rs, int status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
