// SPDX-License-Identifier: GPL-2.0
#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/strbuf.h"

static const char *log_prog = "forkwatch";
static enum log_level log_max = LOG_INFO;
static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_init(const char *prog, enum log_level level)
{
	log_prog = prog;
	log_max = level;
}

int log_level_parse(const char *s)
{
	int i;

	for (i = 0; i <= LOG_DEBUG; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (level > log_max)
		return;
	strbuf_addf(&sb, "%s: %s: ", log_prog, level_names[level]);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addch(&sb, '\n');
	/* one write per line: lines from several threads do not interleave */
	fwrite(sb.buf, 1, sb.len, stderr);
	strbuf_release(&sb);
}
