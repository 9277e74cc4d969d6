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
#include "daemon/rate.h"
#include "daemon/retention.h"
#include "daemon/seen.h"
#include "daemon/trendcache.h"
#include "lib/log.h"
#include "lib/opt.h"
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

/*
 * The admin token (generated 0600 beside the database at first start, or
 * --admin-token-file), kept only as its hash in hash.  0 or -errno with
 * err set.
 */
static int admin_token(const struct daemon_settings *ds, const char *dbname, uint8_t hash[AUTH_HASH_LEN],
		       struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	char token[AUTH_TOKEN_MAX], *dbdir = strdup(dbname);
	struct stat st;
	bool created;
	int ret;

	if (!dbdir) {
		strbuf_addstr(err, "out of memory");
		return -ENOMEM;
	}
	ret = auth_admin_token_load(ds->admin_token_file, dirname(dbdir), token, &created, &path, err);
	if (!ret) {
		if (created)
			log_info("generated the admin token in %s (mode 0600)", path.buf);
		else
			log_info("admin token from %s", path.buf);
		if (!stat(path.buf, &st) && (st.st_mode & 077))
			log_warn("admin token file '%s' is open to others (mode %04o): chmod 600 '%s'", path.buf,
				 (unsigned)(st.st_mode & 07777), path.buf);
		auth_token_hash(token, hash);
	}
	explicit_bzero(token, sizeof(token));
	free(dbdir);
	strbuf_release(&path);
	return ret;
}

/* This server's URL as readers reach it, without a trailing '/': --public-url or from --listen. */
static void public_url(const struct daemon_settings *ds, struct strbuf *url)
{
	if (ds->public_url)
		strbuf_addstr(url, ds->public_url);
	else
		strbuf_addf(url, "%s://%s", ds->tls_cert ? "https" : "http", ds->listen);
	strbuf_rtrim(url);
	while (url->len && url->buf[url->len - 1] == '/')
		url->buf[--url->len] = '\0';
}

