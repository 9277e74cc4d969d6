// SPDX-License-Identifier: GPL-2.0
#include "daemon/config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

int config_load(struct config_file *cf, const char *path, const struct opt *opts,
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
	ret = config_parse(cf, sb.buf, sb.len, path, opts, err);
	strbuf_release(&sb);
	return ret;
}

int config_parse(struct config_file *cf, const char *text, size_t len, const char *path,
		 const struct opt *opts, struct strbuf *err)
{
	char *line, *next;
	int lineno = 0;

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
			return -EINVAL;
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
			return -EINVAL;
		}
		if (!o->metavar) {
			if (strcmp(val, "true") && strcmp(val, "false") && strcmp(val, "1") && strcmp(val, "0")) {
				strbuf_addf(err, "%s:%d: '%s' takes true or false", path, lineno, key);
				return -EINVAL;
			}
			if (!*o->value && (!strcmp(val, "true") || !strcmp(val, "1")))
				*o->value = "1";
			continue;
		}
		if (!*val) {
			strbuf_addf(err, "%s:%d: '%s' needs a value", path, lineno, key);
			return -EINVAL;
		}
		if (!*o->value)
			*o->value = val; /* the command line wins */
	}
	return 0;
}

void config_release(struct config_file *cf)
{
	strbuf_release(&cf->text);
}
