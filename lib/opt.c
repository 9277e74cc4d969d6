// SPDX-License-Identifier: GPL-2.0
#include "lib/opt.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "lib/parse.h"

/* "expected a, b, c or d" */
static void expect_choices(const struct opt *o, struct strbuf *why)
{
	size_t i;

	strbuf_addstr(why, "expected ");
	for (i = 0; o->choices[i]; i++)
		strbuf_addf(why, "%s%s", i == 0 ? "" : o->choices[i + 1] ? ", " : " or ", o->choices[i]);
}

/* What a refusal of o's value says, when the table does not say it. */
static void expect_default(const struct opt *o, struct strbuf *why)
{
	switch (o->type) {
	case OPT_T_FLAG:
		strbuf_addstr(why, "expected true or false");
		break;
	case OPT_T_UINT:
		strbuf_addf(why, "expected a whole number from %llu to %llu", (unsigned long long)o->min,
			    (unsigned long long)o->max);
		break;
	case OPT_T_SIZE:
		strbuf_addstr(why, "expected a size like 512M or 1G");
		break;
	case OPT_T_REAL:
		strbuf_addf(why, "expected a number from %g to %g", o->rmin, o->rmax);
		break;
	case OPT_T_CHOICE:
		expect_choices(o, why);
		break;
	case OPT_T_STR:
	case OPT_T_FN:
		strbuf_addstr(why, "not accepted");
		break;
	}
}

static int refuse(const struct opt *o, struct strbuf *why)
{
	if (!why->len) {
		if (o->expect)
			strbuf_addstr(why, o->expect);
		else
			expect_default(o, why);
	}
	return -ERANGE;
}

int opt_set(const struct opt *o, const char *s, struct strbuf *why)
{
	uint64_t v;
	double d;
	size_t i;

	strbuf_reset(why);
	switch (o->type) {
	case OPT_T_FLAG:
		if (!strcmp(s, "true") || !strcmp(s, "1"))
			*o->dest.flag = true;
		else if (!strcmp(s, "false") || !strcmp(s, "0"))
			*o->dest.flag = false;
		else
			return refuse(o, why);
		return 0;
	case OPT_T_STR:
		if (o->valid && !o->valid(s))
			return refuse(o, why);
		*o->dest.str = s;
		return 0;
	case OPT_T_UINT:
		if (parse_uint(s, o->min, o->max, &v))
			return refuse(o, why);
		*o->dest.uint = (unsigned)v;
		return 0;
	case OPT_T_SIZE:
		if (parse_size(s, &v) || v < o->min || v > o->max)
			return refuse(o, why);
		*o->dest.u64 = v;
		return 0;
	case OPT_T_REAL:
		if (parse_real(s, &d) || d < o->rmin || d > o->rmax ||
		    ((o->flags & OPT_OPEN) && (d == o->rmin || d == o->rmax)))
			return refuse(o, why);
		*o->dest.real = d;
		return 0;
	case OPT_T_CHOICE:
		for (i = 0; o->choices[i]; i++)
			if (!strcmp(s, o->choices[i])) {
				*o->dest.choice = (int)i;
				return 0;
			}
		return refuse(o, why);
	case OPT_T_FN:
		if (o->parse(o, s, why))
			return refuse(o, why);
		return 0;
	}
	return refuse(o, why);
}

int opt_defaults(const struct opt *opts, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	const struct opt *o;
	int ret = 0;

	for (o = opts; o->name && !ret; o++)
		if (o->def && (ret = opt_set(o, o->def, &why)))
			strbuf_addf(err, "--%s: the default '%s' is refused: %s", o->name, o->def, why.buf);
	strbuf_release(&why);
	return ret;
}

int opt_parse(const struct opt *opts, int argc, char **argv, unsigned flags, uint64_t *given,
	      struct strbuf *err)
{
	bool pick = flags & OPT_PARSE_PICK;
	struct strbuf why = STRBUF_INIT;
	int i, ret = 0;

	if (given)
		*given = 0;
	for (i = 0; opts[i].name; i++)
		if (i == OPT_TABLE_MAX) {
			strbuf_addf(err, "more than %d options in one table", OPT_TABLE_MAX);
			return -EINVAL;
		}
	if ((ret = opt_defaults(opts, err)))
		return ret;
	for (i = 1; i < argc && !ret; i++) {
		const char *a = argv[i], *eq, *val;
		const struct opt *o;
		size_t len;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			ret = 1;
			break;
		}
		if (strncmp(a, "--", 2) || !a[2]) {
			if (pick)
				continue;
			strbuf_addf(err, "unexpected argument '%s'", a);
			ret = -EINVAL;
			break;
		}
		a += 2;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		o = opt_find(opts, a, len);
		if (!o) {
			if (pick) {
				if (!eq && i + 1 < argc && strncmp(argv[i + 1], "--", 2))
					i++;
				continue;
			}
			strbuf_addf(err, "unknown option '--%.*s'", (int)len, a);
			ret = -EINVAL;
			break;
		}
		if (!opt_takes_value(o)) {
			if (eq) {
				strbuf_addf(err, "option '--%s' takes no value", o->name);
				ret = -EINVAL;
				break;
			}
			val = "true";
		} else if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			strbuf_addf(err, "option '--%s' needs a value (%s)", o->name, o->metavar);
			ret = -EINVAL;
			break;
		}
		if (opt_set(o, val, &why)) {
			strbuf_addf(err, "--%s '%s': %s", o->name, val, why.buf);
			ret = -ERANGE;
			break;
		}
		if (given)
			*given |= 1ULL << (o - opts);
	}
	strbuf_release(&why);
	return ret;
}

void opt_usage(FILE *f, const char *synopsis, const char *about, const struct opt *opts)
{
	const struct opt *o;

	fprintf(f, "usage: %s\n\n%s\n\noptions:\n", synopsis, about);
	for (o = opts; o->name; o++) {
		char left[64];

		if (o->flags & OPT_HIDDEN)
			continue;
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->metavar ? " " : "",
			 o->metavar ? o->metavar : "");
		fprintf(f, "  %-26s %s", left, o->help);
		if (o->def)
			fprintf(f, " (default %s)", o->def);
		fputc('\n', f);
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
