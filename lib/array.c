// SPDX-License-Identifier: GPL-2.0
#include "lib/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int array_reserve(void **p, size_t *alloc, size_t n, size_t size)
{
	size_t want;
	void *q;

	if (n < *alloc)
		return 0;
	want = *alloc ? 2 * *alloc : 16;
	if (want <= n)
		want = n + 1;
	if (want > SIZE_MAX / size)
		return -ENOMEM;
	q = realloc(*p, want * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*alloc = want;
	return 0;
}
