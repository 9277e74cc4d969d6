// SPDX-License-Identifier: GPL-2.0
/*
 * Files framed over a console (lib/frame.c), as forkwatch vm reads them
 * back from its guest's serial port.  The input is a program: the length
 * of a document, then edits to the console text that carries it twice
 * (as the guest sends it): tear, drop, duplicate, move, flip bytes, glue
 * lines, insert garbage and kernel messages.  Whatever the edits, the
 * decoder gives the document or an error, never other bytes.  An input
 * whose first byte is 0xff is console text as it is instead: the decoder
 * must not crash, and what it returns has the length and CRC-64 of a
 * begin line that is in the text.
 */
#include "fuzz.h"
#include "lib/frame.h"

static const char nonce[] = "5eed0f00";

struct prog {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct prog *pr, unsigned bytes)
{
	unsigned v = 0;

	while (bytes--) {
		v <<= 8;
		if (pr->n) {
			v |= *pr->p++;
			pr->n--;
		}
	}
	return v;
}

static void make_doc(struct strbuf *doc, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		strbuf_addch(doc, (int)"{\"cases\": [{\"ns\": [9412345, 17]}]}\n"[(i + seed) % 35]);
}

/* Replace [at, at + del) of text with len bytes of ins. */
static void splice(struct strbuf *text, size_t at, size_t del, const char *ins, size_t len)
{
	struct strbuf t = STRBUF_INIT;

	if (at > text->len)
		at = text->len;
	if (del > text->len - at)
		del = text->len - at;
	strbuf_add(&t, text->buf, at);
	strbuf_add(&t, ins, len);
	strbuf_add(&t, text->buf + at + del, text->len - at - del);
	strbuf_reset(text);
	strbuf_add(text, t.buf, t.len);
	strbuf_release(&t);
}

static void raw_text(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT, hdr = STRBUF_INIT;
	int ret = frame_decode((const char *)data, size, nonce, "result.json", &out);

	FUZZ_CHECK(!ret || ret == -ENOENT || ret == -EBADMSG, "frame_decode returned %d", ret);
	if (!ret) {
		/* its begin line is in the text */
		strbuf_addf(&hdr, FRAME_MAGIC "%s:B:result.json:%zu:%016llx:", nonce, out.len,
			    (unsigned long long)frame_crc64(0, out.buf, out.len));
		FUZZ_CHECK(memmem(data, size, hdr.buf, hdr.len), "decoded %zu bytes without their begin line",
			   out.len);
	} else {
		FUZZ_CHECK(out.len == 0, "error %d with %zu bytes out", ret, out.len);
	}
	strbuf_release(&hdr);
	strbuf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const noise[] = { "\n", "\r\n", "\r", "\n[   1.234567] random: crng init done\n",
					     "[ 2.5] glued", "@FW1:", "\0" };
	struct prog pr = { data, size };
	struct strbuf doc = STRBUF_INIT, text = STRBUF_INIT, out = STRBUF_INIT, tmp = STRBUF_INIT;
	unsigned ops = 0;
	int ret;

	if (size && data[0] == 0xff) {
		raw_text(data + 1, size - 1);
		return 0;
	}
	make_doc(&doc, take(&pr, 2) % 2000, take(&pr, 1));
	if (frame_encode(&text, nonce, "result.json", doc.buf, doc.len) ||
	    frame_encode(&text, nonce, "result.json", doc.buf, doc.len))
		fuzz_fail("frame_encode of %zu bytes failed", doc.len);
	while (pr.n && ops++ < 64) {
		unsigned op = take(&pr, 1) % 7, at = take(&pr, 2) % (unsigned)(text.len + 1);
		unsigned n = take(&pr, 1), i;

		switch (op) {
		case 0: /* tear out n bytes */
			splice(&text, at, n, "", 0);
			break;
		case 1: /* duplicate n bytes at another place */
			strbuf_reset(&tmp);
			strbuf_add(&tmp, text.buf + at, at + n <= text.len ? n : text.len - at);
			splice(&text, take(&pr, 2) % (unsigned)(text.len + 1), 0, tmp.buf, tmp.len);
			break;
		case 2: /* move n bytes (lines out of order) */
			strbuf_reset(&tmp);
			strbuf_add(&tmp, text.buf + at, at + n <= text.len ? n : text.len - at);
			splice(&text, at, tmp.len, "", 0);
			splice(&text, take(&pr, 2) % (unsigned)(text.len + 1), 0, tmp.buf, tmp.len);
			break;
		case 3: /* garbage from the input */
			strbuf_reset(&tmp);
			for (i = 0; i < n && pr.n; i++)
				strbuf_addch(&tmp, (int)take(&pr, 1));
			splice(&text, at, 0, tmp.buf, tmp.len);
			break;
		case 4: /* flip bits of one byte */
			if (at < text.len && n)
				text.buf[at] = (char)(text.buf[at] ^ n);
			break;
		case 5: /* a kernel message, a glued line, a stray newline */
			splice(&text, at, 0, noise[n % 7], n % 7 == 6 ? 1 : strlen(noise[n % 7]));
			break;
		default: /* cut the rest off */
			strbuf_setlen(&text, at);
			break;
		}
	}
	ret = frame_decode(text.buf, text.len, nonce, "result.json", &out);
	FUZZ_CHECK(!ret || ret == -ENOENT || ret == -EBADMSG, "frame_decode returned %d", ret);
	if (!ret)
		FUZZ_CHECK(out.len == doc.len && !memcmp(out.buf, doc.buf, doc.len),
			   "a wrong document: %zu bytes decoded, %zu sent", out.len, doc.len);
	else
		FUZZ_CHECK(out.len == 0, "error %d with %zu bytes out", ret, out.len);
	strbuf_release(&tmp);
	strbuf_release(&out);
	strbuf_release(&text);
	strbuf_release(&doc);
	return 0;
}
