// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/self/smaps text: folio_parse_smaps() (collectors/folio.c).  An
 * optional first line "range <hex start> <hex end>" picks the address
 * range; the text is also read over the whole address space, where every
 * mapping counts: a mapping found in the range is found there too.
 */
#include <inttypes.h>

#include "collectors/folio.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *smaps = text;
	unsigned long long a = 0, b = 0;
	struct folio_hist all, part;
	int n = 0, r_all, r_part;

	if (sscanf(text, "range %llx %llx%n", &a, &b, &n) == 2 && n > 0) {
		smaps = strchr(text + n, '\n');
		smaps = smaps ? smaps + 1 : text + strlen(text);
	}
	memset(&all, 0, sizeof(all));
	r_all = folio_parse_smaps(smaps, 0, UINTPTR_MAX, &all);
	FUZZ_CHECK(r_all == 0 || r_all == -EINVAL, "folio_parse_smaps returned %d", r_all);
	if (n > 0) {
		memset(&part, 0, sizeof(part));
		r_part = folio_parse_smaps(smaps, (uintptr_t)a, (uintptr_t)b, &part);
		FUZZ_CHECK(r_part == 0 || r_part == -EINVAL, "folio_parse_smaps returned %d", r_part);
		/*
		 * Not compared: the sums, which wrap on absurd values (sscanf's
		 * %llu takes "-1"); the kernel writes no such smaps.
		 */
		FUZZ_CHECK(r_part || !r_all, "a mapping in the range but none in the address space");
	}
	free(text);
	return 0;
}
