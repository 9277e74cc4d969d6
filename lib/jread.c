// SPDX-License-Identifier: GPL-2.0
#include "lib/jread.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

/*
 * Objects up to this many members are checked for duplicate names as each
 * member comes (a scan of the ones before: cheap for the small objects of
 * real documents); larger ones once more when they close, by sorting the
 * names, so that a hostile object cannot make the check quadratic.
 */
#define JREAD_SMALL_OBJ 16

/* Arena blocks: the first one is sized from the text, each later one twice the one before. */
#define JREAD_BLOCK_MIN 4096

/*
 * An array or object of this many members or more is not copied out of
 * the stack when it closes: the stack's block becomes part of the arena
 * as it is, so that a huge array does not need its nodes twice.
 */
#define JREAD_ADOPT_MIN 4096

struct jread_block {
	struct jread_block *next;
	/* the data follows */
};
_Static_assert(sizeof(struct jread_block) % _Alignof(struct jread_node) == 0,
	       "nodes right after a block header must be aligned");

/* At the start of the first block: what jread_free() needs to find the rest. */
struct jread_doc {
	struct jread_block *blocks; /* newest first */
	struct jread_node root;
};

struct jparser {
	const char *s;
	size_t len, pos;
	int depth;
	unsigned flags;
	struct strbuf *err;
	/*
	 * Where an error is, when the caller asks (path not NULL): for each
	 * container being parsed (depth 1 to depth), the stack index of its
	 * first member and of the member whose value is being parsed
	 * (SIZE_MAX between members).  Two stores a member.
	 */
	struct strbuf *path;
	size_t fbase[JREAD_MAX_DEPTH + 1], fcur[JREAD_MAX_DEPTH + 1];
	size_t fidx[JREAD_MAX_DEPTH + 1]; /* in an array: the index of the element being parsed */
	bool fobj[JREAD_MAX_DEPTH + 1];
	/* JREAD_BOUND_MEMORY: bytes allocated so far, and the most there may be */
	size_t used, bound;
	bool over;                /* an allocation went past bound: -E2BIG */
	/* the arena: free space [cur, end) in the newest block */
	struct jread_block *blocks;
	char *cur, *end;
	size_t next_block;
	/*
	 * Members of the containers being parsed, innermost last; a container
	 * moves its own into the arena, contiguous, when it closes.  The stack
	 * is the nodes after the block header sblock, ready to join the arena.
	 * With JREAD_REJECT_DUPLICATES, kpos[i] is where member i's name
	 * starts.
	 */
	struct jread_block *sblock;
	struct jread_node *stack;
	size_t *kpos;
	size_t sp, salloc;
	/*
	 * JREAD_PACK_INTS: the values of the innermost array while all its
	 * elements are integers (an array that holds anything else has its
	 * elements on the stack), after the block header pblock, ready to
	 * join the arena: only the innermost array can be packing, since a
	 * nested one is not an integer.
	 */
	struct jread_block *pblock;
	long long *pack;
	size_t pn, palloc;
};

