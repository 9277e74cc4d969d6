// SPDX-License-Identifier: GPL-2.0
/* The samples codec (sampcodec.h): delta, zigzag, byte planes, zstd. */
#include "lib/sampcodec.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#define FORMAT_VERSION 1
#define METHOD_STORED 0
#define METHOD_ZSTD 1
/*
 * zstd's default level: on these payloads (a few kB each) higher levels
 * win a few per cent for several times the time, lower ones lose more.
 */
#define ZSTD_LEVEL 3

struct sampcodec {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	struct strbuf payload;   /* the payload being built or decompressed */
	uint64_t *z;             /* zigzag differences of one series */
	size_t zalloc;
};

int sampcodec_new(struct sampcodec **out)
{
	struct sampcodec *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->cctx = ZSTD_createCCtx();
	c->dctx = ZSTD_createDCtx();
	if (!c->cctx || !c->dctx) {
		sampcodec_free(c);
		return -ENOMEM;
	}
	strbuf_init(&c->payload, 0);
	*out = c;
	return 0;
}

void sampcodec_free(struct sampcodec *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	strbuf_release(&c->payload);
	free(c->z);
	free(c);
}

/* ---- encoding ---------------------------------------------------------- */

static void put_varint(struct strbuf *sb, uint64_t u)
{
	unsigned char b[10];
	size_t n = 0;

	while (u >= 0x80) {
		b[n++] = (unsigned char)(u | 0x80);
		u >>= 7;
	}
	b[n++] = (unsigned char)u;
	strbuf_add(sb, b, n);
}

static void put_u64(struct strbuf *sb, uint64_t u)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (8 * i));
	strbuf_add(sb, b, 8);
}

/* Whether v is a whole number that int64 holds exactly (not -0.0): *i then holds it. */
static bool whole(double v, int64_t *i)
{
	if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
		return false; /* NaN, infinities, beyond int64 */
	*i = (int64_t)v;
	return (double)*i == v && !(*i == 0 && signbit(v));
}

/* Take n more bytes written past sb->len into sb (room made with strbuf_grow). */
static void extend(struct strbuf *sb, size_t n)
{
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static uint64_t bits_of(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

static int check_series(const struct sampcodec_series *s, size_t *total)
{
	size_t len, r;
	uint64_t sum = 0;

	if (!s->name)
		return -EINVAL;
	len = strnlen(s->name, SAMPCODEC_NAME_MAX);
	if (!len || len >= SAMPCODEC_NAME_MAX || s->nruns > SAMPCODEC_MAX_RUNS ||
	    (s->nruns && !s->run_len) || (s->nvalues && !s->values))
		return -EINVAL;
	for (r = 0; r < s->nruns; r++)
		sum += s->run_len[r];
	if (sum != s->nvalues || s->nvalues > SAMPCODEC_MAX_VALUES - *total)
		return -EINVAL;
	*total += s->nvalues;
	return 0;
}

/* One series into the payload p; z has room for its values. */
static void encode_series(const struct sampcodec_series *s, uint64_t *z, struct strbuf *p)
{
	size_t i, r, nz = 0, nexc = 0, last = 0;
	uint64_t prev = 0, max = 0;
	int64_t v;
	unsigned w, b;

	put_varint(p, strlen(s->name));
	strbuf_addstr(p, s->name);
	put_varint(p, s->nruns);
	for (r = 0; r < s->nruns; r++)
		put_varint(p, s->run_len[r]);
	for (i = 0; i < s->nvalues; i++)
		if (!whole(s->values[i], &v))
			nexc++;
	put_varint(p, nexc);
	for (i = 0; i < s->nvalues; i++) {
		if (whole(s->values[i], &v)) {
			/* unsigned arithmetic: the difference wraps, and unwraps the same way */
			uint64_t d = (uint64_t)v - prev;

			z[nz] = (d << 1) ^ (0 - (d >> 63));
			max |= z[nz++];
			prev = (uint64_t)v;
			continue;
		}
		put_varint(p, i - last);
		put_u64(p, bits_of(s->values[i]));
		last = i + 1;
	}
	for (w = 0; w < 8 && max >> (8 * w); w++)
		;
	strbuf_addch(p, (int)w);
	strbuf_grow(p, (size_t)w * nz);
	for (b = 0; b < w; b++) {
		unsigned char *q = (unsigned char *)p->buf + p->len;

		for (i = 0; i < nz; i++)
			q[i] = (unsigned char)(z[i] >> (8 * b));
		extend(p, nz);
	}
}

int sampcodec_encode(struct sampcodec *c, const struct sampcodec_series *s, size_t n,
		     struct strbuf *out)
{
	struct sampcodec *own = NULL;
	size_t i, total = 0, most = 0, bound, len0 = out->len;
	int ret;

	if (n > SAMPCODEC_MAX_SERIES)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		ret = check_series(&s[i], &total);
		if (ret)
			return ret;
		if (s[i].nvalues > most)
			most = s[i].nvalues;
	}
	if (!c) {
		ret = sampcodec_new(&own);
		if (ret)
			return ret;
		c = own;
	}
	if (most > c->zalloc) {
		uint64_t *z = realloc(c->z, most * sizeof(*z));

		if (!z) {
			ret = -ENOMEM;
			goto out;
		}
		c->z = z;
		c->zalloc = most;
	}
	strbuf_reset(&c->payload);
	put_varint(&c->payload, n);
	for (i = 0; i < n; i++)
		encode_series(&s[i], c->z, &c->payload);

	strbuf_addch(out, FORMAT_VERSION);
	bound = ZSTD_compressBound(c->payload.len);
	strbuf_grow(out, 1 + (bound > c->payload.len ? bound : c->payload.len));
	if (c->payload.len > 16) {
		size_t zn = ZSTD_compressCCtx(c->cctx, out->buf + out->len + 1, bound, c->payload.buf,
					      c->payload.len, ZSTD_LEVEL);

		if (!ZSTD_isError(zn) && zn < c->payload.len) {
			out->buf[out->len] = METHOD_ZSTD;
			extend(out, 1 + zn);
			ret = 0;
			goto out;
		}
	}
	strbuf_addch(out, METHOD_STORED);
	strbuf_add(out, c->payload.buf, c->payload.len);
	ret = 0;
out:
	if (ret)
		strbuf_setlen(out, len0);
	sampcodec_free(own);
	return ret;
}

/* ---- decoding ---------------------------------------------------------- */

struct reader {
	const unsigned char *p, *end;
};

static int get_varint(struct reader *rd, uint64_t *out)
{
	uint64_t u = 0;
	unsigned shift;

	for (shift = 0; shift < 64; shift += 7) {
		unsigned char b;

		if (rd->p == rd->end)
			return -EBADMSG;
		b = *rd->p++;
		if (shift == 63 && b > 1)
			return -EBADMSG; /* beyond 64 bits */
		u |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = u;
			return 0;
		}
	}
	return -EBADMSG;
}

