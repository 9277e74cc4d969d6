// SPDX-License-Identifier: GPL-2.0
#include "daemon/config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/retention.h"
#include "daemon/server.h"

static bool listen_ok(const char *s)
{
	return !server_check_listen(s);
}

#define FW_STR_(x) #x
#define FW_STR(x) FW_STR_(x)

static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };

void config_options(struct daemon_settings *s, struct opt *opts)
{
	const struct opt o[] = {
		{ OPT_STRING("listen", "ADDR:PORT", &s->listen, "where to listen"), .def = "127.0.0.1:8080",
		  .valid = listen_ok, .expect = "expected ADDRESS:PORT such as 127.0.0.1:8080 or [::1]:8080" },
		{ OPT_STRING("db", "DB", &s->db,
			     "an SQLite file, created if missing (PATH or sqlite:PATH), or a PostgreSQL database "
			     "(postgresql://user@host/db)"), .def = "forkwatch.db" },
		{ OPT_STRING("admin-token-file", "FILE", &s->admin_token_file,
			     "the admin token (default: admin.token beside an SQLite database, generated 0600 at "
			     "first start; needed with PostgreSQL: the same file for every forkwatchd on it)") },
		{ OPT_STRING("config", "FILE", &s->config, "read options from FILE") },
		{ OPT_UINT("max-connections", "N", &s->max_connections, 1, 100000, "1000",
			   "connections served at once, a thread each"), .expect = "expected 1 to 100000" },
		{ OPT_SIZE("max-body", "SIZE", &s->max_body, 1024, 1ULL << 32, "16M", "largest request body"),
		  .expect = "expected a size from 1k to 4G such as 16M" },
		{ OPT_STRING("tls-cert", "FILE", &s->tls_cert, "serve HTTPS with this PEM certificate (needs --tls-key)") },
		{ OPT_STRING("tls-key", "FILE", &s->tls_key, "the certificate's PEM private key") },
		{ OPT_UINT("conn-timeout", "SECONDS", &s->conn_timeout_s, 1, 3600, "30",
			   "close a connection idle, or slower to send a request, this long"),
		  .expect = "expected 1 to 3600 seconds" },
		{ OPT_UINT("conn-per-ip", "N", &s->conn_per_ip, 1, 100000, "64",
			   "connections one client address may hold"), .expect = "expected 1 to 100000" },
		{ OPT_CHOICE("log-level", "LEVEL", &s->log_level, log_levels, "info", "error, warn, info or debug") },
		{ OPT_STRING("webhook", "URLS", &s->webhooks, "POST alerts as JSON to these URLs (comma-separated)") },
		{ OPT_STRING("sendmail", "COMMAND", &s->sendmail,
			     "mail alerts through this sendmail-compatible command, e.g. '/usr/sbin/sendmail -t -i'") },
		{ OPT_STRING("mail-to", "ADDRS", &s->mail_to, "where mailed alerts go (comma-separated; with --sendmail)") },
		{ OPT_STRING("public-url", "URL", &s->public_url,
			     "this server's URL as readers reach it, for links (default http://LISTEN)") },
		{ OPT_REAL("alpha", "P", &s->alpha, 0, 1, "0.01", "significance of a verdict: Welch's p below it"),
		  .flags = OPT_OPEN, .expect = "expected a probability such as 0.01" },
		{ OPT_REAL("budget-order0", "PERCENT", &s->budget_order0, 0, 100, "1",
			   "slowdown order-0 may show before it is a regression"),
		  .expect = "expected a percentage such as 1" },
		{ OPT_REAL("budget", "PERCENT", &s->budget, 0, 100, "2", "change of the other layouts worth a verdict"),
		  .expect = "expected a percentage such as 2" },
		{ OPT_UINT("delivery-retry", "SECONDS", &s->delivery_retry_s, 1, 3600, "30",
			   "first retry of a failed delivery, doubling up to an hour"),
		  .expect = "expected 1 to 3600 seconds" },
		{ OPT_UINT("delivery-timeout", "SECONDS", &s->delivery_timeout_s, 1, 600, "10",
			   "give up a webhook request after this long"),
		  .expect = "expected 1 to 600 seconds" },
		{ OPT_SIZE("body-memory", "SIZE", &s->body_memory, 0, 1ULL << 40, "256M",
			   "request bodies held at once, all connections together; past it 503; 0: no bound"),
		  .expect = "expected a size such as 256M (1k at least), or 0" },
		{ OPT_UINT("upload-rate", "N", &s->upload_rate, 0, 1000000, "60",
			   "uploads a host may start a minute, as many at once; 0: no bound"),
		  .expect = "expected uploads a minute, 0 to 1000000" },
		{ OPT_UINT("kernels-per-hour", "N", &s->kernels_per_hour, 0, 1000000, "100",
			   "new kernels a host may upload an hour; 0: no bound"),
		  .expect = "expected 0 to 1000000" },
		{ OPT_SIZE("page-cache", "SIZE", &s->page_cache, 0, 1ULL << 40, "64M",
			   "memory for rendered pages, kept until the data changes; 0: render every request"),
		  .expect = "expected a size such as 64M, or 0" },
		{ OPT_UINT("keep-samples", "DAYS", &s->keep_samples_days, 1, RETENTION_DAYS_MAX, NULL,
			   "drop the per-iteration samples of runs older than DAYS days, keeping every summary "
			   "and the samples of pinned baselines and of kernels with alerts (default: keep them all)"),
		  .expect = "expected 1 to " FW_STR(RETENTION_DAYS_MAX) " days" },
		{ OPT_END },
	};

	_Static_assert(sizeof(o) / sizeof(o[0]) <= CONFIG_OPTS_MAX, "CONFIG_OPTS_MAX");
	memcpy(opts, o, sizeof(o));
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int config_load(struct config_file *cf, const char *path, const struct opt *opts, uint64_t given,
		struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	strbuf_init(&cf->text, 0);
	ret = strbuf_read_file(&sb, path, 1 << 20);
	if (ret) {
		strbuf_addf(err, "--config '%s': %s", path, strerror(-ret));
		strbuf_release(&sb);
		return ret;
	}
	ret = config_parse(cf, sb.buf, sb.len, path, opts, given, err);
	strbuf_release(&sb);
	return ret;
}

int config_parse(struct config_file *cf, const char *text, size_t len, const char *path,
		 const struct opt *opts, uint64_t given, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	char *line, *next;
	int lineno = 0, ret = 0;

	strbuf_init(&cf->text, len);
	strbuf_add(&cf->text, text, len);
	for (line = cf->text.buf; line && *line; line = next) {
		const struct opt *o;
		char *eq, *key, *val, *p, asis[64];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			strbuf_addf(err, "%s:%d: expected 'key = value'", path, lineno);
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		snprintf(asis, sizeof(asis), "%s", key);
		for (p = key; *p; p++)
			if (*p == '_')
				*p = '-';
		o = opt_find(opts, key, strlen(key));
		if (!o || !strcmp(key, "config")) {
			strbuf_addf(err, "%s:%d: unknown key '%s'", path, lineno, asis);
			ret = -EINVAL;
			break;
		}
		if (!opt_takes_value(o) &&
		    strcmp(val, "true") && strcmp(val, "false") && strcmp(val, "1") && strcmp(val, "0")) {
			strbuf_addf(err, "%s:%d: '%s' takes true or false", path, lineno, key);
			ret = -EINVAL;
			break;
		}
		if (!*val) {
			strbuf_addf(err, "%s:%d: '%s' needs a value", path, lineno, key);
			ret = -EINVAL;
			break;
		}
		if (given & (1ULL << (o - opts)))
			continue; /* the command line wins */
		if (opt_set(o, val, &why)) {
			strbuf_addf(err, "%s:%d: %s '%s': %s", path, lineno, key, val, why.buf);
			ret = -EINVAL;
			break;
		}
	}
	strbuf_release(&why);
	return ret;
}

void config_release(struct config_file *cf)
{
	strbuf_release(&cf->text);
}
