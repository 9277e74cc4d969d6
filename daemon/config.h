/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H

#include <stdint.h>

#include "lib/opt.h"
#include "lib/strbuf.h"

/*
 * forkwatchd's settings: one option table (config_options) for its
 * command line and its configuration file, each line with its type,
 * bounds, default and the field below that receives it.
 */
struct daemon_settings {
	const char *listen, *db, *admin_token_file, *config;
	const char *tls_cert, *tls_key;              /* NULL: plain HTTP */
	const char *webhooks, *sendmail, *mail_to;   /* NULL: none */
	const char *public_url;                      /* NULL: from --listen */
	unsigned max_connections, conn_timeout_s, conn_per_ip, delivery_retry_s;
	unsigned delivery_timeout_s;
	unsigned upload_rate;                        /* a host's uploads a minute; 0: no bound */
	unsigned kernels_per_hour;                   /* a host's new kernels an hour; 0: no bound */                 /* a webhook's whole request */
	unsigned keep_samples_days;                  /* 0: keep every run's samples */
	uint64_t max_body, page_cache, body_memory;
	int log_level;                               /* enum log_level */
	double alpha, budget_order0, budget;
};

#define CONFIG_OPTS_MAX 32

/* forkwatchd's options into opts (room for CONFIG_OPTS_MAX), their values going to s. */
void config_options(struct daemon_settings *s, struct opt *opts);

/*
 * forkwatchd's configuration file: "key = value" lines, '#' comments,
 * keys named like the long options (dashes or underscores).  Values go
 * through the same option table, and the same conversions, as the
 * command line; an option whose bit is set in given (what opt_parse()
 * reported for the command line) keeps its value: the command line wins.
 * Returns 0, or -errno/-EINVAL with err naming the file and line.  String
 * values point into storage that lives until config_release().
 */
struct config_file {
	struct strbuf text;
};

int config_load(struct config_file *cf, const char *path, const struct opt *opts, uint64_t given,
		struct strbuf *err);
/*
 * config_load() of text already in memory: len bytes (a NUL byte ends the
 * text), named path in messages.  cf keeps a copy of the text, into
 * which the values point; config_release() frees it, also after an error.
 */
int config_parse(struct config_file *cf, const char *text, size_t len, const char *path,
		 const struct opt *opts, uint64_t given, struct strbuf *err);
void config_release(struct config_file *cf);

#endif
