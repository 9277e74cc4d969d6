/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_PARSE_H
#define FW_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse a size such as "1G", "512M", "64k", "4096" (binary multiples:
 * K/M/G/T, optional trailing "iB" or "B", case-insensitive).  Returns 0,
 * or -EINVAL for malformed text and -ERANGE for a size that overflows.
 */
int parse_size(const char *s, uint64_t *out);

/* Parse a decimal unsigned integer in [min, max]; 0 or -EINVAL/-ERANGE. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Whether s holds no control character (C0 or DEL): text fit for one line of a log or a form. */
bool parse_text_ok(const char *s);
/*
 * Whether s is a name as hosts and people are called: 1 to max bytes of
 * text (parse_text_ok) without '/', so that it fits one URL path segment.
 */
bool parse_name_ok(const char *s, size_t max);

/*
 * Workload names, the one rule that the collector's table follows and
 * forkwatchd enforces on what it stores: 1 to WORKLOAD_NAME_MAX - 1 bytes
 * of lower-case letters, digits, '-' and '_', a letter first.  The daemon
 * learns which workloads exist from the rows it stores, so a new workload
 * needs no change there, only a name that passes this.
 */
#define WORKLOAD_NAME_MAX 32
bool parse_workload_ok(const char *s);

/* Parse a finite decimal number (strtod syntax, nothing after it); 0 or -EINVAL. */
int parse_real(const char *s, double *out);

/* Format bytes as "1G", "64M", "16k" when exact, else as plain bytes. */
void parse_format_size(uint64_t bytes, char *buf, unsigned long len);

#endif
