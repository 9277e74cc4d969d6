// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/self/pagemap entries with the /proc/kpageflags words of their
 * PFNs: folio_hist_build() (collectors/folio.c).  The input is a sequence
 * of 16-byte records, pagemap entry then flags, native byte order, as the
 * collector reads them.
 *
 * The histogram accounts for every present page once: in a whole folio
 * of its order or as partial.
 */
#include <inttypes.h>

#include "collectors/folio.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / 16, i;
	uint64_t *pm = malloc((n ? n : 1) * sizeof(*pm)), *kf = malloc((n ? n : 1) * sizeof(*kf));
	uint64_t present = 0, sum;
	struct folio_hist h;
	int o;

	if (!pm || !kf)
		abort();
	for (i = 0; i < n; i++) {
		memcpy(&pm[i], data + 16 * i, 8);
		memcpy(&kf[i], data + 16 * i + 8, 8);
		present += !!(pm[i] & PM_PRESENT);
	}
	folio_hist_build(pm, kf, n, &h);
	FUZZ_CHECK(h.pages == n, "pages %" PRIu64 " of %zu", h.pages, n);
	FUZZ_CHECK(h.present == present, "present %" PRIu64 ", counted %" PRIu64, h.present, present);
	sum = h.partial;
	for (o = 0; o <= FOLIO_MAX_ORDER; o++) {
		double f = folio_hist_fraction(&h, o);

		FUZZ_CHECK(h.by_order[o] == h.folios[o] << o, "order %d: %" PRIu64 " pages in %" PRIu64
			   " folios", o, h.by_order[o], h.folios[o]);
		FUZZ_CHECK(f >= 0 && f <= 1, "fraction of order %d is %g", o, f);
		sum += h.by_order[o];
	}
	FUZZ_CHECK(sum == h.present, "%" PRIu64 " pages accounted of %" PRIu64 " present", sum, h.present);
	free(pm);
	free(kf);
	return 0;
}
