/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H

#include "lib/opt.h"
#include "lib/strbuf.h"

/*
 * forkwatchd's configuration file: "key = value" lines, '#' comments,
 * keys named like the long options (dashes or underscores).  Values go
 * through the same option table as the command line; a value the command
 * line set already wins.  Returns 0, or -errno/-EINVAL with err naming the
 * file and line.  Values point into storage that lives until
 * config_release().
 */
struct config_file {
	struct strbuf text;
};

int config_load(struct config_file *cf, const char *path, const struct opt *opts,
		struct strbuf *err);
/*
 * config_load() of text already in memory: len bytes (a NUL byte ends the
 * text), named path in messages.  cf keeps a copy of the text, into
 * which the values point; config_release() frees it, also after an error.
 */
int config_parse(struct config_file *cf, const char *text, size_t len, const char *path,
		 const struct opt *opts, struct strbuf *err);
void config_release(struct config_file *cf);

#endif
