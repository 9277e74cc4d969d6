// SPDX-License-Identifier: GPL-2.0
/*
 * Names in the spool directory (collectors/spool.c): spool_entry_time()
 * decides which files are entries (and their order), spool_valid_uuid()
 * which run_uuids may become part of a name.  An entry's name is exactly
 * what spool_put() writes: 20 digits, '-', a valid uuid, ".json".
 */
#include "fuzz.h"
#include "collectors/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = fuzz_cstr(data, size), *again;
	size_t n = strlen(name);
	uint64_t t = spool_entry_time(name);

	if (t) {
		FUZZ_CHECK(n > 26 && !strcmp(name + n - 5, ".json"), "entry '%s'", name);
		name[n - 5] = '\0';
		FUZZ_CHECK(spool_valid_uuid(name + 21), "entry '%s.json' without a valid uuid", name);
		again = malloc(n + 1);
		if (!again)
			abort();
		snprintf(again, n + 1, "%020llu-%s.json", (unsigned long long)t, name + 21);
		name[n - 5] = '.';
		FUZZ_CHECK(!strcmp(again, name), "entry '%s' written back as '%s'", name, again);
		free(again);
	}
	if (spool_valid_uuid(name))
		FUZZ_CHECK(n >= 1 && n <= 64 && strspn(name, "0123456789abcdefghijklmnopqrstuvwxyz"
						     "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n,
			   "uuid '%s'", name);
	free(name);
	return 0;
}
