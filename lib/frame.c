// SPDX-License-Identifier: GPL-2.0
/* Framed files over a text console: see frame.h for the format and the promise. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/frame.h"

#define FRAME_CANDIDATES 8 /* distinct begin lines of one file tried, first seen first */

static int valid_word(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (n >= max || !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
				  s[n] == '.' || s[n] == '_' || s[n] == '-'))
			return 0;
	return n > 0;
}

int frame_valid_name(const char *s)
{
	return valid_word(s, FRAME_NAME_MAX);
}

int frame_valid_nonce(const char *s)
{
	return valid_word(s, FRAME_NONCE_MAX);
}

/* Tables built on first use: a few hundred cycles, once per process. */
static uint32_t crc32_table[256];
static uint64_t crc64_table[256];
static bool tables_ready;

static void tables_init(void)
{
	unsigned i, k;

	for (i = 0; i < 256; i++) {
		uint32_t c = i;
		uint64_t d = i;

		for (k = 0; k < 8; k++) {
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			d = d & 1 ? 0xc96c5795d7870f42ull ^ (d >> 1) : d >> 1;
		}
		crc32_table[i] = c;
		crc64_table[i] = d;
	}
	tables_ready = true;
}

uint32_t frame_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!tables_ready)
		tables_init();
	crc = ~crc;
	while (len--)
		crc = crc32_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint64_t frame_crc64(uint64_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!tables_ready)
		tables_init();
	crc = ~crc;
	while (len--)
		crc = crc64_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(struct strbuf *out, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		strbuf_addch(out, b64[v >> 18]);
		strbuf_addch(out, b64[(v >> 12) & 63]);
		strbuf_addch(out, b64[(v >> 6) & 63]);
		strbuf_addch(out, b64[v & 63]);
	}
	if (n - i == 1) {
		strbuf_addch(out, b64[p[i] >> 2]);
		strbuf_addch(out, b64[(p[i] & 3) << 4]);
		strbuf_addstr(out, "==");
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];

		strbuf_addch(out, b64[v >> 10]);
		strbuf_addch(out, b64[(v >> 4) & 63]);
		strbuf_addch(out, b64[(v & 15) << 2]);
		strbuf_addch(out, '=');
	}
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode n characters into out[] (room for FRAME_CHUNK); the length, or -1 when malformed. */
static int b64_decode(const char *s, size_t n, unsigned char *out)
{
	size_t i, o = 0;

	if (n % 4 || n / 4 * 3 > FRAME_CHUNK)
		return -1;
	for (i = 0; i < n; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = b64_value((unsigned char)s[i + k])) < 0)
				return -1; /* a character after '=', or not base64 */
		}
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	return (int)o;
}

static void line_end(struct strbuf *out, size_t start)
{
	uint32_t crc = frame_crc32(0, out->buf + start, out->len - start);

	strbuf_addf(out, "%08x\n", (unsigned)crc);
}

int frame_encode(struct strbuf *out, const char *nonce, const char *name, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t off, start, seq;

	if (!frame_valid_nonce(nonce) || !frame_valid_name(name) || len > FRAME_MAX_LEN)
		return -EINVAL;
	start = out->len;
	strbuf_addf(out, FRAME_MAGIC "%s:B:%s:%zu:%016llx:", nonce, name, len,
		    (unsigned long long)frame_crc64(0, data, len));
	line_end(out, start);
	for (off = 0, seq = 0; off < len; off += FRAME_CHUNK, seq++) {
		start = out->len;
		strbuf_addf(out, FRAME_MAGIC "%s:D:%s:%zu:", nonce, name, seq);
		b64_encode(out, p + off, len - off < FRAME_CHUNK ? len - off : FRAME_CHUNK);
		strbuf_addch(out, ':');
		line_end(out, start);
	}
	return 0;
}

/* ---- decoding ---- */

/* One line's fields, pointing into the text: what a valid frame line says. */
struct frame_line {
	char kind;
	const char *f[2];         /* the two fields after the name */
	size_t flen[2];
};

/* Parse n hex digits (exactly, lower case) into *v. */
static bool parse_hex(const char *s, size_t n, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			*v = *v << 4 | (uint64_t)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			*v = *v << 4 | (uint64_t)(s[i] - 'a' + 10);
		else
			return false;
	}
	return true;
}

/* A decimal without leading zeros, at most max. */
static bool parse_dec(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	size_t i;

	if (!n || n > 10 || (n > 1 && s[0] == '0'))
		return false;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return *v <= max;
}

/*
 * Is [s, e) (from the magic to the end of its line) a frame line of
 * nonce and name whose crc32 holds?  Fills fl.
 */
static bool frame_line_parse(const char *s, const char *e, const char *nonce, const char *name,
			     struct frame_line *fl)
{
	size_t mlen = strlen(FRAME_MAGIC), nlen = strlen(nonce), nmlen = strlen(name);
	const char *p = s + mlen, *c, *crc_at;
	uint64_t crc;
	int i;

