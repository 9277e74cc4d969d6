// SPDX-License-Identifier: GPL-2.0
/*
 * The yardstick of bench/pages.sh: forkwatchd's own HTTP layer
 * (daemon/server.c over libmicrohttpd, the same options and store pool)
 * serving one fixed page of --bytes bytes at /fixed, so that the pages'
 * throughput is read against what the set-up itself can do on this
 * machine in the same run.
 *
 *   fixed-page --listen 127.0.0.1:0 --db DIR/fixed.db [--bytes 20480] [--conn-per-ip N]
 * prints "listening on http://ADDR (port N)" and serves until SIGTERM.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/auth.h"
#include "lib/log.h"
#include "daemon/server.h"

static char *page;
static size_t page_len;

static void fixed(struct req *rq, struct resp *rs)
{
	(void)rq;
	rs->content_type = "text/html; charset=utf-8";
	rs->shared = page;
	rs->shared_len = page_len;
}

static const struct route routes[] = {
	{ "GET", "/fixed", fixed, NULL, ROUTE_BODY_SMALL, 0 },
	{ NULL, NULL, NULL, NULL, 0, 0 },
};

int main(int argc, char **argv)
{
	struct server_config sc;
	struct strbuf err = STRBUF_INIT;
	struct server *srv;
	sigset_t set;
	size_t i;
	int sig;

	memset(&sc, 0, sizeof(sc));
	sc.listen = "127.0.0.1:0";
	sc.db_path = "fixed.db";
	sc.max_connections = 1000;
	sc.max_body = 16 << 20;
	sc.conn_timeout_s = 30;
	sc.conn_per_ip = 64;
	page_len = 20480;
	for (i = 1; i + 1 < (size_t)argc; i += 2) {
		if (!strcmp(argv[i], "--listen"))
			sc.listen = argv[i + 1];
		else if (!strcmp(argv[i], "--db"))
			sc.db_path = argv[i + 1];
		else if (!strcmp(argv[i], "--bytes"))
			page_len = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--conn-per-ip"))
			sc.conn_per_ip = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else {
			fprintf(stderr, "fixed-page: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	page = malloc(page_len);
	if (!page)
		return 1;
	for (i = 0; i < page_len; i++)
		page[i] = "<p>forkwatch fixed page</p>\n"[i % 28];
	log_init("fixed-page", LOG_INFO);
	auth_init();
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (server_start(&srv, &sc, routes, NULL, &err)) {
		fprintf(stderr, "fixed-page: %s\n", err.buf);
		return 1;
	}
	printf("listening on http://%s (port %u)\n", sc.listen, server_port(srv));
	fflush(stdout);
	sigwait(&set, &sig);
	server_stop(srv);
	free(page);
	strbuf_release(&err);
	return 0;
}