int main(int argc, char **argv)
{
	struct daemon_settings ds;
	struct opt opts[CONFIG_OPTS_MAX];
	struct strbuf err = STRBUF_INIT, dbname = STRBUF_INIT;
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
	uint64_t given;
	sigset_t set;
	int ret, sig;

	memset(&app, 0, sizeof(app));
	if (argc > 1 && !strcmp(argv[1], "migrate"))
		return migrate_command(argc - 1, argv + 1);
	memset(&ds, 0, sizeof(ds));
	config_options(&ds, opts);
	/* every value is checked here, before anything is created on disk */
	ret = opt_parse(opts, argc, argv, 0, &given, &err);
	if (ret == 1) {
		opt_usage(stdout, "forkwatchd [--listen 127.0.0.1:8080] [--db DB] [--admin-token-file F] [--config F]\n"
			  "       forkwatchd migrate --from PATH.db --to postgresql://user@host/db",
			  about, opts);
		return 0;
	}
	if (ret == -EINVAL)
		FAIL("%s: see 'forkwatchd --help'", err.buf);
	if (ret)
		FAIL("%s", err.buf);
	if (ds.config && config_load(&cf, ds.config, opts, given, &err))
		FAIL("%s", err.buf);
	log_init("forkwatchd", (enum log_level)ds.log_level);

	memset(&sc, 0, sizeof(sc));
	sc.listen = ds.listen;
	sc.db_path = ds.db;
	sc.max_connections = ds.max_connections;
	sc.max_body = (size_t)ds.max_body;
	sc.conn_timeout_s = ds.conn_timeout_s;
	sc.conn_per_ip = ds.conn_per_ip;
	sc.tls_cert = ds.tls_cert;
	sc.tls_key = ds.tls_key;
	if (ds.body_memory && ds.body_memory < 1024)
		FAIL("--body-memory '%llu': expected a size such as 256M (1k at least), or 0",
		     (unsigned long long)ds.body_memory);
	sc.body_memory = (size_t)ds.body_memory;
	if (ds.upload_rate && !(app.upload_rate = rate_new(ds.upload_rate, ds.upload_rate)))
		FAIL("out of memory");
	app.kernels_per_hour = ds.kernels_per_hour;
	compare_config_defaults(&app.cmp);
	app.cmp.alpha = ds.alpha;
	app.cmp.budget_order0 = ds.budget_order0;
	app.cmp.budget_other = ds.budget;
	if (auth_init())
		FAIL("libsodium cannot initialise");
	uc.page_cache_bytes = (size_t)ds.page_cache;
	app.ui = &web_ui;
	if (!(app.evaluated = seen_new()) || app.ui->start(&app.ui_state, &uc))
		FAIL("out of memory");
	sc.html_error = app.ui->error;

	/* a server's database has no folder beside it: the daemons on it share one token */
	if (!store_db_describe(sc.db_path, &dbname) && !ds.admin_token_file)
		FAIL("--db '%s' is a PostgreSQL database: give --admin-token-file (the same file to "
		     "every forkwatchd on it)", dbname.buf);
	/* open once here: migrations run before any request, errors are seen at start */
	if (store_open(&st, sc.db_path, &err))
		FAIL("%s", err.buf);
	log_info("database %s, schema version %d", dbname.buf, store_schema_version(st));
	{
		/* what the wants records were judged against: other settings clear them */
		char cfg[256];
		int64_t cleared = 0;

		snprintf(cfg, sizeof(cfg), "alpha=%.17g budget_order0=%.17g budget=%.17g confidence=%.17g",
			 app.cmp.alpha, app.cmp.budget_order0, app.cmp.budget_other, app.cmp.confidence);
		if (store_wants_config(st, cfg, &cleared))
			FAIL("database %s: the comparison settings: %s", dbname.buf, store_errmsg(st));
		if (cleared)
			log_warn("the comparison settings changed (%s): %lld hosts' kernels' records of "
				 "what they want cleared, made again at their next upload", cfg, (long long)cleared);
	}
	store_close(st);

	if (admin_token(&ds, dbname.buf, sc.admin_hash, &err))
		FAIL("%s", err.buf);

	/* the server threads inherit this mask: only sigwait below sees SIGTERM/SIGINT */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&dc, 0, sizeof(dc));
	dc.webhooks = ds.webhooks;
	dc.sendmail = ds.sendmail;
	dc.mail_to = ds.mail_to;
	dc.db_path = sc.db_path;
	dc.retry_base_s = ds.delivery_retry_s;
	dc.timeout_s = ds.delivery_timeout_s;
	public_url(&ds, &purl);
	dc.public_url = purl.buf;
	app.public_url = purl.buf;
	dc.cmp = app.cmp;
	if (trend_cache_new(&app.trends, sc.db_path, 64 << 20))
		FAIL("cannot start the trends' thread");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (deliver_start(&dlv, &dc, &err))
		FAIL("%s", err.buf);
	app.deliver = dlv;
	if (ds.keep_samples_days && retention_start(&ret_job, sc.db_path, ds.keep_samples_days, &err))
		FAIL("%s", err.buf);
	sc.app = &app;
	if (server_start(&srv, &sc, api_routes, app.ui->routes, &err))
		FAIL("%s", err.buf);
	deliver_attach(dlv, srv);
	retention_attach(ret_job, srv);
	if (ret_job)
		log_info("keeping per-iteration samples %u days (summaries for good)", ds.keep_samples_days);
	if (dlv)
		log_info("delivering alerts%s%s%s%s", ds.webhooks ? " to webhooks " : "",
			 ds.webhooks ? ds.webhooks : "", ds.sendmail ? " by mail to " : "",
			 ds.sendmail ? ds.mail_to : "");
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
	trend_cache_free(app.trends); /* after the server: no request holds a trend */
	if (app.ui)
		app.ui->stop(app.ui_state);
	rate_free(app.upload_rate);
	seen_free(app.evaluated);
	strbuf_release(&purl);
	config_release(&cf);
	strbuf_release(&err);
	strbuf_release(&dbname);
	return ret;
}
