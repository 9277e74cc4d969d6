// SPDX-License-Identifier: GPL-2.0
/*
 * forkwatchd's configuration file: config_parse() (daemon/config.c) with
 * forkwatchd's own option table (config_options), the one daemon/main.c
 * uses.
 *
 * A string value taken points into the configuration's text, is trimmed
 * and one line; a typed value lies within its option's bounds; a refusal
 * names the file and line.
 */
#include <math.h>

#include "daemon/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_settings s;
	struct opt opts[CONFIG_OPTS_MAX];
	struct config_file cf;
	struct strbuf err = STRBUF_INIT;
	const struct opt *o;
	int ret;

	memset(&s, 0, sizeof(s));
	config_options(&s, opts);
	FUZZ_CHECK(!opt_defaults(opts, &err), "a default is refused: %s", err.buf);
	ret = config_parse(&cf, (const char *)data, size, "fuzz.conf", opts, 0, &err);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL, "config_parse returned %d", ret);
		FUZZ_CHECK(!strncmp(err.buf, "fuzz.conf:", 10), "error without file and line: '%s'", err.buf);
		goto out;
	}
	FUZZ_CHECK(!s.config, "a config file named another");
	for (o = opts; o->name; o++) {
		switch (o->type) {
		case OPT_T_STR: {
			const char *v = *o->dest.str;
			size_t n;

			if (!v || v == o->def)
				break;
			n = strlen(v);
			FUZZ_CHECK(v >= cf.text.buf && v + n <= cf.text.buf + cf.text.len,
				   "value of %s outside the text", o->name);
			FUZZ_CHECK(n && !strchr(v, '\n') && !strchr(" \t", v[0]) && !strchr(" \t\r", v[n - 1]),
				   "value of %s untrimmed: '%s'", o->name, v);
			FUZZ_CHECK(!o->valid || o->valid(v), "value of %s taken though invalid: '%s'", o->name, v);
			break;
		}
		case OPT_T_UINT:
			/* no default and not given: 0, "off" (--keep-samples), below its bounds */
			if (!o->def && !*o->dest.uint)
				break;
			FUZZ_CHECK(*o->dest.uint >= o->min && *o->dest.uint <= o->max, "%s = %u out of bounds",
				   o->name, *o->dest.uint);
			break;
		case OPT_T_SIZE:
			FUZZ_CHECK(*o->dest.u64 >= o->min && *o->dest.u64 <= o->max, "%s = %llu out of bounds",
				   o->name, (unsigned long long)*o->dest.u64);
			break;
		case OPT_T_REAL:
			FUZZ_CHECK(isfinite(*o->dest.real) && *o->dest.real >= o->rmin && *o->dest.real <= o->rmax,
				   "%s = %g out of bounds", o->name, *o->dest.real);
			break;
		case OPT_T_CHOICE: {
			int n = 0;

			while (o->choices[n])
				n++;
			FUZZ_CHECK(*o->dest.choice >= 0 && *o->dest.choice < n, "%s = %d", o->name, *o->dest.choice);
			break;
		}
		default:
			break;
		}
	}
out:
	config_release(&cf);
	strbuf_release(&err);
	return 0;
}
