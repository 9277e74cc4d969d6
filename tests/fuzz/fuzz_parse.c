// SPDX-License-Identifier: GPL-2.0
/*
 * Sizes and numbers from the command line and configuration (lib/parse.c):
 * parse_size, parse_uint, parse_real.  A size reads back from what
 * parse_format_size writes for it, and a plain number is the same size.
 */
#include <math.h>

#include "fuzz.h"
#include "lib/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), b[32];
	uint64_t v, back, u;
	double d;
	int ret;

	ret = parse_size(s, &v);
	FUZZ_CHECK(!ret || ret == -EINVAL || ret == -ERANGE, "parse_size returned %d", ret);
	if (!ret) {
		parse_format_size(v, b, sizeof(b));
		FUZZ_CHECK(!parse_size(b, &back) && back == v, "'%s' -> %llu -> '%s'", s,
			   (unsigned long long)v, b);
	}
	ret = parse_uint(s, 0, UINT64_MAX, &u);
	FUZZ_CHECK(!ret || ret == -EINVAL || ret == -ERANGE, "parse_uint returned %d", ret);
	if (!ret)
		FUZZ_CHECK(!parse_size(s, &v) && v == u, "'%s' is %llu but not that size", s,
			   (unsigned long long)u);
	if (!parse_uint(s, 10, 20, &u))
		FUZZ_CHECK(u >= 10 && u <= 20, "'%s' out of [10, 20]: %llu", s, (unsigned long long)u);
	if (!parse_real(s, &d))
		FUZZ_CHECK(isfinite(d), "'%s' is %g", s, d);
	free(s);
	return 0;
}
