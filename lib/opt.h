/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_OPT_H
#define FW_OPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/strbuf.h"

/*
 * Options as a typed table, in the manner of Redis's config.c: each entry
 * names a long option, its type, its bounds, its default and where its
 * value goes.  The command line ("--size 1G", "--size=1G"), a program's
 * own pre-scan and forkwatchd's configuration file all go through the
 * same conversion (opt_set), so a value is checked once, in one place,
 * and a refusal has one shape:
 *
 *     --size '1X': expected a size like 512M or 1G
 *
 * Adding an option is one line of a table and a field to receive it.
 */
enum opt_type {
	OPT_T_FLAG,   /* bool: true when given ("true"/"false"/"1"/"0" in a config file) */
	OPT_T_STR,    /* const char *: the text as given; .valid may refuse it */
	OPT_T_UINT,   /* unsigned: a decimal whole number in [min, max] */
	OPT_T_SIZE,   /* uint64_t: bytes, "512M", "1G", "4096", in [min, max] */
	OPT_T_REAL,   /* double: a finite decimal number in [rmin, rmax] */
	OPT_T_CHOICE, /* int: the index of the value in .choices */
	OPT_T_FN,     /* .parse converts the text and stores it in dest.any */
};

/* opt.flags */
#define OPT_OPEN 1u   /* OPT_T_REAL: the bounds themselves are refused (rmin < v < rmax) */
#define OPT_HIDDEN 2u /* accepted, not listed by opt_usage (a deprecated spelling) */

struct opt {
	const char *name;    /* without the leading "--"; NULL ends a table */
	const char *metavar; /* what --help shows after the name; NULL for a flag */
	const char *help;
	enum opt_type type;
	union {
		bool *flag;
		const char **str;
		unsigned *uint;
		uint64_t *u64;
		double *real;
		int *choice;
		void *any;
	} dest;
	uint64_t min, max;           /* OPT_T_UINT, OPT_T_SIZE */
	double rmin, rmax;           /* OPT_T_REAL */
	const char *const *choices;  /* OPT_T_CHOICE: NULL-terminated */
	bool (*valid)(const char *s);/* OPT_T_STR: NULL accepts any text */
	/* OPT_T_FN: store s's value in o->dest.any; 0, or -EINVAL with why ("expected ...") */
	int (*parse)(const struct opt *o, const char *s, struct strbuf *why);
	/*
	 * The default as text, set through the same conversion before the
	 * command line is read, and shown by --help as "(default DEF)".
	 * NULL: the destination keeps what the caller put there.
	 */
	const char *def;
	/* What a refusal says after "--name 'value': "; NULL: said by the type. */
	const char *expect;
	unsigned flags;
};

/*
 * Table lines.  Each macro gives the fields every option of its type
 * needs; further fields (.expect, .valid, .flags) may follow it inside
 * the braces:
 *
 *     { OPT_UINT("runs", "N", &p->runs, 1, 1000, "8", "runs, each a fresh process") },
 *     { OPT_STRING("kernel-commit", "SHA", &a.commit, "the running kernel's commit"),
 *       .valid = ident_valid_sha, .expect = "expected 7 to 40 lower-case hex digits" },
 *     { OPT_END },
 */
#define OPT_FLAG(n, d, h) .name = (n), .help = (h), .type = OPT_T_FLAG, .dest.flag = (d)
#define OPT_STRING(n, mv, d, h) .name = (n), .metavar = (mv), .help = (h), .type = OPT_T_STR, .dest.str = (d)
#define OPT_UINT(n, mv, d, lo, hi, df, h)                                                     \
	.name = (n), .metavar = (mv), .help = (h), .type = OPT_T_UINT, .dest.uint = (d), .min = (lo), \
	.max = (hi), .def = (df)
#define OPT_SIZE(n, mv, d, lo, hi, df, h)                                                    \
	.name = (n), .metavar = (mv), .help = (h), .type = OPT_T_SIZE, .dest.u64 = (d), .min = (lo), \
	.max = (hi), .def = (df)
#define OPT_REAL(n, mv, d, lo, hi, df, h)                                                     \
	.name = (n), .metavar = (mv), .help = (h), .type = OPT_T_REAL, .dest.real = (d), .rmin = (lo), \
	.rmax = (hi), .def = (df)
#define OPT_CHOICE(n, mv, d, list, df, h)                                                     \
	.name = (n), .metavar = (mv), .help = (h), .type = OPT_T_CHOICE, .dest.choice = (d),       \
	.choices = (list), .def = (df)
#define OPT_FN(n, mv, d, fn, h)                                                                \
	.name = (n), .metavar = (mv), .help = (h), .type = OPT_T_FN, .dest.any = (d), .parse = (fn)
#define OPT_END .name = NULL

/* The most options one table may hold (a parse reports them in a 64-bit mask). */
#define OPT_TABLE_MAX 64

/* opt_parse() flags */
#define OPT_PARSE_PICK 1u /* take this table's options out of an argv that holds others too */

/*
 * Parse argv[1..argc-1] (argv[0] is the command) into the destinations,
 * after setting every default.  *given (when not NULL) receives bit i for
 * each opts[i] the arguments set.  Returns 0; 1 when --help (or -h) was
 * given; -EINVAL with err set for an unknown option, a missing value or a
 * stray argument ("unknown option '--frob'"); -ERANGE with err set for a
 * value its option refuses ("--size '1X': expected a size like 512M or
 * 1G").
 *
 * With OPT_PARSE_PICK, options the table does not know and words are
 * skipped instead of refused: for a command that checks its own options
 * before handing the whole argv to another parser.  An unknown option takes the next argument as its value unless
 * it has "=VALUE" or that argument starts with "--" (so a flag of the
 * other parser must not be followed by a word).
 */
int opt_parse(const struct opt *opts, int argc, char **argv, unsigned flags, uint64_t *given,
	      struct strbuf *err);

/*
 * Convert s and store it in o's destination.  Returns 0, or -ERANGE with
 * why set to what was expected ("expected a whole number from 1 to
 * 1000"), without the option's name.  A string is stored as the pointer
 * s: it must live as long as the destination is used.
 */
int opt_set(const struct opt *o, const char *s, struct strbuf *why);

/* Set every default of the table; -ERANGE with err set for a default its own option refuses. */
int opt_defaults(const struct opt *opts, struct strbuf *err);

/*
 * The option of opts named by the first len bytes of name (what follows
 * "--" up to any '='), or NULL.
 */
const struct opt *opt_find(const struct opt *opts, const char *name, size_t len);

/* Whether o takes a value (every type but a flag does). */
static inline bool opt_takes_value(const struct opt *o)
{
	return o->type != OPT_T_FLAG;
}

/* Print "usage: <synopsis>", about and the option table with the defaults. */
void opt_usage(FILE *f, const char *synopsis, const char *about, const struct opt *opts);

#endif
