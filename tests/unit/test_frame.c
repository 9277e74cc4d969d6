// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/frame.c: files framed over a console, and what a console does to them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/frame.h"

static const char nonce[] = "0123abcd";

/* A document of n bytes that changes along its length. */
static void make_doc(struct strbuf *sb, size_t n)
{
	size_t i;

	strbuf_reset(sb);
	for (i = 0; i < n; i++)
		strbuf_addch(sb, (int)"{\"ns\": [12345, 678], \"x\": \"\\u00e9\"}\n"[i % 36] ^ (int)(i / 36 % 2));
}

/* The lines of one encoding, split into an array of strbufs (each without its '\n'). */
static size_t split_lines(const struct strbuf *enc, struct strbuf *lines, size_t max)
{
	const char *p = enc->buf, *e;
	size_t n = 0;

	while (*p && n < max) {
		e = strchr(p, '\n');
		strbuf_init(&lines[n], 0);
		strbuf_add(&lines[n], p, (size_t)(e - p));
		n++;
		p = e + 1;
	}
	return n;
}

static void release_lines(struct strbuf *lines, size_t n)
{
	while (n--)
		strbuf_release(&lines[n]);
}

static void expect_doc(const char *text, size_t len, const struct strbuf *doc)
{
	struct strbuf out = STRBUF_INIT;
	int ret = frame_decode(text, len, nonce, "result.json", &out);

	if (ret)
		fail_msg("frame_decode: %d, expected the document", ret);
	assert_int_equal(out.len, doc->len);
	assert_memory_equal(out.buf, doc->buf, doc->len);
	strbuf_release(&out);
}

static void expect_none(const char *text, size_t len, int want)
{
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(frame_decode(text, len, nonce, "result.json", &out), want);
	assert_int_equal(out.len, 0);
	strbuf_release(&out);
}

static void test_frame_checksums(void **state)
{
	(void)state;
	/* the check values of the catalogue of parametrised CRC algorithms */
	assert_true(frame_crc32(0, "123456789", 9) == 0xcbf43926u);
	assert_true(frame_crc64(0, "123456789", 9) == 0x995dc9bbdf1939faull);
	assert_true(frame_crc32(frame_crc32(0, "1234", 4), "56789", 5) == 0xcbf43926u);
	assert_true(frame_crc64(frame_crc64(0, "12345", 5), "6789", 4) == 0x995dc9bbdf1939faull);
	assert_true(frame_crc32(0, "", 0) == 0 && frame_crc64(0, "", 0) == 0);
}

static void test_frame_names(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_true(frame_valid_name("result.json"));
	assert_true(frame_valid_name("status"));
	assert_false(frame_valid_name(""));
	assert_false(frame_valid_name("Result"));
	assert_false(frame_valid_name("a:b"));
	assert_false(frame_valid_name("a b"));
	assert_false(frame_valid_name("abcdefghijklmnopqrstuvwxyz0123456"));
	assert_int_equal(frame_encode(&out, "x:y", "result.json", "a", 1), -EINVAL);
	assert_int_equal(frame_encode(&out, nonce, "A", "a", 1), -EINVAL);
	assert_int_equal(frame_encode(&out, nonce, "a", "a", FRAME_MAX_LEN + 1ul), -EINVAL);
	assert_int_equal(out.len, 0);
	assert_int_equal(frame_decode("", 0, "", "a", &out), -EINVAL);
	strbuf_release(&out);
}

/* Every length around the chunk size, the empty file too, through a clean console. */
static void test_frame_roundtrip(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 56, 57, 58, 113, 114, 115, 1000, 70000 };
	struct strbuf doc = STRBUF_INIT, enc = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		make_doc(&doc, sizes[i]);
		strbuf_reset(&enc);
		assert_int_equal(frame_encode(&enc, nonce, "result.json", doc.buf, doc.len), 0);
		assert_int_equal(enc.buf[enc.len - 1], '\n');
		expect_doc(enc.buf, enc.len, &doc);
		/* other names and nonces see nothing */
		assert_int_equal(frame_decode(enc.buf, enc.len, "0123abce", "result.json", &doc), -ENOENT);
		assert_int_equal(frame_decode(enc.buf, enc.len, nonce, "result.jso", &doc), -ENOENT);
		assert_int_equal(frame_decode(enc.buf, enc.len, nonce, "status", &doc), -ENOENT);
	}
	strbuf_release(&doc);
	strbuf_release(&enc);
}

