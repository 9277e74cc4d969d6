// SPDX-License-Identifier: GPL-2.0
/* forkwatchd: options and configuration, then the server until SIGTERM. */
#include <curl/curl.h>
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/api.h"
#include "daemon/auth.h"
#include "daemon/config.h"
#include "daemon/app.h"
#include "daemon/deliver.h"
#include "daemon/migrate.h"
#include "daemon/retention.h"
#include "lib/log.h"
#include "lib/opt.h"
#include "lib/parse.h"
#include "daemon/server.h"
#include "daemon/store.h"
#include "daemon/ui.h"

static const char about[] =
	"The forkwatch server: lab machines register and upload benchmark results;\n"
	"it stores them per kernel in SQLite or PostgreSQL and serves them over HTTP\n"
	"(JSON API in docs/http-api.md).  Several forkwatchd may serve one PostgreSQL\n"
	"database.  Every option may also be set in the --config file as\n"
	"'key = value'; the command line wins.  SIGTERM or SIGINT stop it cleanly:\n"
	"requests in flight finish first.  'forkwatchd migrate --help': moving a\n"
	"database, say from SQLite to PostgreSQL.";

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("forkwatchd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* every exit after start-up began goes through out: (LeakSanitizer stays quiet) */
#define FAIL(...)                          \
	do {                               \
		ret = fail(__VA_ARGS__);   \
		goto out;                  \
	} while (0)

int main(int argc, char **argv)
{
	const char *listen = NULL, *db = NULL, *admin_file = NULL, *config = NULL, *maxconn = NULL;
	const char *max_body = NULL, *tls_cert = NULL, *tls_key = NULL, *timeout = NULL;
	const char *per_ip = NULL, *level = NULL, *webhooks = NULL, *sendmail = NULL, *mail_to = NULL;
	const char *public_url = NULL, *retry = NULL, *alpha = NULL, *budget0 = NULL, *budget = NULL;
	const char *page_cache = NULL, *keep_samples = NULL;
	const struct opt opts[] = {
		{ "listen", "ADDR:PORT", "where to listen (default 127.0.0.1:8080)", &listen },
		{ "db", "DB", "an SQLite file, created if missing (PATH or sqlite:PATH; default forkwatch.db), or a PostgreSQL database (postgresql://user@host/db)", &db },
		{ "admin-token-file", "FILE", "the admin token (default: admin.token beside an SQLite database, generated 0600 at first start; needed with PostgreSQL: the same file for every forkwatchd on it)", &admin_file },
		{ "config", "FILE", "read options from FILE", &config },
		{ "max-connections", "N", "connections served at once, a thread each (default 1000)", &maxconn },
		{ "max-body", "SIZE", "largest request body (default 16M)", &max_body },
		{ "tls-cert", "FILE", "serve HTTPS with this PEM certificate (needs --tls-key)", &tls_cert },
		{ "tls-key", "FILE", "the certificate's PEM private key", &tls_key },
		{ "conn-timeout", "SECONDS", "close a connection idle, or slower to send a request, this long (default 30)", &timeout },
		{ "conn-per-ip", "N", "connections one client address may hold (default 64)", &per_ip },
		{ "log-level", "LEVEL", "error, warn, info (default) or debug", &level },
		{ "webhook", "URLS", "POST alerts as JSON to these URLs (comma-separated)", &webhooks },
		{ "sendmail", "COMMAND", "mail alerts through this sendmail-compatible command, e.g. '/usr/sbin/sendmail -t -i'", &sendmail },
		{ "mail-to", "ADDRS", "where mailed alerts go (comma-separated; with --sendmail)", &mail_to },
		{ "public-url", "URL", "this server's URL as readers reach it, for links (default http://LISTEN)", &public_url },
		{ "alpha", "P", "significance of a verdict (Welch's p below it; default 0.01)", &alpha },
		{ "budget-order0", "PERCENT", "slowdown order-0 may show before it is a regression (default 1)", &budget0 },
		{ "budget", "PERCENT", "change of the other layouts worth a verdict (default 2)", &budget },
		{ "delivery-retry", "SECONDS", "first retry of a failed delivery (doubling, at most an hour; default 30)", &retry },
		{ "page-cache", "SIZE", "memory for rendered pages, kept until the data changes (default 64M; 0: render every request)", &page_cache },
		{ "keep-samples", "DAYS", "drop the per-iteration samples of runs older than DAYS days, keeping every summary and the samples of pinned baselines and of kernels with alerts (default: keep them all)", &keep_samples },
		{ NULL, NULL, NULL, NULL },
	};
	struct strbuf err = STRBUF_INIT, tokpath = STRBUF_INIT, dbname = STRBUF_INIT;
	struct config_file cf = { STRBUF_INIT };
	struct server_config sc;
	struct server *srv = NULL;
	struct deliver *dlv = NULL;
	struct retention *ret_job = NULL;
	struct app app;
	struct deliver_config dc;
	struct strbuf purl = STRBUF_INIT;
	struct ui_config uc;
	struct store *st = NULL;
	char token[AUTH_TOKEN_MAX], *dbdir_buf = NULL;
	uint64_t v, days = 0;
	sigset_t set;
	struct stat tokst;
	bool created;
	int ret, sig, lvl;

	memset(&app, 0, sizeof(app));
	if (argc > 1 && !strcmp(argv[1], "migrate"))
		return migrate_command(argc - 1, argv + 1);
	ret = opt_parse(opts, argc, argv, &err);
	if (ret == 1) {
		opt_usage(stdout, "forkwatchd [--listen 127.0.0.1:8080] [--db DB] [--admin-token-file F] [--config F]\n"
			  "       forkwatchd migrate --from PATH.db --to postgresql://user@host/db",
			  about, opts);
		return 0;
	}
	if (ret)
		FAIL("%s: see 'forkwatchd --help'", err.buf);
	ret = 0;
	if (config && config_load(&cf, config, opts, &err))
		FAIL("%s", err.buf);

	memset(&sc, 0, sizeof(sc));
	sc.listen = listen ? listen : "127.0.0.1:8080";
	sc.db_path = db ? db : "forkwatch.db";
	sc.max_connections = 1000;
	sc.max_body = 16 << 20;
	sc.conn_timeout_s = 30;
	sc.conn_per_ip = 64;
	sc.tls_cert = tls_cert;
	sc.tls_key = tls_key;
	/* check what can be checked before anything is created on disk */
	if (server_check_listen(sc.listen))
		FAIL("--listen '%s': expected ADDRESS:PORT such as 127.0.0.1:8080 or [::1]:8080",
		     sc.listen);
	lvl = level ? log_level_parse(level) : LOG_INFO;
	if (lvl < 0)
		FAIL("--log-level '%s': expected error, warn, info or debug", level);
	log_init("forkwatchd", (enum log_level)lvl);
	if (maxconn) {
		if (parse_uint(maxconn, 1, 100000, &v))
			FAIL("--max-connections '%s': expected 1 to 100000", maxconn);
		sc.max_connections = (unsigned)v;
	}
	if (max_body) {
		if (parse_size(max_body, &v) || v < 1024 || v > (1ULL << 32))
			FAIL("--max-body '%s': expected a size from 1k to 4G such as 16M", max_body);
		sc.max_body = (size_t)v;
	}
	if (timeout) {
		if (parse_uint(timeout, 1, 3600, &v))
			FAIL("--conn-timeout '%s': expected 1 to 3600 seconds", timeout);
		sc.conn_timeout_s = (unsigned)v;
	}
	if (per_ip) {
		if (parse_uint(per_ip, 1, 100000, &v))
			FAIL("--conn-per-ip '%s': expected 1 to 100000", per_ip);
		sc.conn_per_ip = (unsigned)v;
	}
	compare_config_defaults(&app.cmp);
	if (alpha && (parse_real(alpha, &app.cmp.alpha) || !(app.cmp.alpha > 0 && app.cmp.alpha < 1)))
		FAIL("--alpha '%s': expected a probability such as 0.01", alpha);
	if (budget0 && (parse_real(budget0, &app.cmp.budget_order0) || app.cmp.budget_order0 < 0 ||
			app.cmp.budget_order0 > 100))
		FAIL("--budget-order0 '%s': expected a percentage such as 1", budget0);
	if (budget && (parse_real(budget, &app.cmp.budget_other) || app.cmp.budget_other < 0 ||
		       app.cmp.budget_other > 100))
		FAIL("--budget '%s': expected a percentage such as 2", budget);
	v = 64 << 20;
	if (page_cache && (parse_size(page_cache, &v) || v > (1ULL << 40)))
		FAIL("--page-cache '%s': expected a size such as 64M, or 0", page_cache);
	if (keep_samples && parse_uint(keep_samples, 1, RETENTION_DAYS_MAX, &days))
		FAIL("--keep-samples '%s': expected 1 to %u days", keep_samples, RETENTION_DAYS_MAX);
	if (auth_init())
		FAIL("libsodium cannot initialise");
	uc.page_cache_bytes = (size_t)v;
	app.ui = &web_ui;
	if (app.ui->start(&app.ui_state, &uc))
		FAIL("out of memory");

	/* a server's database has no folder beside it: the daemons on it share one token */
	if (!store_db_describe(sc.db_path, &dbname) && !admin_file)
		FAIL("--db '%s' is a PostgreSQL database: give --admin-token-file (the same file to "
		     "every forkwatchd on it)", dbname.buf);
	/* open once here: migrations run before any request, errors are seen at start */
	if (store_open(&st, sc.db_path, &err))
		FAIL("%s", err.buf);
	log_info("database %s, schema version %d", dbname.buf, store_schema_version(st));
	store_close(st);

	dbdir_buf = strdup(dbname.buf);
	if (!dbdir_buf)
		FAIL("out of memory");
	ret = auth_admin_token_load(admin_file, dirname(dbdir_buf), token, &created, &tokpath, &err);
	if (ret)
		FAIL("%s", err.buf);
	if (created)
		log_info("generated the admin token in %s (mode 0600)", tokpath.buf);
	else
		log_info("admin token from %s", tokpath.buf);
	if (!stat(tokpath.buf, &tokst) && (tokst.st_mode & 077))
		log_warn("admin token file '%s' is open to others (mode %04o): chmod 600 '%s'", tokpath.buf,
			 (unsigned)(tokst.st_mode & 07777), tokpath.buf);
	auth_token_hash(token, sc.admin_hash);
	memset(token, 0, sizeof(token));

	/* the server threads inherit this mask: only sigwait below sees SIGTERM/SIGINT */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&dc, 0, sizeof(dc));
	dc.webhooks = webhooks;
	dc.sendmail = sendmail;
	dc.mail_to = mail_to;
	dc.db_path = sc.db_path;
	if (public_url)
		strbuf_addstr(&purl, public_url);
	else
		strbuf_addf(&purl, "%s://%s", sc.tls_cert ? "https" : "http", sc.listen);
	strbuf_rtrim(&purl);
	while (purl.len && purl.buf[purl.len - 1] == '/')
		purl.buf[--purl.len] = '\0';
	dc.public_url = purl.buf;
	app.public_url = purl.buf;
	if (retry) {
		if (parse_uint(retry, 1, 3600, &v))
			FAIL("--delivery-retry '%s': expected 1 to 3600 seconds", retry);
		dc.retry_base_s = (unsigned)v;
	}
	dc.cmp = app.cmp;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (deliver_start(&dlv, &dc, &err))
		FAIL("%s", err.buf);
	app.deliver = dlv;
	if (days && retention_start(&ret_job, sc.db_path, (unsigned)days, &err))
		FAIL("%s", err.buf);
	sc.app = &app;
	if (server_start(&srv, &sc, api_routes, app.ui->routes, &err))
		FAIL("%s", err.buf);
	deliver_attach(dlv, srv);
	retention_attach(ret_job, srv);
	if (ret_job)
		log_info("keeping per-iteration samples %u days (summaries for good)", (unsigned)days);
	if (dlv)
		log_info("delivering alerts%s%s%s%s", webhooks ? " to webhooks " : "",
			 webhooks ? webhooks : "", sendmail ? " by mail to " : "", sendmail ? mail_to : "");
	log_info("listening on %s%s (port %u), up to %u connections, bodies up to %zu bytes",
		 sc.tls_cert ? "https://" : "http://", sc.listen, server_port(srv), sc.max_connections,
		 sc.max_body);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: nothing to reload; send SIGTERM to stop");
			continue;
		}
		break;
	}
	log_info("%s: finishing requests in flight", strsignal(sig));
	/* the delivery and retention threads take the server's write lock: they go first */
	deliver_stop(dlv);
	dlv = NULL;
	retention_stop(ret_job);
	ret_job = NULL;
	server_stop(srv);
	srv = NULL;
	log_info("stopped");
out:
	deliver_stop(dlv);
	retention_stop(ret_job);
	server_stop(srv);
	if (app.ui)
		app.ui->stop(app.ui_state);
	strbuf_release(&purl);
	free(dbdir_buf);
	config_release(&cf);
	strbuf_release(&err);
	strbuf_release(&tokpath);
	strbuf_release(&dbname);
	return ret;
}
