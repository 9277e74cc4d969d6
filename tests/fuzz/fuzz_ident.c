// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel and host identity the collector reads (collectors/ident.c):
 * /proc/cpuinfo (ident_parse_cpuinfo), a release string as uname -r
 * gives it (ident_parse_release), and the ELF notes of /sys/kernel/notes
 * (ident_parse_notes), each from the same bytes.
 */
#include <ctype.h>

#include "fuzz.h"
#include "collectors/ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char model[256], small[8], commit[IDENT_SHA_MAX], hex[129], *rel;
	bool dirty;
	size_t n;

	memset(model, 'x', sizeof(model));
	ident_parse_cpuinfo((const char *)data, size, model, sizeof(model));
	FUZZ_CHECK(memchr(model, '\0', sizeof(model)), "cpu model not terminated");
	FUZZ_CHECK(!strchr(model, '\n'), "cpu model spans lines: '%s'", model);
	ident_parse_cpuinfo((const char *)data, size, small, sizeof(small));
	FUZZ_CHECK(memchr(small, '\0', sizeof(small)), "cpu model not terminated in a small buffer");

	rel = fuzz_cstr(data, size);
	memset(commit, 'x', sizeof(commit));
	ident_parse_release(rel, commit, &dirty);
	n = strnlen(commit, sizeof(commit));
	FUZZ_CHECK(n < sizeof(commit), "commit not terminated");
	FUZZ_CHECK(n == 0 || (n >= 12 && ident_valid_sha(commit) && strstr(rel, commit)),
		   "commit '%s' from release '%s'", commit, rel);
	free(rel);

	memset(hex, 'x', sizeof(hex));
	if (!ident_parse_notes(data, size, hex, sizeof(hex))) {
		n = strnlen(hex, sizeof(hex));
		FUZZ_CHECK(n < sizeof(hex) && n && n % 2 == 0 && strspn(hex, "0123456789abcdef") == n,
			   "build-id '%.*s'", (int)n, hex);
	}
	return 0;
}
