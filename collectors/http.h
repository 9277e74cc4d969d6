/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_HTTP_H
#define FW_HTTP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

/*
 * A small HTTP client for the forkwatchd API, over libcurl.  One client
 * talks to one server (base URL); requests name a path under it.
 *
 * The static aarch64 build has no libcurl (FW_HAVE_CURL undefined): there
 * http_available() is false and http_client_new() fails with -ENOTSUP.
 * The pure helpers below work in every build.
 *
 * The bearer token is kept in the client only to build the Authorization
 * header; no function writes it into err or anywhere else.
 */

struct http_client;

struct http_config {
	const char *server;       /* "http://host:port" or "https://...", maybe with a path prefix */
	const char *token;        /* bearer token, or NULL for none; copied */
	const char *cacert;       /* CA bundle for the server's certificate, or NULL for the system's */
	long connect_timeout_ms;  /* 0: 10 s */
	long timeout_ms;          /* whole request; 0: 60 s */
	/* when not NULL and set non-zero (by a signal handler), a transfer aborts with -EINTR */
	volatile sig_atomic_t *stop;
};

/* True when this build can talk HTTP. */
bool http_available(void);

/*
 * Check a --server value: http:// or https://, a host, no user:password@,
 * no query or fragment.  Returns 0 with the normalised URL (no trailing
 * '/') appended to out, or -EINVAL with err saying why (the value quoted).
 */
int http_check_server(const char *server, struct strbuf *out, struct strbuf *err);

/*
 * Check a token read from a file: 1 to 4096 printable ASCII characters
 * without spaces, so that it cannot break the header it goes into.
 * Returns 0 or -EINVAL (err never quotes the token).
 */
int http_check_token(const char *token, struct strbuf *err);

/*
 * Append s percent-encoded for one path segment: unreserved characters
 * (A-Z a-z 0-9 - . _ ~) as they are, every other byte as %XX.
 */
void http_path_escape(struct strbuf *sb, const char *s);

/*
 * Create a client (the caller frees it with http_client_free()).  Returns
 * 0, or a negative errno with err set: -EINVAL for a bad server URL or
 * token, -ENOENT for an unreadable CA file, -ENOTSUP without libcurl.
 */
int http_client_new(struct http_client **out, const struct http_config *cfg, struct strbuf *err);
void http_client_free(struct http_client *c);

/*
 * Send one request: method "GET" or "POST"; path starts with '/'; body is
 * sent as application/json when not NULL.  On an answer (whatever its
 * status) returns 0 with *status set and the body appended to resp.  On a
 * transport failure returns a negative errno and appends one line to err:
 * -ECONNREFUSED (nothing listens, host unreachable), -EHOSTUNREACH (name
 * does not resolve), -ETIMEDOUT, -EPROTO (TLS: handshake or certificate),
 * -ECONNRESET (connection dropped), -EFBIG (answer over 16 MiB), -EINTR
 * (stopped through cfg->stop), -EINVAL (bad URL), -EIO (anything else).
 */
int http_request(struct http_client *c, const char *method, const char *path, const char *body,
		 size_t len, long *status, struct strbuf *resp, struct strbuf *err);

#endif
