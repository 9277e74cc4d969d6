// SPDX-License-Identifier: GPL-2.0
/*
 * The samples codec (lib/sampcodec.c), from both ends.
 *
 * First byte even: the rest is a blob, as a damaged database would hold
 * it.  Decoding answers 0, -EBADMSG or -E2BIG and reads nothing outside
 * the input (ASan watches); what it accepts encodes again and decodes to
 * the same values, bit for bit.
 *
 * First byte odd: the rest is arrays to store.  Its next bytes choose how
 * many series, runs and values, the rest are the values: 8-byte patterns
 * (NaN payloads, -0.0, infinities, anything) or small whole numbers of
 * either sign.  decode(encode(x)) == x, bit for bit.
 */
#include "fuzz.h"
#include "lib/sampcodec.h"

#define MAX_VALUES (1 << 16)

static struct sampcodec *codec;

static void same(const struct sampcodec_series *a, const struct sampcodec_series *b)
{
	size_t i;

	FUZZ_CHECK(!strcmp(a->name, b->name), "name '%s' came back as '%s'", a->name, b->name);
	FUZZ_CHECK(a->nruns == b->nruns && a->nvalues == b->nvalues, "%s: %zu runs %zu values came "
		   "back as %zu and %zu", a->name, a->nruns, a->nvalues, b->nruns, b->nvalues);
	for (i = 0; i < a->nruns; i++)
		FUZZ_CHECK(a->run_len[i] == b->run_len[i], "%s: run %zu", a->name, i);
	for (i = 0; i < a->nvalues; i++)
		FUZZ_CHECK(!memcmp(&a->values[i], &b->values[i], sizeof(double)), "%s: value %zu",
			   a->name, i);
}

static void round_trip(const struct sampcodec_series *s, size_t n)
{
	struct strbuf blob = STRBUF_INIT;
	struct sampcodec_set set;
	size_t k;
	int ret;

	ret = sampcodec_encode(codec, s, n, &blob);
	FUZZ_CHECK(!ret, "encode: %d", ret);
	ret = sampcodec_decode(codec, blob.buf, blob.len, SAMPCODEC_MAX_VALUES, &set);
	FUZZ_CHECK(!ret, "decode of what encode wrote: %d", ret);
	FUZZ_CHECK(set.n == n, "%zu series came back as %zu", n, set.n);
	for (k = 0; k < n; k++)
		same(&s[k], &set.s[k]);
	sampcodec_set_release(&set);
	strbuf_release(&blob);
}

static void from_blob(const uint8_t *data, size_t size)
{
	struct sampcodec_set set;
	/* a copy of exactly size bytes: a read past it is a heap overflow ASan reports */
	uint8_t *copy = malloc(size ? size : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	ret = sampcodec_decode(codec, copy, size, MAX_VALUES, &set);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -E2BIG, "decode: %d", ret);
	if (!ret) {
		size_t k, total = 0;

		for (k = 0; k < set.n; k++)
			total += set.s[k].nvalues;
		FUZZ_CHECK(total <= MAX_VALUES, "%zu values, more than the limit", total);
		round_trip(set.s, set.n);
	} else {
		FUZZ_CHECK(!set.mem && !set.n, "a failed decode left memory");
	}
	sampcodec_set_release(&set);
	free(copy);
}

static void from_arrays(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "ns", "tlb_flushes", "page_faults", "x" };
	struct sampcodec_series s[4];
	uint32_t run_len[4][8];
	double *values;
	size_t n, k, r, i, nvalues, at = 0;

	if (size < 2)
		return;
	n = 1 + data[0] % 4;
	data++;
	size--;
	/* what is left: 9 bytes a value (a kind and 8 bytes) */
	nvalues = size / 9;
	values = malloc((nvalues ? nvalues : 1) * sizeof(*values));
	if (!values)
		abort();
	for (i = 0; i < nvalues; i++) {
		const uint8_t *p = data + 9 * i + 1;
		uint64_t u = 0;
		int b;

		for (b = 0; b < 8; b++)
			u |= (uint64_t)p[b] << (8 * b);
		if (data[9 * i] & 1)
			memcpy(&values[i], &u, sizeof(u)); /* any pattern */
		else /* a whole number, small or large, of either sign */
			values[i] = (double)((int64_t)u >> (data[9 * i] >> 2));
	}
	/* the values are cut into n series of runs of the lengths the kind bytes suggest */
	for (k = 0; k < n; k++) {
		size_t share = k + 1 == n ? nvalues - at : (nvalues - at) / (n - k);
		size_t left = share, nruns = 1 + (share ? data[9 * at] % 8 : 0);

		for (r = 0; r + 1 < nruns; r++) {
			run_len[k][r] = (uint32_t)(left ? (data[9 * (at + r % share)] * 7u) % (left + 1) : 0);
			left -= run_len[k][r];
		}
		run_len[k][r] = (uint32_t)left;
		s[k].name = names[k];
		s[k].nruns = nruns;
		s[k].run_len = run_len[k];
		s[k].nvalues = share;
		s[k].values = values + at;
		at += share;
	}
	round_trip(s, n);
	free(values);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!codec && sampcodec_new(&codec))
		abort();
	if (size && (data[0] & 1))
		from_arrays(data + 1, size - 1);
	else
		from_blob(data + !!size, size - !!size);
	return 0;
}