/* A boot log around it, "\r\n" line ends, a kernel message glued before a line, files side by side. */
static void test_frame_console(void **state)
{
	struct strbuf doc = STRBUF_INIT, enc = STRBUF_INIT, text = STRBUF_INIT, other = STRBUF_INIT;
	struct strbuf lines[64], got = STRBUF_INIT;
	size_t n, i;

	(void)state;
	make_doc(&doc, 1000);
	assert_int_equal(frame_encode(&enc, nonce, "result.json", doc.buf, doc.len), 0);
	n = split_lines(&enc, lines, 64);
	assert_int_equal(n, 1 + (1000 + 56) / 57);
	strbuf_addstr(&text, "[    0.000000] Linux version 6.1.0-57-arm64\r\nfw-guest: bench\r\n");
	strbuf_add(&text, "\0\xff\x01garbage", 11);
	for (i = 0; i < n; i++) {
		if (i == 3)
			strbuf_addstr(&text, "[    3.141592] random: crng init done"); /* no newline */
		strbuf_addf(&text, "%s\r\n", lines[i].buf);
		if (i == 5)
			assert_int_equal(frame_encode(&text, nonce, "status", "rc=0\n", 5), 0);
	}
	strbuf_addstr(&text, "reboot: Power down\r\n");
	expect_doc(text.buf, text.len, &doc);
	assert_int_equal(frame_decode(text.buf, text.len, nonce, "status", &got), 0);
	assert_string_equal(got.buf, "rc=0\n");
	/* the last line without its newline still counts */
	strbuf_reset(&text);
	for (i = 0; i < n; i++)
		strbuf_addf(&text, i + 1 < n ? "%s\n" : "%s", lines[i].buf);
	expect_doc(text.buf, text.len, &doc);
	/* two lines glued: the first is lost, so the file is, unless sent again */
	strbuf_reset(&text);
	for (i = 0; i < n; i++)
		strbuf_addf(&text, i == 4 ? "%s" : "%s\n", lines[i].buf);
	expect_none(text.buf, text.len, -EBADMSG);
	strbuf_add(&text, enc.buf, enc.len);
	expect_doc(text.buf, text.len, &doc);
	release_lines(lines, n);
	strbuf_release(&got);
	strbuf_release(&other);
	strbuf_release(&text);
	strbuf_release(&enc);
	strbuf_release(&doc);
}

/* Lines torn, lost, duplicated, reordered: the file when a copy of each line survives, else nothing. */
static void test_frame_damage(void **state)
{
	struct strbuf doc = STRBUF_INIT, enc = STRBUF_INIT, text = STRBUF_INIT, lines[32];
	size_t n, i, j;

	(void)state;
	make_doc(&doc, 600);
	assert_int_equal(frame_encode(&enc, nonce, "result.json", doc.buf, doc.len), 0);
	n = split_lines(&enc, lines, 32);
	/* each line torn in turn (a printk in its middle), once: nothing; with a second copy: the file */
	for (i = 0; i < n; i++) {
		strbuf_reset(&text);
		for (j = 0; j < n; j++) {
			if (j == i) {
				strbuf_add(&text, lines[j].buf, lines[j].len / 2);
				strbuf_addstr(&text, "\n[   12.000000] printk\n");
				strbuf_addf(&text, "%s\n", lines[j].buf + lines[j].len / 2);
			} else {
				strbuf_addf(&text, "%s\n", lines[j].buf);
			}
		}
		expect_none(text.buf, text.len, i == 0 ? -ENOENT : -EBADMSG);
		strbuf_add(&text, enc.buf, enc.len);
		expect_doc(text.buf, text.len, &doc);
	}
	/* each line lost in turn */
	for (i = 1; i < n; i++) {
		strbuf_reset(&text);
		for (j = 0; j < n; j++)
			if (j != i)
				strbuf_addf(&text, "%s\n", lines[j].buf);
		expect_none(text.buf, text.len, -EBADMSG);
	}
	/* reversed and each line twice */
	strbuf_reset(&text);
	for (i = n; i-- > 0;)
		strbuf_addf(&text, "%s\n%s\n", lines[i].buf, lines[i].buf);
	expect_doc(text.buf, text.len, &doc);
	/* one character changed anywhere in a line: that line no longer counts */
	for (i = 0; i < n; i++) {
		for (j = 0; j < lines[i].len; j += 7) {
			char saved = lines[i].buf[j];
			size_t k;

			lines[i].buf[j] = saved == 'A' ? 'B' : 'A';
			strbuf_reset(&text);
			for (k = 0; k < n; k++)
				strbuf_addf(&text, "%s\n", lines[k].buf);
			expect_none(text.buf, text.len, i == 0 ? -ENOENT : -EBADMSG);
			lines[i].buf[j] = saved;
		}
	}
	release_lines(lines, n);
	strbuf_release(&text);
	strbuf_release(&enc);
	strbuf_release(&doc);
}

/*
 * Lines whose own crc32 holds but that belong to another file of the same
 * name (an earlier version, a forgery of a single line): the CRC-64 of
 * the whole refuses the mixture, and a complete copy after it still decodes.
 */
