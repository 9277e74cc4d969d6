// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/sampcodec.c, the samples codec: every value comes
 * back bit for bit (NaN payloads, -0.0, infinities, int64's ends), the
 * blob's bytes are what sampcodec.h says whatever the host, samples like
 * forkwatch's shrink several times, and hostile blobs are refused.  (Built
 * with the daemon's tests: the codec needs libzstd, which only forkwatchd
 * links.)
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zstd.h>

#include "lib/sampcodec.h"

static uint64_t bits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

static double from_bits(uint64_t u)
{
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* decode(blob) holds exactly the n series of in, bit for bit, in order. */
static void assert_same_set(const struct sampcodec_series *in, size_t n, const struct sampcodec_set *set)
{
	size_t k, i;

	assert_int_equal(set->n, n);
	for (k = 0; k < n; k++) {
		const struct sampcodec_series *a = &in[k], *b = &set->s[k];

		assert_string_equal(b->name, a->name);
		assert_true(sampcodec_set_find(set, a->name) == b);
		assert_int_equal(b->nruns, a->nruns);
		for (i = 0; i < a->nruns; i++)
			assert_int_equal(b->run_len[i], a->run_len[i]);
		assert_int_equal(b->nvalues, a->nvalues);
		for (i = 0; i < a->nvalues; i++)
			if (bits(b->values[i]) != bits(a->values[i]))
				fail_msg("%s[%zu]: %016llx came back as %016llx", a->name, i,
					 (unsigned long long)bits(a->values[i]),
					 (unsigned long long)bits(b->values[i]));
	}
}

/* Encode in, with and without a context (the same bytes), decode, compare; the blob's size. */
static size_t round_trip(struct sampcodec *c, const struct sampcodec_series *in, size_t n)
{
	struct strbuf blob = STRBUF_INIT, again = STRBUF_INIT;
	struct sampcodec_set set;
	size_t len;

	strbuf_addstr(&blob, "keep");
	assert_int_equal(sampcodec_encode(c, in, n, &blob), 0);
	assert_memory_equal(blob.buf, "keep", 4); /* appended */
	assert_int_equal(sampcodec_encode(NULL, in, n, &again), 0);
	assert_int_equal(again.len, blob.len - 4);
	assert_memory_equal(again.buf, blob.buf + 4, again.len);
	assert_int_equal(sampcodec_decode(c, blob.buf + 4, blob.len - 4, SAMPCODEC_MAX_VALUES, &set), 0);
	assert_same_set(in, n, &set);
	sampcodec_set_release(&set);
	assert_int_equal(sampcodec_decode(NULL, again.buf, again.len, SAMPCODEC_MAX_VALUES, &set), 0);
	assert_same_set(in, n, &set);
	sampcodec_set_release(&set);
	assert_null(set.mem);
	len = again.len;
	strbuf_release(&blob);
	strbuf_release(&again);
	return len;
}

/* ---- round trips ------------------------------------------------------- */

/* What forkwatch stores: noisy times, steady counts, zeros, a failed counter's NaNs. */
static void test_round_trip_samples(void **state)
{
	enum { RUNS = 8, ITERS = 100, N = RUNS * ITERS };
	static double ns[N], flushes[N], faults[N], broken[N];
	uint32_t run_len[RUNS];
	uint64_t s = 42;
	struct sampcodec *c;
	size_t i, len;
	const struct sampcodec_series in[] = {
		{ "ns", RUNS, run_len, N, ns },
		{ "tlb_flushes", RUNS, run_len, N, flushes },
		{ "page_faults", RUNS, run_len, N, faults },
		{ "cycles", RUNS, run_len, N, broken },
	};

	(void)state;
	for (i = 0; i < RUNS; i++)
		run_len[i] = ITERS;
	for (i = 0; i < N; i++) {
		ns[i] = (double)(150000 + rng_next(&s) % 40000);
		flushes[i] = i % 50 ? 2 : 3;
		faults[i] = 0;
		broken[i] = NAN;
	}
	assert_int_equal(sampcodec_new(&c), 0);
	len = round_trip(c, in, 4);
	/* 4 x 800 float64 are 25,600 bytes; the times need about 2.5 bytes each */
	assert_true(len < 2600);
	/* and once more through the same context */
	assert_int_equal(round_trip(c, in, 4), len);
	sampcodec_free(c);
}

static void test_round_trip_hostile_values(void **state)
{
	static const uint64_t patterns[] = {
		0x7ff8000000000123ULL, /* a quiet NaN with a payload */
		0xfff0000000000001ULL, /* a signalling NaN, negative */
		0x8000000000000000ULL, /* -0.0 */
		0x0000000000000001ULL, /* the smallest subnormal */
		0x7ff0000000000000ULL, /* +inf */
		0xfff0000000000000ULL, /* -inf */
	};
	double v[64];
	uint32_t run_len[3] = { 30, 0, 0 };
	size_t i, n = 0;
	struct sampcodec_series in = { "x", 3, run_len, 0, v };

	(void)state;
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		v[n++] = from_bits(patterns[i]);
	v[n++] = 9223372036854775807.0; /* 2^63: beyond int64 */
	v[n++] = -9223372036854775808.0; /* -2^63: int64's least */
	v[n++] = 9223372036854774784.0;  /* int64's greatest double */
	v[n++] = -9223372036854775808.0;
	v[n++] = 0.0;
	v[n++] = 0.5;
	v[n++] = -1.0;
	v[n++] = DBL_MAX;
	v[n++] = -DBL_MAX;
	v[n++] = 1e18;
	v[n++] = 9007199254740993.0; /* rounds to 2^53 */
	v[n++] = -9223372036854774784.0;
	v[n++] = 9223372036854774784.0; /* a difference that wraps int64 */
	v[n++] = 1.0;
	v[n++] = NAN;
	v[n++] = NAN; /* two exceptions in a row */
	for (; n < 30; n++)
		v[n] = (double)n;
	in.nvalues = n;
	run_len[0] = 10;
	run_len[1] = 0; /* a run without values */
	run_len[2] = 20;
	round_trip(NULL, &in, 1);

	/* exceptions only, first and last */
	for (i = 0; i < 30; i++)
		v[i] = from_bits(0x7ff8000000000000ULL | i);
	round_trip(NULL, &in, 1);
}

/* Random arrays: random bit patterns, whole numbers of every size, runs. */
static void test_round_trip_random(void **state)
{
	static double v[2000];
	uint32_t run_len[16];
	struct sampcodec *c;
	uint64_t s = 7;
	int t;

	(void)state;
	assert_int_equal(sampcodec_new(&c), 0);
	for (t = 0; t < 300; t++) {
		struct sampcodec_series in[2] = { { "a", 0, run_len, 0, v }, { "b", 0, NULL, 0, NULL } };
		size_t i, left = rng_next(&s) % 2000, r = 0;
		unsigned shift = (unsigned)(rng_next(&s) % 64);

		in[0].nvalues = left;
		for (i = 0; i < left; i++) {
			uint64_t u = rng_next(&s);

			switch (rng_next(&s) % 4) {
			case 0:
				v[i] = from_bits(u);
				break;
			case 1:
				v[i] = (double)(int64_t)(u >> shift) * ((u & 1) ? -1 : 1);
				break;
			default:
				v[i] = (double)(u % 1000);
			}
		}
		while (left && r < 15) {
			run_len[r] = (uint32_t)(rng_next(&s) % (left + 1));
			left -= run_len[r++];
		}
		run_len[r++] = (uint32_t)left;
		in[0].nruns = r;
		round_trip(c, in, 1 + (size_t)(t % 2));
	}
	sampcodec_free(c);
}

static void test_round_trip_empty(void **state)
{
	uint32_t none[1] = { 0 };
	const struct sampcodec_series in[2] = { { "n", 0, NULL, 0, NULL }, { "m", 1, none, 0, NULL } };

	(void)state;
	round_trip(NULL, in, 0);
	round_trip(NULL, in, 2);
}

/* ---- the format -------------------------------------------------------- */

/* Small payloads are stored as they are: the bytes of sampcodec.h, little-endian on any host. */
static void test_format_bytes(void **state)
{
	static const unsigned char want[] = {
		1, 0,                         /* version, stored */
		1,                            /* one series */
		2, 'n', 's',                  /* its name */
		2, 2, 1,                      /* two runs: 2 values, 1 value */
		1, 1,                         /* one exception after 1 value: */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f, /* NaN */
		2,                            /* two bytes per difference */
		0x02, 0x10,                   /* low bytes: zigzag(1) = 2, zigzag(2056) = 4112 */
		0x00, 0x10,                   /* high bytes */
	};
	const double v[3] = { 1, NAN, 2057 };
	const uint32_t run_len[2] = { 2, 1 };
	const struct sampcodec_series in = { "ns", 2, run_len, 3, v };
	struct strbuf blob = STRBUF_INIT;

	(void)state;
	assert_int_equal(bits(v[1]), 0x7ff8000000000000ULL);
	assert_int_equal(sampcodec_encode(NULL, &in, 1, &blob), 0);
	assert_int_equal(blob.len, sizeof(want));
	assert_memory_equal(blob.buf, want, sizeof(want));
	strbuf_release(&blob);
}

/* Larger ones as one zstd frame that declares the payload's size. */
static void test_format_zstd(void **state)
{
	static double v[1000];
	uint32_t run_len[1] = { 1000 };
	const struct sampcodec_series in = { "ns", 1, run_len, 1000, v };
	struct strbuf blob = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		v[i] = (double)(i * 7 % 13);
	assert_int_equal(sampcodec_encode(NULL, &in, 1, &blob), 0);
	assert_int_equal(blob.buf[0], 1);
	assert_int_equal(blob.buf[1], 1);
	/* nseries, name, runs, no exception, one plane of 1000 bytes: 9 + 1000 bytes */
	assert_int_equal(ZSTD_getFrameContentSize(blob.buf + 2, blob.len - 2), 1009);
	assert_true(blob.len < 200);
	strbuf_release(&blob);
}

/* ---- refusals ---------------------------------------------------------- */

static void test_encode_refuses(void **state)
{
	double v[4] = { 1, 2, 3, 4 };
	uint32_t run_len[2] = { 2, 1 };
	struct sampcodec_series s = { "ns", 2, run_len, 4, v };
	struct sampcodec_series many[SAMPCODEC_MAX_SERIES + 1];
	struct strbuf out = STRBUF_INIT;
	size_t i;

	(void)state;
	strbuf_addstr(&out, "before");
	assert_int_equal(sampcodec_encode(NULL, &s, 1, &out), -EINVAL); /* 3 values in runs, 4 said */
	s.nvalues = 3;
	s.name = "";
	assert_int_equal(sampcodec_encode(NULL, &s, 1, &out), -EINVAL);
	s.name = "a-name-of-thirty-two-bytes-xxxxx";
	assert_int_equal(strlen(s.name), SAMPCODEC_NAME_MAX);
	assert_int_equal(sampcodec_encode(NULL, &s, 1, &out), -EINVAL);
	s.name = NULL;
	assert_int_equal(sampcodec_encode(NULL, &s, 1, &out), -EINVAL);
	s.name = "ns";
	s.nruns = SAMPCODEC_MAX_RUNS + 1;
	assert_int_equal(sampcodec_encode(NULL, &s, 1, &out), -EINVAL);
	s.nruns = 2;
	for (i = 0; i <= SAMPCODEC_MAX_SERIES; i++)
		many[i] = s;
	assert_int_equal(sampcodec_encode(NULL, many, SAMPCODEC_MAX_SERIES + 1, &out), -EINVAL);
	assert_string_equal(out.buf, "before");
	assert_int_equal(sampcodec_encode(NULL, many, SAMPCODEC_MAX_SERIES, &out), 0);
	strbuf_release(&out);
}

/* Every cut and every changed byte of real blobs: an answer, never a crash or a read past the end. */
static void test_decode_hostile(void **state)
{
	static double v[400];
	uint32_t run_len[4] = { 100, 100, 100, 100 };
	const struct sampcodec_series in[2] = { { "ns", 4, run_len, 400, v },
						{ "tlb_flushes", 4, run_len, 400, v } };
	struct sampcodec_set set;
	struct strbuf blob = STRBUF_INIT;
	unsigned char *copy;
	uint64_t s = 3;
	size_t i, cut, pos;
	int small, ret;

	(void)state;
	for (small = 0; small < 2; small++) {
		for (i = 0; i < 400; i++)
			v[i] = small ? (double)(i % 3) : i % 97 ? (double)(rng_next(&s) % 100000) : NAN;
		strbuf_reset(&blob);
		/* small: 12 values, stored as they are; else two series in a zstd frame */
		run_len[0] = small ? 12 : 100;
		{
			const struct sampcodec_series one = { "ns", 1, run_len, 12, v };

			assert_int_equal(sampcodec_encode(NULL, small ? &one : in, small ? 1 : 2, &blob), 0);
		}
		run_len[0] = 100;
		assert_int_equal(blob.buf[1], small ? 0 : 1);
		for (cut = 0; cut < blob.len; cut++) {
			/* exactly cut bytes, in a buffer of their own, so that ASan sees any over-read */
			copy = malloc(cut ? cut : 1);
			assert_non_null(copy);
			memcpy(copy, blob.buf, cut);
			assert_int_equal(sampcodec_decode(NULL, copy, cut, SAMPCODEC_MAX_VALUES, &set),
					 -EBADMSG);
			assert_null(set.mem);
			free(copy);
		}
		copy = malloc(blob.len + 1);
		assert_non_null(copy);
		memcpy(copy, blob.buf, blob.len);
		copy[blob.len] = 0;
		assert_int_equal(sampcodec_decode(NULL, copy, blob.len + 1, SAMPCODEC_MAX_VALUES, &set),
				 -EBADMSG); /* a byte too many */
		for (pos = 0; pos < blob.len; pos++) {
			unsigned bit;

			for (bit = 0; bit < 8; bit++) {
				copy[pos] ^= (unsigned char)(1u << bit);
				ret = sampcodec_decode(NULL, copy, blob.len, 1000, &set);
				assert_true(ret == 0 || ret == -EBADMSG || ret == -E2BIG);
				if (ret)
					assert_null(set.mem);
				sampcodec_set_release(&set);
				copy[pos] ^= (unsigned char)(1u << bit);
			}
		}
		free(copy);
	}
	strbuf_release(&blob);
}

static void test_decode_limits(void **state)
{
	static double v[1000];
	static unsigned char big[4 << 20];
	uint32_t run_len[1] = { 1000 };
	const struct sampcodec_series in = { "ns", 1, run_len, 1000, v };
	struct sampcodec_set set;
	struct strbuf blob = STRBUF_INIT;
	unsigned char bomb[4096];
	size_t n;

	(void)state;
	assert_int_equal(sampcodec_encode(NULL, &in, 1, &blob), 0);
	assert_int_equal(sampcodec_decode(NULL, blob.buf, blob.len, 1000, &set), 0);
	sampcodec_set_release(&set);
	assert_int_equal(sampcodec_decode(NULL, blob.buf, blob.len, 999, &set), -E2BIG);
	assert_null(set.mem);

	/* a frame that inflates to far more than 999 values could take: refused before inflating */
	bomb[0] = 1;
	bomb[1] = 1;
	n = ZSTD_compress(bomb + 2, sizeof(bomb) - 2, big, sizeof(big), 3);
	assert_false(ZSTD_isError(n));
	assert_int_equal(sampcodec_decode(NULL, bomb, n + 2, 10, &set), -E2BIG);

	/* versions and methods it does not know */
	blob.buf[0] = 2;
	assert_int_equal(sampcodec_decode(NULL, blob.buf, blob.len, 1000, &set), -EBADMSG);
	blob.buf[0] = 1;
	blob.buf[1] = 2;
	assert_int_equal(sampcodec_decode(NULL, blob.buf, blob.len, 1000, &set), -EBADMSG);
	strbuf_release(&blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_samples),
		cmocka_unit_test(test_round_trip_hostile_values),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_round_trip_empty),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_format_zstd),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_decode_hostile),
		cmocka_unit_test(test_decode_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
