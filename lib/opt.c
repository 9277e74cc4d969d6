// SPDX-License-Identifier: GPL-2.0
#include "lib/opt.h"

#include <errno.h>
#include <string.h>

int opt_parse(const struct opt *opts, int argc, char **argv, struct strbuf *err)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		const struct opt *o;
		size_t len;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return 1;
		if (strncmp(a, "--", 2) || !a[2]) {
			strbuf_addf(err, "unexpected argument '%s'", a);
			return -EINVAL;
		}
		a += 2;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		o = opt_find(opts, a, len);
		if (!o) {
			strbuf_addf(err, "unknown option '--%.*s'", (int)len, a);
			return -EINVAL;
		}
		if (!o->metavar) {
			if (eq) {
				strbuf_addf(err, "option '--%s' takes no value", o->name);
				return -EINVAL;
			}
			*o->value = "1";
		} else if (eq) {
			*o->value = eq + 1;
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			strbuf_addf(err, "option '--%s' needs a value (%s)", o->name, o->metavar);
			return -EINVAL;
		}
	}
	return 0;
}

void opt_usage(FILE *f, const char *synopsis, const char *about, const struct opt *opts)
{
	const struct opt *o;

	fprintf(f, "usage: %s\n\n%s\n\noptions:\n", synopsis, about);
	for (o = opts; o->name; o++) {
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->metavar ? " " : "",
			 o->metavar ? o->metavar : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
	fprintf(f, "  %-26s %s\n", "--help", "show this help");
}

const struct opt *opt_find(const struct opt *opts, const char *name, size_t len)
{
	for (; opts->name; opts++)
		if (strlen(opts->name) == len && !strncmp(opts->name, name, len))
			return opts;
	return NULL;
}
