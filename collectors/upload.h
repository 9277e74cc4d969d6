/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_UPLOAD_H
#define FW_UPLOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "collectors/http.h"
#include "collectors/spool.h"
#include "lib/strbuf.h"

/*
 * How a lab machine talks to forkwatchd: what an HTTP status means for a
 * request (docs/http-api.md), retries with backoff, the spool flush, the
 * host token file, and the kernel identity the server keys runs by.
 */

/* What to do with an answer. */
enum upload_action {
	UPLOAD_DONE,    /* 2xx: the server took it */
	UPLOAD_RETRY,   /* 408, 429, 5xx (and transport failures): later, with backoff */
	UPLOAD_REJECT,  /* other 4xx: this request (document) is wrong; never resend it */
	UPLOAD_STOP,    /* 401, 403, 404, 405, 1xx, 3xx: our token or server URL is wrong */
};

/* The action for an HTTP status, from one table. */
enum upload_action upload_classify(long status);

/*
 * Exponential backoff: 1 s doubling to at most 60 s.  upload_backoff_next()
 * returns the next wait in ms, jittered to between half and all of the
 * current step (so that a lab of machines booted together spreads out),
 * and doubles the step.  rnd is any random number.
 */
struct upload_backoff {
	unsigned step_ms;
};
#define UPLOAD_BACKOFF_FIRST_MS 1000u
#define UPLOAD_BACKOFF_MAX_MS 60000u
void upload_backoff_reset(struct upload_backoff *b);
unsigned upload_backoff_next(struct upload_backoff *b, unsigned rnd);

/*
 * The kernel's identity as the server keys it (kernel.ident in the API):
 * the commit when known, else "release:<release>".  commit is the
 * --kernel-commit value, or NULL to take the -g<hex> suffix of release.
 */
void upload_kernel_ident(const char *commit, const char *release, struct strbuf *out);

/*
 * The host token file, written by `forkwatch register`, mode 0600:
 *
 *     name=<the host's name on the server>
 *     token=<the host token>
 *
 * A file of one line without "name=" or "token=" is taken as a bare token
 * (name unknown).  Parse: returns 0 with the token (whitespace-trimmed)
 * and the name (verbatim; empty when absent) appended, or -EINVAL when
 * there is no token.  Format: appends the file's text.
 */
int upload_token_parse(const char *text, struct strbuf *name, struct strbuf *token);
void upload_token_format(struct strbuf *out, const char *name, const char *token);

/*
 * A conversation with the server that retries: transport failures and
 * UPLOAD_RETRY answers are retried with backoff until retry_for_s seconds
 * have passed since the first failure after the last success (0: forever).
 * Each failure is reported through log() as one line, with the wait that
 * follows.  stop (set by a signal handler) ends a wait or a transfer.
 */
struct upload_ctx {
	struct http_client *http;
	const char *server;          /* for messages */
	unsigned retry_for_s;        /* 0: no limit */
	volatile sig_atomic_t *stop; /* may be NULL */
	void (*log)(void *log_ctx, const char *line);
	void *log_ctx;
	/* state */
	struct upload_backoff backoff;
	uint64_t fail_since_ms;      /* 0: the last request succeeded */
	unsigned rnd;
};

void upload_ctx_init(struct upload_ctx *u, struct http_client *http, const char *server,
		     unsigned retry_for_s, volatile sig_atomic_t *stop);

/*
 * Send a request until it gets an answer that is not UPLOAD_RETRY.
 * what names it in log lines ("upload of X").  Returns 0 with *status
 * and the answer in resp; -ETIMEDOUT when retry_for_s ran out (err holds
 * the last failure); -EINTR when stopped; another negative errno for a
 * failure that retrying cannot mend (err says which).
 */
int upload_request(struct upload_ctx *u, const char *what, const char *method, const char *path,
		   const char *body, size_t len, long *status, struct strbuf *resp,
		   struct strbuf *err);

/*
 * The server's error message from an error answer's body
 * ({"error": {"status", "message", "field"}}), as "message (field 'f')",
 * or the start of the body when it is not that shape.
 */
void upload_error_message(const char *body, size_t len, struct strbuf *out);

/* What a flush did. */
struct upload_flush_stats {
	unsigned delivered, rejected, remaining;
};

/*
 * Deliver every spooled entry, oldest first, with POST /api/v1/runs:
 * each removed after a 2xx, moved to rejected/ after an UPLOAD_REJECT,
 * retried per upload_request().  Entries that appear during the flush
 * (another process) are delivered too.  Returns 0 when the spool was
 * emptied (rejections included), -ETIMEDOUT, -EINTR, -EACCES for an
 * UPLOAD_STOP answer (nothing more sent), or another negative errno for
 * a spool failure; err says why, st counts what happened.  Deliveries
 * and rejections are reported through u->log too.
 */
int upload_flush(struct upload_ctx *u, struct spool *sp, struct upload_flush_stats *st,
		 struct strbuf *err);

#endif
