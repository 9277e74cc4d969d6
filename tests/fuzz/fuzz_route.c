// SPDX-License-Identifier: GPL-2.0
/*
 * Request paths against the daemon's route tables: server_route_match()
 * (daemon/server.c) with every pattern of api_routes (daemon/api.c) and
 * web_ui.routes (web/routes.c), as dispatch() does, and the Authorization
 * header's bearer token (auth_bearer(), daemon/auth.c) from the same bytes.
 *
 * A match must account for the whole path: the pattern with its {}
 * segments replaced by the path's own segments gives the path back, and
 * each captured argument is its segment percent-decoded (non-empty, no
 * NUL byte; a "%2F" is a '/' inside it).
 */
#include "daemon/api.h"
#include "daemon/auth.h"
#include "fuzz.h"
#include "daemon/server.h"
#include "daemon/ui.h"

static int hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void check_match(const char *pattern, const char *path, const struct strbuf *bufs, int nargs)
{
	struct strbuf sb = STRBUF_INIT, dec = STRBUF_INIT;
	const char *p, *q = path;
	size_t len, j;
	int i = 0;

	for (p = pattern; *p; p++) {
		if (p[0] == '{' && p[1] == '}') {
			FUZZ_CHECK(i < nargs, "'%s' matched '%s' with %d arguments", pattern, path, nargs);
			len = strcspn(q, "/");
			strbuf_reset(&dec);
			for (j = 0; j < len; j++) {
				if (q[j] == '%' && j + 2 < len && hex(q[j + 1]) >= 0 && hex(q[j + 2]) >= 0) {
					strbuf_addch(&dec, (char)(hex(q[j + 1]) << 4 | hex(q[j + 2])));
					j += 2;
				} else {
					strbuf_addch(&dec, q[j]);
				}
			}
			FUZZ_CHECK(bufs[i].len && strlen(bufs[i].buf) == bufs[i].len && dec.len == bufs[i].len &&
				   !memcmp(dec.buf, bufs[i].buf, dec.len),
				   "argument %d '%s' of '%s' is not its segment decoded", i, bufs[i].buf, pattern);
			strbuf_add(&sb, q, len);
			q += len;
			i++;
			p++;
			continue;
		}
		strbuf_addch(&sb, *p);
		if (*q)
			q++;
	}
	FUZZ_CHECK(i == nargs, "'%s' matched '%s' with %d arguments, not %d", pattern, path, nargs, i);
	FUZZ_CHECK(!strcmp(sb.buf, path), "'%s' matched '%s' as '%s'", pattern, path, sb.buf);
	strbuf_release(&sb);
	strbuf_release(&dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf bufs[REQ_MAX_ARGS];
	char *path = fuzz_cstr(data, size);
	const char *tok;
	int i, t, nargs, m;

	for (i = 0; i < REQ_MAX_ARGS; i++)
		strbuf_init(&bufs[i], 0);
	for (t = 0; t < 2; t++) {
		const struct route *r = t ? web_ui.routes : api_routes;

		for (i = 0; r[i].method; i++) {
			nargs = -1;
			m = server_route_match(r[i].pattern, path, bufs, &nargs);
			FUZZ_CHECK(nargs >= 0 && nargs <= REQ_MAX_ARGS, "%d arguments", nargs);
			if (m)
				check_match(r[i].pattern, path, bufs, nargs);
		}
	}
	tok = auth_bearer(path);
	if (tok)
		FUZZ_CHECK(tok > path && tok < path + strlen(path) && *tok, "bearer token outside the header");
	for (i = 0; i < REQ_MAX_ARGS; i++)
		strbuf_release(&bufs[i]);
	free(path);
	return 0;
}