	/* the crc: the last 8 characters, after the last ':' */
	if (e - s < 9 || e[-9] != ':')
		return false;
	crc_at = e - 8;
	if (!parse_hex(crc_at, 8, &crc) || frame_crc32(0, s, (size_t)(crc_at - s)) != (uint32_t)crc)
		return false;
	if ((size_t)(crc_at - p) < nlen + 1 || memcmp(p, nonce, nlen) || p[nlen] != ':')
		return false;
	p += nlen + 1;
	if (crc_at - p < 2 || (p[0] != 'B' && p[0] != 'D') || p[1] != ':')
		return false;
	fl->kind = p[0];
	p += 2;
	if ((size_t)(crc_at - p) < nmlen + 1 || memcmp(p, name, nmlen) || p[nmlen] != ':')
		return false;
	p += nmlen + 1;
	for (i = 0; i < 2; i++) {
		c = memchr(p, ':', (size_t)(crc_at - p));
		if (!c)
			return false;
		fl->f[i] = p;
		fl->flen[i] = (size_t)(c - p);
		p = c + 1;
	}
	return p == crc_at;
}

/*
 * Call fn for every valid frame line of nonce and name in the text: each
 * occurrence of the magic up to the end of its line ('\n', the '\r's
 * before it dropped), so that a line glued to the end of another's text
 * counts.  fn returns non-zero to stop.
 */
static void frame_scan(const char *text, size_t len, const char *nonce, const char *name,
		       int (*fn)(void *ctx, const struct frame_line *fl), void *ctx)
{
	const char *end = text + len, *ls = text;
	size_t mlen = strlen(FRAME_MAGIC);

	while (ls < end) {
		const char *le = memchr(ls, '\n', (size_t)(end - ls)), *next, *m;

		if (!le)
			le = end;
		next = le < end ? le + 1 : end;
		while (le > ls && le[-1] == '\r')
			le--;
		for (m = ls; (m = memmem(m, (size_t)(le - m), FRAME_MAGIC, mlen)); m++) {
			struct frame_line fl;

			if (frame_line_parse(m, le, nonce, name, &fl) && fn(ctx, &fl))
				return;
		}
		ls = next;
	}
}

struct begin {
	uint64_t len, crc64;
};

struct scan_begin {
	struct begin b[FRAME_CANDIDATES];
	int n;
};

static int collect_begin(void *ctx, const struct frame_line *fl)
{
	struct scan_begin *sb = ctx;
	uint64_t len, crc;
	int i;

	if (fl->kind != 'B' || !parse_dec(fl->f[0], fl->flen[0], FRAME_MAX_LEN, &len) ||
	    fl->flen[1] != 16 || !parse_hex(fl->f[1], 16, &crc))
		return 0;
	for (i = 0; i < sb->n; i++)
		if (sb->b[i].len == len && sb->b[i].crc64 == crc)
			return 0;
	sb->b[sb->n].len = len;
	sb->b[sb->n].crc64 = crc;
	return ++sb->n == FRAME_CANDIDATES;
}

struct scan_data {
	unsigned char *buf;
	uint64_t len, nchunks, missing;
	unsigned char *have;      /* [nchunks] */
	bool last_wins;           /* a later line of a seq replaces an earlier one */
};

static int collect_data(void *ctx, const struct frame_line *fl)
{
	struct scan_data *sd = ctx;
	unsigned char chunk[FRAME_CHUNK];
	uint64_t seq, want;
	int n;

	if (fl->kind != 'D' || !parse_dec(fl->f[0], fl->flen[0], sd->nchunks ? sd->nchunks - 1 : 0, &seq) ||
	    seq >= sd->nchunks || (sd->have[seq] && !sd->last_wins))
		return 0;
	want = seq + 1 < sd->nchunks ? FRAME_CHUNK : sd->len - seq * FRAME_CHUNK;
	n = b64_decode(fl->f[1], fl->flen[1], chunk);
	if (n < 0 || (uint64_t)n != want)
		return 0;
	memcpy(sd->buf + seq * FRAME_CHUNK, chunk, (size_t)n);
	if (!sd->have[seq])
		sd->missing--;
	sd->have[seq] = 1;
	return !sd->missing && !sd->last_wins;
}

int frame_decode(const char *text, size_t len, const char *nonce, const char *name, struct strbuf *out)
{
	struct scan_begin sb = { .n = 0 };
	int i, ret = -ENOENT;

	if (!frame_valid_nonce(nonce) || !frame_valid_name(name))
		return -EINVAL;
	frame_scan(text, len, nonce, name, collect_begin, &sb);
	/*
	 * Each begin line, with each seq's first valid line, then with its
	 * last: a line that kept its crc32 but not its text (or one from
	 * elsewhere) costs the one pass, not the file, when the sender sent
	 * the file again after it.
	 */
	for (i = 0; i < 2 * sb.n && ret; i++) {
		struct scan_data sd = { 0 };

		ret = -EBADMSG;
		sd.len = sb.b[i / 2].len;
		sd.nchunks = (sd.len + FRAME_CHUNK - 1) / FRAME_CHUNK;
		sd.missing = sd.nchunks;
		sd.last_wins = i % 2;
		sd.buf = malloc(sd.len ? sd.len : 1);
		sd.have = calloc(sd.nchunks ? sd.nchunks : 1, 1);
		if (!sd.buf || !sd.have)
			abort(); /* as strbuf does */
		if (sd.nchunks)
			frame_scan(text, len, nonce, name, collect_data, &sd);
		if (!sd.missing && frame_crc64(0, sd.buf, sd.len) == sb.b[i / 2].crc64) {
			strbuf_add(out, sd.buf, sd.len);
			ret = 0;
		}
		free(sd.buf);
		free(sd.have);
	}
	return ret;
}
