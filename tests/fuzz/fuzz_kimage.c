// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel images as forkwatch vm identifies them (collectors/kimage.c):
 * any bytes are an x86 bzImage, an arm64 Image, gzip, or refused with a
 * reason; a release read from them is one word of printable ASCII that
 * starts with a digit.  The first byte says whether the bytes are the
 * whole file.  Then the same bytes as a document whose host gets a "vm"
 * member (collectors/vm.c) when jread takes them (no name twice, as the
 * daemon requires): the result parses and holds it; only a document
 * without a host object is refused, and left as it was.
 */
#include "fuzz.h"
#include "collectors/kimage.h"
#include "collectors/vm.h"
#include "lib/jread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, doc = STRBUF_INIT;
	struct jread_node *root = NULL, *again = NULL;
	struct kimage k;
	int gz, ret;
	size_t i;

	if (!size)
		return 0;
	ret = kimage_identify(data + 1, size - 1, data[0] & 1, &gz, &k, &err);
	FUZZ_CHECK(!ret || ret == -ENOEXEC, "kimage_identify returned %d", ret);
	FUZZ_CHECK(!ret || err.len, "refused without a reason");
	if (!ret && !gz) {
		FUZZ_CHECK(!strcmp(k.arch, "x86_64") || !strcmp(k.arch, "aarch64"), "arch '%s'", k.arch);
		for (i = 0; k.release[i]; i++)
			FUZZ_CHECK(k.release[i] > ' ' && k.release[i] < 0x7f, "release byte %#x", (unsigned)k.release[i]);
		FUZZ_CHECK(!k.release[0] || (k.release[0] >= '0' && k.release[0] <= '9'), "release '%s'", k.release);
	}
	if (!jread_parse_flags(&root, (const char *)data, size, JREAD_REJECT_DUPLICATES, &err)) {
		strbuf_add(&doc, data, size);
		if (!vm_doc_add_host_member(&doc, "vm", "{\"accel\": \"tcg\"}")) {
			FUZZ_CHECK(!jread_parse(&again, doc.buf, doc.len, &err), "broke the document: %s", err.buf);
			FUZZ_CHECK(jread_get(jread_get(again, "host"), "vm"), "no host.vm after adding it");
		} else {
			const struct jread_node *h = jread_get(root, "host");

			FUZZ_CHECK(!h || h->type != JREAD_OBJ, "refused a document with a host object");
			FUZZ_CHECK(doc.len == size && !memcmp(doc.buf, data, size), "refused, and changed it");
		}
	}
	jread_free(again);
	jread_free(root);
	strbuf_release(&doc);
	strbuf_release(&err);
	return 0;
}
