/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_NOISE_INTERNAL_H
#define FW_NOISE_INTERNAL_H

/* Shared by collectors/noise.c and collectors/noise_counters.c only. */
#include <stdint.h>

#include "lib/strbuf.h"

/* root+rel into out (reset first), without doubling the '/' between them. */
void noise_root_path(const char *root, const char *rel, struct strbuf *out);
/* The file root+rel into sb (reset first): 0 or a negative errno. */
int noise_read_rel(const char *root, const char *rel, struct strbuf *sb);
/* b[cpu] - a[cpu] of two counter arrays (0 past either's end, or when it went backwards). */
uint64_t noise_delta_at(const uint64_t *a, unsigned na, const uint64_t *b, unsigned nb, unsigned cpu);

#endif
