/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_JREAD_H
#define FW_JREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

/*
 * A small, fast JSON reader (lib/jsonw.h is the writer).  The collector
 * reads the server's answers with it, the daemon the result documents that
 * lab machines upload (daemon/doc.c), so it takes only strict JSON
 * (RFC 8259): no leading zeros, NaN, comments or trailing commas, and
 * nothing after the value but whitespace.  It parses a whole text into a
 * tree of nodes that the caller walks with jread_get()/jread_at() or
 * through the fields of struct jread_node.
 *
 * Strings are decoded (escapes, surrogate pairs) to NUL-terminated UTF-8.
 * A string or member name must be valid UTF-8 (no overlong forms, no
 * surrogates, nothing past U+10FFFF), and one holding U+0000 is refused,
 * so C string functions see all of it.
 *
 * Nesting deeper than JREAD_MAX_DEPTH is refused: the parser recurses.
 *
 * Cost: one pass over the text; the tree lives in a few large blocks
 * (an arena) that jread_free() releases at once.  A value takes 32 bytes
 * plus its decoded string; a small array or object needs its members'
 * nodes once more while it is being parsed.  With JREAD_PACK_INTS an
 * array of integers takes 8 bytes a value, and with JREAD_BOUND_MEMORY
 * the whole parse at most JREAD_MEM_FACTOR times the text and
 * JREAD_MEM_SLACK: a text of small values ("[0,0,0,...]", 2 bytes each)
 * cannot make the reader take 16 times its size.
 */
#define JREAD_MAX_DEPTH 64

enum jread_type {
	JREAD_NULL,
	JREAD_BOOL,
	JREAD_NUM,
	JREAD_STR,
	JREAD_ARR,
	JREAD_OBJ,
};

struct jread_node {
	enum jread_type type;
	bool b;                   /* JREAD_BOOL */
	/*
	 * JREAD_NUM written as an integer (no '.', 'e' or 'E') whose value
	 * fits int64: then i holds it exactly, else num holds the number.
	 * jread_num() gives either as a double.
	 */
	bool is_int;
	/*
	 * JREAD_ARR parsed with JREAD_PACK_INTS whose n (> 0) elements are all
	 * integers (is_int): their values are ints[0, n), kids is not there
	 * and jread_at() gives NULL; jread_int_at() reads either kind.
	 */
	bool packed;
	char *key;                /* the member's name inside an object, else NULL */
	union {
		char *str;        /* JREAD_STR */
		struct {
			/* JREAD_ARR/JREAD_OBJ: [n] elements or members, in text order */
			union {
				struct jread_node *kids;
				const long long *ints; /* packed */
			};
			size_t n; /* 0 for the other types */
		};
		double num;       /* JREAD_NUM without is_int */
		long long i;      /* JREAD_NUM with is_int */
	};
};

/* Flags for jread_parse_flags(). */
enum jread_flags {
	/* Refuse an object that names a member twice (else the last one wins). */
	JREAD_REJECT_DUPLICATES = 1 << 0,
	/* Refuse an integer outside int64 (else it is a double, is_int false). */
	JREAD_REJECT_BIG_INTS = 1 << 1,
	/* Keep arrays of integers as packed values (jread_node.packed). */
	JREAD_PACK_INTS = 1 << 2,
	/* Take at most JREAD_MEM_FACTOR x len + JREAD_MEM_SLACK bytes, else -E2BIG. */
	JREAD_BOUND_MEMORY = 1 << 3,
};

#define JREAD_MEM_FACTOR 8
#define JREAD_MEM_SLACK ((size_t)1 << 20)

/*
 * Parse len bytes (the text need not be NUL-terminated).  Returns 0 with
 * *root owned by the caller (jread_free()), or -EINVAL with err saying what
 * is wrong and where ("malformed JSON at byte 12 (line 1, column 13): ...",
 * appended), -E2BIG (JREAD_BOUND_MEMORY, err says so) or -ENOMEM; *root
 * is NULL on error.  Never keeps a pointer into text.
 */
int jread_parse_flags(struct jread_node **root, const char *text, size_t len, unsigned flags,
		      struct strbuf *err);

/*
 * jread_parse_flags() that also says where an error is: on -EINVAL, path
 * (reset first) names the member or element whose text is wrong, as
 * "cases[2].runs[0].ns[5]" (member names joined by '.', indexes in
 * brackets), or the object or array whose own text is (a bad member name,
 * a missing ','; with the name added for a name given twice); it is empty
 * for an error outside every container.  Member names appear as they
 * are, whatever they hold.
 */
int jread_parse_path(struct jread_node **root, const char *text, size_t len, unsigned flags,
		     struct strbuf *err, struct strbuf *path);

/* jread_parse_flags() with no flags. */
int jread_parse(struct jread_node **root, const char *text, size_t len, struct strbuf *err);

/*
 * Free a whole tree from jread_parse(); NULL is fine.  Only a root may be
 * freed: every node, key and string of the tree goes with it.
 */
void jread_free(struct jread_node *root);

/*
 * Look-ups that never fail loudly: a NULL node, a node of another type or
 * a missing member give NULL (or false), so chains like
 * jread_str(jread_get(jread_get(root, "error"), "message")) are safe.
 * Pointers stay valid until jread_free().  jread_get() is linear in the
 * object's size.
 */
const struct jread_node *jread_get(const struct jread_node *obj, const char *key);
const struct jread_node *jread_at(const struct jread_node *arr, size_t i);
const char *jread_str(const struct jread_node *n);
bool jread_num(const struct jread_node *n, double *out);
/* Element i of an array, packed or not, when it is an integer (is_int): true with *out. */
bool jread_int_at(const struct jread_node *arr, size_t i, long long *out);

#endif
