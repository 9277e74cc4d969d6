// SPDX-License-Identifier: GPL-2.0
/*
 * lib/jread.c, the JSON reader under the daemon's uploads and the
 * collector's reading of the server's answers.  Each input is parsed with
 * the flags the daemon uses and without flags, and the trees walked.
 *
 * With the daemon's flags it must agree with jansson, which the daemon
 * used before (daemon/doc.c: "as strict as jansson was"): the same texts
 * taken (an object or array at the top, as jansson takes without
 * JSON_DECODE_ANY), the same tree, numbers equal.  Two differences:
 * jread refuses nesting deeper than JREAD_MAX_DEPTH, by design, and
 * jansson 2.14 takes a NUL byte after a number or literal ("[2\0]"),
 * which RFC 8259 does not.
 */
#include <jansson.h>
#include <math.h>

#include "fuzz.h"
#include "lib/jread.h"

static void walk(const struct jread_node *n, int depth)
{
	const struct jread_node *k;
	double d;
	size_t i;

	FUZZ_CHECK(depth <= JREAD_MAX_DEPTH + 1, "a tree %d deep", depth);
	switch (n->type) {
	case JREAD_STR:
		FUZZ_CHECK(fuzz_utf8(n->str, strlen(n->str)), "a string that is not UTF-8");
		FUZZ_CHECK(jread_str(n) == n->str, "jread_str");
		break;
	case JREAD_NUM:
		FUZZ_CHECK(jread_num(n, &d) && isfinite(d), "a number that is not finite");
		break;
	case JREAD_ARR:
		if (n->packed) {
			long long v;

			FUZZ_CHECK(n->n > 0 && !jread_at(n, 0), "a packed array of %zu", n->n);
			for (i = 0; i < n->n; i++)
				FUZZ_CHECK(jread_int_at(n, i, &v) && v == n->ints[i], "jread_int_at(%zu)", i);
			break;
		}
		for (i = 0; i < n->n; i++) {
			FUZZ_CHECK(!n->kids[i].key, "an array element with a name");
			FUZZ_CHECK(jread_at(n, i) == &n->kids[i], "jread_at(%zu)", i);
			walk(&n->kids[i], depth + 1);
		}
		FUZZ_CHECK(!jread_at(n, n->n), "jread_at past the end");
		break;
	case JREAD_OBJ:
		for (i = 0; i < n->n; i++) {
			FUZZ_CHECK(n->kids[i].key, "a member without a name");
			FUZZ_CHECK(fuzz_utf8(n->kids[i].key, strlen(n->kids[i].key)), "a name that is not UTF-8");
			k = jread_get(n, n->kids[i].key);
			FUZZ_CHECK(k && !strcmp(k->key, n->kids[i].key) && k >= &n->kids[i],
				   "jread_get('%s') is not the last member of that name", n->kids[i].key);
			walk(&n->kids[i], depth + 1);
		}
		break;
	case JREAD_NULL:
	case JREAD_BOOL:
		break;
	default:
		fuzz_fail("node type %d", (int)n->type);
	}
}

/* The same value in both trees. */
static void same(const struct jread_node *n, const json_t *j, const char *text)
{
	size_t i;

	switch (n->type) {
	case JREAD_NULL:
		FUZZ_CHECK(json_is_null(j), "null differs from jansson in %s", text);
		break;
	case JREAD_BOOL:
		FUZZ_CHECK(json_is_boolean(j) && json_is_true(j) == n->b, "bool differs from jansson");
		break;
	case JREAD_NUM:
		if (n->is_int)
			FUZZ_CHECK(json_is_integer(j) && json_integer_value(j) == n->i,
				   "integer %lld differs from jansson in %s", n->i, text);
		else
			FUZZ_CHECK(json_is_real(j) && json_real_value(j) == n->num,
				   "real %.17g differs from jansson in %s", n->num, text);
		break;
	case JREAD_STR:
		FUZZ_CHECK(json_is_string(j) && json_string_length(j) == strlen(n->str) &&
			   !memcmp(json_string_value(j), n->str, strlen(n->str)),
			   "string '%s' differs from jansson", n->str);
		break;
	case JREAD_ARR:
		FUZZ_CHECK(json_is_array(j) && json_array_size(j) == n->n, "array differs from jansson");
		for (i = 0; n->packed && i < n->n; i++)
			FUZZ_CHECK(json_is_integer(json_array_get(j, i)) &&
				   json_integer_value(json_array_get(j, i)) == n->ints[i],
				   "packed integer %lld differs from jansson in %s", n->ints[i], text);
		for (i = 0; !n->packed && i < n->n; i++)
			same(&n->kids[i], json_array_get(j, i), text);
		break;
	case JREAD_OBJ:
		FUZZ_CHECK(json_is_object(j) && json_object_size(j) == n->n,
			   "object of %zu members differs from jansson", n->n);
		for (i = 0; i < n->n; i++) {
			const json_t *m = json_object_get(j, n->kids[i].key);

			FUZZ_CHECK(m, "member '%s' missing in jansson's tree", n->kids[i].key);
			same(&n->kids[i], m, text);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct jread_node *root = NULL;
	const char *text = (const char *)data;
	json_error_t jerr;
	json_t *j;
	int ret;

	ret = jread_parse(&root, text, size, &err);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "jread_parse returned %d", ret);
	FUZZ_CHECK(ret ? !root && err.len : root != NULL, "result and tree disagree");
	if (!ret)
		walk(root, 0);
	jread_free(root);
	root = NULL;
	strbuf_reset(&err);

	ret = jread_parse_flags(&root, text, size, JREAD_REJECT_DUPLICATES | JREAD_REJECT_BIG_INTS |
				JREAD_PACK_INTS | JREAD_BOUND_MEMORY, &err);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -E2BIG, "jread_parse_flags returned %d", ret);
	if (!ret)
		walk(root, 0);
	j = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
	if (ret && (strstr(err.buf, "nested too deeply") || memchr(text, '\0', size) || ret == -E2BIG)) {
		/* by design: jansson goes deeper and takes more memory; a NUL byte: jansson's leniency */
	} else if (!ret && root->type != JREAD_OBJ && root->type != JREAD_ARR) {
		FUZZ_CHECK(!j, "a bare value that jansson takes");
	} else {
		FUZZ_CHECK(!ret == !!j, "jread %s what jansson %s: jread: %s; jansson: %s",
			   ret ? "refuses" : "takes", j ? "takes" : "refuses", ret ? err.buf : "ok",
			   j ? "ok" : jerr.text);
		if (j)
			same(root, j, "the input");
	}
	json_decref(j);
	jread_free(root);
	strbuf_release(&err);
	return 0;
}
