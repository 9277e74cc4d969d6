// SPDX-License-Identifier: GPL-2.0
/* Unit tests for forkwatch vm's pure parts: kernel images (kimage.c), the document's host.vm (vm.c), the initramfs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/initramfs.h"
#include "collectors/kimage.h"
#include "collectors/vm.h"
#include "lib/jread.h"

/* A bzImage's first sectors: the boot flag, "HdrS", the version string and the sizes. */
static unsigned char *fake_bzimage(size_t len, const char *version, unsigned setup_sects, uint32_t syssize)
{
	unsigned char *b = calloc(1, len);

	assert_non_null(b);
	b[0x1f1] = (unsigned char)setup_sects;
	memcpy(b + 0x1f4, &syssize, 4); /* little-endian host */
	b[0x1fe] = 0x55;
	b[0x1ff] = 0xaa;
	memcpy(b + 0x202, "HdrS", 4);
	b[0x20e] = 0x00; /* version string at 0x200 + 0x300 */
	b[0x20f] = 0x03;
	memcpy(b + 0x500, version, strlen(version) + 1);
	return b;
}

static void test_kimage_bzimage(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct kimage k;
	unsigned char *b = fake_bzimage(0x2000, "6.8.0-rc3-00042-gdeadbeef1234 (me@host) #1 SMP", 4, 0x100);
	int gz;

	(void)state;
	/* (4 + 1) * 512 + 0x100 * 16 = 0x1a00 bytes whole */
	assert_int_equal(kimage_identify(b, 0x2000, true, &gz, &k, &err), 0);
	assert_int_equal(gz, 0);
	assert_string_equal(k.arch, "x86_64");
	assert_string_equal(k.format, "bzImage");
	assert_string_equal(k.release, "6.8.0-rc3-00042-gdeadbeef1234");
	/* cut short */
	assert_int_equal(kimage_identify(b, 0x19ff, true, &gz, &k, &err), -ENOEXEC);
	assert_non_null(strstr(err.buf, "cut short"));
	/* the first sectors of a longer file are fine when not said to be all of it */
	assert_int_equal(kimage_identify(b, 0x600, false, &gz, &k, &err), 0);
	/* a version string that is no release: the image still is one */
	memcpy(b + 0x500, "%s (x)", 7);
	strbuf_reset(&err);
	assert_int_equal(kimage_identify(b, 0x2000, true, &gz, &k, &err), 0);
	assert_string_equal(k.release, "");
	free(b);
	strbuf_release(&err);
}

static void test_kimage_arm64(void **state)
{
	static const char banner[] = "xxLinux version %s (%s)\0Linux version 6.1.0-57-arm64 (debian-kernel@lists) #1";
	unsigned char b[4096] = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct kimage k;
	int gz;

	(void)state;
	memcpy(b + 0x38, "ARM\x64", 4);
	memcpy(b + 2000, banner, sizeof(banner));
	assert_int_equal(kimage_identify(b, sizeof(b), true, &gz, &k, &err), 0);
	assert_string_equal(k.arch, "aarch64");
	assert_string_equal(k.format, "Image");
	assert_string_equal(k.release, "6.1.0-57-arm64");
	/* gzip says so and nothing else; zboot, ELF and garbage are refused */
	memcpy(b, "\x1f\x8b\x08", 3);
	assert_int_equal(kimage_identify(b, sizeof(b), true, &gz, &k, &err), 0);
	assert_int_equal(gz, 1);
	memcpy(b, "MZ\0\0zimg", 8);
	assert_int_equal(kimage_identify(b, sizeof(b), true, &gz, &k, &err), -ENOEXEC);
	assert_non_null(strstr(err.buf, "zboot"));
	memcpy(b, "\x7f" "ELF", 4);
	strbuf_reset(&err);
	assert_int_equal(kimage_identify(b, sizeof(b), true, &gz, &k, &err), -ENOEXEC);
	assert_non_null(strstr(err.buf, "ELF"));
	memset(b, 'x', sizeof(b));
	strbuf_reset(&err);
	assert_int_equal(kimage_identify(b, sizeof(b), true, &gz, &k, &err), -ENOEXEC);
	assert_non_null(strstr(err.buf, "not a kernel image"));
	assert_int_equal(kimage_identify(b, 0, true, &gz, &k, &err), -ENOEXEC);
	strbuf_release(&err);
}

