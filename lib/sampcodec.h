/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_SAMPCODEC_H
#define FW_SAMPCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

/*
 * A lossless codec for per-iteration samples: a set of named series (the
 * metrics of one benchmark case), each cut into runs, packed into one
 * blob that is a few times smaller than the float64 arrays it holds.
 *
 * A value that is a whole number within int64 (what times and counts
 * are) is stored as the zigzag-encoded difference from the previous whole
 * number of its series, the differences' bytes transposed into planes
 * (all lowest bytes, then all second bytes, ...); any other value (NaN
 * with its payload, -0.0, infinities, fractions, beyond int64) is stored
 * as its 64-bit pattern, with its position.  The whole is then compressed
 * with zstd, or kept as it is when zstd would not make it smaller.
 * decode(encode(x)) gives back every value bit for bit.
 *
 * The blob (little-endian, whatever the host):
 *   byte 0     format version, 1
 *   byte 1     0: the payload follows as it is; 1: one zstd frame (with
 *              its content size) holding the payload
 *   payload    varint nseries, then per series:
 *                varint name length (1 to SAMPCODEC_NAME_MAX - 1), the name;
 *                varint nruns, nruns x varint values of that run;
 *                varint nexc, nexc x (varint gap, 8 bytes: the value's bits),
 *                  the gap being the values skipped since the previous one;
 *                byte w (0 to 8), then w planes of one byte per whole value
 *   (varint: unsigned LEB128, at most 10 bytes.)
 *
 * Decoding takes hostile bytes: it reads nothing outside the blob, allocates
 * no more than its limit allows, and refuses what the encoder cannot have
 * written with -EBADMSG.
 */

#define SAMPCODEC_NAME_MAX 32                /* a name's bytes and the NUL */
#define SAMPCODEC_MAX_SERIES 64              /* per blob */
#define SAMPCODEC_MAX_RUNS 4096              /* per series */
#define SAMPCODEC_MAX_VALUES ((size_t)1 << 30) /* per blob */

/* One series: input to encode, or what decode found (then const views into the set). */
struct sampcodec_series {
	const char *name;        /* 1 to SAMPCODEC_NAME_MAX - 1 bytes */
	size_t nruns;
	const uint32_t *run_len; /* [nruns]: values of each run, in order */
	size_t nvalues;          /* the sum of run_len */
	const double *values;    /* [nvalues] */
};

/* What sampcodec_decode() hands back: n series, all in one allocation. */
struct sampcodec_set {
	size_t n;
	struct sampcodec_series *s;
	void *mem;
};

/*
 * Reusable zstd contexts and scratch space, so that coding many small
 * blobs allocates nothing after the first.  Use by one thread at a time.
 */
struct sampcodec;

/* 0, or -ENOMEM. */
int sampcodec_new(struct sampcodec **out);
void sampcodec_free(struct sampcodec *c);

/*
 * Append the blob of the n series s to out.  c may be NULL (contexts for
 * this call only).  Returns 0; -EINVAL when a series breaks the limits
 * above, its name is empty, too long or holds a NUL, or its run lengths
 * do not add up to nvalues; -ENOMEM.  On error out is as it was.
 */
int sampcodec_encode(struct sampcodec *c, const struct sampcodec_series *s, size_t n,
		     struct strbuf *out);

/*
 * Decode the len bytes at blob into set, which the caller releases with
 * sampcodec_set_release() (also after an error: it then holds nothing).
 * max_values bounds the values of all series together, and with it what
 * decoding may allocate (at most SAMPCODEC_MAX_VALUES).  Returns 0;
 * -EBADMSG when blob is not a blob of this format; -E2BIG when it holds
 * more than max_values values; -ENOMEM.  c may be NULL.
 */
int sampcodec_decode(struct sampcodec *c, const void *blob, size_t len, size_t max_values,
		     struct sampcodec_set *set);
void sampcodec_set_release(struct sampcodec_set *set);

/* The series named name in set, or NULL. */
const struct sampcodec_series *sampcodec_set_find(const struct sampcodec_set *set,
						  const char *name);

#endif
