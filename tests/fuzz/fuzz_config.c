// SPDX-License-Identifier: GPL-2.0
/*
 * forkwatchd's configuration file: config_parse() (daemon/config.c) with
 * the options of daemon/main.c, then the checks main() runs on the values
 * it got (listen address, sizes, counts, percentages, log level).
 *
 * A value taken points into the configuration's text, is trimmed and one
 * line; a refusal names the file and line.
 */
#include <math.h>

#include "daemon/config.h"
#include "fuzz.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "daemon/server.h"

enum { LISTEN, DB, ADMIN, CONFIG, MAXCONN, MAXBODY, CERT, KEY, TIMEOUT, PERIP, LEVEL, WEBHOOK,
       SENDMAIL, MAILTO, PUBURL, ALPHA, BUDGET0, BUDGET, RETRY, PAGECACHE, FLAG, NOPTS };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v[NOPTS] = { NULL };
	/* as in daemon/main.c, and a flag (which takes true or false) */
	const struct opt opts[] = {
		{ "listen", "ADDR:PORT", "", &v[LISTEN] },
		{ "db", "PATH", "", &v[DB] },
		{ "admin-token-file", "FILE", "", &v[ADMIN] },
		{ "config", "FILE", "", &v[CONFIG] },
		{ "max-connections", "N", "", &v[MAXCONN] },
		{ "max-body", "SIZE", "", &v[MAXBODY] },
		{ "tls-cert", "FILE", "", &v[CERT] },
		{ "tls-key", "FILE", "", &v[KEY] },
		{ "conn-timeout", "SECONDS", "", &v[TIMEOUT] },
		{ "conn-per-ip", "N", "", &v[PERIP] },
		{ "log-level", "LEVEL", "", &v[LEVEL] },
		{ "webhook", "URLS", "", &v[WEBHOOK] },
		{ "sendmail", "COMMAND", "", &v[SENDMAIL] },
		{ "mail-to", "ADDRS", "", &v[MAILTO] },
		{ "public-url", "URL", "", &v[PUBURL] },
		{ "alpha", "P", "", &v[ALPHA] },
		{ "budget-order0", "PERCENT", "", &v[BUDGET0] },
		{ "budget", "PERCENT", "", &v[BUDGET] },
		{ "delivery-retry", "SECONDS", "", &v[RETRY] },
		{ "page-cache", "SIZE", "", &v[PAGECACHE] },
		{ "fuzz-flag", NULL, "", &v[FLAG] },
		{ NULL, NULL, NULL, NULL },
	};
	struct config_file cf;
	struct strbuf err = STRBUF_INIT;
	uint64_t u;
	double d;
	int i, ret;

	ret = config_parse(&cf, (const char *)data, size, "fuzz.conf", opts, &err);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL, "config_parse returned %d", ret);
		FUZZ_CHECK(!strncmp(err.buf, "fuzz.conf:", 10), "error without file and line: '%s'", err.buf);
		goto out;
	}
	FUZZ_CHECK(!v[CONFIG], "a config file named another");
	for (i = 0; i < NOPTS; i++) {
		const char *s = v[i];
		size_t n;

		if (!s)
			continue;
		n = strlen(s);
		if (i == FLAG) {
			FUZZ_CHECK(!strcmp(s, "1"), "flag set to '%s'", s);
			continue;
		}
		FUZZ_CHECK(s >= cf.text.buf && s + n <= cf.text.buf + cf.text.len,
			   "value of %s outside the text", opts[i].name);
		FUZZ_CHECK(n && !strchr(s, '\n') && !strchr(" \t", s[0]) && !strchr(" \t\r", s[n - 1]),
			   "value of %s untrimmed: '%s'", opts[i].name, s);
	}
	/* what main() does with them next */
	if (v[LISTEN])
		server_check_listen(v[LISTEN]);
	if (v[LEVEL])
		log_level_parse(v[LEVEL]);
	for (i = MAXBODY; i < NOPTS; i++) {
		uint64_t back;
		char b[32];

		if ((i != MAXBODY && i != PAGECACHE) || !v[i] || parse_size(v[i], &u))
			continue;
		parse_format_size(u, b, sizeof(b));
		FUZZ_CHECK(!parse_size(b, &back) && back == u, "'%s' does not read back", b);
	}
	for (i = MAXCONN; i < NOPTS; i++)
		if (v[i] && (i == MAXCONN || i == TIMEOUT || i == PERIP || i == RETRY))
			parse_uint(v[i], 1, 100000, &u);
	for (i = ALPHA; i <= BUDGET; i++)
		if (v[i] && !parse_real(v[i], &d))
			FUZZ_CHECK(isfinite(d), "%s '%s' is %g", opts[i].name, v[i], d);
out:
	config_release(&cf);
	strbuf_release(&err);
	return 0;
}