static void expect_vm_member(const char *doc, const char *want)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	struct jread_node *root = NULL;

	strbuf_addstr(&sb, doc);
	assert_int_equal(vm_doc_add_host_member(&sb, "vm", "{\"accel\": \"tcg\"}"), 0);
	assert_string_equal(sb.buf, want);
	assert_int_equal(jread_parse(&root, sb.buf, sb.len, &err), 0);
	assert_string_equal(jread_str(jread_get(jread_get(jread_get(root, "host"), "vm"), "accel")), "tcg");
	jread_free(root);
	strbuf_release(&err);
	strbuf_release(&sb);
}

static void test_vm_doc_host_member(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	expect_vm_member("{\"format\": \"x\", \"host\": {\"hostname\": \"g\"}, \"cases\": []}",
			 "{\"format\": \"x\", \"host\": {\"vm\": {\"accel\": \"tcg\"}, \"hostname\": \"g\"}, \"cases\": []}");
	expect_vm_member("{\"host\":{}}", "{\"host\":{\"vm\": {\"accel\": \"tcg\"}}}");
	/* a "host" that is not the top level's, strings holding braces and quotes, numbers */
	expect_vm_member("{\"a\": {\"host\": {\"x\": 1}}, \"s\": \"}\\\"{\", \"n\": -1.5e3, \"t\": true,\n"
			 " \"l\": [1, {\"host\": 2}], \"host\" : {\"h\": 1}}",
			 "{\"a\": {\"host\": {\"x\": 1}}, \"s\": \"}\\\"{\", \"n\": -1.5e3, \"t\": true,\n"
			 " \"l\": [1, {\"host\": 2}], \"host\" : {\"vm\": {\"accel\": \"tcg\"}, \"h\": 1}}");
	/* no host object: refused, untouched */
	strbuf_addstr(&sb, "{\"a\": {\"host\": {}}, \"host\": null}");
	assert_int_equal(vm_doc_add_host_member(&sb, "vm", "{}"), -EINVAL);
	assert_string_equal(sb.buf, "{\"a\": {\"host\": {}}, \"host\": null}");
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "[]");
	assert_int_equal(vm_doc_add_host_member(&sb, "vm", "{}"), -EINVAL);
	strbuf_release(&sb);
}

/* The newc archive: headers of 110 characters, names and data padded to 4, the trailer. */
static void test_initramfs(void **state)
{
	struct initramfs ir;

	(void)state;
	initramfs_init(&ir);
	initramfs_dir(&ir, "bin", 0755);
	initramfs_file(&ir, "bin/x", 0755, "abcde", 5);
	initramfs_chardev(&ir, "dev/console", 0600, 5, 1);
	initramfs_finish(&ir);
	assert_int_equal(ir.buf.len % 4, 0);
	assert_memory_equal(ir.buf.buf, "070701", 6);
	/* dir: mode 040755 */
	assert_memory_equal(ir.buf.buf + 14, "000041ED", 8);
	/* "bin\0" at 110, padded to 116; the file's header next */
	assert_memory_equal(ir.buf.buf + 110, "bin", 4);
	assert_memory_equal(ir.buf.buf + 116, "070701", 6);
	assert_memory_equal(ir.buf.buf + 116 + 14, "000081ED", 8);
	assert_memory_equal(ir.buf.buf + 116 + 54, "00000005", 8); /* filesize */
	/* "bin/x\0" at 226 padded to 232, then the data */
	assert_memory_equal(ir.buf.buf + 232, "abcde\0\0\0", 8);
	assert_non_null(memmem(ir.buf.buf, ir.buf.len, "TRAILER!!!", 11));
	initramfs_release(&ir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kimage_bzimage),
		cmocka_unit_test(test_kimage_arm64),
		cmocka_unit_test(test_vm_doc_host_member),
		cmocka_unit_test(test_initramfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
