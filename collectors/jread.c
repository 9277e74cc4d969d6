// SPDX-License-Identifier: GPL-2.0
#include "jread.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than any answer of the API; bounds the recursion on hostile input. */
#define JREAD_MAX_DEPTH 64

struct jparser {
	const char *s;
	size_t len, pos;
	int depth;
	struct strbuf *err;
};

static int jp_fail(struct jparser *p, const char *what)
{
	strbuf_addf(p->err, "malformed JSON at byte %zu: %s", p->pos, what);
	return -EINVAL;
}

static void jp_ws(struct jparser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]))
		p->pos++;
}

static int jp_lit(struct jparser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return jp_fail(p, "unexpected word");
	p->pos += n;
	return 0;
}

static int jp_hex4(struct jparser *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (p->len - p->pos < 4)
		return jp_fail(p, "short \\u escape");
	for (i = 0; i < 4; i++) {
		char c = p->s[p->pos + i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return jp_fail(p, "bad \\u escape");
	}
	p->pos += 4;
	*out = v;
	return 0;
}

static void put_utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (int)(0xc0 | cp >> 6));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (int)(0xe0 | cp >> 12));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (int)(0xf0 | cp >> 18));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	}
}

/* At the opening quote; on success *out is a malloc'ed, NUL-terminated copy. */
static int jp_string(struct jparser *p, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned cp, lo;
	int ret;

	p->pos++;
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len) {
			ret = jp_fail(p, "unterminated string");
			goto out_err;
		}
		c = (unsigned char)p->s[p->pos++];
		if (c == '"')
			break;
		if (c < 0x20) {
			ret = jp_fail(p, "control character in string");
			goto out_err;
		}
		if (c != '\\') {
			strbuf_addch(&sb, c);
			continue;
		}
		if (p->pos >= p->len) {
			ret = jp_fail(p, "unterminated escape");
			goto out_err;
		}
		c = (unsigned char)p->s[p->pos++];
		switch (c) {
		case '"': case '\\': case '/':
			strbuf_addch(&sb, c);
			break;
		case 'b': strbuf_addch(&sb, '\b'); break;
		case 'f': strbuf_addch(&sb, '\f'); break;
		case 'n': strbuf_addch(&sb, '\n'); break;
		case 'r': strbuf_addch(&sb, '\r'); break;
		case 't': strbuf_addch(&sb, '\t'); break;
		case 'u':
			if ((ret = jp_hex4(p, &cp)))
				goto out_err;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
					ret = jp_fail(p, "lone surrogate");
					goto out_err;
				}
				p->pos += 2;
				if ((ret = jp_hex4(p, &lo)))
					goto out_err;
				if (lo < 0xdc00 || lo >= 0xe000) {
					ret = jp_fail(p, "lone surrogate");
					goto out_err;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				ret = jp_fail(p, "lone surrogate");
				goto out_err;
			}
			if (cp == 0) {
				ret = jp_fail(p, "\\u0000 in string");
				goto out_err;
			}
			put_utf8(&sb, cp);
			break;
		default:
			ret = jp_fail(p, "unknown escape");
			goto out_err;
		}
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;

out_err:
	strbuf_release(&sb);
	return ret;
}

static int jp_number(struct jparser *p, double *out)
{
	size_t start = p->pos;
	char buf[64], *end;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || !strchr("0123456789", p->s[p->pos]))
		return jp_fail(p, "expected a value");
	while (p->pos < p->len && strchr("0123456789+-.eE", p->s[p->pos]))
		p->pos++;
	if (p->pos - start >= sizeof(buf))
		return jp_fail(p, "number too long");
	memcpy(buf, p->s + start, p->pos - start);
	buf[p->pos - start] = '\0';
	*out = strtod(buf, &end);
	if (*end)
		return jp_fail(p, "malformed number");
	return 0;
}

static void node_release(struct jread_node *n)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		node_release(&n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->str);
	memset(n, 0, sizeof(*n));
}

static int jp_value(struct jparser *p, struct jread_node *n);

/* An array or object at its opening bracket; members are parsed in place into n->kids. */
static int jp_container(struct jparser *p, struct jread_node *n, char close)
{
	size_t alloc = 0;
	int ret;

	if (++p->depth > JREAD_MAX_DEPTH)
		return jp_fail(p, "nested too deeply");
	p->pos++;
	jp_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		return 0;
	}
	for (;;) {
		struct jread_node *kid;

		if (n->n == alloc) {
			struct jread_node *k;

			alloc = alloc ? 2 * alloc : 8;
			k = realloc(n->kids, alloc * sizeof(*k));
			if (!k)
				return -ENOMEM;
			n->kids = k;
		}
		kid = &n->kids[n->n];
		memset(kid, 0, sizeof(*kid));
		n->n++;
		jp_ws(p);
		if (close == '}') {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return jp_fail(p, "expected a member name");
			if ((ret = jp_string(p, &kid->key)))
				return ret;
			jp_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return jp_fail(p, "expected ':'");
			p->pos++;
		}
		if ((ret = jp_value(p, kid)))
			return ret;
		jp_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			p->depth--;
			return 0;
		}
		return jp_fail(p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int jp_value(struct jparser *p, struct jread_node *n)
{
	jp_ws(p);
	if (p->pos >= p->len)
		return jp_fail(p, "unexpected end");
	switch (p->s[p->pos]) {
	case '{':
		n->type = JREAD_OBJ;
		return jp_container(p, n, '}');
	case '[':
		n->type = JREAD_ARR;
		return jp_container(p, n, ']');
	case '"':
		n->type = JREAD_STR;
		return jp_string(p, &n->str);
	case 't':
		n->type = JREAD_BOOL;
		n->b = true;
		return jp_lit(p, "true");
	case 'f':
		n->type = JREAD_BOOL;
		return jp_lit(p, "false");
	case 'n':
		n->type = JREAD_NULL;
		return jp_lit(p, "null");
	default:
		n->type = JREAD_NUM;
		return jp_number(p, &n->num);
	}
}

int jread_parse(struct jread_node **root, const char *text, size_t len, struct strbuf *err)
{
	struct jparser p = { text, len, 0, 0, err };
	struct jread_node *n;
	int ret;

	*root = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	ret = jp_value(&p, n);
	if (!ret) {
		jp_ws(&p);
		if (p.pos != p.len)
			ret = jp_fail(&p, "text after the value");
	}
	if (ret) {
		jread_free(n);
		return ret == -ENOMEM ? ret : -EINVAL;
	}
	*root = n;
	return 0;
}

void jread_free(struct jread_node *root)
{
	if (!root)
		return;
	node_release(root);
	free(root);
}

const struct jread_node *jread_get(const struct jread_node *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != JREAD_OBJ)
		return NULL;
	/* the last of duplicate names wins, as in most readers */
	for (i = obj->n; i-- > 0;)
		if (!strcmp(obj->kids[i].key, key))
			return &obj->kids[i];
	return NULL;
}

const struct jread_node *jread_at(const struct jread_node *arr, size_t i)
{
	if (!arr || arr->type != JREAD_ARR || i >= arr->n)
		return NULL;
	return &arr->kids[i];
}

const char *jread_str(const struct jread_node *n)
{
	return n && n->type == JREAD_STR ? n->str : NULL;
}

bool jread_num(const struct jread_node *n, double *out)
{
	if (!n || n->type != JREAD_NUM)
		return false;
	*out = n->num;
	return true;
}
