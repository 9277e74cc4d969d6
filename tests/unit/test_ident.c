// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/ident.c: the commit in a release string, the
 * GNU build-id in ELF notes, the CPU model in /proc/cpuinfo, and the
 * kernel identity document.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <cmocka.h>

#include "collectors/ident.h"

#define SHA40 "0123456789abcdef0123456789abcdef01234567"

struct release_case {
	const char *release;
	const char *commit;
	bool dirty;
};

static void test_ident_parse_release(void **state)
{
	static const struct release_case cases[] = {
		{ "6.8.0-rc3-00042-gdeadbeef1234", "deadbeef1234", false },
		{ "6.8.0-rc3-00042-gdeadbeef1234-dirty", "deadbeef1234", true },
		{ "6.8.0-gdeadbeef1234+", "deadbeef1234", false },
		{ "6.1.0-18-amd64", "", false },
		{ "6.18.44-fc-v769", "", false },
		{ "5.15.0-91-generic", "", false },
		{ "6.1.0-dirty", "", true },
		{ "6.9.0-00001-g" SHA40, SHA40, false },
		{ "6.9.0-00001-g" SHA40 "-dirty", SHA40, true },
		/* not a commit: too short, too long, or followed by other text */
		{ "6.9.0-gabcdef12345", "", false },
		{ "6.9.0-g" SHA40 "8", "", false },
		{ "6.9.0-gdeadbeef1234x", "", false },
		{ "6.9.0-gDEADBEEF1234", "", false },
		/* the last commit wins */
		{ "6.9.0-gaaaaaaaaaaaa-gbbbbbbbbbbbb", "bbbbbbbbbbbb", false },
		{ "", "", false },
		{ "-dirty", "", true },
		{ "dirty", "", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char commit[IDENT_SHA_MAX];
		bool dirty = !cases[i].dirty;

		memset(commit, 'x', sizeof(commit)); /* no stale text survives */
		ident_parse_release(cases[i].release, commit, &dirty);
		if (strcmp(commit, cases[i].commit) || dirty != cases[i].dirty)
			fail_msg("ident_parse_release(\"%s\") = \"%s\" dirty %d; want \"%s\" dirty %d",
				 cases[i].release, commit, dirty, cases[i].commit, cases[i].dirty);
		if (commit[0])
			assert_true(ident_valid_sha(commit));
	}
}

static void test_ident_valid_sha(void **state)
{
	(void)state;
	assert_true(ident_valid_sha("deadbee"));
	assert_true(ident_valid_sha("0123456789"));
	assert_true(ident_valid_sha(SHA40));
	assert_false(ident_valid_sha(""));
	assert_false(ident_valid_sha("deadbe"));        /* 6: too short */
	assert_false(ident_valid_sha(SHA40 "0"));       /* 41: too long */
	assert_false(ident_valid_sha("deadbeefg"));
	assert_false(ident_valid_sha("dead beef"));
	assert_false(ident_valid_sha("-deadbeef"));
	assert_false(ident_valid_sha("deadbeef\n"));
}

/* An ELF note buffer under construction. */
struct notes {
	unsigned char buf[256];
	size_t len;
};

static void put_u32(struct notes *n, uint32_t v)
{
	memcpy(n->buf + n->len, &v, 4);
	n->len += 4;
}

/* name and desc are padded with zeros to 4 bytes, as the kernel lays them out */
static void put_note(struct notes *n, uint32_t type, const char *name, uint32_t namesz,
		     const unsigned char *desc, uint32_t descsz)
{
	put_u32(n, namesz);
	put_u32(n, descsz);
	put_u32(n, type);
	memset(n->buf + n->len, 0, 64);
	memcpy(n->buf + n->len, name, namesz);
	n->len += (namesz + 3u) & ~3u;
	memset(n->buf + n->len, 0, 64);
	memcpy(n->buf + n->len, desc, descsz);
	n->len += (descsz + 3u) & ~3u;
}

static const unsigned char build_id[20] = {
	0x00, 0x01, 0x02, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60,
	0x7f, 0x80, 0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0, 0xff,
};
#define BUILD_ID_HEX "0001020a1b2c3d4e5f607f809aabbccddeeff0ff"

/* /sys/kernel/notes as an x86 kernel has it: Xen and Linux notes, then GNU */
static void make_notes(struct notes *n)
{
	static const unsigned char xen[5] = { 1, 2, 3, 4, 5 };
	static const unsigned char abi[16] = { 0 };

	memset(n, 0, sizeof(*n));
	/* a name of 6 bytes and a descriptor of 5, both padded to 8 */
	put_note(n, 0x100, "Linux", 6, xen, 5);
	/* the right name with another type, and the right type with another name */
	put_note(n, 1, "GNU", 4, abi, 16);
	put_note(n, 3, "Xen", 4, abi, 8);
	put_note(n, 3, "GNU", 4, build_id, 20);
}

static void test_ident_parse_notes(void **state)
{
	struct notes n;
	char hex[129];

	(void)state;
	make_notes(&n);
	memset(hex, 'x', sizeof(hex));
	assert_int_equal(ident_parse_notes(n.buf, n.len, hex, sizeof(hex)), 0);
	assert_string_equal(hex, BUILD_ID_HEX);

	/* exactly enough room for 40 digits and the NUL */
	memset(hex, 'x', sizeof(hex));
	assert_int_equal(ident_parse_notes(n.buf, n.len, hex, 41), 0);
	assert_string_equal(hex, BUILD_ID_HEX);
	assert_int_equal(ident_parse_notes(n.buf, n.len, hex, 40), -ENOENT);

	/* the build-id note alone, at the start */
	memset(&n, 0, sizeof(n));
	put_note(&n, 3, "GNU", 4, build_id, 20);
	assert_int_equal(n.len, 12 + 4 + 20);
	assert_int_equal(ident_parse_notes(n.buf, n.len, hex, sizeof(hex)), 0);
	assert_string_equal(hex, BUILD_ID_HEX);
}

static void test_ident_parse_notes_missing(void **state)
{
	static const unsigned char abi[16] = { 0 };
	struct notes n;
	char hex[129];
	size_t cut;

	(void)state;
	make_notes(&n);
	/* every cut short of the whole build-id note loses it */
	for (cut = 0; cut < n.len; cut++)
		if (ident_parse_notes(n.buf, cut, hex, sizeof(hex)) != -ENOENT)
			fail_msg("notes cut to %zu of %zu bytes: not -ENOENT", cut, n.len);

	/* notes without a build-id */
	memset(&n, 0, sizeof(n));
	put_note(&n, 1, "GNU", 4, abi, 16);
	put_note(&n, 3, "Xen", 4, abi, 8);
	assert_int_equal(ident_parse_notes(n.buf, n.len, hex, sizeof(hex)), -ENOENT);
	assert_int_equal(ident_parse_notes(n.buf, 0, hex, sizeof(hex)), -ENOENT);

	/* an empty build-id is no build-id */
	memset(&n, 0, sizeof(n));
	put_note(&n, 3, "GNU", 4, abi, 0);
	assert_int_equal(ident_parse_notes(n.buf, n.len, hex, sizeof(hex)), -ENOENT);

	/* sizes that point far past the buffer */
	memset(&n, 0, sizeof(n));
	put_note(&n, 1, "GNU", 4, abi, 16);
	memcpy(n.buf, &(uint32_t){ 0xfffffffeu }, 4); /* namesz */
	put_note(&n, 3, "GNU", 4, build_id, 20);
	assert_int_equal(ident_parse_notes(n.buf, n.len, hex, sizeof(hex)), -ENOENT);
	memcpy(n.buf, &(uint32_t){ 4 }, 4);
	memcpy(n.buf + 4, &(uint32_t){ 0xfffffffdu }, 4); /* descsz */
	assert_int_equal(ident_parse_notes(n.buf, n.len, hex, sizeof(hex)), -ENOENT);
}

static void test_ident_kernel_json(void **state)
{
	struct kernel_ident k;
	struct strbuf sb = STRBUF_INIT;
	struct jw jw;

	(void)state;
	memset(&k, 0, sizeof(k));
	snprintf(k.release, sizeof(k.release), "6.8.0-\"quoted\"");
	jw_init(&jw, &sb);
	jw_obj_begin(&jw, NULL);
	ident_kernel_json(&k, &jw);
	jw_obj_end(&jw);
	/* what is not known is null, never an empty string */
	assert_string_equal(sb.buf, "{\"kernel\":{\"release\":\"6.8.0-\\\"quoted\\\"\",\"commit\":null,"
				    "\"commit_source\":null,\"parent_commit\":null,\"dirty\":false,"
				    "\"version\":null,\"build_id\":null}}");
	strbuf_release(&sb);

	snprintf(k.commit, sizeof(k.commit), "deadbeef1234");
	k.commit_source = "release";
	k.dirty = true;
	jw_init(&jw, &sb);
	ident_kernel_json(&k, &jw);
	assert_non_null(strstr(sb.buf, "\"commit\":\"deadbeef1234\",\"commit_source\":\"release\""));
	assert_non_null(strstr(sb.buf, "\"dirty\":true"));
	strbuf_release(&sb);
}

static void test_ident_kernel_read(void **state)
{
	struct kernel_ident k;
	struct utsname u;

	(void)state;
	ident_kernel_read(&k);
	assert_int_equal(uname(&u), 0);
	assert_string_equal(k.release, u.release);
	/* a commit comes with its source, and is a commit */
	if (k.commit[0]) {
		assert_true(ident_valid_sha(k.commit));
		assert_string_equal(k.commit_source, "release");
	} else {
		assert_null(k.commit_source);
	}
	if (k.build_id[0])
		assert_true(strspn(k.build_id, "0123456789abcdef") == strlen(k.build_id));
}

static void test_ident_parse_cpuinfo(void **state)
{
	static const char x86[] =
		"processor\t: 0\nvendor_id\t: GenuineIntel\n"
		"model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz\nflags\t\t: fpu\n\n"
		"processor\t: 1\nmodel name\t: second\n";
	static const char arm64[] =
		"processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n"
		"CPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\n\n"
		"processor\t: 1\nCPU implementer\t: 0x42\nCPU part\t: 0xd40\n";
	char out[256], small[8];

	(void)state;
	ident_parse_cpuinfo(x86, strlen(x86), out, sizeof(out));
	assert_string_equal(out, "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz");
	ident_parse_cpuinfo(arm64, strlen(arm64), out, sizeof(out));
	assert_string_equal(out, "implementer 0x41 part 0xd0c");
	ident_parse_cpuinfo(x86, strlen(x86), small, sizeof(small));
	assert_string_equal(small, "Intel(R");
	/* no newline at the end, a NUL byte ends the text, nothing known */
	ident_parse_cpuinfo("model name: a", 13, out, sizeof(out));
	assert_string_equal(out, "a");
	ident_parse_cpuinfo("x\0model name: a\n", 17, out, sizeof(out));
	assert_string_equal(out, "");
	ident_parse_cpuinfo("", 0, out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ident_parse_release),
		cmocka_unit_test(test_ident_valid_sha),
		cmocka_unit_test(test_ident_parse_notes),
		cmocka_unit_test(test_ident_parse_notes_missing),
		cmocka_unit_test(test_ident_parse_cpuinfo),
		cmocka_unit_test(test_ident_kernel_json),
		cmocka_unit_test(test_ident_kernel_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