static int skip(struct reader *rd, uint64_t n, const unsigned char **at)
{
	if (n > (uint64_t)(rd->end - rd->p))
		return -EBADMSG;
	*at = rd->p;
	rd->p += n;
	return 0;
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 7; i >= 0; i--)
		u = u << 8 | p[i];
	return u;
}

static double double_of(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* What pass one counts, so that pass two fills one allocation. */
struct totals {
	size_t series, runs, values;
};

/*
 * Walk the payload once.  Without set it checks everything and counts
 * into t; with set (the same payload, checked) it fills set's series
 * from the memory laid out after them.
 */
static int walk(struct reader *rd, size_t max_values, struct totals *t, struct sampcodec_set *set)
{
	uint64_t nseries, len, nruns, nexc, rl, gap, w;
	const unsigned char *name, *exc, *planes;
	double *values = NULL;
	uint32_t *run_len = NULL;
	char *names = NULL;
	size_t k, i, r, b;
	int ret;

	if ((ret = get_varint(rd, &nseries)))
		return ret;
	if (nseries > SAMPCODEC_MAX_SERIES)
		return -EBADMSG;
	if (set) {
		values = (double *)(set->s + nseries);
		run_len = (uint32_t *)(values + t->values);
		names = (char *)(run_len + t->runs);
		set->n = (size_t)nseries;
	} else {
		memset(t, 0, sizeof(*t));
		t->series = (size_t)nseries;
	}
	for (k = 0; k < nseries; k++) {
		uint64_t nvalues = 0;

		if ((ret = get_varint(rd, &len)))
			return ret;
		if (!len || len >= SAMPCODEC_NAME_MAX || (ret = skip(rd, len, &name)))
			return -EBADMSG;
		if (memchr(name, '\0', (size_t)len))
			return -EBADMSG;
		if ((ret = get_varint(rd, &nruns)))
			return ret;
		if (nruns > SAMPCODEC_MAX_RUNS)
			return -EBADMSG;
		for (r = 0; r < nruns; r++) {
			if ((ret = get_varint(rd, &rl)))
				return ret;
			if (rl > UINT32_MAX)
				return -EBADMSG;
			if (!set && rl > max_values - t->values - nvalues)
				return -E2BIG;
			nvalues += rl;
			if (set)
				run_len[r] = (uint32_t)rl;
		}
		if ((ret = get_varint(rd, &nexc)))
			return ret;
		if (nexc > nvalues)
			return -EBADMSG;
		exc = rd->p;
		for (i = 0, r = 0; i < nexc; i++, r++) {
			const unsigned char *bits;

			if ((ret = get_varint(rd, &gap)))
				return ret;
			if (gap >= nvalues - r)
				return -EBADMSG; /* past the last value */
			r += (size_t)gap;
			if ((ret = skip(rd, 8, &bits)))
				return ret;
		}
		if (rd->p == rd->end)
			return -EBADMSG;
		w = *rd->p++;
		/* nvalues - nexc <= max_values: the product cannot overflow */
		if (w > 8 || (ret = skip(rd, w * (nvalues - nexc), &planes)))
			return -EBADMSG;
		if (set) {
			struct sampcodec_series *s = &set->s[k];
			struct reader er = { exc, planes };
			size_t next = SIZE_MAX, nz = (size_t)(nvalues - nexc), iz = 0, left = nexc;
			uint64_t prev = 0;
			int64_t sv;

			memcpy(names, name, (size_t)len);
			names[len] = '\0';
			s->name = names;
			s->nruns = (size_t)nruns;
			s->run_len = run_len;
			s->nvalues = (size_t)nvalues;
			s->values = values;
			if (nexc && !get_varint(&er, &gap))
				next = (size_t)gap;
			for (i = 0; i < nvalues; i++) {
				uint64_t z = 0, d;

				if (i == next) {
					values[i] = double_of(get_u64(er.p));
					er.p += 8;
					next = --left && !get_varint(&er, &gap) ? i + 1 + (size_t)gap
										: SIZE_MAX;
					continue;
				}
				for (b = 0; b < w; b++)
					z |= (uint64_t)planes[b * nz + iz] << (8 * b);
				iz++;
				d = (z >> 1) ^ (0 - (z & 1));
				prev += d;
				/* prev as int64 (two's complement) without an out-of-range conversion */
				sv = prev <= INT64_MAX ? (int64_t)prev : -(int64_t)~prev - 1;
				values[i] = (double)sv;
			}
			values += nvalues;
			run_len += nruns;
			names += SAMPCODEC_NAME_MAX;
		} else {
			t->runs += (size_t)nruns;
			t->values += (size_t)nvalues;
		}
	}
	return rd->p == rd->end ? 0 : -EBADMSG;
}

/* The payload of blob: in place, or decompressed into c's scratch. */
static int payload(struct sampcodec *c, const unsigned char *blob, size_t len, size_t max_values,
		   struct reader *rd)
{
	unsigned long long size;
	uint64_t cap;
	size_t n;

	if (len < 2 || blob[0] != FORMAT_VERSION)
		return -EBADMSG;
	if (blob[1] == METHOD_STORED) {
		rd->p = blob + 2;
		rd->end = blob + len;
		return 0;
	}
	if (blob[1] != METHOD_ZSTD)
		return -EBADMSG;
	blob += 2;
	len -= 2;
	if (ZSTD_findFrameCompressedSize(blob, len) != len)
		return -EBADMSG; /* not exactly one frame */
	size = ZSTD_getFrameContentSize(blob, len);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
		return -EBADMSG;
	/* the most a payload of max_values values can take: 8 bytes and a gap each, and names and runs */
	cap = (uint64_t)10 + SAMPCODEC_MAX_SERIES * (2 + SAMPCODEC_NAME_MAX + 10 + 5 * SAMPCODEC_MAX_RUNS + 11) +
	      18 * max_values;
	if (size > cap)
		return -E2BIG;
	strbuf_reset(&c->payload);
	strbuf_grow(&c->payload, (size_t)size);
	n = ZSTD_decompressDCtx(c->dctx, c->payload.buf, (size_t)size, blob, len);
	if (ZSTD_isError(n) || n != size)
		return -EBADMSG;
	extend(&c->payload, n);
	rd->p = (const unsigned char *)c->payload.buf;
	rd->end = rd->p + n;
	return 0;
}

int sampcodec_decode(struct sampcodec *c, const void *blob, size_t len, size_t max_values,
		     struct sampcodec_set *set)
{
	struct sampcodec *own = NULL;
	struct reader rd, again;
	struct totals t;
	size_t size;
	int ret;

	memset(set, 0, sizeof(*set));
	if (max_values > SAMPCODEC_MAX_VALUES)
		max_values = SAMPCODEC_MAX_VALUES;
	if (!c) {
		ret = sampcodec_new(&own);
		if (ret)
			return ret;
		c = own;
	}
	ret = payload(c, blob, len, max_values, &rd);
	if (ret)
		goto out;
	again = rd;
	ret = walk(&rd, max_values, &t, NULL);
	if (ret)
		goto out;
	/* each term is bounded by the limits that walk() checked */
	size = t.series * (sizeof(*set->s) + SAMPCODEC_NAME_MAX) + t.values * sizeof(double) +
	       t.runs * sizeof(uint32_t);
	set->mem = malloc(size ? size : 1);
	if (!set->mem) {
		ret = -ENOMEM;
		goto out;
	}
	set->s = set->mem;
	ret = walk(&again, max_values, &t, set);
out:
	if (ret)
		sampcodec_set_release(set);
	sampcodec_free(own);
	return ret;
}

void sampcodec_set_release(struct sampcodec_set *set)
{
	free(set->mem);
	memset(set, 0, sizeof(*set));
}

const struct sampcodec_series *sampcodec_set_find(const struct sampcodec_set *set,
						  const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->s[i].name, name))
			return &set->s[i];
	return NULL;
}