static void test_frame_mixed(void **state)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, ea = STRBUF_INIT, eb = STRBUF_INIT;
	struct strbuf la[32], lb[32], text = STRBUF_INIT;
	size_t na, nb, i;

	(void)state;
	make_doc(&a, 300);
	strbuf_add(&b, a.buf, a.len);
	b.buf[100] ^= 1; /* the same length, one bit apart: chunk 1 differs */
	assert_int_equal(frame_encode(&ea, nonce, "result.json", a.buf, a.len), 0);
	assert_int_equal(frame_encode(&eb, nonce, "result.json", b.buf, b.len), 0);
	na = split_lines(&ea, la, 32);
	nb = split_lines(&eb, lb, 32);
	assert_int_equal(na, nb);
	/* a's begin line with b's chunk 1: neither a nor b */
	for (i = 0; i < na; i++)
		strbuf_addf(&text, "%s\n", i == 2 ? lb[i].buf : la[i].buf);
	expect_none(text.buf, text.len, -EBADMSG);
	/* then a whole copy of a: the last line of each seq wins on the second pass */
	strbuf_add(&text, ea.buf, ea.len);
	expect_doc(text.buf, text.len, &a);
	/* b's chunk after a's, a alone begun: the first pass has a's */
	strbuf_reset(&text);
	for (i = 0; i < na; i++)
		strbuf_addf(&text, "%s\n", la[i].buf);
	strbuf_addf(&text, "%s\n", lb[2].buf);
	expect_doc(text.buf, text.len, &a);
	/* both begun, b's first: b wins as long as its lines are whole */
	strbuf_reset(&text);
	strbuf_add(&text, eb.buf, eb.len);
	strbuf_add(&text, ea.buf, ea.len);
	expect_doc(text.buf, text.len, &b);
	release_lines(la, na);
	release_lines(lb, nb);
	strbuf_release(&text);
	strbuf_release(&ea);
	strbuf_release(&eb);
	strbuf_release(&a);
	strbuf_release(&b);
}

/* Lines that look right but break the rules: each is refused. */
static void test_frame_strict(void **state)
{
	static const char *const bad[] = {
		"@FW1:0123abcd:B:result.json:01:%s",          /* a leading zero */
		"@FW1:0123abcd:B:result.json:1:%s:extra",     /* a field too many */
		"@FW1:0123abcd:B:result.json:1:%s",           /* the crc64 in upper case: below */
		"@FW1:0123abcd:B:result.json:99999999999:%s", /* too long */
	};
	struct strbuf line = STRBUF_INIT, text = STRBUF_INIT, crc = STRBUF_INIT;
	size_t i;

	(void)state;
	strbuf_addf(&crc, "%016llx", (unsigned long long)frame_crc64(0, "x", 1));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&line);
		strbuf_addf(&line, bad[i], crc.buf);
		if (i == 2)
			for (char *p = line.buf + line.len - 16; *p; p++)
				if (*p >= 'a' && *p <= 'f')
					*p = (char)(*p - 'a' + 'A');
		strbuf_addch(&line, ':');
		strbuf_reset(&text);
		strbuf_addf(&text, "%s%08x\n", line.buf, (unsigned)frame_crc32(0, line.buf, line.len));
		/* a valid data line for it */
		strbuf_reset(&line);
		strbuf_addstr(&line, "@FW1:0123abcd:D:result.json:0:eA==:");
		strbuf_addf(&text, "%s%08x\n", line.buf, (unsigned)frame_crc32(0, line.buf, line.len));
		expect_none(text.buf, text.len, -ENOENT);
	}
	/* the same begin line done right decodes, so the refusals above are the rules' */
	strbuf_reset(&line);
	strbuf_addf(&line, "@FW1:0123abcd:B:result.json:1:%s:", crc.buf);
	strbuf_reset(&text);
	strbuf_addf(&text, "%s%08x\n", line.buf, (unsigned)frame_crc32(0, line.buf, line.len));
	strbuf_reset(&line);
	strbuf_addstr(&line, "@FW1:0123abcd:D:result.json:0:eA==:");
	strbuf_addf(&text, "%s%08x\n", line.buf, (unsigned)frame_crc32(0, line.buf, line.len));
	strbuf_reset(&line);
	assert_int_equal(frame_decode(text.buf, text.len, nonce, "result.json", &line), 0);
	assert_string_equal(line.buf, "x");
	/* base64 that is not: padding inside, a bad character */
	for (i = 0; i < 2; i++) {
		strbuf_reset(&text);
		strbuf_reset(&line);
		strbuf_addf(&line, "@FW1:0123abcd:B:result.json:1:%s:", crc.buf);
		strbuf_addf(&text, "%s%08x\n", line.buf, (unsigned)frame_crc32(0, line.buf, line.len));
		strbuf_reset(&line);
		strbuf_addstr(&line, i ? "@FW1:0123abcd:D:result.json:0:e!==:" : "@FW1:0123abcd:D:result.json:0:e=A=:");
		strbuf_addf(&text, "%s%08x\n", line.buf, (unsigned)frame_crc32(0, line.buf, line.len));
		expect_none(text.buf, text.len, -EBADMSG);
	}
	strbuf_release(&crc);
	strbuf_release(&line);
	strbuf_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_checksums),
		cmocka_unit_test(test_frame_names),
		cmocka_unit_test(test_frame_roundtrip),
		cmocka_unit_test(test_frame_console),
		cmocka_unit_test(test_frame_damage),
		cmocka_unit_test(test_frame_mixed),
		cmocka_unit_test(test_frame_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
