/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_OPT_H
#define FW_OPT_H

#include <stdio.h>

#include "lib/strbuf.h"

/*
 * Command-line options as a table.  Each entry names a long option; one
 * with a metavar takes a value ("--size 1G" or "--size=1G"), one without
 * is a flag.  Parsing stores the value's string (a flag: "1") in *value;
 * converting and checking values is the command's business.
 */
struct opt {
	const char *name;    /* without the leading "--" */
	const char *metavar; /* NULL for a flag */
	const char *help;
	const char **value;
};

/*
 * Parse argv[1..argc-1] (argv[0] is the command).  Returns 0, 1 when
 * --help was given, or -EINVAL with err set for an unknown option, a
 * missing value or a stray argument.
 */
int opt_parse(const struct opt *opts, int argc, char **argv, struct strbuf *err);
/*
 * The option of opts named by the first len bytes of name (what follows
 * "--" up to any '='), or NULL.
 */
const struct opt *opt_find(const struct opt *opts, const char *name, size_t len);

/* Print "usage: <synopsis>" and the option table. */
void opt_usage(FILE *f, const char *synopsis, const char *about, const struct opt *opts);

#endif