/* Bytes that a string holds as they are: printable ASCII but '"' and '\\'. */
static const unsigned char plain[256] = {
	[0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
};

/* The path of the value being parsed, as "cases[2].runs[0].ns[5]", into p->path. */
static void jp_where(struct jparser *p)
{
	int d;

	if (!p->path)
		return;
	strbuf_reset(p->path);
	for (d = 1; d <= p->depth && p->fcur[d] != SIZE_MAX; d++) {
		if (p->fobj[d])
			strbuf_addf(p->path, "%s%s", p->path->len ? "." : "", p->stack[p->fcur[d]].key);
		else
			strbuf_addf(p->path, "[%zu]", p->fidx[d]);
	}
}

static int jp_fail_at(struct jparser *p, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int jp_fail_at(struct jparser *p, size_t at, const char *fmt, ...)
{
	size_t line = 1, bol = 0;
	const char *nl;
	va_list ap;

	jp_where(p);
	/* lines are counted only here: the parse itself tracks bytes */
	while (bol < at && (nl = memchr(p->s + bol, '\n', at - bol))) {
		line++;
		bol = (size_t)(nl - p->s) + 1;
	}
	strbuf_addf(p->err, "malformed JSON at byte %zu (line %zu, column %zu): ", at, line,
		    at - bol + 1);
	va_start(ap, fmt);
	strbuf_vaddf(p->err, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int jp_fail(struct jparser *p, const char *what)
{
	return jp_fail_at(p, p->pos, "%s", what);
}

/* Count n more bytes of memory against the bound; false (and p->over) past it. */
static bool jp_charge(struct jparser *p, size_t n)
{
	if (n > p->bound - p->used) {
		p->over = true;
		return false;
	}
	p->used += n;
	return true;
}

static void *jp_alloc(struct jparser *p, size_t size, size_t align)
{
	uintptr_t at = ((uintptr_t)p->cur + align - 1) & ~(uintptr_t)(align - 1);

	if (!p->cur || at > (uintptr_t)p->end || size > (uintptr_t)p->end - at) {
		struct jread_block *b;
		size_t want = p->next_block;

		if (want < sizeof(*b) + size + align)
			want = sizeof(*b) + size + align;
		if (!jp_charge(p, want))
			return NULL;
		b = malloc(want);
		if (!b)
			return NULL;
		b->next = p->blocks;
		p->blocks = b;
		p->cur = (char *)(b + 1);
		p->end = (char *)b + want;
		p->next_block = 2 * want;
		at = ((uintptr_t)p->cur + align - 1) & ~(uintptr_t)(align - 1);
	}
	p->cur = (char *)(at + size);
	return (void *)at;
}

static void jp_free_blocks(struct jread_block *b)
{
	while (b) {
		struct jread_block *next = b->next;

		free(b);
		b = next;
	}
}

static void jp_ws(struct jparser *p)
{
	const char *s = p->s;
	size_t pos = p->pos, len = p->len;

	while (pos < len && (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\r' || s[pos] == '\t'))
		pos++;
	p->pos = pos;
}

static int jp_lit(struct jparser *p, const char *word, size_t n)
{
	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return jp_fail(p, "unexpected word");
	p->pos += n;
	return 0;
}

/* The 4 hex digits at s[at] (before end); -1 if there are not 4. */
static int hex4(const unsigned char *s, size_t at, size_t end, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (end - at < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		unsigned c = s[at + (size_t)i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/*
 * Decode the string whose text is s[pos, end) (end: its closing quote)
 * to o, which has room for end - pos bytes and a NUL: no escape is
 * shorter than what it stands for.
 */
static int jp_decode(struct jparser *p, size_t pos, size_t end, char *o)
{
	const unsigned char *s = (const unsigned char *)p->s;
	unsigned cp, lo;
	size_t n;

	while (pos < end) {
		unsigned char c = s[pos];

		if (plain[c]) {
			*o++ = (char)c;
			pos++;
			continue;
		}
		if (c < 0x20)
			return jp_fail_at(p, pos, "control character in string");
		if (c >= 0x80) {
			n = utf8_len(s + pos, end - pos);
			if (!n)
				return jp_fail_at(p, pos, "invalid UTF-8 in string");
			memcpy(o, s + pos, n);
			o += n;
			pos += n;
			continue;
		}
		/* a backslash: the quote at end is not escaped, so an escape follows before it */
		pos++;
		switch (s[pos++]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (hex4(s, pos, end, &cp))
				return jp_fail_at(p, pos - 2, "bad \\u escape");
			pos += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (end - pos < 6 || s[pos] != '\\' || s[pos + 1] != 'u' ||
				    hex4(s, pos + 2, end, &lo) || lo < 0xdc00 || lo >= 0xe000)
					return jp_fail_at(p, pos - 6, "lone surrogate");
				pos += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return jp_fail_at(p, pos - 6, "lone surrogate");
			}
			if (!cp)
				return jp_fail_at(p, pos - 6, "\\u0000 in string");
			o = put_utf8(o, cp);
			break;
		default:
			return jp_fail_at(p, pos - 2, "unknown escape");
		}
	}
	*o = '\0';
	return 0;
}

/* At the opening quote; on success *out is the decoded string, in the arena. */
static int jp_string(struct jparser *p, char **out)
{
	const unsigned char *s = (const unsigned char *)p->s;
	size_t len = p->len, start = p->pos + 1, pos = start, end;
	char *d;
	int ret;

	/* most strings are plain ASCII: copied as they are */
	while (pos < len && plain[s[pos]])
		pos++;
	if (pos < len && s[pos] == '"') {
		d = jp_alloc(p, pos - start + 1, 1);
		if (!d)
			return -ENOMEM;
		memcpy(d, s + start, pos - start);
		d[pos - start] = '\0';
		*out = d;
		p->pos = pos + 1;
		return 0;
	}
	/* escapes or non-ASCII bytes: find the closing quote, which bounds the decoded length */
	for (end = pos; end < len && s[end] != '"'; end++)
		if (s[end] == '\\')
			end++;
	if (end >= len)
		return jp_fail_at(p, p->pos, "unterminated string");
	d = jp_alloc(p, end - start + 1, 1);
	if (!d)
		return -ENOMEM;
	memcpy(d, s + start, pos - start);
	if ((ret = jp_decode(p, pos, end, d + (pos - start))))
		return ret;
	*out = d;
	p->pos = end + 1;
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A number, by the grammar of RFC 8259.  Integers are converted here
 * (exactly); only fractions and exponents go through strtod(), which reads
 * '.' as the decimal point in the C locale that the programs keep.
 */
static int jp_number(struct jparser *p, struct jread_node *n)
{
	const char *s = p->s;
	size_t len = p->len, pos = p->pos, start = pos;
	bool neg = false, frac = false;
	unsigned long long u = 0;
	char buf[64], *text, *end;
	size_t digits;

	if (s[pos] == '-') {
		neg = true;
		pos++;
	}
	if (pos >= len || !is_digit(s[pos]))
		return jp_fail(p, "expected a value");
	digits = pos;
	if (s[pos] == '0') {
		if (++pos < len && is_digit(s[pos]))
			return jp_fail(p, "number with a leading zero");
	} else {
		/* 19 digits fit in 64 bits; u is wrong but unused past that */
		do
			u = u * 10 + (unsigned)(s[pos++] - '0');
		while (pos < len && is_digit(s[pos]));
	}
	digits = pos - digits;
	if (pos < len && s[pos] == '.') {
		frac = true;
		if (++pos >= len || !is_digit(s[pos]))
			return jp_fail_at(p, start, "malformed number");
		while (pos < len && is_digit(s[pos]))
			pos++;
	}
	if (pos < len && (s[pos] == 'e' || s[pos] == 'E')) {
		frac = true;
		if (++pos < len && (s[pos] == '+' || s[pos] == '-'))
			pos++;
		if (pos >= len || !is_digit(s[pos]))
			return jp_fail_at(p, start, "malformed number");
		while (pos < len && is_digit(s[pos]))
			pos++;
	}
	n->type = JREAD_NUM;
	if (!frac && digits <= 19 && u <= (neg ? 1ULL << 63 : (unsigned long long)INT64_MAX)) {
		n->is_int = true;
		n->i = !neg ? (long long)u : u == 1ULL << 63 ? INT64_MIN : -(long long)u;
		p->pos = pos;
		return 0;
	}
	if (!frac && (p->flags & JREAD_REJECT_BIG_INTS))
		return jp_fail_at(p, start, "integer out of the int64 range");
	/* the text is not NUL-terminated: strtod() gets a copy */
	text = pos - start < sizeof(buf) ? buf : malloc(pos - start + 1);
	if (!text)
		return -ENOMEM;
	memcpy(text, s + start, pos - start);
	text[pos - start] = '\0';
	n->num = strtod(text, &end);
	if (text != buf)
		free(text);
	if (!isfinite(n->num))
		return jp_fail_at(p, start, "number out of range");
	p->pos = pos;
	return 0;
}

/*
 * A new slot on the stack for a value (a member's name key, starting at
 * kpos, or NULL); *slot is its index.  The value is parsed in place: an
 * index, since a container's members may move the stack.
 */
static int jp_push(struct jparser *p, char *key, size_t kpos, size_t *slot)
{
	if (p->sp == p->salloc) {
		size_t alloc = p->salloc ? 2 * p->salloc : 64;
		struct jread_block *b;

		if (!jp_charge(p, (alloc - p->salloc) * (sizeof(*p->stack) +
				   (p->flags & JREAD_REJECT_DUPLICATES ? sizeof(*p->kpos) : 0))))
			return -ENOMEM;
		b = realloc(p->sblock, sizeof(*b) + alloc * sizeof(*p->stack));
		if (!b)
			return -ENOMEM;
		p->sblock = b;
		p->stack = (struct jread_node *)(b + 1);
		if (p->flags & JREAD_REJECT_DUPLICATES) {
			size_t *kp = realloc(p->kpos, alloc * sizeof(*kp));

			if (!kp)
				return -ENOMEM;
			p->kpos = kp;
		}
		p->salloc = alloc;
	}
	p->stack[p->sp] = (struct jread_node){ .type = JREAD_NULL, .key = key };
	if (p->flags & JREAD_REJECT_DUPLICATES)
		p->kpos[p->sp] = kpos;
	*slot = p->sp++;
	return 0;
}

/* Between members: the path is the object's, and the name is added to it. */
static int jp_duplicate(struct jparser *p, size_t at, const char *key)
{
	int ret = jp_fail_at(p, at, "duplicate key '%.64s%s'", key, strlen(key) > 64 ? "..." : "");

	if (p->path)
		strbuf_addf(p->path, "%s%s", p->path->len ? "." : "", key);
	return ret;
}

struct jp_name {
	const char *key;
	size_t at;
};

static int cmp_name(const void *a, const void *b)
{
	const struct jp_name *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* The k members of a large object, from stack[base]: a name given twice? O(k log k). */
static int jp_check_names(struct jparser *p, size_t base, size_t k)
{
	struct jp_name *names = malloc(k * sizeof(*names));
	size_t i, first = SIZE_MAX;
	const char *key = NULL;

	if (!names)
		return -ENOMEM;
	for (i = 0; i < k; i++) {
		names[i].key = p->stack[base + i].key;
		names[i].at = p->kpos[base + i];
	}
	qsort(names, k, sizeof(*names), cmp_name);
	/* report the duplicate that comes first in the text */
	for (i = 1; i < k; i++)
		if (!strcmp(names[i - 1].key, names[i].key) && names[i].at < first) {
			first = names[i].at;
			key = names[i].key;
		}
	free(names);
	return key ? jp_duplicate(p, first, key) : 0;
}

/*
 * The k members from stack[base] as they are, in the stack's block, which
 * joins the arena; the stack starts over with the base members below.
 */
static struct jread_node *jp_adopt(struct jparser *p, size_t base, size_t k)
{
	size_t alloc = base < 32 ? 64 : 2 * base;
	struct jread_block *b, *old;

	if (!jp_charge(p, sizeof(*b) + alloc * sizeof(*p->stack)))
		return NULL;
	b = malloc(sizeof(*b) + alloc * sizeof(*p->stack));
	if (!b)
		return NULL;
	memcpy(b + 1, p->stack, base * sizeof(*p->stack));
	/* give back what the doubling left unused */
	old = realloc(p->sblock, sizeof(*old) + (base + k) * sizeof(*p->stack));
	if (!old)
		old = p->sblock;
	old->next = p->blocks;
	p->blocks = old;
	p->sblock = b;
	p->stack = (struct jread_node *)(b + 1);
	p->salloc = alloc;
	return (struct jread_node *)(old + 1) + base;
}

static int jp_value(struct jparser *p, size_t slot);

/* One more value for the packing array. */
static int jp_pack(struct jparser *p, long long v)
{
	if (p->pn == p->palloc) {
		/* 1.5 times: the bound counts what is allocated, touched or not */
		size_t alloc = p->palloc ? p->palloc + p->palloc / 2 : 64;
		struct jread_block *b;

		if (!jp_charge(p, (alloc - p->palloc) * sizeof(*p->pack)))
			return -ENOMEM;
		b = realloc(p->pblock, sizeof(*b) + alloc * sizeof(*p->pack));
		if (!b)
			return -ENOMEM;
		p->pblock = b;
		p->pack = (long long *)(b + 1);
		p->palloc = alloc;
	}
	p->pack[p->pn++] = v;
	return 0;
}

/* The array holds something else than integers: its values so far become nodes on the stack. */
static int jp_unpack(struct jparser *p)
{
	size_t i, slot;
	int ret;

	for (i = 0; i < p->pn; i++) {
		if ((ret = jp_push(p, NULL, 0, &slot)))
			return ret;
		p->stack[slot].type = JREAD_NUM;
		p->stack[slot].is_int = true;
		p->stack[slot].i = p->pack[i];
	}
	p->pn = 0;
	return 0;
}

/*
 * An array or object at its opening bracket, into p->stack[slot] (whose
 * type is set): its members, or (JREAD_PACK_INTS) its packed integers.
 */
static int jp_container(struct jparser *p, size_t slot)
{
	const bool obj = p->stack[slot].type == JREAD_OBJ;
	const char close = obj ? '}' : ']';
	bool packing = !obj && (p->flags & JREAD_PACK_INTS);
	size_t base = p->sp, k, i, idx = 0, mslot;
	struct jread_node *kids, *n;
	int ret;

	if (p->depth == JREAD_MAX_DEPTH)
		return jp_fail(p, "nested too deeply");
	p->depth++;
	p->fbase[p->depth] = base;
	p->fcur[p->depth] = SIZE_MAX;
	p->fobj[p->depth] = obj;
	p->pos++;
	jp_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		return 0;
	}
	for (;; idx++) {
		char *key = NULL;
		size_t kat = 0;

		p->fidx[p->depth] = idx;
		if (obj) {
			jp_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return jp_fail(p, "expected a member name");
			kat = p->pos;
			if ((ret = jp_string(p, &key)))
				return ret;
			if ((p->flags & JREAD_REJECT_DUPLICATES) && p->sp - base < JREAD_SMALL_OBJ)
				for (i = base; i < p->sp; i++)
					if (p->stack[i].key[0] == key[0] && !strcmp(p->stack[i].key, key))
						return jp_duplicate(p, kat, key);
			jp_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return jp_fail(p, "expected ':'");
			p->pos++;
		} else if (packing) {
			jp_ws(p);
			if (p->pos < p->len && (p->s[p->pos] == '-' || is_digit(p->s[p->pos]))) {
				struct jread_node num = { .type = JREAD_NUM };

				/* an element, but not on the stack: a place that is none, for jp_where() */
				p->fcur[p->depth] = SIZE_MAX - 1;
				if ((ret = jp_number(p, &num)))
					return ret;
				if (num.is_int) {
					if ((ret = jp_pack(p, num.i)))
						return ret;
					goto next;
				}
				/* a real: the array is kept as nodes from here on */
				packing = false;
				if ((ret = jp_unpack(p)) || (ret = jp_push(p, NULL, 0, &mslot)))
					return ret;
				p->stack[mslot] = num;
				goto next;
			}
			packing = false;
			if ((ret = jp_unpack(p)))
				return ret;
		}
		if ((ret = jp_push(p, key, kat, &mslot)))
			return ret;
		p->fcur[p->depth] = mslot;
		if ((ret = jp_value(p, mslot)))
			return ret;
next:
		p->fcur[p->depth] = SIZE_MAX;
		jp_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			break;
		}
		return jp_fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	if (packing) {
		/* every element an integer: the values join the arena as they are */
		struct jread_block *b = realloc(p->pblock, sizeof(*b) + p->pn * sizeof(*p->pack));

		if (!b)
			b = p->pblock;
		b->next = p->blocks;
		p->blocks = b;
		n = &p->stack[slot];
		n->packed = true;
		n->ints = (const long long *)(b + 1);
		n->n = p->pn;
		p->pblock = NULL;
		p->pack = NULL;
		p->pn = p->palloc = 0;
		p->depth--;
		return 0;
	}
	k = p->sp - base;
	if (obj && (p->flags & JREAD_REJECT_DUPLICATES) && k > JREAD_SMALL_OBJ &&
	    (ret = jp_check_names(p, base, k)))
		return ret;
	if (k >= JREAD_ADOPT_MIN && base <= k / 8) {
		kids = jp_adopt(p, base, k);
		if (!kids)
			return -ENOMEM;
	} else {
		kids = jp_alloc(p, k * sizeof(*kids), _Alignof(struct jread_node));
		if (!kids)
			return -ENOMEM;
		memcpy(kids, p->stack + base, k * sizeof(*kids));
	}
	p->sp = base;
	n = &p->stack[slot]; /* the members may have moved the stack */
	n->kids = kids;
	n->n = k;
	p->depth--;
	return 0;
}

/* The value at p->pos, into p->stack[slot]. */
static int jp_value(struct jparser *p, size_t slot)
{
	struct jread_node *n = &p->stack[slot];

	jp_ws(p);
	if (p->pos >= p->len)
		return jp_fail(p, "unexpected end");
	switch (p->s[p->pos]) {
	case '{':
	case '[':
		n->type = p->s[p->pos] == '{' ? JREAD_OBJ : JREAD_ARR;
		return jp_container(p, slot);
	case '"':
		n->type = JREAD_STR;
		return jp_string(p, &n->str);
	case 't':
		n->type = JREAD_BOOL;
		n->b = true;
		return jp_lit(p, "true", 4);
	case 'f':
		n->type = JREAD_BOOL;
		return jp_lit(p, "false", 5);
	case 'n':
		n->type = JREAD_NULL;
		return jp_lit(p, "null", 4);
	default:
		return jp_number(p, n);
	}
}

int jread_parse_path(struct jread_node **root, const char *text, size_t len, unsigned flags,
		     struct strbuf *err, struct strbuf *path)
{
	struct jparser p = { .s = text, .len = len, .flags = flags, .err = err, .path = path };
	struct jread_doc *doc;
	size_t slot;
	int ret;

	*root = NULL;
	if (path)
		strbuf_reset(path);
	p.bound = SIZE_MAX;
	if ((flags & JREAD_BOUND_MEMORY) && len < (SIZE_MAX - JREAD_MEM_SLACK) / JREAD_MEM_FACTOR)
		p.bound = JREAD_MEM_FACTOR * len + JREAD_MEM_SLACK;
	/*
	 * 4 bytes of tree a byte of text to start with (a result document
	 * needs about 8), and each further block twice the one before;
	 * packed, the values take less than their text
	 */
	p.next_block = len < JREAD_BLOCK_MIN / 4 ? JREAD_BLOCK_MIN :
		       (flags & JREAD_PACK_INTS) ? len : len < SIZE_MAX / 8 ? 4 * len : len;
	doc = jp_alloc(&p, sizeof(*doc), _Alignof(struct jread_doc));
	if (!doc)
		ret = -ENOMEM;
	else
		ret = jp_push(&p, NULL, 0, &slot);
	if (!ret)
		ret = jp_value(&p, slot);
	if (!ret) {
		jp_ws(&p);
		if (p.pos != p.len)
			ret = jp_fail(&p, "text after the value");
	}
	if (!ret) {
		doc->blocks = p.blocks;
		doc->root = p.stack[slot];
	}
	free(p.sblock);
	free(p.kpos);
	free(p.pblock);
	if (ret) {
		jp_free_blocks(p.blocks);
		if (ret == -ENOMEM && p.over) {
			strbuf_addf(err, "the text needs more memory to read than %d times its size (%zu bytes)",
				    JREAD_MEM_FACTOR, len);
			return -E2BIG;
		}
		return ret == -ENOMEM ? ret : -EINVAL;
	}
	*root = &doc->root;
	return 0;
}

int jread_parse_flags(struct jread_node **root, const char *text, size_t len, unsigned flags,
		      struct strbuf *err)
{
	return jread_parse_path(root, text, len, flags, err, NULL);
}

int jread_parse(struct jread_node **root, const char *text, size_t len, struct strbuf *err)
{
	return jread_parse_flags(root, text, len, 0, err);
}

void jread_free(struct jread_node *root)
{
	struct jread_doc *doc;

	if (!root)
		return;
	doc = (struct jread_doc *)((char *)root - offsetof(struct jread_doc, root));
	jp_free_blocks(doc->blocks);
}

const struct jread_node *jread_get(const struct jread_node *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != JREAD_OBJ)
		return NULL;
	/* the last of duplicate names wins, as in most readers */
	for (i = obj->n; i-- > 0;)
		if (obj->kids[i].key[0] == key[0] && !strcmp(obj->kids[i].key, key))
			return &obj->kids[i];
	return NULL;
}

const struct jread_node *jread_at(const struct jread_node *arr, size_t i)
{
	if (!arr || arr->type != JREAD_ARR || arr->packed || i >= arr->n)
		return NULL;
	return &arr->kids[i];
}

const char *jread_str(const struct jread_node *n)
{
	return n && n->type == JREAD_STR ? n->str : NULL;
}

bool jread_int_at(const struct jread_node *arr, size_t i, long long *out)
{
	if (!arr || arr->type != JREAD_ARR || i >= arr->n)
		return false;
	if (arr->packed) {
		*out = arr->ints[i];
		return true;
	}
	if (arr->kids[i].type != JREAD_NUM || !arr->kids[i].is_int)
		return false;
	*out = arr->kids[i].i;
	return true;
}

bool jread_num(const struct jread_node *n, double *out)
{
	if (!n || n->type != JREAD_NUM)
		return false;
	*out = n->is_int ? (double)n->i : n->num;
	return true;
}
