/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_JREAD_H
#define FW_JREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/*
 * A small JSON reader for the server's answers (the collector does not link
 * a JSON library; lib/json.h is the writer).  It parses a whole text into
 * a tree of nodes that the caller walks with jread_get()/jread_at().
 *
 * Strings are decoded (escapes, surrogate pairs) to NUL-terminated UTF-8;
 * a string holding U+0000 is refused, so C string functions see all of it.
 * Numbers are kept as doubles (exact for integers up to 2^53).
 */
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
	char *key;                /* the member's name inside an object, else NULL */
	char *str;                /* JREAD_STR */
	double num;               /* JREAD_NUM */
	bool b;                   /* JREAD_BOOL */
	struct jread_node *kids;  /* JREAD_ARR/JREAD_OBJ: [n] elements or members, in text order */
	size_t n;
};

/*
 * Parse len bytes (the text need not be NUL-terminated).  Returns 0 with
 * *root owned by the caller (jread_free()), or -EINVAL with err saying what
 * is wrong and where (byte offset), *root NULL.
 */
int jread_parse(struct jread_node **root, const char *text, size_t len, struct strbuf *err);

/* Free a tree from jread_parse(); NULL is fine. */
void jread_free(struct jread_node *root);

/*
 * Look-ups that never fail loudly: a NULL node, a node of another type or
 * a missing member give NULL (or false), so chains like
 * jread_str(jread_get(jread_get(root, "error"), "message")) are safe.
 * Pointers stay valid until jread_free().
 */
const struct jread_node *jread_get(const struct jread_node *obj, const char *key);
const struct jread_node *jread_at(const struct jread_node *arr, size_t i);
const char *jread_str(const struct jread_node *n);
bool jread_num(const struct jread_node *n, double *out);

#endif
